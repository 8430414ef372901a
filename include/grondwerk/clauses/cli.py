"""``grondwerk clauses render``: render the tender clauses of a tender file to HTML, DOCX and JSON."""

from __future__ import annotations

import argparse
import json
import logging
import os
from pathlib import Path

from grondwerk.errors import InputError
from grondwerk.i18n import msg, text
from grondwerk.outputs import check_writable_folder, reject_unwritable

log = logging.getLogger(__name__)

# Stem and suffixes of the files that render writes into the --out folder. An --out path with
# one of the suffixes names a file, not the folder, and is rejected before a folder with that name is made.
OUTPUT_STEM = "clauses"
OUTPUT_SUFFIXES = (".docx", ".html", ".json")


def _key_value(raw: str, option: str) -> tuple[str, str]:
    if "=" not in raw:
        raise InputError(
            msg("{option} verwacht NAAM=WAARDE, niet {value!r}", "{option} expects NAME=VALUE, not {value!r}", option=option, value=raw),
            record=option, value=raw,
        )
    name, value = raw.split("=", 1)
    return name.strip(), value.strip()


def _variable_value(value: str):
    """Read a --set value as JSON when possible (numbers), else as text."""
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _check_out_folder(out: Path) -> None:
    """Raise ``InputError`` when ``--out`` does not exist yet and looks like a file name (``x.docx``).

    Call it after ``check_writable_folder``, which rejects a path that cannot
    be written or that is an existing file.
    """
    if out.suffix.lower() not in OUTPUT_SUFFIXES or os.path.exists(out):
        return
    raise InputError(
        msg(
            "{value} eindigt op {suffix}, maar --out is de map waarin clauses.html, clauses.docx en clauses.json komen; "
            "geef een map, bijvoorbeeld {folder}",
            "{value} ends in {suffix}, but --out is the folder that receives clauses.html, clauses.docx and clauses.json; "
            "give a folder, for example {folder}",
            value=out, suffix=out.suffix, folder=out.with_suffix(""),
        ),
        record="--out", value=str(out),
    )


def render_command(args: argparse.Namespace) -> int:
    from grondwerk.clauses.catalogue import load_catalogue
    from grondwerk.clauses.facts import load_partijen, normalise_flows, partijen_from_tender
    from grondwerk.clauses.render import DOCUMENT_TITLE, render_clauses
    from grondwerk.clauses.stage import write_rendered
    from grondwerk.jsonfile import read_json
    from grondwerk.tender import load_tender_file

    out = Path(args.out)
    # Checked before any input is read, so that a path that cannot be written is reported before rendering.
    check_writable_folder(out, [OUTPUT_STEM + suffix for suffix in OUTPUT_SUFFIXES], "--out")
    _check_out_folder(out)
    tender = load_tender_file(args.tender)
    catalogue = load_catalogue(Path(args.templates) if args.templates else None)
    partijen = load_partijen(Path(args.partijen)) if args.partijen else partijen_from_tender(tender)
    proposal = read_json(Path(args.proposal), expect=dict) if args.proposal else None
    flows = normalise_flows(proposal, partijen, tender.reference, source=args.proposal or "proposal")
    variants = dict(_key_value(item, "--variant") for item in args.variant)
    variables = {name: _variable_value(value) for name, value in (_key_value(item, "--set") for item in args.set)}

    rendered = render_clauses(
        tender, partijen, flows, catalogue, variant_choices=variants, variable_overrides=variables, source="opdrachtregel",
    )
    with reject_unwritable(args.out, "--out"):
        outputs = write_rendered(
            rendered, out, OUTPUT_STEM, DOCUMENT_TITLE,
            {"round": None, "overrides": {"variants": variants, "variables": variables}, "proposal_used": bool(flows)},
        )
    for clause in rendered.clauses:
        print(f"{text('Artikel', 'Article')} {clause.number}. {clause.spec.title} [{clause.spec.id}: {clause.selected.variant}]")
    if not args.partijen:
        print(text(
            "Let op: zonder --partijen zijn de partijen nog niet geclassificeerd; de teksten schrijven een partijkeuring voor.",
            "Note: without --partijen the partijen are not classified yet; the clauses require a partijkeuring.",
        ))
    for path in outputs:
        print(path)
    print(f"sha256 {rendered.sha256}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "clauses",
        help=text("bestekteksten voor vrijkomende grond", "tender clauses for released soil"),
        description=text(
            "Bestekteksten die vrijkomende grond publiek houden: eigendom, bestemming, kwaliteit, transport, meldingen, depot, CO2 en staat van hoeveelheden.",
            "Tender clauses that keep released soil public: ownership, destination, quality, transport, meldingen, depot, CO2 and bill of quantities.",
        ),
    )

    commands = parser.add_subparsers(dest="clauses_command", metavar=text("opdracht", "command"))
    render = commands.add_parser(
        "render",
        help=text("maak de bestekteksten als HTML, DOCX en JSON", "render the clauses as HTML, DOCX and JSON"),
        description=text(
            "Maak de bestekteksten van een aanbesteding. De artikelen en varianten volgen uit de aanbesteding, de partijen en het matchvoorstel.",
            "Render the clauses of a tender. Articles and variants follow from the tender, the partijen and the match proposal.",
        ),
    )

    render.add_argument("tender", help=text("aanbestedingsbestand (YAML of JSON)", "tender file (YAML or JSON)"))
    render.add_argument("--out", required=True, metavar=text("MAP", "DIR"), help=text(
        "map voor clauses.html, clauses.docx en clauses.json; een nieuw pad op .docx, .html of .json wordt geweigerd",
        "folder for clauses.html, clauses.docx and clauses.json; a new path ending in .docx, .html or .json is rejected",
    ))
    render.add_argument("--partijen", help=text(
        "partijen.json van de classificatie; zonder dit bestand gelden de partijen uit de aanbesteding als nog niet geclassificeerd",
        "partijen.json from the classification; without it the tender's partijen count as not yet classified",
    ))
    render.add_argument("--proposal", help=text("proposal.json van de matching (optioneel)", "proposal.json from the matching (optional)"))
    render.add_argument("--variant", action="append", default=[], metavar="CLAUSULE=VARIANT", help=text(
        "kies een variant, bijvoorbeeld meldingen=aannemer (herhaalbaar)", "choose a variant, for example meldingen=aannemer (repeatable)",
    ))
    render.add_argument("--set", action="append", default=[], metavar="NAAM=WAARDE", help=text(
        "zet een contractvariabele uit de catalogus, bijvoorbeeld boete_per_dag=2500 (herhaalbaar)",
        "set a contract variable from the catalogue, for example boete_per_dag=2500 (repeatable)",
    ))
    render.add_argument("--templates", help=text("map met de clausulebibliotheek (standaard tender_templates/)", "folder of the clause library (default tender_templates/)"))

    render.set_defaults(func=render_command)
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)
