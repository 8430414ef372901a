"""The BRO client against the stand-in server on 127.0.0.1: search, tiling, dedupe, retries, rejections, recording."""

from __future__ import annotations

import socket

import pytest
import requests
from shapely.geometry import box

from grondwerk.bro.client import BroClient, BroNotFoundError, BroRejectedError, BroServiceError, split_box
from grondwerk.bro.readers import read_bro_file
from grondwerk.bro.stage import write_cassettes

# Real CPT dispatch files among the fixtures, spread over the country.
DISPATCH_CPTS = (
    "CPT000000005925.xml",
    "CPT000000115243.xml",
    "CPT000000155283.xml",
    "CPT000000179849.xml",
    "example.xml",
    "response_CPT000000053405.xml",
)
# RD New box over the whole country.
NETHERLANDS_RD = box(0, 289_000, 300_000, 629_000)
DEMO_AREA_RD = box(117_400, 439_600, 118_700, 440_450)


@pytest.fixture
def cpt_cassettes(tmp_path, fixtures_dir):
    folder = tmp_path / "cpt-cassettes"
    write_cassettes([fixtures_dir / name for name in DISPATCH_CPTS], folder)
    return folder


def _expected_ids(folder, polygon):
    """BRO ids of the cassettes whose location, read independently by the reader, lies in ``polygon``."""
    from shapely.geometry import Point

    ids = []
    for path in sorted(folder.glob("*.xml")):
        row = read_bro_file(path)[0].iloc[0]
        if polygon.covers(Point(row.x_rd_m, row.y_rd_m)):
            ids.append(row.object_id)
    return sorted(ids)


def test_search_demo_area(demo_cassettes, standin_factory):
    _, base_url = standin_factory(demo_cassettes)
    client = BroClient(base_url, timeout=5)
    assert client.search("cpt", DEMO_AREA_RD).bro_ids == ["CPT000000005925", "CPT000000115243"]
    assert client.search("bhrgt", DEMO_AREA_RD).bro_ids == ["BHR000000353924"]
    assert client.search("bhrp", DEMO_AREA_RD).bro_ids == ["BHR000000175723"]
    assert client.search("bhrg", DEMO_AREA_RD).bro_ids == []


def test_search_excludes_objects_outside_polygon(demo_cassettes, standin_factory):
    _, base_url = standin_factory(demo_cassettes)
    # A box that contains CPT000000005925 (x 118406) but not CPT000000115243 (x 118543.27).
    area = box(118_300, 439_600, 118_500, 439_800)
    result = BroClient(base_url, timeout=5).search("cpt", area)
    assert result.bro_ids == ["CPT000000005925"]


@pytest.mark.parametrize("over_cap", ["reject", "truncate"])
def test_tiling_under_small_cap(cpt_cassettes, standin_factory, over_cap):
    server, base_url = standin_factory(cpt_cassettes, max_results=2, over_cap=over_cap)
    client = BroClient(base_url, timeout=5, max_results=2)
    result = client.search("cpt", NETHERLANDS_RD)
    expected = _expected_ids(cpt_cassettes, NETHERLANDS_RD)
    assert len(expected) == 6
    assert result.bro_ids == expected
    assert result.tiles > 1
    posts = [entry for entry in server.requests_seen if entry["method"] == "POST"]
    assert len(posts) == result.tiles


def test_tiling_dedupes_object_on_tile_edge(demo_cassettes, standin_factory):
    # The split line x = 118406 passes through CPT000000005925, so two tiles both return it.
    area = box(117_406, 439_000, 119_406, 440_000)
    assert split_box(area.bounds)[0][2] == 118_406
    _, base_url = standin_factory(demo_cassettes, max_results=2)
    result = BroClient(base_url, timeout=5, max_results=2).search("cpt", area)
    assert result.bro_ids == ["CPT000000005925", "CPT000000115243"]
    assert result.tiles > 1


def test_deregistered_skipped_and_counted(tmp_path, fixtures_dir, standin_factory):
    folder = tmp_path / "cassettes"
    write_cassettes([fixtures_dir / "CPT000000115243.xml"], folder)
    text = (fixtures_dir / "CPT000000005925.xml").read_text(encoding="utf-8")
    (folder / "CPT000000005925.xml").write_text(text.replace("<brocom:deregistered>nee", "<brocom:deregistered>ja"), encoding="utf-8")
    _, base_url = standin_factory(folder)
    result = BroClient(base_url, timeout=5).search("cpt", DEMO_AREA_RD)
    assert result.bro_ids == ["CPT000000115243"]
    assert result.deregistered == ["CPT000000005925"]


def test_download_returns_recorded_bytes(demo_cassettes, standin_factory):
    _, base_url = standin_factory(demo_cassettes)
    content = BroClient(base_url, timeout=5).download("cpt", "CPT000000005925")
    assert content == (demo_cassettes / "CPT000000005925.xml").read_bytes()


def test_unknown_id_not_found(demo_cassettes, standin_factory):
    _, base_url = standin_factory(demo_cassettes)
    with pytest.raises(BroNotFoundError) as caught:
        BroClient(base_url, timeout=5).download("cpt", "CPT000000000001")
    assert "CPT000000000001" in caught.value.reason


def test_invalid_bro_id_is_input_error(demo_cassettes, standin_factory):
    from grondwerk.errors import InputError

    _, base_url = standin_factory(demo_cassettes)
    with pytest.raises(InputError, match="geen geldig BRO-ID"):
        BroClient(base_url, timeout=5).download("cpt", "../etc/passwd")


def test_retries_on_503_and_429(demo_cassettes, standin_factory):
    server, base_url = standin_factory(demo_cassettes)
    server.inject_faults(503, 429, retry_after="0")
    client = BroClient(base_url, timeout=5, backoff_s=0.01)
    content = client.download("cpt", "CPT000000005925")
    assert content.startswith(b"<?xml")
    assert client.request_count == 3
    assert len(server.requests_seen) == 3


def test_gives_up_after_retries(demo_cassettes, standin_factory):
    server, base_url = standin_factory(demo_cassettes)
    server.inject_faults(500, 502, 503, 504)
    client = BroClient(base_url, timeout=5, retries=2, backoff_s=0.01)
    with pytest.raises(BroServiceError, match="3 pogingen"):
        client.search("cpt", DEMO_AREA_RD)
    assert client.request_count == 3


def test_connection_refused_retried_then_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = BroClient(f"http://127.0.0.1:{port}", timeout=1, retries=1, backoff_s=0.01)
    with pytest.raises(BroServiceError, match="ConnectionError"):
        client.download("cpt", "CPT000000005925")
    assert client.request_count == 2


def test_rejection_with_200_carries_bro_reason(demo_cassettes, standin_factory):
    server, base_url = standin_factory(demo_cassettes)
    client = BroClient(base_url, timeout=5)
    server.inject_rejection("De registratieperiode is ongeldig")
    with pytest.raises(BroRejectedError) as caught:
        client.search("cpt", DEMO_AREA_RD)
    assert caught.value.reason == "De registratieperiode is ongeldig"
    server.inject_rejection("Verzoek geweigerd door de BRO")
    with pytest.raises(BroRejectedError, match="Verzoek geweigerd door de BRO"):
        client.download("cpt", "CPT000000005925")


def test_recording_mode_makes_replayable_cassettes(demo_cassettes, standin_factory, tmp_path):
    _, live_url = standin_factory(demo_cassettes)
    recorded = tmp_path / "recorded"
    recorder = BroClient(live_url, timeout=5, record_dir=recorded)
    for bro_id in recorder.search("cpt", DEMO_AREA_RD).bro_ids:
        recorder.download("cpt", bro_id)
    assert sorted(path.name for path in recorded.glob("*.xml")) == ["CPT000000005925.xml", "CPT000000115243.xml"]
    assert len(list((recorded / "searches").glob("cpt_*.xml"))) == 1

    _, replay_url = standin_factory(recorded)
    replay = BroClient(replay_url, timeout=5)
    assert replay.search("cpt", DEMO_AREA_RD).bro_ids == ["CPT000000005925", "CPT000000115243"]
    assert replay.download("cpt", "CPT000000115243") == (demo_cassettes / "CPT000000115243.xml").read_bytes()


def test_standin_refuses_non_loopback(demo_cassettes):
    from grondwerk.bro.standin import StandinServer

    with pytest.raises(ValueError, match="loopback"):
        StandinServer(("0.0.0.0", 0), demo_cassettes)


def test_standin_rejects_bad_search_body(demo_cassettes, standin_factory):
    _, base_url = standin_factory(demo_cassettes)
    response = requests.post(f"{base_url}/sr/cpt/v1/characteristics/searches", json={"area": {"enclosingCircle": {"center": {"lat": 52, "lon": 5}, "radius": -1}}}, timeout=5)
    assert response.status_code == 400
    assert "radius" in response.json()["errors"][0]["message"]


def test_standin_enclosing_circle(demo_cassettes, standin_factory):
    _, base_url = standin_factory(demo_cassettes)
    # 100 m around CPT000000005925 (51.944348 N, 4.854979 E); CPT000000115243 is about 135 m east.
    body = {"area": {"enclosingCircle": {"center": {"lat": 51.944348, "lon": 4.854979}, "radius": 0.1}}}
    response = requests.post(f"{base_url}/sr/cpt/v1/characteristics/searches", json=body, timeout=5)
    assert response.status_code == 200
    assert b"CPT000000005925" in response.content
    assert b"CPT000000115243" not in response.content
    assert b"<numberOfDocuments>1</numberOfDocuments>" in response.content


def test_timeout_retried_then_error(demo_cassettes, standin_factory):
    server, base_url = standin_factory(demo_cassettes)
    server.inject_delay(1.0)
    server.inject_delay(1.0)
    client = BroClient(base_url, timeout=0.2, retries=1, backoff_s=0.01)
    with pytest.raises(BroServiceError, match="Timeout"):
        client.download("cpt", "CPT000000005925")
    assert client.request_count == 2


def test_timeout_then_success(demo_cassettes, standin_factory):
    server, base_url = standin_factory(demo_cassettes)
    server.inject_delay(1.0)
    client = BroClient(base_url, timeout=0.2, backoff_s=0.01)
    assert client.download("cpt", "CPT000000005925").startswith(b"<?xml")
    assert client.request_count == 2


def test_download_above_size_limit(demo_cassettes, standin_factory, monkeypatch):
    _, base_url = standin_factory(demo_cassettes)
    monkeypatch.setenv("GRONDWERK_BRO_MAX_XML_BYTES", "1000")
    with pytest.raises(BroServiceError, match="groter dan 1000 bytes"):
        BroClient(base_url, timeout=5).download("cpt", "CPT000000005925")
