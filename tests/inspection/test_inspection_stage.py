"""Inspection stage: the three CSV files in 03_inspection/, counts, reruns, bad files."""

from __future__ import annotations

import csv
import dataclasses

import pytest
from grondwerk.dossier import Dossier
from grondwerk.inspection.model import (
    ANALYSIS_COLUMNS,
    QUARANTINE_COLUMNS,
    SAMPLE_COLUMNS,
)
from grondwerk.inspection.stage import run_inspection_stage
from grondwerk.tender import load_tender_file


@pytest.fixture(scope="module")
def demo_tender(demo_dir):
    return load_tender_file(demo_dir / "tender.yaml")


def _read_csv(path):
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def test_demo_stage_writes_tables(demo_tender, tmp_path):
    dossier = Dossier(tmp_path / "run")
    result = run_inspection_stage(demo_tender, dossier)
    folder = tmp_path / "run" / "03_inspection"
    assert sorted(p.name for p in result.outputs) == ["analyses.csv", "quarantine.csv", "samples.csv"]
    header, rows = _read_csv(folder / "analyses.csv")
    assert tuple(header) == ANALYSIS_COLUMNS
    assert len(rows) == 554
    assert sum(1 for row in rows if row["limit_symbol"] == "<") == 194
    header, samples = _read_csv(folder / "samples.csv")
    assert tuple(header) == SAMPLE_COLUMNS
    assert {row["analysed"] for row in samples} == {"true", "false"}
    header, quarantine = _read_csv(folder / "quarantine.csv")
    assert tuple(header) == QUARANTINE_COLUMNS
    assert quarantine == []
    assert result.status == "ok"
    assert result.summary["rows_in"] == 554
    assert result.summary["rows_out"] == 554
    assert result.summary["rows_quarantined"] == 0
    assert result.summary["below_limit"] == 194
    assert result.summary["samples_analysed"] == 30
    assert "554 metingen" in result.conclusion_nl
    assert "inspection.sikb.Eenheid" in result.versions
    assert result.versions["inspection.parameters"] == "2026-12-04"


def test_rerun_gives_identical_files(demo_tender, tmp_path):
    dossier = Dossier(tmp_path / "run")
    run_inspection_stage(demo_tender, dossier)
    folder = tmp_path / "run" / "03_inspection"
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    run_inspection_stage(demo_tender, dossier)
    second = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert first == second


def test_sad_twin_not_counted_twice(demo_tender, sikb_file, sad_file, tmp_path):
    tender = dataclasses.replace(demo_tender, inspection_files=(str(sikb_file), str(sad_file)))
    result = run_inspection_stage(tender, Dossier(tmp_path / "run"))
    summary = result.summary
    assert summary["analyses"] == 554
    assert summary["rows_in"] == 1108
    assert summary["rows_out"] == 554
    assert summary["rows_quarantined"] == 554
    assert summary["files"][1]["duplicate_of"] == str(sikb_file)
    assert result.status == "warning"
    _, quarantine = _read_csv(tmp_path / "run" / "03_inspection" / "quarantine.csv")
    assert len(quarantine) == 554
    assert "SAD000000011742" in quarantine[0]["reason_nl"]


def test_unreadable_file_quarantined(demo_tender, fixtures_dir, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_text("<imsikb0101:FeatureCollectionIMSIKB0101 xmlns:imsikb0101='http://www.sikb.nl/imsikb0101'><", encoding="utf-8")
    lab = fixtures_dir / "lab_export_semicolon.csv"
    tender = dataclasses.replace(demo_tender, inspection_files=(str(broken), str(lab)))
    result = run_inspection_stage(tender, Dossier(tmp_path / "run"))
    summary = result.summary
    assert result.status == "warning"
    assert summary["rows_in"] == 1 + 15
    assert summary["rows_out"] == 9
    assert summary["rows_quarantined"] == 1 + 6
    assert summary["files"][0]["error"].startswith("geen geldige XML")
    _, quarantine = _read_csv(tmp_path / "run" / "03_inspection" / "quarantine.csv")
    assert quarantine[0]["source_file"] == str(broken)
    assert quarantine[0]["source_record"] == "file"


def test_no_files_gives_empty_tables(demo_tender, tmp_path):
    tender = dataclasses.replace(demo_tender, inspection_files=())
    result = run_inspection_stage(tender, Dossier(tmp_path / "run"))
    assert result.status == "warning"
    assert result.summary["analyses"] == 0
    header, rows = _read_csv(tmp_path / "run" / "03_inspection" / "analyses.csv")
    assert tuple(header) == ANALYSIS_COLUMNS
    assert rows == []
    assert "geen inspectiebestanden" in result.conclusion_nl


def test_stage_recorded_in_manifest(demo_tender, tmp_path):
    import json

    from grondwerk.orchestration.tasks import run_stage

    info = {"tender": demo_tender.to_json(), "dossier": str(tmp_path / "run")}
    reply = run_stage("inspection", info, run_inspection_stage)
    assert reply["status"] == "ok"
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["stages"]["inspection"]
    paths = [output["path"] for output in entry["outputs"]]
    assert paths == ["03_inspection/analyses.csv", "03_inspection/quarantine.csv", "03_inspection/samples.csv"]
    assert entry["summary"]["analyses"] == 554
    assert manifest["versions"]["inspection.sikb.Eenheid"] == "Eenheid 4.3.0 (2020-06-26)"
