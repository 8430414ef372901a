"""``grondwerk classify FILE``: classify the samples of an inspection file and print the classes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

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
    from grondwerk.classification.longcsv import is_long_csv, read_long_csv

    if is_long_csv(path):
        analyses, quarantine = read_long_csv(path)
        return analyses, None, quarantine
    from grondwerk.inspection import read_inspection

    data = read_inspection(path)
    return data.analyses, data.samples, data.quarantine


def handle_classify(args) -> int:
    from grondwerk.classification.engine import classify

    path = Path(args.file)
    if not path.is_file():
        raise InputError(msg("bestand bestaat niet; controleer het pad", "file does not exist; check the path"), file=str(path))
    analyses, samples, quarantine = _read(path)
    result = classify(analyses, samples)
    records = []
    for record in result.samples:
        item = {"sample_id": record["sample_id"], "class": record["class"], "decisive": record["decisive"],
                "intervention_exceeded": record["intervention_exceeded"], "class_waterbodem": record["class_waterbodem"],
                "tolerated": record["tolerated"], "pfas": record["pfas"]}
        if args.explain:
            item["explanation"] = record.get("explanation", [])
        records.append(item)
    if args.format == "json":
        json.dump(records, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for item in records:
            decisive = ", ".join(item["decisive"]) or "–"
            print(f"{item['sample_id']}\t{item['class'] or text('onbekend', 'unknown')}\t{text('bepalend', 'decisive')}: {decisive}")
    print(
        msg(
            "{rows} analyseregels, {samples} monsters geklasseerd, {ignored} regels niet getoetst, {quarantined} in quarantaine",
            "{rows} analysis rows, {samples} samples classified, {ignored} rows not tested, {quarantined} quarantined",
            rows=result.rows_in, samples=len(result.samples), ignored=len(result.ignored), quarantined=len(quarantine),
        ),
        file=sys.stderr,
    )
    return 0
