"""The standard analysis package check: which substances a sample or partij lacks, and the indicatief flag."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from grondwerk.classification.analysis_package import PACKAGE_FILE, AnalysisPackage, default_package, indicative_flag, load_package
from grondwerk.classification.engine import classify
from grondwerk.classification.norms import default_norms
from grondwerk.classification.report import render_html
from grondwerk.classification.stage import conclusion_texts, run_classification_stage
from grondwerk.cli import main
from grondwerk.dossier import Dossier
from grondwerk.errors import InputError
from grondwerk.tender import load_tender_file

STANDARD = {"lutum": 25.0, "organische stof": 10.0}
PAK = ["naftaleen", "fenantreen", "antraceen", "fluorantheen", "chryseen", "benzo(a)antraceen", "benzo(a)pyreen",
       "benzo(k)fluorantheen", "indeno(1,2,3-cd)pyreen", "benzo(ghi)peryleen"]
# One value per substance of the packaged standard package, all at or below the achtergrondwaarde.
FULL_PACKAGE = [("barium", 100), ("cadmium", 0.3), ("kobalt", 8), ("koper", 20), ("kwik", 0.05), ("lood", 30),
                ("molybdeen", 0.5), ("nikkel", 20), ("zink", 80), ("PAK (som 10)", 0.5), ("PCB (som 7)", 0.01),
                ("minerale olie", 50)]
PACKAGE_NAMES = ["barium", "cadmium", "kobalt", "koper", "kwik", "lood", "molybdeen", "nikkel", "zink",
                 "PAK (som 10)", "PCB (som 7)", "minerale olie"]


def frame(rows, sample="S1", soil=STANDARD):
    records = [{"sample_id": sample, "parameter_code": name, "value": value, "unit": "mg/kg", "limit_symbol": "", "condition": ""} for name, value in rows]
    for name, value in (soil or {}).items():
        records.append({"sample_id": sample, "parameter_code": name, "value": value, "unit": "%", "limit_symbol": "", "condition": ""})
    return pd.DataFrame(records)


def without(rows, *names):
    return [row for row in rows if row[0] not in names]


@pytest.fixture(scope="module")
def investigation(demo_dir):
    from grondwerk.inspection import read_inspection

    return read_inspection(demo_dir / "inspection" / "SAD000000011742_sikb.xml")


@pytest.fixture(scope="module")
def real_result(investigation):
    return classify(investigation.analyses, investigation.samples)


def test_packaged_file_is_valid_and_unconfirmed():
    package = load_package(PACKAGE_FILE, default_norms())
    assert [default_norms().substances[s].name_nl for s in package.substances] == PACKAGE_NAMES
    assert package.soil_properties == ("lutum", "organic_matter")
    assert package.confirmed is False


def test_full_package_is_complete():
    record = classify(frame(FULL_PACKAGE)).samples[0]
    assert record["analysepakket_volledig"] is True
    assert record["ontbrekende_stoffen"] == []
    assert record["ontbrekende_bodemkenmerken"] == []
    assert record["klasse_indicatief"] is False
    assert indicative_flag(record) is None


def test_lead_only_sample_is_indicative():
    record = classify(frame([("lood", 100)])).samples[0]
    assert record["class"] == "wonen"
    assert record["klasse_indicatief"] is True
    assert record["ontbrekende_stoffen"] == [name for name in PACKAGE_NAMES if name != "lood"]
    assert indicative_flag(record).render("nl").startswith("indicatief: analysepakket onvolledig, ontbreekt: barium, cadmium")


def test_package_check_keeps_the_class():
    # The same analyses under a package that requires only lood: every class stays the same.
    data = pd.concat([frame([("lood", 100)], "S1"), frame([("zink", 900)], "S2"), frame(FULL_PACKAGE, "S3")], ignore_index=True)
    lead_only = AnalysisPackage(("lood",), (), "alleen-lood.1", "test", True, "test")
    default = classify(data)
    narrow = classify(data, package=lead_only)
    assert [r["class"] for r in default.samples] == [r["class"] for r in narrow.samples] == ["wonen", "niet_toepasbaar", "achtergrondwaarde"]
    assert [r["klasse_indicatief"] for r in default.samples] == [True, True, False]
    assert [r["klasse_indicatief"] for r in narrow.samples] == [False, True, False]
    assert narrow.samples[1]["ontbrekende_stoffen"] == ["lood"]


def test_missing_lutum_is_listed():
    record = classify(frame(FULL_PACKAGE, soil={"organische stof": 10.0})).samples[0]
    assert record["ontbrekende_stoffen"] == []
    assert record["ontbrekende_bodemkenmerken"] == ["lutum"]
    assert record["klasse_indicatief"] is True


def test_lutum_from_samples_table_counts():
    samples = pd.DataFrame([{"sample_id": "S1", "lutum_pct": "12", "organic_matter_pct": "4"}])
    record = classify(frame(FULL_PACKAGE, soil=None), samples).samples[0]
    assert record["analysepakket_volledig"] is True


def test_incomplete_pak_sum_counts_as_missing():
    rows = without(FULL_PACKAGE, "PAK (som 10)") + [(name, 0.05) for name in PAK[:4]]
    record = classify(frame(rows)).samples[0]
    assert record["ontbrekende_stoffen"] == ["PAK (som 10) (onvolledige som)"]
    assert record["klasse_indicatief"] is True


def test_complete_pak_components_count():
    rows = without(FULL_PACKAGE, "PAK (som 10)") + [(name, 0.05) for name in PAK]
    assert classify(frame(rows)).samples[0]["analysepakket_volledig"] is True


def test_untested_row_counts_as_missing():
    # cadmium in µg/l is groundwater and not tested, so the soil sample still lacks cadmium
    data = frame(without(FULL_PACKAGE, "cadmium"))
    water = pd.DataFrame([{"sample_id": "S1", "parameter_code": "cadmium", "value": 0.1, "unit": "µg/l", "limit_symbol": "", "condition": ""}])
    record = classify(pd.concat([data, water], ignore_index=True)).samples[0]
    assert record["ontbrekende_stoffen"] == ["cadmium"]


def test_partij_lists_gaps_per_sample():
    data = pd.concat([frame(FULL_PACKAGE, "S1"), frame(without(FULL_PACKAGE, "cadmium", "kwik"), "S2")], ignore_index=True)
    partij = classify(data, partijen={"P": {"samples": ["S1", "S2"], "volume_m3": 100.0}}).partijen[0]
    assert partij["class"] == "achtergrondwaarde"
    assert partij["ontbrekende_stoffen"] == ["cadmium", "kwik"]
    assert partij["ontbrekend_per_monster"] == {"S2": ["cadmium", "kwik"]}
    assert partij["klasse_indicatief"] is True


def test_partij_without_analysed_samples_lacks_everything():
    data = frame(FULL_PACKAGE, "S1")
    partijen = {"P1": {"samples": ["S1"], "volume_m3": 10.0}, "P2": {"samples": ["NIET-GEANALYSEERD"], "volume_m3": 10.0},
                "P3": {"samples": [], "volume_m3": 10.0}}
    records = {p["partij_id"]: p for p in classify(data, partijen=partijen).partijen}
    assert records["P1"]["analysepakket_volledig"] is True
    for partij_id in ("P2", "P3"):
        assert records[partij_id]["class"] is None
        assert records[partij_id]["ontbrekende_stoffen"] == PACKAGE_NAMES
        assert records[partij_id]["ontbrekende_bodemkenmerken"] == ["lutum", "organische stof"]
        # An unknown class is not called indicatief: there is no class to qualify.
        assert records[partij_id]["klasse_indicatief"] is False


def test_package_from_environment(tmp_path, monkeypatch):
    path = tmp_path / "pakket.json"
    path.write_text(json.dumps({"version": "eigen.1", "status": "bevestigd", "confirmed": True, "substances": ["lood", "zink"]}), encoding="utf-8")
    monkeypatch.setenv("GRONDWERK_ANALYSIS_PACKAGE", str(path))
    result = classify(frame([("lood", 30), ("zink", 80)]))
    assert result.versions["standaardpakket_grond"] == "eigen.1 (bevestigd)"
    assert result.samples[0]["analysepakket_volledig"] is True
    assert result.analysis_package.confirmed is True


@pytest.mark.parametrize(
    "content, record, value",
    [
        ({"version": "x", "status": "y", "substances": ["lood", "asbest"]}, "substances", "asbest"),
        ({"version": "x", "status": "y", "substances": []}, "substances", []),
        ({"version": "x", "status": "y", "substances": "lood"}, "substances", "lood"),
        ({"version": "x", "status": "y", "substances": ["lood"], "soil_properties": ["ph"]}, "soil_properties", "ph"),
        ({"status": "y", "substances": ["lood"]}, "version", None),
        ({"version": "x", "status": "y", "substances": ["lood"], "confirmed": "ja"}, "confirmed", "ja"),
    ],
)
def test_invalid_package_file(tmp_path, content, record, value):
    path = tmp_path / "pakket.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_package(path, default_norms())
    assert info.value.file == str(path)
    assert info.value.record == record
    assert info.value.value == value


def test_missing_package_file(tmp_path, monkeypatch):
    monkeypatch.setenv("GRONDWERK_ANALYSIS_PACKAGE", str(tmp_path / "weg.json"))
    with pytest.raises(InputError) as info:
        default_package(default_norms())
    assert "GRONDWERK_ANALYSIS_PACKAGE" in str(info.value)


def test_real_investigation_indicative_count(real_result):
    partijen = {p["partij_id"]: p for p in real_result.partijen}
    assert sum(p["klasse_indicatief"] for p in partijen.values()) == 19
    assert len(partijen) == 29
    # M01-M10 are mengmonsters analysed for the whole package.
    assert all(partijen[f"M{n:02d}"]["analysepakket_volledig"] for n in range(1, 11))
    assert partijen["1786305-1"]["class"] == "wonen"
    assert partijen["1786305-1"]["ontbrekende_stoffen"] == [name for name in PACKAGE_NAMES if name != "lood"]
    assert partijen["SB01"]["ontbrekende_bodemkenmerken"] == ["lutum"]


def test_conclusion_counts_indicative():
    partijen = [
        {"class": "wonen", "decisive": ["lood"], "klasse_indicatief": True},
        {"class": "achtergrondwaarde", "decisive": [], "klasse_indicatief": False},
    ]
    nl, en, _ = conclusion_texts(partijen)
    assert nl == "2 partijen: 1 achtergrondwaarde, 1 wonen (bepalend: lood); 1 van 2 indicatief (analysepakket onvolledig)"
    assert en.endswith("; 1 of 2 indicative (analysis package incomplete)")


def test_report_flags_indicative_partij():
    partij = {"partij_id": "P1", "samples": ["S1", "S2"], "class": "wonen", "decisive": ["lood"], "intervention_exceeded": False,
              "class_waterbodem": "A", "tolerated": [], "measured_substances": 1, "elevated_substances": 1, "allowed_elevated": 0,
              "pfas": None, "volume_m3": 10.0, "explanation": [], "analysepakket_volledig": False, "ontbrekende_stoffen": ["cadmium"],
              "ontbrekende_bodemkenmerken": [], "klasse_indicatief": True, "ontbrekend_per_monster": {"S2": ["cadmium"]}}
    page = render_html("T", "C", [partij], "", {}, {}, "Pakket niet bevestigd.")
    assert "wonen (indicatief)</span>" in page
    assert "<td>onvolledig, ontbreekt: cadmium (per monster: S2: cadmium)</td>" in page
    assert "1 van 1 partijen hebben een indicatieve klasse" in page
    assert "Pakket niet bevestigd." in page
    assert "wonen (1, waarvan 1 indicatief)" in page


def test_stage_marks_indicative_partijen(tmp_path, demo_dir, investigation):
    tender = load_tender_file(demo_dir / "tender.yaml")
    dossier = Dossier(tmp_path / "run")
    folder = dossier.stage_dir("inspection")
    investigation.analyses.to_csv(folder / "analyses.csv", index=False)
    investigation.samples.to_csv(folder / "samples.csv", index=False)
    result = run_classification_stage(tender, dossier)

    out = dossier.path / "05_classification"
    partijen = json.loads((out / "partijen.json").read_text(encoding="utf-8"))
    assert {"analysepakket_volledig", "ontbrekende_stoffen", "ontbrekende_bodemkenmerken", "klasse_indicatief", "ontbrekend_per_monster"} <= set(partijen[0])
    assert result.status == "warning"
    assert result.summary["partijen_indicative"] == 19
    assert result.conclusion_nl.endswith("; 19 van 29 indicatief (analysepakket onvolledig)")
    assert result.versions["standaardpakket_grond"].startswith("nen5740-standaardpakket-2008")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "niet bevestigd tegen NEN 5740" in page
    assert page.count("(indicatief)") >= 19


def test_cli_shows_indicative_flag(demo_dir, capsys):
    assert main(["classify", str(demo_dir / "inspection" / "SAD000000011742_sikb.xml")]) == 0
    captured = capsys.readouterr()
    lines = {line.split("\t")[0]: line for line in captured.out.splitlines()}
    assert lines["M06"] == "M06\tindustrie\tbepalend: zink"
    assert lines["1786305-1"].startswith("1786305-1\twonen\tbepalend: lood\tindicatief: analysepakket onvolledig, ontbreekt: barium")
    assert "19 van 29 monsters niet op het volledige standaardpakket geanalyseerd" in captured.err
    assert "GRONDWERK_ANALYSIS_PACKAGE" in captured.err


def test_cli_json_has_package_fields(demo_dir, capsys):
    assert main(["classify", str(demo_dir / "inspection" / "SAD000000011742_sikb.xml"), "--format", "json"]) == 0
    records = {r["sample_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert records["M06"]["analysepakket_volledig"] is True
    assert records["SB01"]["klasse_indicatief"] is True
    assert records["SB01"]["ontbrekende_bodemkenmerken"] == ["lutum"]
