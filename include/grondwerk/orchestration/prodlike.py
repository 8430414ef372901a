"""A production-like run on this machine: PostgreSQL, Redis, Celery workers, all on loopback.

Starts the same components as ``docker-compose.yml`` as native processes,
triggers many tenders at once through the REST API, answers their reviews
through the REST API, kills a Celery worker during a task of each stage,
waits for every run, checks every dossier, and stops everything it started
by PID. Exit status 0 only when every check passed.

Usage: ``python -m grondwerk.orchestration.prodlike [--tenders 20] [--no-faults]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import requests

from grondwerk import settings
from grondwerk.orchestration import runner

log = logging.getLogger("grondwerk.prodlike")

STAGE_TASKS = (
    "validate_tender", "pull_bro", "read_inspection", "check_quality", "classify_partijen",
    "render_clauses_1", "clauses_approved_1", "publish_and_match", "submit_meldingen", "close_dossier",
)
# Outputs that must be identical across tenders once the tender reference is masked.
# Matching and meldingen depend on the shared regional store, so they are checked for duplicates instead.
COMPARED_STAGE_FOLDERS = ("01_tender", "02_bro", "03_inspection", "05_classification", "06_clauses")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _pg_execute(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


@dataclass
class Component:
    name: str
    args: list[str]
    log_path: Path
    process: subprocess.Popen | None = None

    def start(self, env: dict[str, str]) -> None:
        handle = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.args, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        log.info("Started %s (pid %s)", self.name, self.process.pid)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@dataclass
class ProdLike:
    tenders: int = 20
    faults: bool = True
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="grondwerk-prodlike-")))
    port: int = 0  # 0: a free port on 127.0.0.1
    components: dict[str, Component] = field(default_factory=dict)
    killed: list[dict] = field(default_factory=list)
    secrets_used: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        suffix = f"{os.getpid()}_{secrets.token_hex(3)}"
        self.meta_db = f"grondwerk_prodlike_meta_{suffix}"
        self.store_db = f"grondwerk_prodlike_store_{suffix}"
        self.redis_db = str(8 + os.getpid() % 8)
        if not self.port:
            import socket

            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                self.port = sock.getsockname()[1]

    # --- setup -------------------------------------------------------------------------------
    def environment(self, extra: dict[str, str]) -> dict[str, str]:
        jwt_secret = secrets.token_urlsafe(32)
        self.secrets_used.append(jwt_secret)
        home = self.workdir / "airflow_home"
        env = runner.airflow_env({
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{self.port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://postgres@127.0.0.1:5432/{self.meta_db}",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:6379/{self.redis_db}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://postgres@127.0.0.1:5432/{self.meta_db}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "3",
            # A killed worker must not take prefetched tasks with it, and a lost queued task is re-queued within a minute.
            "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "120",
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "90",
            "AIRFLOW__API_AUTH__JWT_SECRET": jwt_secret,
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "GRONDWERK_STORE_URL": f"postgresql+psycopg2://postgres@127.0.0.1:5432/{self.store_db}",
            "GRONDWERK_DOSSIER_ROOT": str(self.workdir / "dossiers"),
            "GRONDWERK_VAR_DIR": str(self.workdir / "var"),
            **extra,
        })
        return env

    def start_components(self, env: dict[str, str]) -> None:
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        airflow = runner.airflow_command
        specs = {
            "api-server": airflow("api-server", "--host", "127.0.0.1", "--port", str(self.port)),
            "scheduler": airflow("scheduler", "--skip-serve-logs"),
            "dag-processor": airflow("dag-processor"),
            "triggerer": airflow("triggerer", "--skip-serve-logs"),
            "worker-1": airflow("celery", "worker", "--celery-hostname", "worker1@%h", "--skip-serve-logs"),
            "worker-2": airflow("celery", "worker", "--celery-hostname", "worker2@%h", "--skip-serve-logs"),
        }
        for name, args in specs.items():
            component = Component(name, args, logs / f"{name}.log")
            component.start(env)
            self.components[name] = component

    def stop_components(self) -> None:
        for component in reversed(list(self.components.values())):
            component.kill(signal.SIGTERM)

    # --- the run -----------------------------------------------------------------------------
    def wait_for(self, what: str, probe, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if probe():
                    return
            except requests.RequestException:
                pass
            time.sleep(2)
        raise TimeoutError(f"{what} not ready within {timeout_s:.0f} s; logs in {self.workdir / 'logs'}")

    def trigger(self, session: requests.Session, base: str, conf: dict) -> list[str]:
        run_ids = []
        for number in range(1, self.tenders + 1):
            tender_conf = dict(conf, tender_reference=f"{conf['tender_reference']}-{number:02d}")
            response = session.post(f"{base}/api/v2/dags/tender_halte/dagRuns", json={"logical_date": None, "conf": tender_conf}, timeout=30)
            response.raise_for_status()
            run_ids.append(response.json()["dag_run_id"])
        log.info("Triggered %s tender runs", len(run_ids))
        return run_ids

    def inject_faults(self, session: requests.Session, base: str, env: dict[str, str], stop: threading.Event) -> None:
        """Kill the worker that runs a task of each stage once, then start it again."""
        import psutil

        pending = list(STAGE_TASKS)
        while pending and not stop.is_set():
            response = session.get(f"{base}/api/v2/dags/tender_halte/dagRuns/~/taskInstances", params={"state": "running", "limit": 100}, timeout=30)
            if response.ok:
                for ti in response.json().get("task_instances", []):
                    if ti["task_id"] not in pending or not ti.get("pid"):
                        continue
                    victim = self._worker_of(ti["pid"], psutil)
                    if victim is None:
                        continue
                    log.info("Killing %s during %s of %s", victim, ti["task_id"], ti["dag_run_id"])
                    self.components[victim].kill(signal.SIGKILL)
                    self.killed.append({"task_id": ti["task_id"], "run_id": ti["dag_run_id"], "worker": victim})
                    pending.remove(ti["task_id"])
                    self.components[victim].start(env)
                    break
            stop.wait(0.5)

    def _worker_of(self, pid: int, psutil) -> str | None:
        try:
            process = psutil.Process(pid)
            chain = [process.pid] + [parent.pid for parent in process.parents()]
        except psutil.NoSuchProcess:
            return None
        for name, component in self.components.items():
            if name.startswith("worker") and component.process and component.process.pid in chain:
                return name
        return None

    def wait_for_runs(self, session: requests.Session, base: str, run_ids: list[str], timeout_s: float) -> dict[str, str]:
        deadline = time.monotonic() + timeout_s
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            for run_id in run_ids:
                if states.get(run_id) in ("success", "failed"):
                    continue
                response = session.get(f"{base}/api/v2/dags/tender_halte/dagRuns/{run_id}", timeout=30)
                if response.ok:
                    states[run_id] = response.json()["state"]
            done = sum(state in ("success", "failed") for state in states.values())
            log.info("%s of %s tender runs finished", done, len(run_ids))
            if done == len(run_ids):
                return states
            time.sleep(10)
        raise TimeoutError(f"runs not finished within {timeout_s:.0f} s: {states}")

    # --- checks ------------------------------------------------------------------------------
    def check_dossiers(self, references: list[str]) -> list[str]:
        problems = []
        digests: dict[str, dict[str, str]] = {}
        for reference in references:
            folders = list((self.workdir / "dossiers" / reference).glob("*/manifest.json"))
            if len(folders) != 1:
                problems.append(f"{reference}: expected one dossier, found {len(folders)}")
                continue
            dossier = folders[0].parent
            manifest = json.loads(folders[0].read_text())
            missing = [s for s in ("tender", "bro", "inspection", "quality", "classification", "clauses", "review", "matching", "meldingen", "dossier") if s not in manifest["stages"]]
            if missing:
                problems.append(f"{reference}: stages missing from manifest: {missing}")
            if manifest["stages"].get("dossier", {}).get("status") != "ok":
                problems.append(f"{reference}: dossier not closed ok")
            digests[reference] = self._masked_digests(dossier, reference)
        if digests:
            reference_digests = next(iter(digests.values()))
            for reference, found in digests.items():
                if found != reference_digests:
                    changed = sorted(k for k in set(found) | set(reference_digests) if found.get(k) != reference_digests.get(k))
                    problems.append(f"{reference}: dossier content differs from the other tenders in {changed[:5]}")
        return problems

    @staticmethod
    def _masked_digests(dossier: Path, reference: str) -> dict[str, str]:
        digests = {}
        pattern = re.compile(re.escape(reference).encode())
        for folder in COMPARED_STAGE_FOLDERS:
            for path in sorted((dossier / folder).rglob("*")):
                # clauses.json carries the sha256 of the unmasked HTML, so it differs per tender by design.
                if path.is_file() and path.suffix in (".csv", ".json", ".html", ".md") and path.name != "clauses.json":
                    content = pattern.sub(b"<REF>", path.read_bytes())
                    digests[str(path.relative_to(dossier))] = hashlib.sha256(content).hexdigest()
        return digests

    def check_no_secrets_in_logs(self, passwords: dict[str, str]) -> list[str]:
        secret_values = [value for value in [*self.secrets_used, *passwords.values()] if value]
        problems = []
        for path in list((self.workdir / "logs").rglob("*")) + list((self.workdir / "airflow_home" / "logs").rglob("*")):
            if not path.is_file():
                continue
            text = path.read_text(errors="replace")
            for value in secret_values:
                if value in text:
                    problems.append(f"secret found in log {path}")
        return problems

    def run(self, timeout_s: float) -> int:
        from grondwerk.orchestration.standins import running_standins
        from grondwerk.tender import load_tender_file

        import yaml

        tender_file = settings.project_root() / "examples" / "demo" / "tender.yaml"
        conf = runner.tender_conf(load_tender_file(tender_file), yaml.safe_load(tender_file.read_text()))
        _pg_execute(f'CREATE DATABASE "{self.meta_db}"')
        _pg_execute(f'CREATE DATABASE "{self.store_db}"')
        problems: list[str] = []
        stop = threading.Event()
        try:
            with ExitStack() as stack:
                extra = stack.enter_context(running_standins())
                self.secrets_used.append(json.loads(extra["AIRFLOW_CONN_GRONDWERK_DSO"])["password"])
                os.environ["GRONDWERK_STORE_URL"] = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{self.store_db}"
                env = self.environment(extra)
                passwords = runner.ensure_passwords(env)
                runner.migrate(env)
                self.start_components(env)
                base = env["AIRFLOW__API__BASE_URL"]
                self.wait_for("api-server", lambda: requests.get(f"{base}/api/v2/monitor/health", timeout=5).ok, 180)
                session = requests.Session()
                session.headers["Authorization"] = f"Bearer {runner.api_token(base, 'demo-inkoper', passwords['demo-inkoper'])}"
                self.wait_for("DAG tender_halte", lambda: session.get(f"{base}/api/v2/dags/tender_halte", timeout=5).ok, 180)
                admin = requests.Session()
                admin.headers["Authorization"] = f"Bearer {runner.api_token(base, 'admin', passwords['admin'])}"
                admin.patch(f"{base}/api/v2/dags/tender_halte", json={"is_paused": False}, timeout=30).raise_for_status()

                reviewer = runner.AutoReviewer(base, "demo-bodemteam", passwords["demo-bodemteam"], None, poll_s=2.0)
                reviewer.start()
                run_ids = self.trigger(session, base, conf)
                injector = threading.Thread(target=self.inject_faults, args=(admin, base, env, stop), daemon=True)
                if self.faults:
                    injector.start()
                states = self.wait_for_runs(admin, base, run_ids, timeout_s)
                stop.set()
                reviewer.stop()
                failed = [run_id for run_id, state in states.items() if state != "success"]
                if failed:
                    problems.append(f"{len(failed)} runs did not succeed: {failed[:3]}")
                references = [f"{conf['tender_reference']}-{n:02d}" for n in range(1, self.tenders + 1)]
                problems += self.check_dossiers(references)
                problems += self.check_duplicates(extra)
                problems += self.check_store(references)
                if self.faults:
                    not_killed = sorted(set(STAGE_TASKS) - {k["task_id"] for k in self.killed})
                    if not_killed:
                        problems.append(f"no worker was killed during: {not_killed}")
                self.stop_components()
                problems += self.check_no_secrets_in_logs(passwords)
        finally:
            stop.set()
            self.stop_components()
            from grondwerk.db import dispose_engines

            dispose_engines()
            for database in (self.meta_db, self.store_db):
                _pg_execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            subprocess.run(["redis-cli", "-h", "127.0.0.1", "-n", self.redis_db, "FLUSHDB"], capture_output=True)
        report = {"tenders": self.tenders, "killed": self.killed, "problems": problems, "workdir": str(self.workdir)}
        print(json.dumps(report, indent=2))
        return 1 if problems else 0

    def check_store(self, references: list[str]) -> list[str]:
        """Each tender's supply lots are in the regional store once: as many rows as the dossier reports as published."""
        counts = _store_counts(f"postgresql+psycopg2://postgres@127.0.0.1:5432/{self.store_db}", references)
        problems = []
        for reference in references:
            manifests = list((self.workdir / "dossiers" / reference).glob("*/manifest.json"))
            if len(manifests) != 1:
                continue  # reported by check_dossiers
            published = json.loads(manifests[0].read_text())["stages"].get("matching", {}).get("summary", {}).get("published_lots")
            if published is None or counts.get(reference, 0) != published:
                problems.append(f"{reference}: {counts.get(reference, 0)} supply rows in the store, dossier published {published}")
        return problems

    def check_duplicates(self, extra: dict[str, str]) -> list[str]:
        """No melding submitted twice at the DSO stand-in."""
        api_key = json.loads(extra["AIRFLOW_CONN_GRONDWERK_DSO"])["password"]
        response = requests.get(f"{extra['GRONDWERK_DSO_STANDIN_URL']}/_standin/state", headers={_dso_api_key_header(): api_key}, timeout=30)
        if not response.ok:
            return [f"DSO stand-in gave no state ({response.status_code})"]
        state = response.json()
        log.info("DSO stand-in: %s verzoeken submitted for %s references", state["ingediend"], state["referenties"])
        if state["dubbel"]:
            return [f"{state['dubbel']} meldingen submitted more than once at the DSO stand-in"]
        return []


def _store_counts(store_url: str, references: list[str]) -> dict[str, int]:
    from sqlalchemy import func, select

    from grondwerk.db import get_engine
    from grondwerk.matching.store import supply_table

    with get_engine(store_url).connect() as connection:
        rows = connection.execute(
            select(supply_table.c.tender_reference, func.count()).where(supply_table.c.tender_reference.in_(references)).group_by(supply_table.c.tender_reference)
        ).all()
    return {reference: count for reference, count in rows}


def _dso_api_key_header() -> str:
    from grondwerk.dso.rules import load_api

    return load_api()["api_key_header"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Production-like run of Grondwerk on loopback (PostgreSQL, Redis, Celery).")
    parser.add_argument("--tenders", type=int, default=20, help="tender runs triggered at once (default 20)")
    parser.add_argument("--no-faults", action="store_true", help="do not kill workers")
    parser.add_argument("--timeout", type=float, default=2400.0, help="seconds to wait for all runs (default 2400)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder for inspection")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    prodlike = ProdLike(tenders=args.tenders, faults=not args.no_faults)
    try:
        return prodlike.run(args.timeout)
    finally:
        if not args.keep:
            shutil.rmtree(prodlike.workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
