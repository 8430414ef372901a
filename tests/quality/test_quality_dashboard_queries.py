"""Dashboard queries over stored validation runs, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from grondwerk.db import dispose_engines, get_engine
from grondwerk.errors import DataQualityError
from grondwerk.quality.dashboard import dashboard_data, find_run, list_runs, pass_rate_by_expectation, pass_rate_by_suite, top_failures
from grondwerk.quality.stage import run_quality_stage

from quality_rows import analysis, clean_analyses, clean_samples, sample

POSTGRES_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def record_three_runs(make_dossier, tender, url: str) -> None:
    """Store a clean run, a run with quarantined rows and a stopped run."""
    run_quality_stage(tender, make_dossier(clean_analyses(), clean_samples(), run_id="clean"), store_url=url)
    broken = clean_analyses() + [analysis("M1-1", "Cu", -4.0), analysis("M2-1", "Cd", 0.4, unit="kg/ha")]
    run_quality_stage(tender, make_dossier(broken, clean_samples() + [sample("M9-1", analysed=False)], run_id="broken"), store_url=url)
    missing_unit = pd.DataFrame(clean_analyses()).drop(columns=["unit"])
    with pytest.raises(DataQualityError):
        run_quality_stage(tender, make_dossier(missing_unit, clean_samples(), run_id="stopped"), store_url=url)


def check_queries(url: str) -> None:
    engine = get_engine(url)
    runs = list_runs(engine)
    assert [run["run_id"] for run in runs] == ["clean", "broken", "stopped"]
    assert [run["status"] for run in runs] == ["ok", "warning", "stopped"]
    assert runs[0]["pass_rate"] == 1.0
    assert runs[1]["rows_quarantined"] == 2
    assert runs[1]["critical_failed"] == 2
    assert runs[2]["rows_out"] == 0
    assert all(run["has_data_docs"] for run in runs)

    suites = {row["suite"]: row for row in pass_rate_by_suite(engine)}
    assert suites["tender"]["pass_rate"] == 1.0
    assert suites["analyses"]["runs"] == 3
    assert suites["analyses"]["pass_rate"] < 1.0

    expectations = {(row["suite"], row["expectation_id"]): row for row in pass_rate_by_expectation(engine)}
    assert expectations[("analyses", "value_not_negative")]["passed"] == 2
    assert expectations[("analyses", "value_not_negative")]["runs"] == 3
    assert expectations[("analyses", "required_columns")]["pass_rate"] == pytest.approx(2 / 3, abs=1e-4)

    failures = top_failures(engine, limit=3)
    assert len(failures) == 3
    assert failures[0]["failed_runs"] >= failures[-1]["failed_runs"]
    unit_failure = next(row for row in top_failures(engine, limit=50) if row["expectation_id"] == "unit_allowed")
    assert unit_failure["failed_runs"] == 2
    assert unit_failure["unexpected_rows"] == 1

    data = dashboard_data(engine)
    assert data["totals"] == {"runs": 3, "tenders": 1, "stopped": 1, "rows_in": 20, "rows_quarantined": 8}
    assert find_run(engine, "KRW-2027-014", "broken")["rows_in"] == 8
    assert find_run(engine, "KRW-2027-014", "nope") is None


def test_queries_on_sqlite(make_dossier, demo_tender, store_url):
    record_three_runs(make_dossier, demo_tender, store_url)
    check_queries(store_url)


def test_empty_store_gives_empty_dashboard(store_url):
    data = dashboard_data(get_engine(store_url))
    assert data["runs"] == []
    assert data["top_failures"] == []
    assert data["totals"]["runs"] == 0


@pytest.fixture
def postgres_url():
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        connection = admin.connect()
    except Exception as exc:  # noqa: BLE001 - any connection failure means the server is not there
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 not reachable: {exc}")
    name = f"grondwerk_quality_{uuid.uuid4().hex[:12]}"
    connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    finally:
        dispose_engines()
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.close()
        admin.dispose()


@pytest.mark.postgres
def test_queries_on_postgres(make_dossier, demo_tender, postgres_url):
    record_three_runs(make_dossier, demo_tender, postgres_url)
    check_queries(postgres_url)


@pytest.mark.postgres
def test_rerun_replaces_rows_on_postgres(make_dossier, demo_tender, postgres_url):
    dossier = make_dossier(clean_analyses(), clean_samples())
    run_quality_stage(demo_tender, dossier, store_url=postgres_url)
    run_quality_stage(demo_tender, dossier, store_url=postgres_url)
    engine = get_engine(postgres_url)
    assert len(list_runs(engine)) == 1
    with engine.connect() as connection:
        duplicates = connection.execute(
            text("SELECT count(*) FROM (SELECT dossier_path, suite, expectation_id FROM quality_expectation_results GROUP BY 1, 2, 3 HAVING count(*) > 1) d")
        ).scalar_one()
    assert duplicates == 0
