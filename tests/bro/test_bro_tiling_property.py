"""Property: the tiled area search returns exactly the objects in the area, whatever their layout and the cap."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from grondwerk.bro.client import BroClient
from grondwerk.bro.standin import start_standin

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "bro" / "CPT000000005925.xml"
ORIGINAL_ID = "CPT000000005925"
ORIGINAL_POSITION = "<gml:pos>118406.000 439678.000</gml:pos>"
# Grid of candidate positions, 10 m apart, around the demo area (RD New metres).
GRID_X0, GRID_Y0, GRID_STEP, GRID_SIZE = 117_000, 439_000, 10, 300


def _write_cassettes(folder: Path, points: list[tuple[int, int]]) -> dict[str, tuple[float, float]]:
    """Write one copy of a real CPT per point, with its own broId and delivered RD position."""
    template = FIXTURE.read_text(encoding="utf-8")
    positions = {}
    for number, (i, j) in enumerate(points, start=1):
        bro_id = f"CPT{900000000000 + number:012d}"
        x, y = GRID_X0 + GRID_STEP * i, GRID_Y0 + GRID_STEP * j
        text = template.replace(ORIGINAL_ID, bro_id).replace(ORIGINAL_POSITION, f"<gml:pos>{x}.000 {y}.000</gml:pos>")
        (folder / f"{bro_id}.xml").write_text(text, encoding="utf-8")
        positions[bro_id] = (float(x), float(y))
    return positions


grid_points = st.lists(st.tuples(st.integers(0, GRID_SIZE - 1), st.integers(0, GRID_SIZE - 1)), min_size=0, max_size=25, unique=True)
query_box = st.tuples(st.integers(0, GRID_SIZE - 1), st.integers(0, GRID_SIZE - 1), st.integers(1, GRID_SIZE), st.integers(1, GRID_SIZE))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(points=grid_points, query=query_box, cap=st.integers(2, 6))
def test_tiled_search_matches_brute_force(points, query, cap):
    i0, j0, width, height = query
    area = box(
        GRID_X0 + GRID_STEP * i0,
        GRID_Y0 + GRID_STEP * j0,
        GRID_X0 + GRID_STEP * (i0 + width),
        GRID_Y0 + GRID_STEP * (j0 + height),
    )
    with tempfile.TemporaryDirectory() as folder:
        positions = _write_cassettes(Path(folder), points)
        server, base_url = start_standin(Path(folder), max_results=cap)
        try:
            result = BroClient(base_url, timeout=5, max_results=cap).search("cpt", area)
        finally:
            server.shutdown()
            server.server_close()
    expected = sorted(bro_id for bro_id, (x, y) in positions.items() if area.covers(Point(x, y)))
    assert result.bro_ids == expected
    assert len(set(result.bro_ids)) == len(result.bro_ids)
    assert result.requests == result.tiles
