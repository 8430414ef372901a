"""Queries of the steward dashboard over the validation history in the store.

Pure SQLAlchemy Core, portable between SQLite and PostgreSQL; no Airflow and
no GX imports, so the web page and other tools can call these directly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from grondwerk.quality.store import quality_expectation_results as results
from grondwerk.quality.store import quality_runs as runs

DEFAULT_TOP_FAILURES = 10


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _rate(passed: int, total: int) -> float | None:
    return round(passed / total, 4) if total else None


def _passed_count():
    return func.sum(case((results.c.success.is_(True), 1), else_=0))


def list_runs(engine: Engine) -> list[dict[str, Any]]:
    """Return every validation run, oldest first, with its pass rate over all expectations."""
    counts = (
        select(
            results.c.dossier_path,
            func.count().label("total"),
            _passed_count().label("passed"),
            func.sum(case(((results.c.success.is_(False)) & (results.c.severity == "critical"), 1), else_=0)).label("critical_failed"),
        )
        .group_by(results.c.dossier_path)
        .subquery()
    )
    query = (
        select(runs, counts.c.total, counts.c.passed, counts.c.critical_failed)
        .select_from(runs.outerjoin(counts, counts.c.dossier_path == runs.c.dossier_path))
        .order_by(runs.c.validated_at, runs.c.id)
    )
    rows = []
    with engine.connect() as connection:
        for row in connection.execute(query).mappings():
            total, passed = int(row["total"] or 0), int(row["passed"] or 0)
            rows.append(
                {
                    "tender_reference": row["tender_reference"],
                    "run_id": row["run_id"],
                    "dossier_path": row["dossier_path"],
                    "status": row["status"],
                    "validated_at": _iso(row["validated_at"]),
                    "rows_in": row["rows_in"],
                    "rows_out": row["rows_out"],
                    "rows_quarantined": row["rows_quarantined"],
                    "reader_quarantined": row["reader_quarantined"],
                    "expectations": total,
                    "passed": passed,
                    "critical_failed": int(row["critical_failed"] or 0),
                    "pass_rate": _rate(passed, total),
                    "has_data_docs": row["data_docs_path"] is not None,
                }
            )
    return rows


def pass_rate_by_suite(engine: Engine) -> list[dict[str, Any]]:
    """Return, per suite, how many expectation results passed over all runs."""
    query = (
        select(results.c.suite, func.count().label("total"), _passed_count().label("passed"), func.count(func.distinct(results.c.dossier_path)).label("runs"))
        .group_by(results.c.suite)
        .order_by(results.c.suite)
    )
    with engine.connect() as connection:
        return [
            {"suite": row.suite, "runs": int(row.runs), "total": int(row.total), "passed": int(row.passed or 0), "pass_rate": _rate(int(row.passed or 0), int(row.total))}
            for row in connection.execute(query)
        ]


def pass_rate_by_expectation(engine: Engine) -> list[dict[str, Any]]:
    """Return, per suite and expectation, the share of runs in which it passed."""
    query = (
        select(
            results.c.suite,
            results.c.expectation_id,
            func.max(results.c.severity).label("severity"),
            func.max(results.c.description_nl).label("description_nl"),
            func.count().label("total"),
            _passed_count().label("passed"),
        )
        .group_by(results.c.suite, results.c.expectation_id)
        .order_by(results.c.suite, results.c.expectation_id)
    )
    with engine.connect() as connection:
        return [
            {
                "suite": row.suite,
                "expectation_id": row.expectation_id,
                "severity": row.severity,
                "description_nl": row.description_nl,
                "runs": int(row.total),
                "passed": int(row.passed or 0),
                "pass_rate": _rate(int(row.passed or 0), int(row.total)),
            }
            for row in connection.execute(query)
        ]


def top_failures(engine: Engine, limit: int = DEFAULT_TOP_FAILURES) -> list[dict[str, Any]]:
    """Return the expectations that failed in the most runs, with the rows they flagged and when they last failed."""
    failed_runs = func.count().label("failed_runs")
    query = (
        select(
            results.c.suite,
            results.c.expectation_id,
            func.max(results.c.severity).label("severity"),
            func.max(results.c.description_nl).label("description_nl"),
            failed_runs,
            func.coalesce(func.sum(results.c.unexpected_count), 0).label("unexpected_rows"),
            func.max(results.c.validated_at).label("last_failed_at"),
        )
        .where(results.c.success.is_(False))
        .group_by(results.c.suite, results.c.expectation_id)
        .order_by(failed_runs.desc(), results.c.suite, results.c.expectation_id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return [
            {
                "suite": row.suite,
                "expectation_id": row.expectation_id,
                "severity": row.severity,
                "description_nl": row.description_nl,
                "failed_runs": int(row.failed_runs),
                "unexpected_rows": int(row.unexpected_rows),
                "last_failed_at": _iso(row.last_failed_at),
            }
            for row in connection.execute(query)
        ]


def find_run(engine: Engine, tender_reference: str, run_id: str) -> dict[str, Any] | None:
    """Return the stored run of ``tender_reference``/``run_id`` with its Data Docs folder, or None."""
    query = select(runs).where(runs.c.tender_reference == tender_reference, runs.c.run_id == run_id).order_by(runs.c.validated_at.desc())
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    return dict(row) if row is not None else None


def dashboard_data(engine: Engine, limit: int = DEFAULT_TOP_FAILURES) -> dict[str, Any]:
    """Return everything the dashboard shows, as JSON-ready data."""
    run_rows = list_runs(engine)
    return {
        "runs": run_rows,
        "totals": {
            "runs": len(run_rows),
            "tenders": len({row["tender_reference"] for row in run_rows}),
            "stopped": sum(1 for row in run_rows if row["status"] == "stopped"),
            "rows_in": sum(row["rows_in"] for row in run_rows),
            "rows_quarantined": sum(row["rows_quarantined"] for row in run_rows),
        },
        "suites": pass_rate_by_suite(engine),
        "expectations": pass_rate_by_expectation(engine),
        "top_failures": top_failures(engine, limit),
    }
