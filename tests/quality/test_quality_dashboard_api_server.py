"""The dashboard served by a running Airflow api-server through the Grondwerk plugin, behind Airflow's login.

Starts ``airflow api-server`` on a free port of 127.0.0.1 with its own Airflow
home and store, then signs in as a data steward. Takes about 30 s.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from quality_rows import analysis, clean_analyses, clean_samples, sample

from grondwerk.quality.stage import run_quality_stage

STARTUP_TIMEOUT_S = 120
REQUEST_TIMEOUT_S = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def airflow_env(tmp_path: Path, store_url: str, port: int) -> dict[str, str]:
    home = tmp_path / "airflow_home"
    home.mkdir()
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({"steward": "steward-pw", "buyer": "buyer-pw"}), encoding="utf-8")
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "steward:viewer,buyer:viewer",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__API_AUTH__JWT_SECRET": "grondwerk-test-secret",
            "GRONDWERK_ROLES": "steward:datasteward,buyer:inkoper",
            "GRONDWERK_STORE_URL": store_url,
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    return env


def wait_until_healthy(base_url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"api-server exited with status {process.returncode}")
        try:
            if requests.get(f"{base_url}/api/v2/monitor/health", timeout=REQUEST_TIMEOUT_S).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(1)
    raise TimeoutError(f"api-server at {base_url} not healthy after {STARTUP_TIMEOUT_S} s")


def token(base_url: str, username: str, password: str) -> str:
    response = requests.post(f"{base_url}/auth/token", json={"username": username, "password": password}, timeout=REQUEST_TIMEOUT_S)
    response.raise_for_status()
    return response.json()["access_token"]


@pytest.mark.airflow
def test_dashboard_on_running_api_server(tmp_path, make_dossier, demo_tender, demo_dir):
    reader = pytest.importorskip("grondwerk.inspection.reader")
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    demo = reader.read_inspection(demo_dir / "inspection" / "SAD000000011742_sikb.xml")
    run_quality_stage(demo_tender, make_dossier(demo.analyses, demo.samples, run_id="demo"), store_url=store_url)
    broken = clean_analyses() + [analysis("M1-1", "Cu", -4.0), analysis("M2-1", "Cd", 0.4, unit="kg/ha"), analysis("M2-1", "Pb", 31.0), analysis("M3-1", "lutum", 140.0, unit="%")]
    run_quality_stage(demo_tender, make_dossier(broken, clean_samples() + [sample("M3-1", lutum=140.0)], run_id="broken"), store_url=store_url)

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = airflow_env(tmp_path, store_url, port)
    airflow = str(Path(sys.executable).parent / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=STARTUP_TIMEOUT_S)
    log_file = open(tmp_path / "api-server.log", "wb")
    process = subprocess.Popen([airflow, "api-server", "--port", str(port), "--host", "127.0.0.1"], env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_healthy(base_url, process)

        assert requests.get(f"{base_url}/grondwerk/dashboard", timeout=REQUEST_TIMEOUT_S).status_code == 401

        steward = {"Authorization": f"Bearer {token(base_url, 'steward', 'steward-pw')}"}
        page = requests.get(f"{base_url}/grondwerk/dashboard", headers=steward, timeout=REQUEST_TIMEOUT_S)
        assert page.status_code == 200
        assert "<code>demo</code>" in page.text
        assert "<code>broken</code>" in page.text
        assert "2 validatieruns van 1 aanbesteding(en)" in page.text

        data = requests.get(f"{base_url}/grondwerk/dashboard/data.json", headers=steward, timeout=REQUEST_TIMEOUT_S).json()
        runs = {run["run_id"]: run for run in data["runs"]}
        assert runs["demo"]["rows_in"] == 554
        assert runs["demo"]["rows_quarantined"] == 0
        assert runs["broken"]["rows_quarantined"] == 4
        docs = requests.get(f"{base_url}/grondwerk/dashboard/docs/KRW-2027-014/broken/index.html", headers=steward, timeout=REQUEST_TIMEOUT_S)
        assert docs.status_code == 200

        buyer = {"Authorization": f"Bearer {token(base_url, 'buyer', 'buyer-pw')}"}
        assert requests.get(f"{base_url}/grondwerk/dashboard", headers=buyer, timeout=REQUEST_TIMEOUT_S).status_code == 403
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log_file.close()
