"""Fixtures of the matching tests: the demo tender, a classification output and a private store per test (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from grondwerk import settings
from grondwerk.db import dispose_engines
from grondwerk.dossier import Dossier
from grondwerk.tender import load_tender_file

# Partijen as the classification stage writes them for the demo tender: two reusable lots and one that is not.
DEMO_PARTIJEN = [
    {"partij_id": "P1", "samples": ["MM1", "MM2"], "class": "achtergrondwaarde", "decisive": [], "intervention_exceeded": False, "pfas": None,
     "volume_m3": 900.0, "soil_type": "zand"},
    {"partij_id": "P2", "samples": ["MM3"], "class": "wonen", "decisive": ["lood"], "intervention_exceeded": False, "pfas": None,
     "volume_m3": 600.0, "soil_type": "klei"},
    {"partij_id": "P3", "samples": ["MM4"], "class": "niet_toepasbaar", "decisive": ["zink"], "intervention_exceeded": True, "pfas": None,
     "volume_m3": 300.0, "soil_type": "zand"},
]


@pytest.fixture
def demo_tender():
    return load_tender_file(settings.project_root() / "examples" / "demo" / "tender.yaml")


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def postgres_store_url():
    """Return the URL of a new PostgreSQL database on 127.0.0.1, dropped after the test; skip when no server runs."""
    name = f"grondwerk_matching_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no server means skip, not fail
        admin.dispose()
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 not available: {exc}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def classified_dossier(tmp_path, demo_tender) -> Dossier:
    dossier = Dossier.for_run(demo_tender.reference, "manual__2027-01-01T00:00:00+00:00", root=tmp_path / "dossiers")
    out = dossier.stage_dir("classification")
    (out / "partijen.json").write_text(json.dumps(DEMO_PARTIJEN, indent=2), encoding="utf-8")
    return dossier


@pytest.fixture
def region_file() -> Path:
    return settings.project_root() / "examples" / "region" / "krimpenerwaard.json"
