"""Golden files: the full clause output of each scenario, compared byte for byte (HTML, JSON) and by text (DOCX)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from grondwerk.clauses.docx_writer import docx_text
from grondwerk.clauses.stage import run_clauses_stage

from .conftest import SCENARIO_NAMES

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("GRONDWERK_UPDATE_GOLDEN") == "1"

EXPECTED_VARIANTS = {
    "clean_with_match": {
        "eigendom": "standaard", "bestemming": "match", "kwaliteit": "een_klasse", "transport": "standaard",
        "meldingen": "opdrachtgever", "co2": "standaard", "onverwachte_verontreiniging": "standaard", "staat_van_hoeveelheden": "standaard",
    },
    "mixed_with_depot": {
        "eigendom": "standaard", "bestemming": "match", "kwaliteit": "gescheiden_klassen", "transport": "standaard",
        "meldingen": "opdrachtgever", "depot": "uit_match", "co2": "standaard", "onverwachte_verontreiniging": "standaard",
        "staat_van_hoeveelheden": "standaard",
    },
    "no_match": {
        "eigendom": "standaard", "bestemming": "geen_match", "kwaliteit": "een_klasse", "transport": "standaard",
        "meldingen": "opdrachtgever", "depot": "tussenopslag", "co2": "standaard", "onverwachte_verontreiniging": "standaard",
        "staat_van_hoeveelheden": "standaard",
    },
    "niet_toepasbaar": {
        "eigendom": "standaard", "bestemming": "geen_match", "kwaliteit": "gescheiden_klassen", "niet_toepasbaar": "standaard",
        "transport": "standaard", "meldingen": "opdrachtgever", "depot": "tussenopslag", "co2": "standaard",
        "onverwachte_verontreiniging": "standaard", "staat_van_hoeveelheden": "standaard",
    },
}


def _compare(actual: str, golden_path: Path) -> None:
    if UPDATE:
        golden_path.parent.mkdir(parents=True, exist_ok=True)
        golden_path.write_text(actual, encoding="utf-8")
    assert golden_path.is_file(), f"golden file {golden_path} missing; run with GRONDWERK_UPDATE_GOLDEN=1"
    assert actual == golden_path.read_text(encoding="utf-8"), f"output differs from {golden_path}"


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_scenario_matches_golden_files(scenario, tender, make_dossier):
    dossier = make_dossier(scenario)
    result = run_clauses_stage(tender, dossier, round_no=1)
    round_dir = dossier.path / "06_clauses" / "round-1"

    assert result.summary["variants"] == EXPECTED_VARIANTS[scenario]
    _compare((round_dir / "clauses.html").read_text(encoding="utf-8"), GOLDEN / scenario / "clauses.html")
    _compare((round_dir / "clauses.json").read_text(encoding="utf-8"), GOLDEN / scenario / "clauses.json")
    _compare("\n".join(docx_text(round_dir / "clauses.docx")) + "\n", GOLDEN / scenario / "clauses.docx.txt")


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_scenario_record_lists_clause_metadata(scenario, tender, make_dossier):
    dossier = make_dossier(scenario)
    run_clauses_stage(tender, dossier)
    record = json.loads((dossier.path / "06_clauses" / "round-1" / "clauses.json").read_text(encoding="utf-8"))

    assert record["round"] == 1
    assert record["clauses"][0]["id"] == "eigendom"
    for clause in record["clauses"]:
        assert clause["version"]
        assert clause["legal_basis"]
        assert clause["reason"]
        assert clause["triggered_by"], clause["id"]
