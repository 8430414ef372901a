"""Fixtures of the DSO tests: the demo tender, partijen, a match proposal and a stand-in per test."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from grondwerk.dso.standin import FaultConfig, start_standin
from grondwerk.tender import TenderSpec, load_tender_file

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tender() -> TenderSpec:
    """The demo tender KRW-2027-014 (works start 2027-03-01, end 2027-06-30)."""
    return load_tender_file(ROOT / "examples" / "demo" / "tender.yaml")


@pytest.fixture
def api_key() -> str:
    return secrets.token_urlsafe(12)


@pytest.fixture
def standin(api_key):
    """A fault-free stand-in; yields (server, base_url)."""
    server, base_url = start_standin(api_key=api_key)
    yield server, base_url
    server.shutdown()
    server.server_close()


@pytest.fixture
def faulty_standin(api_key):
    """Return a factory of stand-ins with the given ``FaultConfig``; all are stopped after the test."""
    servers = []

    def make(faults: FaultConfig):
        server, base_url = start_standin(api_key=api_key, faults=faults)
        servers.append(server)
        return server, base_url

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()
