"""The demo tender end to end: the real investigation SAD000000011742 read, checked and classified, then the clauses."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from grondwerk.clauses.docx_writer import docx_text
from grondwerk.clauses.stage import run_clauses_stage
from grondwerk.dossier import Dossier

T0 = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def demo_dossier(tmp_path_factory, tender):
    inspection = pytest.importorskip("grondwerk.inspection.stage")
    quality = pytest.importorskip("grondwerk.quality.stage")
    classification = pytest.importorskip("grondwerk.classification.stage")
    dossier = Dossier(tmp_path_factory.mktemp("demo") / "KRW-2027-014")
    for stage, run in (
        ("inspection", inspection.run_inspection_stage),
        ("quality", quality.run_quality_stage),
        ("classification", classification.run_classification_stage),
    ):
        dossier.record_stage(stage, run(tender, dossier), started=T0, finished=T0)
    return dossier


def test_demo_clauses_follow_classification(demo_dossier, tender):
    result = run_clauses_stage(tender, demo_dossier)

    partijen = json.loads((demo_dossier.path / "05_classification" / "partijen.json").read_text(encoding="utf-8"))
    record = json.loads((demo_dossier.path / "06_clauses" / "round-1" / "clauses.json").read_text(encoding="utf-8"))
    lines = docx_text(demo_dossier.path / "06_clauses" / "round-1" / "clauses.docx")
    classes = {partij["class"] for partij in partijen}
    ids = [clause["id"] for clause in record["clauses"]]
    assert ids[0] == "eigendom"
    assert ("niet_toepasbaar" in ids) == ("niet_toepasbaar" in classes)
    assert result.summary["variants"]["bestemming"] == "geen_match"
    assert result.summary["variants"]["kwaliteit"] == ("gescheiden_klassen" if len(classes) > 1 else "een_klasse")
    for partij in partijen:
        assert any(line.startswith(f"{partij['partij_id']} | ") and "| Bodemonderzoek SAD000000011742" in line for line in lines), partij["partij_id"]


def test_demo_clauses_flag_indicative_classes(demo_dossier, tender):
    # 19 samples of SAD000000011742 (lood and PAK boreholes, SB01) lack most of the standard package.
    run_clauses_stage(tender, demo_dossier)
    partijen = json.loads((demo_dossier.path / "05_classification" / "partijen.json").read_text(encoding="utf-8"))
    rows = {line.split(" | ")[0]: line.split(" | ") for line in docx_text(demo_dossier.path / "06_clauses" / "round-1" / "clauses.docx") if " | " in line}

    indicative = [p for p in partijen if p["klasse_indicatief"]]
    assert len(indicative) == 19
    for partij in partijen:
        klasse, evidence = rows[partij["partij_id"]][1], rows[partij["partij_id"]][5]
        if partij["klasse_indicatief"]:
            assert klasse.endswith(" (indicatief)"), partij["partij_id"]
            assert "analysepakket onvolledig" in evidence
            assert ", ".join(partij["ontbrekende_stoffen"]) in evidence
        else:
            assert "indicatief" not in klasse, partij["partij_id"]
            assert evidence == "Bodemonderzoek SAD000000011742"
    assert rows["1786305-1"][1] == "Klasse wonen (indicatief)"
    assert rows["M06"][1] == "Klasse industrie"
