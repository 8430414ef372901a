"""Map page and GeoJSON export of the latest proposal, served through the router with the role check overridden."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("airflow")
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from grondwerk.db import get_engine  # noqa: E402
from grondwerk.matching import store  # noqa: E402
from grondwerk.matching.stage import run_matching_stage, run_regional_match  # noqa: E402
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


def publish_with_indicative_lot(store_url, region_file, lot_id):
    data = json.loads(region_file.read_text(encoding="utf-8"))
    supply = [row | {"klasse_indicatief": row["lot_id"] == lot_id} for row in data["supply"]]
    store.publish(get_engine(store_url), supply=supply, demand=data["demand"], depots=data["depots"], sites=data["sites"])


def test_map_marks_indicative_lot(client, tmp_path, store_url, region_file):
    publish_with_indicative_lot(store_url, region_file, "VOORBEELD-LEKKERKERK-03/P1")
    run_regional_match(tmp_path / "out", "REGIO/kaart", store_url)

    page = client.get("/grondwerk/map").text

    assert "partij met indicatieve klasse (analysepakket onvolledig)" in page
    assert "stroom met grond met indicatieve klasse" in page
    assert "VOORBEELD-LEKKERKERK-03/P1: Herinrichting dorpskern (voorbeeld) (3.200 t, klasse indicatief). De klasse is indicatief" in page
    assert "Let op: dit voorstel verplaatst 3.200 t grond met een indicatieve klasse uit 1 partij" in page
    # One ring around the lot, and one dotted line over each of its two flows (into the depot and out of its heap).
    assert page.count('data-klasse-indicatief="true"') == 3


def test_map_without_indicative_soil(client, tmp_path, store_url):
    run_regional_match(tmp_path / "out", "REGIO/kaart", store_url)

    page = client.get("/grondwerk/map").text

    assert 'data-klasse-indicatief="true"' not in page
    assert "Let op:" not in page
    assert "partij met indicatieve klasse" in page


def test_geojson_marks_indicative_lot(client, tmp_path, store_url, region_file):
    publish_with_indicative_lot(store_url, region_file, "VOORBEELD-LEKKERKERK-03/P1")
    run_regional_match(tmp_path / "out", "REGIO/kaart", store_url)

    collection = client.get("/grondwerk/map/proposal.geojson").json()

    lots = {f["properties"]["id"]: f["properties"]["klasse_indicatief"] for f in collection["features"] if f["properties"]["kind"] == "supply"}
    assert lots["VOORBEELD-LEKKERKERK-03/P1"] is True
    assert sum(lots.values()) == 1
    marked = sorted(f["properties"]["from"] for f in collection["features"] if f["properties"]["kind"] == "flow" and f["properties"]["klasse_indicatief"])
    assert marked == ["VOORBEELD-DEPOT-BERGAMBACHT", "VOORBEELD-LEKKERKERK-03/P1"]


def test_map_requires_role(monkeypatch, store_url):
    monkeypatch.setenv("GRONDWERK_STORE_URL", store_url)
    app = FastAPI()
    app.include_router(map_page.router, prefix="/grondwerk")
    response = TestClient(app).get("/grondwerk/map")
    assert response.status_code in (401, 403)
