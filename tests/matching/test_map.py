"""Map page and GeoJSON export of the latest proposal, served through the router with the role check overridden."""

from __future__ import annotations

import pytest

pytest.importorskip("airflow")
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from grondwerk.matching.stage import run_matching_stage  # noqa: E402
from grondwerk.orchestration.web import map as map_page  # noqa: E402


@pytest.fixture
def client(monkeypatch, store_url):
    monkeypatch.setenv("GRONDWERK_STORE_URL", store_url)
    app = FastAPI()
    app.include_router(map_page.router, prefix="/grondwerk")
    app.dependency_overrides[map_page.viewer] = lambda: "tester"
    return TestClient(app)


def test_map_without_proposal(client):
    response = client.get("/grondwerk/map")
    assert response.status_code == 200
    assert "Nog geen voorstel" in response.text


def test_map_shows_proposal(client, demo_tender, classified_dossier, store_url):
    run_matching_stage(demo_tender, classified_dossier, store_url)
    response = client.get("/grondwerk/map")
    assert response.status_code == 200
    page = response.text
    assert "<svg" in page
    assert "KRW-2027-014" in page
    assert "voorgesteld, wacht op akkoord bodemteam" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page


def test_geojson_export(client, demo_tender, classified_dossier, store_url):
    run_matching_stage(demo_tender, classified_dossier, store_url)
    response = client.get("/grondwerk/map/proposal.geojson")
    assert response.status_code == 200
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    flows = [f for f in collection["features"] if f["properties"]["kind"] == "flow"]
    assert flows
    assert all(f["geometry"]["type"] == "LineString" for f in flows)
    only = client.get("/grondwerk/map/proposal.geojson", params={"only_flows": "true"}).json()
    assert len(only["features"]) == len(flows)


def test_map_requires_role(monkeypatch, store_url):
    monkeypatch.setenv("GRONDWERK_STORE_URL", store_url)
    app = FastAPI()
    app.include_router(map_page.router, prefix="/grondwerk")
    response = TestClient(app).get("/grondwerk/map")
    assert response.status_code in (401, 403)
