"""Every file under the shared data folder bro/ is read or refused with a one-line error; the coverage page is current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from grondwerk.bro.readers import read_bro_file
from grondwerk.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


def _shared_files():
    from grondwerk.settings import shared_data_dir

    shared = shared_data_dir()
    if shared is None or not (shared / "bro").is_dir():
        return []
    return sorted(path for path in (shared / "bro").rglob("*") if path.is_file())


@pytest.mark.shared
@pytest.mark.parametrize("path", _shared_files() or [pytest.param(None, marks=pytest.mark.skip(reason="shared data folder bro/ is absent"))], ids=lambda p: p.name if p else "absent")
def test_shared_file_read_or_refused(path):
    try:
        locations, layers = read_bro_file(path)
    except InputError as exc:
        message = str(exc)
        assert str(path) in message
        assert "\n" not in message
        assert len(message) > len(str(path)) + 10
        return
    assert len(locations) == 1
    row = locations.iloc[0]
    assert row.object_id
    # A position is either complete or absent and flagged, never 0,0.
    if row.x_rd_m is None or row.x_rd_m != row.x_rd_m:
        assert row.location_flag.startswith("xy_")
    else:
        assert (row.x_rd_m, row.y_rd_m) != (0.0, 0.0)
        assert -90 <= row.lat_wgs84 <= 90
    assert (layers.bottom_m_bgl >= layers.top_m_bgl).all()


@pytest.mark.shared
def test_coverage_page_current(shared_bro_dir):
    spec = importlib.util.spec_from_file_location("bro_coverage", ROOT / "scripts" / "bro_coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.render(module.coverage_rows(shared_bro_dir))
    assert (ROOT / "docs" / "bro-coverage.md").read_text(encoding="utf-8") == expected
