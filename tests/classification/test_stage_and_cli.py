"""The classification stage on the real investigation SAD000000011742, the ``classify`` command and the long CSV."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from grondwerk.classification.casestudy import render_markdown
from grondwerk.classification.engine import classify
from grondwerk.classification.longcsv import read_long_csv
from grondwerk.classification.stage import conclusion_texts, run_classification_stage
from grondwerk.cli import main
from grondwerk.dossier import Dossier
from grondwerk.errors import InputError
from grondwerk.tender import PartijSpec, load_tender_file


@pytest.fixture(scope="module")
def investigation(demo_dir):
    from grondwerk.inspection import read_inspection

    return read_inspection(demo_dir / "inspection" / "SAD000000011742_sikb.xml")


@pytest.fixture(scope="module")
def real_result(investigation):
    return classify(investigation.analyses, investigation.samples)


def by_id(records, key, value):
    return next(record for record in records if record[key] == value)


def test_real_rows_accounted(real_result, investigation):
    classified_rows = real_result.rows_in - len(real_result.ignored)
    assert real_result.rows_in == len(investigation.analyses)
    assert classified_rows > 0
    assert set(real_result.ignored["reason_nl"]) <= {
        "geen toetsingswaarde: parameter staat niet in de normtabel",
        "geen gehalte in grond (eenheid is geen massafractie zoals mg/kg)",
        "deelfractie, niet getoetst (alleen het totaal wordt getoetst)",
    }


def test_real_m06_lead_and_zinc_by_hand(real_result):
    # M06: lutum 4.4 %, organic matter 1.0 % (counts as 2).
    # lood 79 × 85 / (50 + 4.4 + 2) = 119.0603; zink 110 × 140 / (50 + 13.2 + 3) = 232.6284 (> wonen 200)
    record = by_id(real_result.samples, "sample_id", "M06")
    lines = {line["stof"]: line for line in record["explanation"]}
    assert lines["lood"]["gestandaardiseerd_mg_per_kg"] == pytest.approx(119.0603, rel=1e-5)
    assert lines["zink"]["gestandaardiseerd_mg_per_kg"] == pytest.approx(232.6284, rel=1e-5)
    assert record["class"] == "industrie"
    assert record["decisive"] == ["zink"]


def test_real_m03_background(real_result):
    record = by_id(real_result.samples, "sample_id", "M03")
    assert record["class"] == "achtergrondwaarde"
    assert record["elevated_substances"] == 0


def test_real_pcb_below_limit_compliant(real_result):
    # M06 reports every PCB below 1 µg/kg, the required limit: compliant
    record = by_id(real_result.samples, "sample_id", "M06")
    line = by_id(record["explanation"], "stof", "PCB (som 7)")
    assert line["oordeel"].startswith("< RG")
    assert line["gebruikt_mg_per_kg"] == pytest.approx(0.0049)


def test_real_markdown_page(real_result, investigation, demo_dir):
    page = render_markdown(demo_dir / "inspection" / "SAD000000011742_sikb.xml", real_result, investigation.samples)
    assert "| M06 | mengmonster | 4.4 | 1 | industrie | zink |" in page
    assert "### M03: achtergrondwaarde" in page


def write_inspection_tables(dossier, investigation):
    folder = dossier.stage_dir("inspection")
    investigation.analyses.to_csv(folder / "analyses.csv", index=False)
    investigation.samples.to_csv(folder / "samples.csv", index=False)


def test_stage_default_partijen(tmp_path, demo_dir, investigation):
    tender = load_tender_file(demo_dir / "tender.yaml")
    dossier = Dossier(tmp_path / "run")
    write_inspection_tables(dossier, investigation)
    result = run_classification_stage(tender, dossier)

    out = dossier.path / "05_classification"
    partijen = json.loads((out / "partijen.json").read_text(encoding="utf-8"))
    assert len(partijen) == result.summary["partijen"]
    assert sum(p["volume_m3"] for p in partijen) == pytest.approx(tender.released_volume_m3)
    assert {"partij_id", "samples", "class", "decisive", "intervention_exceeded", "pfas", "volume_m3", "soil_type"} <= set(partijen[0])
    assert (out / "report.docx").stat().st_size > 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert result.conclusion_nl.startswith(f"{len(partijen)} partijen: ")
    assert "rbk_norms" in result.versions


def test_stage_rerun_is_identical(tmp_path, demo_dir, investigation):
    tender = load_tender_file(demo_dir / "tender.yaml")
    dossier = Dossier(tmp_path / "run")
    write_inspection_tables(dossier, investigation)
    run_classification_stage(tender, dossier)
    first = (dossier.path / "05_classification" / "partijen.json").read_bytes()
    run_classification_stage(tender, dossier)
    assert (dossier.path / "05_classification" / "partijen.json").read_bytes() == first
    assert sorted(p.name for p in (dossier.path / "05_classification").iterdir()) == ["partijen.json", "report.docx", "report.html", "samples.json"]


def test_stage_tender_partijen(tmp_path, demo_dir, investigation):
    tender = load_tender_file(demo_dir / "tender.yaml")
    tender = dataclasses.replace(tender, partijen=(PartijSpec("P1", ("M03", "M06"), 500.0, "zand"),))
    dossier = Dossier(tmp_path / "run")
    write_inspection_tables(dossier, investigation)
    result = run_classification_stage(tender, dossier)
    partijen = json.loads((dossier.path / "05_classification" / "partijen.json").read_text(encoding="utf-8"))
    assert [p["partij_id"] for p in partijen] == ["P1"]
    assert partijen[0]["volume_m3"] == 500.0
    assert result.summary["partij_rule"] == "tender"


def test_stage_without_inputs(tmp_path, demo_dir):
    tender = load_tender_file(demo_dir / "tender.yaml")
    with pytest.raises(InputError):
        run_classification_stage(tender, Dossier(tmp_path / "empty"))


def test_conclusion_text():
    partijen = [
        {"class": "achtergrondwaarde", "decisive": []},
        {"class": "achtergrondwaarde", "decisive": []},
        {"class": "wonen", "decisive": ["lood", "zink"]},
    ]
    nl, en, counts = conclusion_texts(partijen)
    assert nl == "3 partijen: 2 achtergrondwaarde, 1 wonen (bepalend: lood, zink)"
    assert en.startswith("3 lots: 2 background value")
    assert counts == {"achtergrondwaarde": 2, "wonen": 1}


LONG_CSV = "sample_id;parameter;value;unit;limit_symbol\nA;lood;60;mg/kg;\nA;zink;150;mg/kg;\nA;lutum;25;%;\nA;organische stof;10;%;\nA;PAK (som 10);<0,35;mg/kg;\nA;minerale olie;n.b.;mg/kg;\nB;lood;40;mg/kg;\nB;cadmium;0,2;mg/kg;<\n"


def test_long_csv_reader(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text(LONG_CSV, encoding="utf-8")
    analyses, quarantine = read_long_csv(path)
    assert len(analyses) + len(quarantine) == 8
    assert quarantine.iloc[0]["source_record"] == "regel 7"
    pak = analyses[analyses["parameter_code"] == "PAK (som 10)"].iloc[0]
    assert pak["value"] == 0.35
    assert pak["limit_symbol"] == "<"


def test_long_csv_missing_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("sample_id,parameter,value\nA,lood,5\n", encoding="utf-8")
    assert main(["classify", str(path)]) == 2


def test_cli_json_long_csv(tmp_path, capsys):
    path = tmp_path / "lab.csv"
    path.write_text(LONG_CSV, encoding="utf-8")
    assert main(["classify", str(path), "--format", "json"]) == 0
    captured = capsys.readouterr()
    records = json.loads(captured.out)
    assert [(r["sample_id"], r["class"], r["decisive"]) for r in records] == [
        ("A", "wonen", ["lood", "zink"]),
        ("B", "achtergrondwaarde", []),
    ]
    assert "1 in quarantaine" in captured.err


def test_cli_text_sikb(demo_dir, capsys):
    assert main(["classify", str(demo_dir / "inspection" / "SAD000000011742_sikb.xml")]) == 0
    out = capsys.readouterr().out
    assert "M06\tindustrie\tbepalend: zink" in out


def test_cli_missing_file(tmp_path, capsys):
    assert main(["classify", str(tmp_path / "missing.xml")]) == 2
    assert "bestaat niet" in capsys.readouterr().err


def test_engine_accepts_string_columns():
    # the stage reads CSVs as text; values and percentages must still parse
    frame = pd.DataFrame([
        {"sample_id": "S", "parameter_code": "Pb", "value": "60", "unit": "mg/kg", "limit_symbol": "", "condition": "dg"},
        {"sample_id": "S", "parameter_code": "Zn", "value": "100", "unit": "mg/kg", "limit_symbol": "", "condition": "dg"},
    ])
    samples = pd.DataFrame([{"sample_id": "S", "lutum_pct": "25", "organic_matter_pct": "10"}])
    record = classify(frame, samples).samples[0]
    assert record["class"] == "achtergrondwaarde"


def test_sikb_and_sad_agree(real_result, demo_dir):
    # the SIKB0101 and BRO SAD files of SAD000000011742 carry the same 554 analyses
    from grondwerk.inspection import read_inspection

    sad = read_inspection(demo_dir / "inspection" / "SAD000000011742.xml")
    sad_result = classify(sad.analyses, sad.samples)
    sikb_classes = {r["sample_id"]: (r["class"], r["decisive"]) for r in real_result.samples}
    sad_classes = {r["sample_id"]: (r["class"], r["decisive"]) for r in sad_result.samples}
    assert sad_classes == sikb_classes
    assert len(sad_result.ignored) == len(real_result.ignored)


def test_soil_type_from_texture_boundaries():
    from grondwerk.classification.soiltype import soil_type_from_texture

    assert soil_type_from_texture(7.9, 3.0) == "zand"
    assert soil_type_from_texture(8.0, 3.0) == "klei"
    assert soil_type_from_texture(30.0, 25.0) == "veen"
    assert soil_type_from_texture(None, 3.0) == "overig"


def test_partij_soil_type_derived_from_sample_means():
    import pandas as pd

    from grondwerk.classification.soiltype import fill_soil_types

    samples = pd.DataFrame({"sample_id": ["A", "B", "C"], "lutum_pct": [4.0, 10.0, 2.0], "organic_matter_pct": [1.0, 2.0, 1.0]})
    partijen = [{"samples": ["A", "C"], "soil_type": None}, {"samples": ["A", "B"], "soil_type": None}, {"samples": ["A"], "soil_type": "veen"}]
    assert fill_soil_types(partijen, samples) == 2
    assert [p["soil_type"] for p in partijen] == ["zand", "zand", "veen"]
    assert [p["soil_type_source"] for p in partijen] == ["afgeleid", "afgeleid", "aanbesteding"]
