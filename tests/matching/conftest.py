"""Fixtures of the matching tests: the demo tender, a classification output and a private store per test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grondwerk import settings
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


@pytest.fixture
def classified_dossier(tmp_path, demo_tender) -> Dossier:
    dossier = Dossier.for_run(demo_tender.reference, "manual__2027-01-01T00:00:00+00:00", root=tmp_path / "dossiers")
    out = dossier.stage_dir("classification")
    (out / "partijen.json").write_text(json.dumps(DEMO_PARTIJEN, indent=2), encoding="utf-8")
    return dossier


@pytest.fixture
def region_file() -> Path:
    return settings.project_root() / "examples" / "region" / "krimpenerwaard.json"
