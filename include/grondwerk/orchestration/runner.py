"""Run a tender through ``tender_halte`` with ``airflow dags test`` and, for the demo, answer its reviews.

The review is answered the way a reviewer's browser does it: through the
Airflow REST API of a loopback api-server, signed in as a soil-team user.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from grondwerk import settings
from grondwerk.tender import TenderSpec

log = logging.getLogger(__name__)
DAG_ID = "tender_halte"


def airflow_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return the environment for Airflow commands: project-local home, loopback servers, no examples."""
    root = settings.project_root()
    env = dict(os.environ)
    home = Path(env.get("AIRFLOW_HOME", root / "airflow_home"))
    port = env.get("AIRFLOW__API__PORT", "8080")
    defaults = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": port,
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,demo-inkoper:user,demo-bodemteam:user,demo-datasteward:viewer,demo-toezicht:viewer",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "GRONDWERK_ROLES": "demo-inkoper:inkoper,demo-bodemteam:bodemteam,demo-datasteward:datasteward,demo-toezicht:toezicht",
        "GRONDWERK_BODEMTEAM_USERS": "demo-bodemteam",
        "GRONDWERK_HOME": str(root),
        "GX_ANALYTICS_ENABLED": "false",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    for key, value in defaults.items():
        env.setdefault(key, value)
    env.update(extra or {})
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    return env


def ensure_passwords(env: dict[str, str]) -> dict[str, str]:
    """Create a password for each configured user (once) in the simple auth manager's file; return them."""
    path = Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    users = [item.split(":")[0] for item in env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"].split(",") if item]
    passwords = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for user in users:
        if user not in passwords:
            passwords[user] = secrets.token_urlsafe(12)
            changed = True
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(passwords, indent=2))
        path.chmod(0o600)
    return passwords


def airflow_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("airflow")), *args]


def migrate(env: dict[str, str]) -> None:
    """Create or upgrade Airflow's metadata database (quick when it is up to date)."""
    log.info("Migrating the Airflow metadata database in %s", env["AIRFLOW_HOME"])
    subprocess.run(airflow_command("db", "migrate"), env=env, check=True, stdout=subprocess.DEVNULL)


@dataclass
class ApiServer:
    """An ``airflow api-server`` child process on loopback."""

    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return self.env["AIRFLOW__API__BASE_URL"]

    def start(self, timeout_s: float = 120.0) -> "ApiServer":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            airflow_command("api-server", "--host", "127.0.0.1", "--port", self.env["AIRFLOW__API__PORT"]),
            env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"api-server exited with {self.process.returncode}; see {self.log_path}")
            try:
                if requests.get(f"{self.base_url}/api/v2/monitor/health", timeout=2).ok:
                    log.info("api-server is up at %s", self.base_url)
                    return self
            except requests.RequestException:
                pass
            time.sleep(1)
        self.stop()
        raise TimeoutError(f"api-server did not respond within {timeout_s:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def api_token(base_url: str, username: str, password: str) -> str:
    response = requests.post(f"{base_url}/auth/token", json={"username": username, "password": password}, timeout=10)
    response.raise_for_status()
    return response.json()["access_token"]


@dataclass(eq=False)
class AutoReviewer(threading.Thread):
    """Answers this tender's open human-in-the-loop steps over REST, as a soil-team user would.

    ``review_answers`` are used in order for the clause reviews (each a dict with
    ``option`` and optional ``comment``, ``variants``, ``variables``); the match
    proposal gets ``match_option``.
    """

    base_url: str
    username: str
    password: str
    tender_reference: str | None  # None: answer the steps of every tender
    review_answers: list[dict[str, Any]] = field(default_factory=lambda: [{"option": "Goedkeuren", "comment": "Akkoord (demo)"}])
    match_option: str = "Accepteren"
    dag_id: str = DAG_ID
    poll_s: float = 1.0
    answered: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        threading.Thread.__init__(self, daemon=True, name="auto-reviewer")
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def _answer(self, session: requests.Session, detail: dict[str, Any]) -> None:
        ti = detail["task_instance"]
        run_id, task_id = ti["dag_run_id"], ti["task_id"]
        run = session.get(f"{self.base_url}/api/v2/dags/{self.dag_id}/dagRuns/{run_id}", timeout=10).json()
        if self.tender_reference is not None and (run.get("conf") or {}).get("tender_reference") != self.tender_reference:
            return
        if task_id.startswith("review_clauses"):
            rounds_done = sum(1 for a in self.answered if a["task_id"].startswith("review_clauses") and a["run_id"] == run_id)
            answer = self.review_answers[min(rounds_done, len(self.review_answers) - 1)]
            body = {
                "chosen_options": [answer["option"]],
                "params_input": {
                    "comment": answer.get("comment", ""),
                    "variants": json.dumps(answer.get("variants", {})),
                    "variables": json.dumps(answer.get("variables", {})),
                },
            }
        else:
            body = {"chosen_options": [self.match_option], "params_input": {"comment": "Voorstel akkoord (demo)"}}
        # The answer must carry exactly the form fields the step asks for.
        wanted = set((detail.get("params") or {}).keys())
        body["params_input"] = {key: value for key, value in body["params_input"].items() if key in wanted}
        url = f"{self.base_url}/api/v2/dags/{self.dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/{ti.get('map_index', -1)}/hitlDetails"
        response = session.patch(url, json=body, timeout=10)
        if response.status_code == 409:
            return  # answered already (by a person or an earlier poll)
        response.raise_for_status()
        log.info("Responded to %s of run %s with %s as %s", task_id, run_id, body["chosen_options"], self.username)
        self.answered.append({"task_id": task_id, "run_id": run_id, "option": body["chosen_options"][0]})

    def run(self) -> None:
        session = requests.Session()
        try:
            session.headers["Authorization"] = f"Bearer {api_token(self.base_url, self.username, self.password)}"
        except requests.RequestException as exc:
            self.errors.append(f"sign-in as {self.username} failed: {exc}")
            return
        while not self._stop_event.is_set():
            try:
                response = session.get(
                    f"{self.base_url}/api/v2/dags/{self.dag_id}/dagRuns/~/hitlDetails",
                    params={"response_received": "false"}, timeout=10,
                )
                response.raise_for_status()
                for detail in response.json().get("hitl_details", []):
                    self._answer(session, detail)
            except requests.RequestException as exc:
                log.warning("Polling review steps failed, retrying: %s", exc)
            self._stop_event.wait(self.poll_s)


def tender_conf(tender: TenderSpec, raw: dict[str, Any]) -> dict[str, Any]:
    """Build the DAG-run conf (the trigger form's fields) from a validated tender and its raw fields."""
    conf = {key: value for key, value in raw.items() if key in {
        "tender_reference", "contracting_authority", "project_name", "project_area", "works_start", "works_end",
        "released_volume_m3", "needed_volume_m3", "accepted_classes", "needed_soil_types", "notifier", "partijen",
    }}
    conf["inspection_files"] = list(tender.inspection_files)
    for key in ("works_start", "works_end"):
        conf[key] = getattr(tender, key).isoformat()
    return json.loads(json.dumps(conf, default=str))


def run_dag_test(conf: dict[str, Any], env: dict[str, str], log_path: Path, timeout_s: float = 1800.0, dag_id: str = DAG_ID) -> int:
    """Run ``airflow dags test tender_halte`` with ``conf``; return its exit status (killed after ``timeout_s``)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as handle:
        process = subprocess.Popen(
            airflow_command("dags", "test", dag_id, "-c", json.dumps(conf)),
            env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            return process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # a waiting HITL step ignores SIGTERM
            process.wait()
            raise TimeoutError(f"tender_halte did not finish within {timeout_s:.0f} s; see {log_path}") from None


def latest_dossier(reference: str) -> Path | None:
    folder = settings.dossier_root() / reference
    manifests = sorted(folder.glob("*/manifest.json"), key=lambda p: p.stat().st_mtime)
    return manifests[-1].parent if manifests else None


def today() -> dt.date:
    return dt.date.today()
