"""Review round trip through Airflow's REST API: request changes in round 1, approve round 2.

The DAG run (``dags/clause_review.py`` beside this file) runs with
``dag.test()`` in a child process. This test responds to its
human-in-the-loop steps through the api-server app, as the review page and
Required Actions do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import build_dossier

pytestmark = pytest.mark.airflow

DAG_FILE = Path(__file__).resolve().parent / "dags" / "clause_review.py"
DEADLINE_S = 240

RUNNER = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder=sys.argv[1]).dags["clause_review"]
run = dag.test(run_conf={"info": json.loads(sys.argv[2])})
print("STATE", run.state)
"""


@pytest.fixture(scope="module")
def api_client():
    # Every request is an admin's only inside this module; other tests start api-servers
    # that must keep asking for a token, so the setting is removed again afterwards.
    os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] = "True"
    from airflow.api_fastapi.app import create_app
    from airflow.utils import db
    from fastapi.testclient import TestClient

    try:
        db.resetdb()
        with TestClient(create_app(apps="core")) as client:
            yield client
    finally:
        del os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"]


def _open_review(client, deadline: float, process: subprocess.Popen, log_path: Path) -> dict:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("DAG run ended before its review step: " + log_path.read_text(encoding="utf-8")[-3000:])
        response = client.get("/api/v2/dags/clause_review/dagRuns/~/hitlDetails", params={"response_received": "false"})
        assert response.status_code == 200, response.text
        details = response.json()["hitl_details"]
        if details:
            return details[0]
        time.sleep(0.5)
    raise AssertionError("no open review step appeared in time: " + log_path.read_text(encoding="utf-8")[-3000:])


def _respond(client, detail: dict, option: str, params: dict) -> None:
    ti = detail["task_instance"]
    url = f"/api/v2/dags/{ti['dag_id']}/dagRuns/{ti['dag_run_id']}/taskInstances/{ti['task_id']}/-1/hitlDetails"
    response = client.patch(url, json={"chosen_options": [option], "params_input": params})
    assert response.status_code == 200, response.text


def test_request_changes_then_approve(api_client, tender, tmp_path):
    dossier = build_dossier(tmp_path, "no_match")
    info = {"tender": tender.to_json(), "dossier": str(dossier.path), "run_id": "roundtrip"}
    log_path = tmp_path / "dag_test.log"
    # dag.test() only runs DAGs that the dags-folder bundle serialises, so point it at this DAG's folder.
    env = {**os.environ, "AIRFLOW__CORE__DAGS_FOLDER": str(DAG_FILE.parent)}
    with open(log_path, "w", encoding="utf-8") as log_file:
        process = subprocess.Popen([sys.executable, "-c", RUNNER, str(DAG_FILE), json.dumps(info)], stdout=log_file, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + DEADLINE_S
            first = _open_review(api_client, deadline, process, log_path)
            assert first["task_instance"]["task_id"] == "review_clauses_1"
            assert first["options"] == ["Goedkeuren", "Wijzigingen vragen", "Afwijzen"]
            _respond(api_client, first, "Wijzigingen vragen", {
                "comment": "De aannemer meldt zelf; korting omhoog.",
                "variants": json.dumps({"meldingen": "aannemer"}),
                "variables": json.dumps({"boete_per_dag": 2500}),
            })

            second = _open_review(api_client, deadline, process, log_path)
            assert second["task_instance"]["task_id"] == "review_clauses_2"
            _respond(api_client, second, "Goedkeuren", {"comment": "", "variants": "{}", "variables": "{}"})
            process.wait(timeout=max(5.0, deadline - time.monotonic()))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    output = log_path.read_text(encoding="utf-8")
    assert "STATE success" in output, output[-3000:]
    round_2 = json.loads((dossier.path / "06_clauses" / "round-2" / "clauses.json").read_text(encoding="utf-8"))
    decision = json.loads((dossier.path / "07_review" / "decision.json").read_text(encoding="utf-8"))
    manifest = json.loads((dossier.path / "manifest.json").read_text(encoding="utf-8"))
    assert round_2["overrides"] == {"variants": {"meldingen": "aannemer"}, "variables": {"boete_per_dag": 2500}}
    assert round_2["changes"]["comment"] == "De aannemer meldt zelf; korting omhoog."
    assert decision["round"] == 2
    assert decision["decision"] == "approve"
    assert decision["sha256_approved"] == round_2["sha256"]
    assert manifest["stages"]["review"]["summary"]["sha256_approved"] == round_2["sha256"]
    assert manifest["stages"]["clauses"]["summary"]["round"] == 2
