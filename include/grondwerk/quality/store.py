"""Validation history in Grondwerk's store, read by the steward dashboard.

Two tables: ``quality_runs`` has one row per dossier (the latest validation of
that run folder), ``quality_expectation_results`` one row per (dossier path,
suite, expectation). Recording a run replaces both for that dossier in one
transaction, so a rerun of the stage leaves no duplicates.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Boolean, Column, DateTime, Integer, String, Table, UniqueConstraint, delete, insert
from sqlalchemy.engine import Engine

from grondwerk.db import metadata
from grondwerk.quality.validate import SuiteOutcome

log = logging.getLogger(__name__)

quality_runs = Table(
    "quality_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_path", String(1000), nullable=False, unique=True),
    Column("tender_reference", String(64), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("status", String(16), nullable=False),
    Column("rows_in", Integer, nullable=False),
    Column("rows_out", Integer, nullable=False),
    Column("rows_quarantined", Integer, nullable=False),
    Column("reader_quarantined", Integer, nullable=False),
    Column("data_docs_path", String(1000)),
    Column("validated_at", DateTime(timezone=True), nullable=False),
)

quality_expectation_results = Table(
    "quality_expectation_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_path", String(1000), nullable=False),
    Column("tender_reference", String(64), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("suite", String(64), nullable=False),
    Column("suite_version", String(64), nullable=False),
    Column("expectation_id", String(128), nullable=False),
    Column("expectation_type", String(128), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("description_nl", String(500), nullable=False),
    Column("success", Boolean, nullable=False),
    Column("element_count", Integer),
    Column("unexpected_count", Integer),
    Column("validated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("dossier_path", "suite", "expectation_id", name="uq_quality_result_per_dossier"),
)


@dataclass(frozen=True)
class RunRecord:
    """The facts of one validation run that the dashboard lists."""

    dossier_path: str
    tender_reference: str
    run_id: str
    status: str
    rows_in: int
    rows_out: int
    rows_quarantined: int
    reader_quarantined: int
    data_docs_path: str | None
    validated_at: dt.datetime


def record_validation_run(engine: Engine, run: RunRecord, suites: dict[str, SuiteOutcome]) -> int:
    """Replace the stored results of ``run.dossier_path``; return the number of expectation rows written."""
    rows = []
    for name, outcome in suites.items():
        for result in outcome.outcomes:
            rows.append(
                {
                    "dossier_path": run.dossier_path,
                    "tender_reference": run.tender_reference,
                    "run_id": run.run_id,
                    "suite": name,
                    "suite_version": outcome.suite.version,
                    "expectation_id": result.spec.id,
                    "expectation_type": result.spec.type,
                    "severity": result.spec.severity,
                    "scope": result.spec.scope,
                    "description_nl": result.spec.description_nl[:500],
                    "success": result.success,
                    "element_count": result.element_count,
                    "unexpected_count": result.unexpected_count,
                    "validated_at": run.validated_at,
                }
            )
    with engine.begin() as connection:
        connection.execute(delete(quality_expectation_results).where(quality_expectation_results.c.dossier_path == run.dossier_path))
        connection.execute(delete(quality_runs).where(quality_runs.c.dossier_path == run.dossier_path))
        connection.execute(insert(quality_runs).values(**run.__dict__))
        if rows:
            connection.execute(insert(quality_expectation_results), rows)
    log.info("Recorded %s expectation results of %s in the store", len(rows), run.dossier_path)
    return len(rows)
