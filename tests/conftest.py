"""Session-wide test settings: every test run gets its own Airflow home, dossier root and store.

Nothing here touches the developer's ``airflow_home/``, ``dossiers/`` or ``var/``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="grondwerk-tests-"))

os.environ["GRONDWERK_HOME"] = str(ROOT)
os.environ["GRONDWERK_DOSSIER_ROOT"] = str(_SESSION_DIR / "dossiers")
os.environ["GRONDWERK_VAR_DIR"] = str(_SESSION_DIR / "var")
os.environ.pop("GRONDWERK_STORE_URL", None)
os.environ["GRONDWERK_LANG"] = "nl"
os.environ["AIRFLOW_HOME"] = str(_SESSION_DIR / "airflow_home")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_SESSION_DIR / 'airflow_home' / 'airflow.db'}"
os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] = str(_SESSION_DIR / "airflow_home" / "passwords.json")
for _name in ("AIRFLOW__API__BASE_URL", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL", "AIRFLOW__API__PORT", "GRONDWERK_STORE_URL"):
    os.environ.pop(_name, None)
os.environ["GX_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(scope="session")
def session_dir() -> Path:
    return _SESSION_DIR


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return ROOT / "examples" / "demo"


def pytest_sessionfinish(session, exitstatus):
    """Remove the session's Airflow home, dossiers and store unless GRONDWERK_KEEP_TEST_DIR is set."""
    import shutil

    if not os.environ.get("GRONDWERK_KEEP_TEST_DIR"):
        shutil.rmtree(_SESSION_DIR, ignore_errors=True)
