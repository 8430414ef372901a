"""The quality stage on real GX runs: severities, quarantine arithmetic, reports and reruns."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from grondwerk.db import get_engine
from grondwerk.errors import DataQualityError
from grondwerk.quality.stage import run_quality_stage
from grondwerk.quality.store import quality_expectation_results, quality_runs

from quality_rows import analysis, clean_analyses, clean_samples, sample


def _results(dossier) -> dict:
    return json.loads((dossier.path / "04_quality" / "results.json").read_text(encoding="utf-8"))


def _quarantine(dossier) -> pd.DataFrame:
    return pd.read_csv(dossier.path / "04_quality" / "quarantine.csv", dtype=str, keep_default_na=False)


def _valid(dossier) -> pd.DataFrame:
    return pd.read_csv(dossier.path / "04_quality" / "analyses_valid.csv", dtype=str, keep_default_na=False)


def _expectation(results: dict, suite: str, expectation_id: str) -> dict:
    return next(item for item in results["suites"][suite]["expectations"] if item["id"] == expectation_id)


def test_clean_data_passes(make_dossier, demo_tender, store_url):
    dossier = make_dossier(clean_analyses(), clean_samples())
    result = run_quality_stage(demo_tender, dossier, store_url=store_url)
    assert result.status == "ok"
    assert result.summary["rows_in"] == 6
    assert result.summary["rows_out"] == 6
    assert result.summary["rows_quarantined"] == 0
    assert result.conclusion_nl.startswith("Alle datakwaliteitscontroles geslaagd.")
    assert result.versions["checks/analyses.json"] == "1.0.0 (2026-12-04)"
    assert len(_valid(dossier)) == 6
    assert _quarantine(dossier).empty
    assert (dossier.path / "04_quality" / "data_docs" / "index.html").is_file()
    assert not (dossier.path / "04_quality" / ".gx").exists()


def test_valid_rows_keep_reader_values(make_dossier, demo_tender, store_url):
    dossier = make_dossier(clean_analyses(), clean_samples())
    run_quality_stage(demo_tender, dossier, store_url=store_url)
    delivered = pd.read_csv(dossier.path / "03_inspection" / "analyses.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(_valid(dossier), delivered)


def broken_rows() -> list[dict]:
    return clean_analyses() + [
        analysis("M1-1", "Cu", -4.0),  # negative value
        analysis("M2-1", "Cd", 0.4, unit="kg/ha"),  # unknown unit
        analysis("M2-1", "Pb", 31.0),  # exact copy of an earlier M2-1/Pb row
        analysis("M1-1", "Zn", 99.0),  # conflicts with M1-1/Zn < 0.35
        analysis("M3-1", "lutum", 140.0, unit="%", condition="NVT"),  # lutum 140 %
        analysis("M3-1", "Pb", 12.0),  # fine itself, but its sample has lutum 140 %
    ]


def test_broken_file_quarantines_rows_with_reasons(make_dossier, demo_tender, store_url):
    samples = clean_samples() + [sample("M3-1", lutum=140.0)]
    dossier = make_dossier(broken_rows(), samples)
    result = run_quality_stage(demo_tender, dossier, store_url=store_url)

    assert result.status == "warning"
    quarantine = _quarantine(dossier)
    assert list(quarantine["source_record"]) == ["M1-1/Zn", "M1-1/Cu", "M2-1/Cd", "M2-1/Pb", "M1-1/Zn", "M3-1/lutum", "M3-1/Pb"]
    checks = dict(zip(quarantine.index, quarantine["checks"]))
    assert checks[1] == "value_not_negative"
    assert checks[2] == "unit_allowed"
    assert checks[3] == "no_duplicate_measurements"
    assert checks[5] == "percentage_at_most_100;samples.lutum_range"
    assert checks[6] == "samples.lutum_range"
    assert "kopie van regel 4" in quarantine.loc[3, "reason_nl"]
    assert "tegenstrijdige dubbele metingen" in quarantine.loc[0, "reason_nl"]
    assert "unit='kg/ha'" in quarantine.loc[2, "reason_nl"]
    assert "lutum_pct='140.0'" in quarantine.loc[6, "reason_nl"]
    assert json.loads(quarantine.loc[1, "raw"])["value"] == "-4.0"


def test_quarantine_arithmetic_adds_up(make_dossier, demo_tender, store_url):
    dossier = make_dossier(broken_rows(), clean_samples() + [sample("M3-1", lutum=140.0)])
    result = run_quality_stage(demo_tender, dossier, store_url=store_url)
    summary = result.summary
    assert summary["rows_in"] == 12
    assert summary["rows_quarantined"] == 7
    assert summary["rows_out"] == 5
    assert summary["rows_in"] == summary["rows_out"] + summary["rows_quarantined"]
    assert len(_valid(dossier)) == summary["rows_out"]
    assert len(_quarantine(dossier)) == summary["rows_quarantined"]
    results = _results(dossier)
    assert results["rows"] == {"in": 12, "out": 5, "quarantined": 7, "reader_quarantined": 0}
    assert results["quarantined_per_check"]["no_duplicate_measurements"] == 3
    assert _expectation(results, "samples", "lutum_range")["quarantined"] == 2


def test_kept_duplicate_is_first_row(make_dossier, demo_tender, store_url):
    dossier = make_dossier(broken_rows(), clean_samples() + [sample("M3-1", lutum=140.0)])
    run_quality_stage(demo_tender, dossier, store_url=store_url)
    valid = _valid(dossier)
    lead = valid[(valid["sample_id"] == "M2-1") & (valid["parameter_code"] == "Pb")]
    assert len(lead) == 1
    zinc = valid[(valid["sample_id"] == "M1-1") & (valid["parameter_code"] == "Zn")]
    assert zinc.empty


def test_same_sample_code_in_two_investigations(make_dossier, demo_tender, store_url):
    second = [{**row, "investigation_id": "T-2"} for row in clean_analyses()]
    samples = clean_samples() + [{**sample("M1-1", lutum=140.0), "investigation_id": "T-2"}, {**sample("M2-1"), "investigation_id": "T-2"}]
    dossier = make_dossier(clean_analyses() + second, samples)
    result = run_quality_stage(demo_tender, dossier, store_url=store_url)
    quarantine = _quarantine(dossier)
    assert result.summary["rows_in"] == 12
    assert result.summary["rows_quarantined"] == 3
    assert list(quarantine["checks"]) == ["samples.lutum_range"] * 3
    assert all(json.loads(raw)["investigation_id"] == "T-2" for raw in quarantine["raw"])


def test_reader_quarantine_is_carried_over(make_dossier, demo_tender, store_url):
    reader_rows = [{"source_file": "lab.csv", "source_record": "regel 7", "reason_nl": "waarde 'n.a.' is geen getal", "reason_en": "value 'n.a.' is not a number", "raw": "M1-1;Ni;n.a."}]
    dossier = make_dossier(clean_analyses(), clean_samples(), reader_quarantine=reader_rows)
    result = run_quality_stage(demo_tender, dossier, store_url=store_url)
    assert result.status == "warning"
    assert result.summary["reader_quarantined"] == 1
    quarantine = _quarantine(dossier)
    assert list(quarantine["stage"]) == ["inspection"]
    assert quarantine.loc[0, "source_record"] == "regel 7"


def test_warnings_keep_rows_and_mark_status(make_dossier, demo_tender, store_url):
    samples = [sample("M1-1", date="2015-05-01"), sample("M2-1"), sample("M9-1", analysed=False, x=500_000.0)]
    dossier = make_dossier(clean_analyses(), samples)
    result = run_quality_stage(demo_tender, dossier, store_url=store_url)
    assert result.status == "warning"
    assert result.summary["rows_quarantined"] == 0
    assert sorted(result.summary["failed_checks"]) == ["samples.investigation_recent", "samples.sample_has_results", "samples.x_in_netherlands"]
    assert "Het onderzoek is niet ouder dan de ingestelde ouderdom" in result.conclusion_nl
    results = _results(dossier)
    assert _expectation(results, "samples", "investigation_recent")["unexpected_count"] == 1


def test_mixed_sample_members_count_as_analysed(make_dossier, demo_tender, store_url):
    rows = [{**row, "combined_samples": "M1-1;M1-2"} if row["sample_id"] == "M1-1" else row for row in clean_analyses()]
    samples = clean_samples() + [sample("M1-2", analysed=False)]
    dossier = make_dossier(rows, samples)
    result = run_quality_stage(demo_tender, dossier, store_url=store_url)
    assert result.status == "ok"


def test_missing_column_stops_with_dutch_report(make_dossier, demo_tender, store_url):
    frame = pd.DataFrame(clean_analyses()).drop(columns=["unit"])
    dossier = make_dossier(frame, clean_samples())
    with pytest.raises(DataQualityError) as error:
        run_quality_stage(demo_tender, dossier, store_url=store_url)
    report = str(error.value)
    folder = dossier.path / "04_quality"
    assert report.startswith("Datakwaliteit van aanbesteding KRW-2027-014: de run is gestopt, omdat 1 kritieke controle(s) faalden.")
    assert "- analyses / required_columns: Alle verplichte kolommen zijn aanwezig. Niet voldaan: ontbrekende kolommen: unit." in report
    assert "Rijen: 6 analyses gelezen, 0 goedgekeurd, 6 in quarantaine" in report
    assert f"Volledig rapport: {folder / 'results.json'}" in report
    results = _results(dossier)
    assert results["status"] == "stopped"
    assert _expectation(results, "analyses", "required_columns")["missing_columns"] == ["unit"]
    assert len(_quarantine(dossier)) == 6


def test_stop_report_in_english(make_dossier, demo_tender, store_url, monkeypatch):
    frame = pd.DataFrame(clean_analyses()).drop(columns=["unit"])
    dossier = make_dossier(frame, clean_samples())
    with pytest.raises(DataQualityError) as error:
        run_quality_stage(demo_tender, dossier, store_url=store_url)
    monkeypatch.setenv("GRONDWERK_LANG", "en")
    assert str(error.value).startswith("Data quality of tender KRW-2027-014: the run stopped because 1 critical check(s) failed.")
    assert "Failed: missing columns: unit." in str(error.value)


def test_tender_outside_netherlands_stops(make_dossier, demo_tender, store_url):
    far_away = {"type": "Polygon", "coordinates": [[[400_000, 700_000], [401_000, 700_000], [401_000, 701_000], [400_000, 700_000]]]}
    tender = dataclasses.replace(demo_tender, area_rd=far_away)
    dossier = make_dossier(clean_analyses(), clean_samples(), tender=tender)
    with pytest.raises(DataQualityError) as error:
        run_quality_stage(tender, dossier, store_url=store_url)
    report = str(error.value)
    assert "tender / area_x_max_in_netherlands" in report
    assert "tender / area_y_in_netherlands" in report
    assert "Rijen: 6 analyses gelezen, 6 goedgekeurd, 0 in quarantaine" in report


def test_no_valid_rows_stops(make_dossier, demo_tender, store_url):
    rows = [analysis("M1-1", "Pb", -1.0), analysis("M1-1", "Zn", -2.0)]
    dossier = make_dossier(rows, clean_samples()[:1])
    with pytest.raises(DataQualityError) as error:
        run_quality_stage(demo_tender, dossier, store_url=store_url)
    assert "- no_valid_analyses: geen enkele van de 2 analyses is goedgekeurd" in str(error.value)
    assert _results(dossier)["rows"]["quarantined"] == 2


def test_missing_analyses_file_stops(make_dossier, demo_tender, store_url):
    dossier = make_dossier(None, clean_samples())
    with pytest.raises(DataQualityError) as error:
        run_quality_stage(demo_tender, dossier, store_url=store_url)
    assert "analyses_missing: 03_inspection/analyses.csv ontbreekt" in str(error.value)


def test_missing_samples_file_is_warning(make_dossier, demo_tender, store_url):
    dossier = make_dossier(clean_analyses(), None)
    result = run_quality_stage(demo_tender, dossier, store_url=store_url)
    assert result.status == "warning"
    assert "Suite samples is overgeslagen" in result.conclusion_nl
    assert _results(dossier)["suites"]["samples"]["skipped"]["en"] == "the file is missing"


def test_bro_layer_problems_are_warnings(make_dossier, demo_tender, store_url):
    layers = [
        {"object_id": "BHR1", "top_m_bgl": 0.0, "bottom_m_bgl": 1.0, "top_m_nap": 0.5, "bottom_m_nap": -0.5, "soil_name": "zand", "soil_type_group": "zand"},
        {"object_id": "BHR1", "top_m_bgl": 2.0, "bottom_m_bgl": 1.5, "top_m_nap": -1.5, "bottom_m_nap": -1.0, "soil_name": "klei", "soil_type_group": "kleiig"},
    ]
    dossier = make_dossier(clean_analyses(), clean_samples(), layers=layers)
    result = run_quality_stage(demo_tender, dossier, store_url=store_url)
    assert result.status == "warning"
    assert sorted(result.summary["failed_checks"]) == ["bro_layers.layer_depth_order", "bro_layers.soil_type_group_known"]
    assert result.summary["rows_quarantined"] == 0


def test_rerun_is_idempotent(make_dossier, demo_tender, store_url):
    dossier = make_dossier(broken_rows(), clean_samples() + [sample("M3-1", lutum=140.0)])
    first = run_quality_stage(demo_tender, dossier, store_url=store_url)
    valid_before = _valid(dossier)
    quarantine_before = _quarantine(dossier)
    second = run_quality_stage(demo_tender, dossier, store_url=store_url)
    assert first.summary == second.summary
    pd.testing.assert_frame_equal(_valid(dossier), valid_before)
    pd.testing.assert_frame_equal(_quarantine(dossier), quarantine_before)
    engine = get_engine(store_url)
    with engine.connect() as connection:
        runs = connection.execute(select(func.count()).select_from(quality_runs)).scalar_one()
        rows = connection.execute(select(func.count()).select_from(quality_expectation_results)).scalar_one()
    expected_rows = sum(len(suite["expectations"]) for suite in _results(dossier)["suites"].values())
    assert runs == 1
    assert rows == expected_rows


def test_stopped_run_is_recorded(make_dossier, demo_tender, store_url):
    frame = pd.DataFrame(clean_analyses()).drop(columns=["unit"])
    dossier = make_dossier(frame, clean_samples())
    with pytest.raises(DataQualityError):
        run_quality_stage(demo_tender, dossier, store_url=store_url)
    with get_engine(store_url).connect() as connection:
        status = connection.execute(select(quality_runs.c.status)).scalar_one()
    assert status == "stopped"


@pytest.mark.parametrize("filename", ["SAD000000011742_sikb.xml", "SAD000000011742.xml"])
def test_demo_investigation_passes_critical_checks(make_dossier, demo_tender, demo_dir: Path, store_url, filename):
    reader = pytest.importorskip("grondwerk.inspection.reader")
    data = reader.read_inspection(demo_dir / "inspection" / filename)
    dossier = make_dossier(data.analyses, data.samples, reader_quarantine=data.quarantine.to_dict("records"))
    result = run_quality_stage(demo_tender, dossier, store_url=store_url)
    assert result.summary["rows_in"] == 554
    assert result.summary["rows_out"] == 554
    assert result.summary["rows_quarantined"] == 0
    assert result.status == "warning"
    # 27 individual samples of SAD000000011742 were kept in reserve: neither analysed nor part of a mengmonster.
    assert result.summary["failed_checks"] == ["samples.sample_has_results"]
    assert _expectation(_results(dossier), "samples", "sample_has_results")["unexpected_count"] == 27


def test_demo_bro_tables_pass(make_dossier, demo_tender, demo_dir: Path, store_url):
    readers = pytest.importorskip("grondwerk.bro.readers")
    xmlsafe = pytest.importorskip("grondwerk.bro.xmlsafe")
    locations, layers = [], []
    for path in sorted((demo_dir / "bro").glob("*.xml")):
        object_locations, object_layers = readers.read_bro_xml(xmlsafe.parse_xml_bytes(path.read_bytes(), source=path.name), path.name)
        locations.extend(object_locations)
        layers.extend(object_layers)
    locations_frame = pd.DataFrame(locations, columns=readers.LOCATION_COLUMNS)
    layers_frame = pd.DataFrame(layers, columns=readers.LAYER_COLUMNS)
    dossier = make_dossier(clean_analyses(), clean_samples(), layers=layers_frame.to_dict("records"), locations=locations_frame.to_dict("records"))
    result = run_quality_stage(demo_tender, dossier, store_url=store_url)
    results = _results(dossier)
    assert result.status == "ok"
    assert results["suites"]["bro_locations"]["rows"] == 4
    assert results["suites"]["bro_layers"]["rows"] == 18
    assert results["suites"]["bro_locations"]["success"] is True
    assert results["suites"]["bro_layers"]["success"] is True
