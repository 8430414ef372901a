"""DSO client against the local stand-in: shapes, validation, authentication and every fault kind."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grondwerk.dso.builder import build_meldingen
from grondwerk.dso.client import DsoClient, DsoConflict, DsoRejected, DsoTransientError
from grondwerk.dso.standin import FAULT_HEADER, FaultConfig, start_standin

from dso_factories import flow, partij

BEVOEGD_GEZAG = {"oin": "00000001999999990001", "naam": "Gemeente Krimpenerwaard"}


@pytest.fixture
def payload(tender):
    (melding,) = build_meldingen(tender, [partij("P1", "wonen", 300)], {"flows": [flow("P1", "D1", 400)]}, dt.date(2027, 1, 4))
    return melding["payload"] | {"bevoegdGezag": BEVOEGD_GEZAG}


def client_with_fault(base_url, api_key, fault, timeout=0.5):
    session = requests.Session()
    session.headers[FAULT_HEADER] = fault
    return DsoClient(base_url, api_key, timeout=timeout, session=session)


def test_create_attach_submit_returns_receipt(standin, api_key, payload):
    server, base_url = standin
    client = DsoClient(base_url, api_key, timeout=2)
    created = client.create(payload)
    assert created["status"] == "concept"
    assert created["verzoekidentificatie"].startswith("tmp-")
    assert created["links"]["bijlagen"].endswith("/bijlagen")
    assert client.attach(created["verzoekidentificatie"], "rapport.html", "text/html", b"<p>rapport</p>")["bijlagen"] == 1
    receipt = client.submit(created["verzoekidentificatie"])
    assert receipt["status"] == "ingediend"
    assert len(receipt["verzoeknummer"]) == 8
    assert dt.datetime.fromisoformat(receipt["ingediend"]) >= dt.datetime.fromisoformat(receipt["aangemaakt"])
    assert server.state.submitted_by_reference() == {payload["algemeneGegevens"]["referentie"]: 1}


def test_lookup_by_reference(standin, api_key, payload):
    _, base_url = standin
    client = DsoClient(base_url, api_key, timeout=2)
    key = payload["algemeneGegevens"]["referentie"]
    assert client.lookup(key) == []
    created = client.create(payload)
    found = client.lookup(key)
    assert [v["verzoekidentificatie"] for v in found] == [created["verzoekidentificatie"]]
    assert found[0]["status"] == "concept"
    assert "bericht" not in found[0]


def test_second_submit_is_conflict(standin, api_key, payload):
    _, base_url = standin
    client = DsoClient(base_url, api_key, timeout=2)
    verzoek_id = client.create(payload)["verzoekidentificatie"]
    client.submit(verzoek_id)
    with pytest.raises(DsoConflict):
        client.submit(verzoek_id)


def test_missing_api_key_is_rejected(standin, payload):
    _, base_url = standin
    with pytest.raises(DsoRejected) as info:
        DsoClient(base_url, None, timeout=2).create(payload)
    assert info.value.status == 401


def test_invalid_payload_gets_400_with_reasons(standin, api_key, payload):
    _, base_url = standin
    broken = json.loads(json.dumps(payload))
    broken["bevoegdGezag"] = None
    broken["locatie"]["geometrie"]["coordinates"] = [5.0, 52.0]
    broken["vragen"] = [q for q in broken["vragen"] if q["code"] != "hoeveelheid_m3"]
    with pytest.raises(DsoRejected) as info:
        DsoClient(base_url, api_key, timeout=2).create(broken)
    names = {problem["name"] for problem in info.value.problems}
    assert info.value.status == 400
    assert "bevoegdGezag" in names
    assert "locatie.geometrie" in names
    assert "vragen.hoeveelheid_m3" in names


def test_long_storage_needs_final_destination(standin, api_key, payload):
    _, base_url = standin
    storage = json.loads(json.dumps(payload))
    storage["activiteiten"] = [{"naam": "Op de landbodem opslaan, zeven, mechanisch ontwateren of samenvoegen van zonder bewerking herbruikbare grond of baggerspecie", "functioneleStructuurRef": "x"}]
    storage["vragen"] += [{"code": "opslagsoort", "antwoord": "tijdelijk_landbodem"}, {"code": "opslagduur_maanden", "antwoord": 9}]
    with pytest.raises(DsoRejected) as info:
        DsoClient(base_url, api_key, timeout=2).create(storage)
    assert [p["name"] for p in info.value.problems] == ["vragen.eindbestemming"]


def test_routing_finds_bevoegd_gezag(standin, api_key):
    _, base_url = standin
    client = DsoClient(base_url, api_key, timeout=2)
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
    schoonhoven = client.route(["ref"], {"type": "Point", "coordinates": [118000, 440000], "crs": crs})
    groningen = client.route(["ref"], {"type": "Point", "coordinates": [233000, 582000], "crs": crs})
    assert schoonhoven["bevoegdGezag"]["naam"] == "Gemeente Krimpenerwaard"
    assert schoonhoven["bevoegdGezag"]["afgeleid"] is True
    assert schoonhoven["behandeldienst"]["naam"] == "Omgevingsdienst Midden-Holland"
    assert groningen["bevoegdGezag"]["naam"] == "Gemeente Voorbeeld (stand-in)"


def test_fault_5xx_not_stored(faulty_standin, api_key, payload):
    server, base_url = faulty_standin(FaultConfig())
    with pytest.raises(DsoTransientError) as info:
        client_with_fault(base_url, api_key, "error_5xx").create(payload)
    assert info.value.status in (500, 502, 503)
    assert server.state.verzoeken == {}


def test_fault_timeout_not_stored(faulty_standin, api_key, payload):
    server, base_url = faulty_standin(FaultConfig(hang_s=1.0))
    started = time.monotonic()
    with pytest.raises(DsoTransientError) as info:
        client_with_fault(base_url, api_key, "timeout", timeout=0.3).create(payload)
    assert "timed out" in str(info.value)
    assert time.monotonic() - started < 0.9
    time.sleep(0.8)
    assert server.state.verzoeken == {}


def test_fault_slow_still_answers(faulty_standin, api_key, payload):
    server, base_url = faulty_standin(FaultConfig(slow_s=0.2))
    started = time.monotonic()
    created = client_with_fault(base_url, api_key, "slow", timeout=2).create(payload)
    assert time.monotonic() - started >= 0.2
    assert created["verzoekidentificatie"] in server.state.verzoeken


def test_fault_reset_not_stored(faulty_standin, api_key, payload):
    server, base_url = faulty_standin(FaultConfig())
    with pytest.raises(DsoTransientError):
        client_with_fault(base_url, api_key, "reset").create(payload)
    assert server.state.verzoeken == {}


def test_fault_lost_response_is_stored(faulty_standin, api_key, payload):
    server, base_url = faulty_standin(FaultConfig())
    with pytest.raises(DsoTransientError):
        client_with_fault(base_url, api_key, "lost_response").create(payload)
    found = DsoClient(base_url, api_key, timeout=2).lookup(payload["algemeneGegevens"]["referentie"])
    assert len(found) == 1
    assert len(server.state.verzoeken) == 1


def test_fault_rate_draws_every_kind(faulty_standin, api_key):
    server, base_url = faulty_standin(FaultConfig(rate=1.0, kinds=("error_5xx", "reset", "lost_response"), seed=3))
    client = DsoClient(base_url, api_key, timeout=0.5)
    for _ in range(30):
        with pytest.raises(DsoTransientError):
            client.lookup("0" * 64)
    assert set(server.state.faults) == {"error_5xx", "reset", "lost_response"}
    assert sum(server.state.faults.values()) == 30


def test_standin_refuses_non_loopback_host():
    with pytest.raises(ValueError):
        start_standin(host="0.0.0.0")


def test_state_file_keeps_submitted_verzoeken(tmp_path, api_key, payload):
    state_file = tmp_path / "dso-state.json"
    server, base_url = start_standin(api_key=api_key, state_file=state_file)
    try:
        client = DsoClient(base_url, api_key, timeout=2)
        client.submit(client.create(payload)["verzoekidentificatie"])
    finally:
        server.shutdown()
        server.server_close()
    saved = json.loads(state_file.read_text(encoding="utf-8"))
    assert [v["status"] for v in saved["verzoeken"]] == ["ingediend"]
    assert saved["verzoeken"][0]["bericht"]["algemeneGegevens"]["referentie"] == payload["algemeneGegevens"]["referentie"]


def test_module_runs_as_server(api_key):
    process = subprocess.Popen([sys.executable, "-m", "grondwerk.dso.standin", "--port", "0", "--api-key", api_key], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        base_url = line.split()[3].rstrip(";")
        assert base_url.startswith("http://127.0.0.1:")
        assert DsoClient(base_url, api_key, timeout=2).lookup("0" * 64) == []
    finally:
        process.terminate()
        process.wait(timeout=10)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(["algemeneGegevens", "bevoegdGezag", "activiteiten", "locatie", "geometrie", "crs", "vragen", "aanvrager", "naam", "code", "antwoord", "coordinates", "type"]), children, max_size=5),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values)
def test_malformed_bodies_get_400(standin, api_key, body):
    _, base_url = standin
    for path in ("/publiek/verzoeken/api/indienen/v4/verzoeken", "/publiek/toepasbare-regels/api/verzoeksroutering/v2/routeringen"):
        response = requests.post(base_url + path, json=body, headers={"X-Api-Key": api_key}, timeout=5)
        assert response.status_code == 400, response.text
        assert response.json()["status"] == 400
