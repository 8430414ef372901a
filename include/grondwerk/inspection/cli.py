"""``grondwerk inspection read FILE``: print the analyses table of one inspection file."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

from grondwerk.i18n import text


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "inspection",
        help=text("inspectiegegevens (SIKB0101, BRO SAD, labexport)", "inspection data (SIKB0101, BRO SAD, lab export)"),
    )
    commands = parser.add_subparsers(dest="inspection_command", metavar=text("opdracht", "command"), parser_class=type(parser))
    read = commands.add_parser(
        "read",
        help=text(
            "lees een SIKB0101-, BRO SAD-, CSV- of XLSX-bestand en toon de analysetabel",
            "read a SIKB0101, BRO SAD, CSV or XLSX file and print the analyses table",
        ),
    )
    read.add_argument("file", metavar=text("BESTAND", "FILE"), help=text("het inspectiebestand", "the inspection file"))
    read.add_argument(
        "--format",
        choices=("csv", "json"),
        default="csv",
        help=text(
            "uitvoer: csv (één tabel) of json (samenvatting en alle tabellen); standaard csv",
            "output: csv (one table) or json (summary and all tables); default csv",
        ),
    )
    read.add_argument(
        "--table",
        choices=("analyses", "samples", "quarantine"),
        default="analyses",
        help=text("welke tabel csv toont; standaard analyses", "which table csv prints; default analyses"),
    )
    read.set_defaults(func=handle_read)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _records(frame) -> list[dict]:
    records = frame.to_dict(orient="records")
    for record in records:
        for key, value in record.items():
            if isinstance(value, float) and math.isnan(value):
                record[key] = None
    return records


def handle_read(args: argparse.Namespace) -> int:
    from grondwerk.inspection import read_inspection

    data = read_inspection(args.file)
    try:
        _print_tables(args, data)
    except BrokenPipeError:
        # The reader of stdout (e.g. ``head``) closed the pipe; stop quietly as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _print_tables(args: argparse.Namespace, data) -> None:
    summary = data.summary
    if args.format == "json":
        document = {
            "summary": summary,
            "analyses": _records(data.analyses),
            "samples": _records(data.samples),
            "quarantine": _records(data.quarantine),
        }
        json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        frame = {"analyses": data.analyses, "samples": data.samples, "quarantine": data.quarantine}[args.table]
        frame.to_csv(sys.stdout, index=False, na_rep="", lineterminator="\n")
    print(
        text(
            f"{summary['rows_in']} metingen gelezen, {summary['rows_out']} overgenomen, {summary['rows_quarantined']} in quarantaine; "
            f"{summary['analyses']} analyses, {summary['below_limit']} onder de rapportagegrens ({summary['format']}).",
            f"{summary['rows_in']} measurements read, {summary['rows_out']} accepted, {summary['rows_quarantined']} quarantined; "
            f"{summary['analyses']} analyses, {summary['below_limit']} below the reporting limit ({summary['format']}).",
        ),
        file=sys.stderr,
    )
