"""Paths of the inspection test files."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "inspection"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def sikb_file(demo_dir) -> Path:
    return demo_dir / "inspection" / "SAD000000011742_sikb.xml"


@pytest.fixture(scope="session")
def sad_file(demo_dir) -> Path:
    return demo_dir / "inspection" / "SAD000000011742.xml"


@pytest.fixture(scope="session")
def sikb_data(sikb_file):
    from grondwerk.inspection import read_inspection

    return read_inspection(sikb_file)


@pytest.fixture(scope="session")
def sad_data(sad_file):
    from grondwerk.inspection import read_inspection

    return read_inspection(sad_file)
