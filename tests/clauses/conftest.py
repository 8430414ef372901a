"""Fixtures for the clause tests: the demo tender and dossiers built from the scenario folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grondwerk.clauses.stage import run_clauses_stage
from grondwerk.dossier import Dossier
from grondwerk.tender import load_tender_file

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
# Airflow run id of the review page tests; it contains ':' and '+' as real run ids do.
RUN_ID = "manual__2027-01-05T10:00:00+00:00"
SCENARIO_NAMES = ("clean_with_match", "mixed_with_depot", "no_match", "niet_toepasbaar")


@pytest.fixture(scope="session")
def tender(demo_dir):
    return load_tender_file(demo_dir / "tender.yaml")


def build_dossier(root: Path, scenario: str, *, with_proposal: bool = True) -> Dossier:
    """Create a dossier with the stage files of ``scenario``; the proposal goes to 08_matching when asked."""
    source = SCENARIOS / scenario
    dossier = Dossier(root / scenario)
    shutil.copy(source / "partijen.json", dossier.stage_dir("classification") / "partijen.json")
    if (source / "samples.csv").is_file():
        shutil.copy(source / "samples.csv", dossier.stage_dir("inspection") / "samples.csv")
    if with_proposal and (source / "proposal.json").is_file():
        shutil.copy(source / "proposal.json", dossier.stage_dir("matching") / "proposal.json")
    return dossier


def scenario_proposal(scenario: str) -> dict | None:
    path = SCENARIOS / scenario / "proposal.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


@pytest.fixture
def make_dossier(tmp_path):
    def factory(scenario: str, *, with_proposal: bool = True) -> Dossier:
        return build_dossier(tmp_path, scenario, with_proposal=with_proposal)

    return factory



def review_client(roles: frozenset[str]):
    """Return a test client of the review router for a user with ``roles``."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from grondwerk.orchestration.web import auth, review

    app = FastAPI()
    app.include_router(review.router, prefix="/grondwerk")
    app.dependency_overrides[auth.current_user] = lambda: auth.GrondwerkUser("bodem.anna", "user", roles)
    return TestClient(app)


@pytest.fixture
def reviewed_run(tmp_path, monkeypatch, tender):
    """A dossier under a temporary dossier root with rounds 1 and 2 rendered."""
    root = tmp_path / "dossiers"
    monkeypatch.setenv("GRONDWERK_DOSSIER_ROOT", str(root))
    source = build_dossier(tmp_path / "build", "no_match")
    dossier = Dossier.for_run(tender.reference, RUN_ID, root=root)
    dossier.path.parent.mkdir(parents=True)
    source.path.rename(dossier.path)
    dossier.set_header(tender_reference=tender.reference, run_id=RUN_ID)
    run_clauses_stage(tender, dossier, round_no=1)
    run_clauses_stage(
        tender, dossier, round_no=2,
        changes={"comment": "Korting <b>omhoog</b>", "variants": {"meldingen": "aannemer"}, "variables": {"boete_per_dag": 2500}},
    )
    return dossier
