"""One loopback Airflow api-server for the web tests, and helpers to run the demo tender against it.

The server gets its own Airflow home, SQLite metadata database and passwords file
under the test session folder. Tender runs use ``airflow dags test`` with the BRO
and DSO stand-ins, so they need no scheduler. A run waits at its review step until
a test responds to it over HTTP.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEMO_TENDER = ROOT / "examples" / "demo" / "tender.yaml"
DAG_ID = "tender_halte"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveAirflow:
    """The running api-server, its environment and the passwords of the demo users."""

    env: dict[str, str]
    base_url: str
    passwords: dict[str, str]
    log_dir: Path
    issued_tokens: list[str] = field(default_factory=list)

    def token(self, username: str) -> str:
        from grondwerk.orchestration import runner

        token = runner.api_token(self.base_url, username, self.passwords[username])
        self.issued_tokens.append(token)
        return token

    def session(self, username: str | None) -> requests.Session:
        """Return an HTTP session signed in as ``username`` with a Bearer token, or an anonymous one for ``None``."""
        session = requests.Session()
        if username is not None:
            session.headers["Authorization"] = f"Bearer {self.token(username)}"
        return session

    @staticmethod
    def demo_conf(reference: str) -> dict[str, Any]:
        return demo_conf(reference)

    def start_run(self, reference: str) -> "BackgroundRun":
        """Start the demo tender under ``reference`` in the background. Its review steps wait for a response."""
        run = BackgroundRun(self, reference)
        run.start()
        return run

    def open_review(self, reference: str, run: "BackgroundRun", timeout_s: float = 300.0) -> dict[str, Any]:
        """Wait until the tender's first clause review is open and return its HITL detail."""
        session = self.session("demo-bodemteam")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not run.is_alive():
                raise AssertionError(f"tender run {reference} ended (status {run.exit_status}, error {run.error!r}) before its review opened")
            response = session.get(
                f"{self.base_url}/api/v2/dags/{DAG_ID}/dagRuns/~/hitlDetails", params={"response_received": "false"}, timeout=10
            )
            response.raise_for_status()
            for detail in response.json().get("hitl_details", []):
                task = detail["task_instance"]
                if not task["task_id"].startswith("review_clauses"):
                    continue
                dag_run = session.get(f"{self.base_url}/api/v2/dags/{DAG_ID}/dagRuns/{task['dag_run_id']}", timeout=10).json()
                if (dag_run.get("conf") or {}).get("tender_reference") == reference:
                    return detail
            time.sleep(1)
        raise TimeoutError(f"no open clause review for {reference} within {timeout_s:.0f} s; see {self.log_dir}")

    def hitl_url(self, detail: dict[str, Any]) -> str:
        task = detail["task_instance"]
        return (
            f"{self.base_url}/api/v2/dags/{DAG_ID}/dagRuns/{task['dag_run_id']}/taskInstances/"
            f"{task['task_id']}/{task.get('map_index', -1)}/hitlDetails"
        )

    def auto_reviewer(self, reference: str):
        """Start and return an AutoReviewer that responds to the open steps of ``reference`` as demo-bodemteam."""
        from grondwerk.orchestration import runner

        reviewer = runner.AutoReviewer(self.base_url, "demo-bodemteam", self.passwords["demo-bodemteam"], reference)
        reviewer.start()
        return reviewer

    @staticmethod
    def dossier_of(reference: str) -> Path:
        from grondwerk.orchestration import runner

        folder = runner.latest_dossier(reference)
        assert folder is not None, f"no dossier for {reference} under {os.environ['GRONDWERK_DOSSIER_ROOT']}"
        return folder


@pytest.fixture(scope="session")
def live_airflow(session_dir: Path):
    from grondwerk.orchestration import runner

    home = session_dir / "web_airflow_home"
    port = str(_free_port())
    env = runner.airflow_env({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__API__PORT": port,
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
    })
    passwords = runner.ensure_passwords(env)
    log_dir = session_dir / "web_logs"
    runner.migrate(env)
    # Without a dag-processor the DAG reaches the metadata database only through this command.
    subprocess.run(runner.airflow_command("dags", "reserialize"), env=env, check=True, stdout=subprocess.DEVNULL)
    server = runner.ApiServer(env, log_dir / "api-server.log").start()
    try:
        yield LiveAirflow(env=env, base_url=server.base_url, passwords=passwords, log_dir=log_dir)
    finally:
        server.stop()


def demo_conf(reference: str) -> dict[str, Any]:
    """Return the trigger conf of the demo tender under another tender reference, so each test run has its own dossier."""
    from grondwerk.orchestration import runner
    from grondwerk.tender import load_tender_file

    raw = yaml.safe_load(DEMO_TENDER.read_text(encoding="utf-8"))
    conf = runner.tender_conf(load_tender_file(DEMO_TENDER), raw)
    conf["tender_reference"] = reference
    return conf


@dataclass(eq=False)
class BackgroundRun(threading.Thread):
    """``airflow dags test tender_halte`` for one tender in a thread, with the stand-ins running."""

    live: LiveAirflow
    reference: str
    timeout_s: float = 600.0
    exit_status: int | None = None
    error: BaseException | None = None
    standin_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        threading.Thread.__init__(self, daemon=True, name=f"dag-test-{self.reference}")
        self._ready = threading.Event()

    def run(self) -> None:
        from grondwerk.orchestration import runner
        from grondwerk.orchestration.standins import running_standins

        try:
            with running_standins() as standin_env:
                self.standin_env = standin_env
                self._ready.set()
                env = {**self.live.env, **standin_env}
                log_path = self.live.log_dir / f"dag-test-{self.reference}.log"
                self.exit_status = runner.run_dag_test(demo_conf(self.reference), env, log_path, timeout_s=self.timeout_s)
        except BaseException as exc:  # finish() re-raises it, because a thread cannot raise into the test
            self.error = exc
        finally:
            self._ready.set()

    def finish(self, timeout_s: float | None = None) -> int:
        """Wait for the run to end and return the exit status of ``airflow dags test``."""
        self.join(timeout_s if timeout_s is not None else self.timeout_s + 30)
        if self.error is not None:
            raise self.error
        assert not self.is_alive(), f"tender run {self.reference} still running; see {self.live.log_dir}"
        return self.exit_status
