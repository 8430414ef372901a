"""``grondwerk classify FILE``: classify the samples of an inspection file and print the classes."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from grondwerk.classification.analysis_package import count_indicative, indicative_flag, unconfirmed_note
from grondwerk.errors import InputError
from grondwerk.i18n import msg, text


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "classify",
        help=text("bepaal de bodemkwaliteitsklasse per monster", "determine the soil quality class per sample"),
        description=text(
            "Toets elk monster aan de Regeling bodemkwaliteit (achtergrondwaarde, wonen, industrie, niet toepasbaar). "
            "Invoer: SIKB0101, BRO SAD, lab-CSV/XLSX, of een lange CSV met kolommen sample_id, parameter, value, unit, limit_symbol.",
            "Test every sample against the Regeling bodemkwaliteit (achtergrondwaarde, wonen, industrie, niet toepasbaar). "
            "Input: SIKB0101, BRO SAD, lab CSV/XLSX, or a long CSV with columns sample_id, parameter, value, unit, limit_symbol.",
        ),
    )
    parser.add_argument("file", help=text("het inspectiebestand", "the inspection file"))
    parser.add_argument(
        "--format", choices=("text", "json"), default="text",
        help=text("uitvoer als tekst (standaard) of als JSON-lijst", "output as text (default) or as a JSON list"),
    )
    parser.add_argument(
        "--explain", action="store_true",
        help=text("neem de toelichting per stof op", "include the explanation per substance"),
    )
    parser.set_defaults(func=handle_classify)


def _read(path: Path):
    """Return (analyses, samples or None, quarantine, rows read) of an inspection file or a long CSV."""
    from grondwerk.classification.longcsv import is_long_csv, read_long_csv

    if is_long_csv(path):
        analyses, quarantine = read_long_csv(path)
        return analyses, None, quarantine, len(analyses) + len(quarantine)
    from grondwerk.inspection import read_inspection

    data = read_inspection(path)
    return data.analyses, data.samples, data.quarantine, data.summary["rows_in"]


def _print_quarantine(quarantine) -> None:
    """Print one line per quarantined row to stderr: file, row and reason in the user's language."""
    for row in quarantine.to_dict(orient="records"):
        reason = text(row["reason_nl"], row["reason_en"])
        print(f"{row['source_file']}: {row['source_record']}: {text('in quarantaine', 'quarantined')}: {reason}", file=sys.stderr)


def _print_records(records: list[dict], output_format: str) -> None:
    """Print the classified samples to stdout as JSON or as one tab-separated line per sample."""
    if output_format == "json":
        json.dump(records, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for item in records:
            decisive = ", ".join(item["decisive"]) or "–"
            line = f"{item['sample_id']}\t{item['class'] or text('onbekend', 'unknown')}\t{text('bepalend', 'decisive')}: {decisive}"
            flag = indicative_flag(item)
            print(f"{line}\t{flag}" if flag else line)
    # Flush here, so that a closed pipe raises inside the caller's handler and not at interpreter exit.
    sys.stdout.flush()


def handle_classify(args) -> int:
    from grondwerk.classification.engine import classify

    path = Path(args.file)
    if not path.is_file():
        raise InputError(msg("bestand bestaat niet; controleer het pad", "file does not exist; check the path"), file=str(path))
    analyses, samples, quarantine, rows_read = _read(path)
    result = classify(analyses, samples)
    records = []
    for record in result.samples:
        item = {"sample_id": record["sample_id"], "class": record["class"], "decisive": record["decisive"],
                "intervention_exceeded": record["intervention_exceeded"], "class_waterbodem": record["class_waterbodem"],
                "tolerated": record["tolerated"], "pfas": record["pfas"],
                "klasse_indicatief": record["klasse_indicatief"], "analysepakket_volledig": record["analysepakket_volledig"],
                "ontbrekende_stoffen": record["ontbrekende_stoffen"], "ontbrekende_bodemkenmerken": record["ontbrekende_bodemkenmerken"]}
        if args.explain:
            item["explanation"] = record.get("explanation", [])
        records.append(item)
    try:
        _print_records(records, args.format)
    except BrokenPipeError:
        # The reader of stdout (e.g. ``head``) closed the pipe; stop writing to it quietly as other
        # command-line tools do. The counts below go to stderr and are still printed.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    _print_quarantine(quarantine)
    print(
        msg(
            "{read} regels gelezen: {rows} analyseregels, {quarantined} in quarantaine; "
            "{samples} monsters geklasseerd, {ignored} regels niet getoetst",
            "{read} rows read: {rows} analysis rows, {quarantined} quarantined; "
            "{samples} samples classified, {ignored} rows not tested",
            read=rows_read, rows=result.rows_in, samples=len(result.samples), ignored=len(result.ignored), quarantined=len(quarantine),
        ),
        file=sys.stderr,
    )
    indicative = count_indicative(result.samples)
    if indicative:
        print(
            msg(
                "{count} van {samples} monsters niet op het volledige standaardpakket geanalyseerd: hun klasse is indicatief",
                "{count} of {samples} samples not analysed for the whole standard package: their class is indicative",
                count=indicative, samples=len(result.samples),
            ),
            file=sys.stderr,
        )
        note = unconfirmed_note(result.analysis_package) if result.analysis_package else None
        if note:
            print(note, file=sys.stderr)
    return 0
