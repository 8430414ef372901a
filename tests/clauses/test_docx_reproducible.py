"""DOCX output is byte-identical for identical input, at any wall-clock time of writing."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import zipfile

import pytest

from grondwerk.clauses.docx_writer import docx_text, write_docx
from grondwerk.clauses.stage import run_clauses_stage

CREATED = dt.datetime(2027, 3, 1, 8, 30, tzinfo=dt.timezone.utc)
ARTICLES = [(1, "Eigendom", "eigendom", "<ol><li>De opdrachtgever blijft <strong>eigenaar</strong>.</li></ol>"),
            (2, "Partijen", "kwaliteit", "<table><tr><th>Partij</th></tr><tr><td>P1</td></tr></table>")]


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def clock(monkeypatch):
    """Set the wall clock that zipfile and python-docx read, so two writes happen an hour apart."""
    def set_clock(seconds: float) -> None:
        monkeypatch.setattr(time, "time", lambda: seconds)

    return set_clock


def test_docx_same_bytes_at_other_time(tmp_path, clock):
    clock(1_800_000_000.0)
    first = write_docx(tmp_path / "a.docx", "Bestek", "Project", ARTICLES, CREATED)
    clock(1_800_003_600.0)
    second = write_docx(tmp_path / "b.docx", "Bestek", "Project", ARTICLES, CREATED)

    assert sha256(first) == sha256(second)


def test_docx_entries_carry_created_time(tmp_path):
    path = write_docx(tmp_path / "a.docx", "Bestek", "Project", ARTICLES, CREATED)

    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
    assert entries[0].filename == "[Content_Types].xml"
    assert [entry.filename for entry in entries[1:]] == sorted(entry.filename for entry in entries[1:])
    assert {entry.date_time for entry in entries} == {(2027, 3, 1, 8, 30, 0)}
    assert docx_text(path) == ["Bestek", "Project", "Artikel 1. Eigendom", "1.\tDe opdrachtgever blijft eigenaar.",
                               "Artikel 2. Partijen", "Partij", "P1"]


def test_docx_core_properties_from_created(tmp_path):
    from docx import Document

    # 09:30 at UTC+1 is 08:30 UTC
    path = write_docx(tmp_path / "a.docx", "Bestek", "Project", ARTICLES, dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    properties = Document(str(path)).core_properties

    assert properties.created == CREATED
    assert properties.modified == properties.created
    assert properties.revision == 1
    assert properties.title == "Bestek"


def test_docx_other_created_other_bytes(tmp_path):
    first = write_docx(tmp_path / "a.docx", "Bestek", "Project", ARTICLES, CREATED)
    second = write_docx(tmp_path / "b.docx", "Bestek", "Project", ARTICLES, CREATED + dt.timedelta(days=1))

    assert sha256(first) != sha256(second)


def test_docx_before_1980_is_clamped(tmp_path):
    path = write_docx(tmp_path / "a.docx", "Bestek", "Project", ARTICLES, dt.datetime(1970, 1, 1))

    with zipfile.ZipFile(path) as archive:
        assert {entry.date_time for entry in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_clauses_stage_docx_sha256_stable(tender, make_dossier, clock):
    clock(1_800_000_000.0)
    first = make_dossier("mixed_with_depot")
    run_clauses_stage(tender, first)
    first_hash = sha256(first.path / "06_clauses" / "round-1" / "clauses.docx")

    clock(1_800_086_400.0)
    run_clauses_stage(tender, first)
    assert sha256(first.path / "06_clauses" / "round-1" / "clauses.docx") == first_hash
