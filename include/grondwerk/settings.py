"""Deployment settings, read from the environment in this one place.

Secrets never live here: credentials for BRO and DSO come from Airflow
Connections (see ``grondwerk.orchestration.connections``).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """Return the project checkout (``GRONDWERK_HOME``, else two levels above the package)."""
    configured = os.environ.get("GRONDWERK_HOME")
    if configured:
        return Path(configured).resolve()
    return PACKAGE_DIR.parent.parent


def dossier_root() -> Path:
    """Return the root folder of the dossiers, laid out as ``<tender reference>/<run id>/``."""
    return Path(os.environ.get("GRONDWERK_DOSSIER_ROOT", project_root() / "dossiers")).resolve()


def var_dir() -> Path:
    """Return the folder for local state: the embedded store, stand-in server state, pid files."""
    path = Path(os.environ.get("GRONDWERK_VAR_DIR", project_root() / "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_url() -> str:
    """Return the SQLAlchemy URL of the regional store (SQLite under ``var/`` by default)."""
    return os.environ.get("GRONDWERK_STORE_URL", f"sqlite:///{var_dir() / 'grondwerk.db'}")


def templates_dir() -> Path:
    """Return the clause template folder ``tender_templates/``."""
    return Path(os.environ.get("GRONDWERK_TEMPLATES_DIR", project_root() / "tender_templates")).resolve()


def checks_dir() -> Path:
    """Return the folder of expectation suites ``checks/``."""
    return Path(os.environ.get("GRONDWERK_CHECKS_DIR", project_root() / "checks")).resolve()


def shared_data_dir() -> Path | None:
    """Return the shared reference data folder when present (``../shared/data`` beside the checkout)."""
    configured = os.environ.get("GRONDWERK_SHARED_DATA")
    path = Path(configured) if configured else project_root().parent / "shared" / "data"
    return path if path.is_dir() else None


def language() -> str:
    """Return the user-facing language: ``nl`` (default) or ``en``."""
    value = os.environ.get("GRONDWERK_LANG", "nl").lower()
    return "en" if value.startswith("en") else "nl"
