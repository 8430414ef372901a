"""report.docx of the classification stage: the same bytes on a rerun at another time, dated by the works start."""

from __future__ import annotations

import datetime as dt
import time
import zipfile

import pytest

from grondwerk.classification.stage import run_classification_stage
from grondwerk.dossier import Dossier
from grondwerk.tender import load_tender_file


@pytest.fixture(scope="module")
def investigation(demo_dir):
    from grondwerk.inspection import read_inspection

    return read_inspection(demo_dir / "inspection" / "SAD000000011742_sikb.xml")


@pytest.fixture
def dossier(tmp_path, investigation) -> Dossier:
    dossier = Dossier(tmp_path / "run")
    folder = dossier.stage_dir("inspection")
    investigation.analyses.to_csv(folder / "analyses.csv", index=False)
    investigation.samples.to_csv(folder / "samples.csv", index=False)
    return dossier


def test_report_docx_same_bytes_an_hour_later(demo_dir, dossier, monkeypatch):
    tender = load_tender_file(demo_dir / "tender.yaml")
    report = dossier.path / "05_classification" / "report.docx"

    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    run_classification_stage(tender, dossier)
    first = report.read_bytes()
    monkeypatch.setattr(time, "time", lambda: 1_800_003_600.0)
    run_classification_stage(tender, dossier)

    assert report.read_bytes() == first


def test_report_docx_dated_by_works_start(demo_dir, dossier):
    from docx import Document

    tender = load_tender_file(demo_dir / "tender.yaml")
    run_classification_stage(tender, dossier)
    report = dossier.path / "05_classification" / "report.docx"

    properties = Document(str(report)).core_properties
    assert properties.created == dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc)
    assert properties.modified == properties.created
    assert properties.author == "Grondwerk"
    with zipfile.ZipFile(report) as archive:
        assert {entry.date_time for entry in archive.infolist()} == {(2027, 3, 1, 0, 0, 0)}
