"""Fixtures of the BRO tests: fixture paths, shared data and a stand-in server per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bro"
DEMO_OBJECTS = ("BHR000000175723.xml", "BHR000000353924.xml", "CPT000000005925.xml", "CPT000000115243.xml")


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def shared_bro_dir() -> Path:
    from grondwerk.settings import shared_data_dir

    shared = shared_data_dir()
    if shared is None or not (shared / "bro").is_dir():
        pytest.skip("shared data folder bro/ is absent")
    return shared / "bro"


@pytest.fixture
def demo_cassettes(tmp_path) -> Path:
    """A cassette folder with the four real BRO objects of the demo area."""
    from grondwerk.bro.stage import write_cassettes

    folder = tmp_path / "cassettes"
    write_cassettes([FIXTURES / name for name in DEMO_OBJECTS], folder)
    return folder


@pytest.fixture
def standin_factory():
    """Start stand-ins on 127.0.0.1 and stop them all after the test."""
    from grondwerk.bro.standin import start_standin

    servers = []

    def start(cassette_dir: Path, **options):
        server, base_url = start_standin(cassette_dir, **options)
        servers.append(server)
        return server, base_url

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def copy_fixture(tmp_path):
    def copy(name: str, target_dir: Path | None = None) -> Path:
        target_dir = target_dir or tmp_path
        target_dir.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(FIXTURES / name, target_dir / name))

    return copy
