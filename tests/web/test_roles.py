"""Each Grondwerk role can do its job through HTTP, and nothing more.

One demo tender runs through ``airflow dags test`` against a loopback api-server
and waits at its clause review. Each test user tries to respond to it, and the
soil team approves it. Users and passwords come from the simple auth manager
(``runner.airflow_env``): demo-inkoper and demo-bodemteam have Airflow's ``user``
role, demo-datasteward and demo-toezicht its ``viewer`` role.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

from grondwerk.dossier import Dossier, StageResult
from grondwerk.settings import project_root
from grondwerk.tender import load_tender_file

pytestmark = pytest.mark.airflow

DAG_ID = "tender_halte"
ROLES_REFERENCE = "WEB-ROLES-1"
OWN_REFERENCE = "WEB-INKOPER-1"
DEMO_TENDER = project_root() / "examples" / "demo" / "tender.yaml"
USERS = ("demo-inkoper", "demo-bodemteam", "demo-datasteward", "demo-toezicht")

# Which user may open which plugin page. Every other user gets 403.
# NOTE: map.py admits every Grondwerk role to the map, so the map cases for inkoper,
# datasteward and toezicht fail until it requires the bodemteam role.
PAGE_ACCESS = {
    "/grondwerk/": set(USERS),
    "/grondwerk/dossiers": {"demo-inkoper", "demo-bodemteam", "demo-toezicht"},
    "/grondwerk/review": {"demo-bodemteam"},
    "/grondwerk/dashboard": {"demo-datasteward", "demo-bodemteam", "demo-toezicht"},
    "/grondwerk/dashboard/data.json": {"demo-datasteward", "demo-bodemteam", "demo-toezicht"},
    "/grondwerk/map": {"demo-bodemteam"},
    "/grondwerk/map/proposal.geojson": {"demo-bodemteam"},
}


@pytest.fixture(scope="module")
def review_run(live_airflow):
    """Start the demo tender as WEB-ROLES-1 and return it with its open clause review."""
    run = live_airflow.start_run(ROLES_REFERENCE)
    try:
        detail = live_airflow.open_review(ROLES_REFERENCE, run)
    except BaseException:
        run.join(5)
        raise
    yield run, detail
    if run.is_alive():
        reviewer = live_airflow.auto_reviewer(ROLES_REFERENCE)
        try:
            run.finish()
        finally:
            reviewer.stop()


@pytest.fixture(scope="module")
def finished_dossier(live_airflow, review_run):
    """Approve the review as demo-bodemteam (unless a test did), let the run finish and return its dossier."""
    run, detail = review_run
    session = live_airflow.session("demo-bodemteam")
    state = session.get(live_airflow.hitl_url(detail), timeout=10).json()
    if not state["response_received"]:
        answer = {"chosen_options": ["Goedkeuren"], "params_input": {"comment": "", "variants": "{}", "variables": "{}"}}
        session.patch(live_airflow.hitl_url(detail), json=answer, timeout=10).raise_for_status()
    reviewer = live_airflow.auto_reviewer(ROLES_REFERENCE)
    try:
        status = run.finish()
    finally:
        reviewer.stop()
    assert status == 0, f"airflow dags test exited with {status}; see {live_airflow.log_dir}"
    return live_airflow.dossier_of(ROLES_REFERENCE)


@pytest.fixture(scope="module")
def own_dossier():
    """Build a dossier started by demo-inkoper, because ``airflow dags test`` records no triggering user."""
    dossier = Dossier.for_run(OWN_REFERENCE, "manual__2027-01-04T09:00:00+00:00")
    dossier.set_header(tender_reference=OWN_REFERENCE, run_id="manual__2027-01-04T09:00:00+00:00", started_by="demo-inkoper")
    folder = dossier.stage_dir("tender", clean=True)
    tender_json = folder / "tender.json"
    tender = dataclasses.replace(load_tender_file(DEMO_TENDER), reference=OWN_REFERENCE)
    tender_json.write_text(json.dumps(tender.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    now = dt.datetime.now(dt.timezone.utc)
    result = StageResult(summary={"reference": OWN_REFERENCE}, conclusion_nl="Aanbesteding geldig.", conclusion_en="Tender valid.", outputs=[tender_json])
    dossier.record_stage("tender", result, started=now, finished=now)
    return dossier.path


def _run_path(folder) -> str:
    return f"/grondwerk/dossiers/{folder.parent.name}/{folder.name}"


# --- no token -----------------------------------------------------------------------------


def _concrete(path: str) -> str:
    """Fill the path parameters of a route with harmless values."""
    return re.sub(r"\{[^}]+\}", "x", path)


def test_every_plugin_route_needs_sign_in(live_airflow):
    from grondwerk.orchestration.web.app import create_app

    open_routes = {"/health"}  # the liveness probe returns only {"status": "ok"}
    checked = []
    for route in create_app().routes:
        if isinstance(route, Mount) or not isinstance(route, APIRoute):
            continue
        if route.path in open_routes:
            continue
        for method in route.methods - {"HEAD", "OPTIONS"}:
            url = f"{live_airflow.base_url}/grondwerk{_concrete(route.path)}"
            response = live_airflow.session(None).request(method, url, timeout=10)
            checked.append(route.path)
            assert response.status_code == 401, f"{method} {route.path} without sign-in returned {response.status_code}"
    assert "/dossiers/{reference}/{run}/files/{file_path:path}" in checked
    assert "/review" in checked
    assert "/dashboard/data.json" in checked
    assert "/map" in checked


def test_invalid_token_is_rejected(live_airflow):
    """Airflow 3.3.2 rejects a token it cannot decode with 403 "Invalid JWT token", not 401."""
    session = live_airflow.session(None)
    session.headers["Authorization"] = "Bearer not-a-token"
    for path in PAGE_ACCESS:
        response = session.get(f"{live_airflow.base_url}{path}", timeout=10)
        assert response.status_code == 403, f"{path} with an invalid token returned {response.status_code}"
        assert response.json()["detail"] == "Invalid JWT token"


# --- pages per role -----------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(PAGE_ACCESS))
@pytest.mark.parametrize("user", USERS)
def test_page_access_per_role(live_airflow, user, path):
    response = live_airflow.session(user).get(f"{live_airflow.base_url}{path}", timeout=30)
    expected = 200 if user in PAGE_ACCESS[path] else 403
    assert response.status_code == expected, f"{user} on {path}: {response.status_code} {response.text[:200]}"


def test_refusal_names_needed_role(live_airflow):
    response = live_airflow.session("demo-inkoper").get(f"{live_airflow.base_url}/grondwerk/review", timeout=10)
    assert response.status_code == 403
    assert "bodemteam" in response.json()["detail"]


def test_cookie_sign_in_works(live_airflow):
    """The browser UI sends the token as the ``_token`` cookie, not as a header."""
    session = live_airflow.session(None)
    session.cookies.set("_token", live_airflow.token("demo-datasteward"), domain="127.0.0.1")
    response = session.get(f"{live_airflow.base_url}/grondwerk/dashboard/data.json", timeout=30)
    assert response.status_code == 200
    assert "totals" in response.json()


# --- triggering runs ----------------------------------------------------------------------


def _trigger(live_airflow, user: str, reference: str):
    body = {"logical_date": None, "conf": live_airflow.demo_conf(reference), "note": "roles test"}
    return live_airflow.session(user).post(f"{live_airflow.base_url}/api/v2/dags/{DAG_ID}/dagRuns", json=body, timeout=30)


def test_inkoper_triggers_tender_run(live_airflow):
    response = _trigger(live_airflow, "demo-inkoper", "WEB-TRIGGER-1")
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["conf"]["tender_reference"] == "WEB-TRIGGER-1"
    assert run["triggering_user_name"] == "demo-inkoper"
    # No scheduler runs here, so the run stays queued. Delete it so it cannot start later.
    deleted = live_airflow.session("admin").delete(f"{live_airflow.base_url}/api/v2/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}", timeout=30)
    assert deleted.status_code == 204, deleted.text


@pytest.mark.parametrize("user", ["demo-datasteward", "demo-toezicht"])
def test_read_only_roles_cannot_trigger(live_airflow, user):
    response = _trigger(live_airflow, user, f"WEB-TRIGGER-{user}")
    assert response.status_code == 403, response.text


# --- the clause review --------------------------------------------------------------------


def _approve(live_airflow, user: str, detail):
    answer = {"chosen_options": ["Goedkeuren"], "params_input": {"comment": f"poging door {user}", "variants": "{}", "variables": "{}"}}
    return live_airflow.session(user).patch(live_airflow.hitl_url(detail), json=answer, timeout=30)


@pytest.mark.parametrize("user", ["demo-inkoper", "demo-datasteward", "demo-toezicht"])
def test_review_answer_refused_for_others(live_airflow, review_run, user):
    _run, detail = review_run
    response = _approve(live_airflow, user, detail)
    assert response.status_code == 403, f"{user}: {response.status_code} {response.text[:200]}"
    state = live_airflow.session("demo-bodemteam").get(live_airflow.hitl_url(detail), timeout=10).json()
    assert state["response_received"] is False


def test_review_is_assigned_to_soil_team(live_airflow, review_run):
    _run, detail = review_run
    assert [user["id"] for user in detail["assigned_users"]] == ["demo-bodemteam"]


def test_bodemteam_opens_review_page(live_airflow, review_run):
    _run, detail = review_run
    task = detail["task_instance"]
    path = f"/grondwerk/review/{DAG_ID}/{task['dag_run_id']}/{task['task_id']}"
    response = live_airflow.session("demo-bodemteam").get(f"{live_airflow.base_url}{path}", params={}, timeout=30)
    assert response.status_code == 200, response.text[:300]
    assert ROLES_REFERENCE in response.text
    assert 'value="Goedkeuren"' in response.text
    refused = live_airflow.session("demo-toezicht").get(f"{live_airflow.base_url}{path}", timeout=30)
    assert refused.status_code == 403


def test_bodemteam_approves_review(live_airflow, review_run):
    _run, detail = review_run
    response = _approve(live_airflow, "demo-bodemteam", detail)
    assert response.status_code == 200, response.text
    assert response.json()["chosen_options"] == ["Goedkeuren"]
    again = _approve(live_airflow, "demo-bodemteam", detail)
    assert again.status_code == 409, "a second answer to the same step must be rejected"


# --- dossiers -----------------------------------------------------------------------------


def test_run_records_soil_team_decision(finished_dossier):
    decision = json.loads((finished_dossier / "07_review" / "decision.json").read_text(encoding="utf-8"))
    assert decision["decision"] == "approve"
    assert decision["responded_by"] == "demo-bodemteam"
    manifest = json.loads((finished_dossier / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stages"]["dossier"]["status"] == "ok"


@pytest.mark.parametrize("user", ["demo-toezicht", "demo-bodemteam"])
def test_readers_open_every_dossier(live_airflow, finished_dossier, own_dossier, user):
    session = live_airflow.session(user)
    for folder in (finished_dossier, own_dossier):
        for suffix in ("", "/manifest.json", "/files/01_tender/tender.json"):
            response = session.get(f"{live_airflow.base_url}{_run_path(folder)}{suffix}", timeout=30)
            assert response.status_code == 200, f"{user} on {_run_path(folder)}{suffix}: {response.status_code}"
    listing = session.get(f"{live_airflow.base_url}/grondwerk/dossiers", timeout=30).text
    assert ROLES_REFERENCE in listing
    assert OWN_REFERENCE in listing


def test_inkoper_reads_only_own_dossier(live_airflow, finished_dossier, own_dossier):
    session = live_airflow.session("demo-inkoper")
    for suffix in ("", "/manifest.json", "/files/01_tender/tender.json"):
        own = session.get(f"{live_airflow.base_url}{_run_path(own_dossier)}{suffix}", timeout=30)
        assert own.status_code == 200, f"own dossier{suffix}: {own.status_code}"
        other = session.get(f"{live_airflow.base_url}{_run_path(finished_dossier)}{suffix}", timeout=30)
        assert other.status_code == 403, f"other dossier{suffix}: {other.status_code}"
    listing = session.get(f"{live_airflow.base_url}/grondwerk/dossiers", timeout=30).text
    assert OWN_REFERENCE in listing
    assert ROLES_REFERENCE not in listing


def test_datasteward_cannot_read_dossiers(live_airflow, finished_dossier):
    response = live_airflow.session("demo-datasteward").get(f"{live_airflow.base_url}{_run_path(finished_dossier)}/manifest.json", timeout=30)
    assert response.status_code == 403


def test_dossier_path_escape_is_refused(live_airflow, finished_dossier):
    session = live_airflow.session("demo-toezicht")
    response = session.get(f"{live_airflow.base_url}{_run_path(finished_dossier)}/files/..%2F..%2F..%2Fweb_airflow_home%2Fpasswords.json", timeout=30)
    assert response.status_code == 404
    assert "demo-bodemteam" not in response.text


def test_dashboard_counts_finished_run(live_airflow, finished_dossier):
    data = live_airflow.session("demo-datasteward").get(f"{live_airflow.base_url}/grondwerk/dashboard/data.json", timeout=30).json()
    references = {run["tender_reference"] for run in data["runs"]}
    assert ROLES_REFERENCE in references


def test_logs_contain_no_secret(live_airflow, finished_dossier):
    """Neither the api-server, the task logs nor the dossier may contain a password or an issued token."""
    secrets = [*live_airflow.passwords.values(), *live_airflow.issued_tokens]
    assert len(live_airflow.issued_tokens) > 10
    folders = [live_airflow.log_dir, Path(live_airflow.env["AIRFLOW_HOME"]) / "logs", finished_dossier]
    scanned = 0
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file() or path.suffix in {".png", ".docx", ".xlsx"}:
                continue
            content = path.read_text(encoding="utf-8", errors="replace")
            scanned += 1
            for secret in secrets:
                assert secret not in content, f"{path} contains a password or token"
    assert scanned > 0
