"""The regional_matching DAG parses, is Asset-scheduled and imports nothing heavy at parse time."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grondwerk import settings

DAG_FILE = settings.project_root() / "dags" / "regional_matching.py"


def test_dag_file_imports_no_heavy_modules():
    code = (
        "import runpy, sys; runpy.run_path(%r); "
        "heavy = [m for m in ('pandas', 'scipy', 'ortools', 'highspy', 'grondwerk.matching.api') if m in sys.modules]; "
        "print('HEAVY:' + ','.join(heavy))" % str(DAG_FILE)
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    marker = [line for line in result.stdout.splitlines() if line.startswith("HEAVY:")]
    assert marker == ["HEAVY:"]


@pytest.mark.airflow
def test_dag_structure():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert not bag.import_errors
    dag = bag.dags["regional_matching"]
    assert set(dag.task_ids) == {"match_region", "accept_regional_proposal", "record_acceptance"}
    assert "grondwerk://regional-store" in repr(dag.timetable.asset_condition)
