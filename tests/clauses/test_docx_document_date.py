"""The clauses DOCX is dated by the tender's works start, so different tenders get different dates and reruns the same bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from grondwerk.clauses.stage import run_clauses_stage

from .conftest import build_dossier


def core_created(path) -> dt.datetime:
    from docx import Document

    return Document(str(path)).core_properties.created


def test_docx_dated_by_works_start(tender, make_dossier):
    dossier = make_dossier("clean_with_match")
    run_clauses_stage(tender, dossier)

    path = dossier.path / "06_clauses" / "round-1" / "clauses.docx"
    assert tender.works_start == dt.date(2027, 3, 1)
    assert core_created(path) == dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc)


def test_other_works_start_other_date(tender, tmp_path):
    later = dataclasses.replace(tender, works_start=dt.date(2027, 4, 1))
    first = build_dossier(tmp_path / "a", "clean_with_match")
    second = build_dossier(tmp_path / "b", "clean_with_match")
    run_clauses_stage(tender, first)
    run_clauses_stage(later, second)

    first_docx = first.path / "06_clauses" / "round-1" / "clauses.docx"
    second_docx = second.path / "06_clauses" / "round-1" / "clauses.docx"
    assert core_created(second_docx) == dt.datetime(2027, 4, 1, tzinfo=dt.timezone.utc)
    assert hashlib.sha256(first_docx.read_bytes()).digest() != hashlib.sha256(second_docx.read_bytes()).digest()
