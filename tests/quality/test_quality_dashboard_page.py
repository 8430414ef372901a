"""The steward dashboard router in a bare FastAPI app, with the real role check and a real store."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from grondwerk.db import get_engine
from grondwerk.orchestration.web import dashboard
from grondwerk.orchestration.web.auth import GrondwerkUser, current_user

from test_quality_dashboard_queries import record_three_runs

STEWARD = GrondwerkUser("steward", "user", frozenset({"datasteward"}))
BUYER = GrondwerkUser("buyer", "user", frozenset({"inkoper"}))


def make_client(store_url: str, user: GrondwerkUser) -> TestClient:
    app = FastAPI()
    app.include_router(dashboard.router, prefix="/grondwerk")
    app.dependency_overrides[current_user] = lambda: user
    app.dependency_overrides[dashboard.store_engine] = lambda: get_engine(store_url)
    return TestClient(app)


@pytest.fixture
def filled_store(make_dossier, demo_tender, store_url) -> str:
    record_three_runs(make_dossier, demo_tender, store_url)
    return store_url


def test_page_lists_runs_in_dutch(filled_store):
    response = make_client(filled_store, STEWARD).get("/grondwerk/dashboard")
    assert response.status_code == 200
    page = response.text
    assert '<html lang="nl">' in page
    assert "3 validatieruns van 1 aanbesteding(en); 1 run(s) gestopt op een kritieke controle" in page
    assert "Meest voorkomende fouten" in page
    for run_id in ("clean", "broken", "stopped"):
        assert f"<code>{run_id}</code>" in page
    assert "gestopt" in page
    assert "De eenheid is een bekende eenheid." in page


def test_page_has_inline_chart_without_external_assets(filled_store):
    page = make_client(filled_store, STEWARD).get("/grondwerk/dashboard").text
    assert page.count("<svg") == 1
    assert page.count("<circle") == 3
    assert "<script" not in page
    assert not re.search(r'(src|href)="https?://', page)


def test_json_matches_page_data(filled_store):
    data = make_client(filled_store, STEWARD).get("/grondwerk/dashboard/data.json").json()
    assert [run["run_id"] for run in data["runs"]] == ["clean", "broken", "stopped"]
    assert data["totals"]["stopped"] == 1
    assert {"suite", "expectation_id", "failed_runs", "unexpected_rows"} <= set(data["top_failures"][0])


def test_data_docs_link_serves_index(filled_store):
    client = make_client(filled_store, STEWARD)
    page = client.get("/grondwerk/dashboard").text
    link = "/grondwerk/dashboard/docs/KRW-2027-014/broken/index.html"
    assert f'href="{link}"' in page
    response = client.get(link)
    assert response.status_code == 200
    assert "Validation Results" in response.text
    assert "analyses-1.0.0" in response.text


def test_data_docs_path_traversal_is_refused(filled_store):
    client = make_client(filled_store, STEWARD)
    response = client.get("/grondwerk/dashboard/docs/KRW-2027-014/broken/..%2F..%2F04_quality%2Fresults.json")
    assert response.status_code == 404
    assert client.get("/grondwerk/dashboard/docs/KRW-2027-014/unknown/index.html").status_code == 404


def test_user_without_role_is_refused(filled_store):
    client = make_client(filled_store, BUYER)
    assert client.get("/grondwerk/dashboard").status_code == 403
    assert client.get("/grondwerk/dashboard/data.json").status_code == 403
    assert client.get("/grondwerk/dashboard/docs/KRW-2027-014/broken/index.html").status_code == 403


def test_empty_store_page(store_url):
    response = make_client(store_url, STEWARD).get("/grondwerk/dashboard")
    assert response.status_code == 200
    assert "Nog geen validatieruns." in response.text
    assert "Nog geen validaties om te tekenen." in response.text
