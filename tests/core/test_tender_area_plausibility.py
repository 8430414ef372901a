"""Plausibility of the tender's project area: inside RD New's area of use and not larger than the configured maximum."""

from __future__ import annotations

import json

import pytest

from grondwerk.errors import InputError
from grondwerk.tender import PROJECT_AREA_FILE, project_area_limits, rd_new_extent, validate_tender


def rd_box(x_min, y_min, x_max, y_max):
    return {"type": "Polygon", "coordinates": [[[x_min, y_min], [x_max, y_min], [x_max, y_max], [x_min, y_max], [x_min, y_min]]]}


def tender_with(area):
    return {
        "tender_reference": "KRW-2027-014",
        "contracting_authority": "Gemeente Krimpenerwaard",
        "project_name": "Herinrichting Spoorstraat",
        "project_area": area,
        "works_start": "2027-03-01",
        "works_end": "2027-06-30",
        "released_volume_m3": 1800,
        "needed_volume_m3": 600,
    }


def rejection(area) -> InputError:
    with pytest.raises(InputError) as info:
        validate_tender(tender_with(area), source="tender.yaml")
    return info.value


def test_extent_comes_from_epsg_database():
    west, south, east, north = rd_new_extent()

    assert (west, south, east) == pytest.approx((3.2, 50.75, 7.22))
    assert 53.6 <= north <= 53.7


def test_whole_rd_grid_rejected():
    error = rejection(rd_box(0, 289_000, 300_000, 629_000))

    assert error.record == "project_area"
    assert "buiten het geldigheidsgebied van RD New" in str(error)


def test_area_in_belgium_inside_rd_grid_rejected():
    # RD (150 km, 290 km) lies in Belgium at latitude 50.6, south of RD New's area of use.
    error = rejection(rd_box(150_000, 290_000, 151_000, 291_000))

    assert "buiten het geldigheidsgebied van RD New" in str(error)
    assert error.value[1] < 50.75


def test_wgs84_area_east_of_extent_rejected():
    # In Germany: inside the RD grid, east of longitude 7.22.
    area = {"type": "Polygon", "coordinates": [[[7.25, 52.3], [7.3, 52.3], [7.3, 52.35], [7.25, 52.35], [7.25, 52.3]]]}

    assert "buiten het geldigheidsgebied van RD New" in str(rejection(area))


def test_area_larger_than_maximum_rejected():
    # 20 km × 10 km near Utrecht is 200 km².
    error = rejection(rd_box(130_000, 450_000, 150_000, 460_000))

    assert error.value == "200.0 km²"
    assert str(error) == (
        "tender.yaml: project_area: projectgebied is 200.0 km², groter dan de grens van 100 km²; "
        "teken alleen het gebied van het werk of controleer de coördinaten (de grens staat in project_area.json)"
    )


def test_area_at_maximum_accepted():
    tender = validate_tender(tender_with(rd_box(130_000, 450_000, 140_000, 460_000)))

    assert tender.area_polygon().area / 1e6 == pytest.approx(project_area_limits()["max_area_km2"]["value"])


def test_maximum_message_in_english(monkeypatch):
    monkeypatch.setenv("GRONDWERK_LANG", "en")

    assert "project area is 200.0 km², larger than the limit of 100 km²" in str(rejection(rd_box(130_000, 450_000, 150_000, 460_000)))


def test_maximum_file_states_reason_and_status():
    data = json.loads(PROJECT_AREA_FILE.read_text(encoding="utf-8"))
    setting = data["max_area_km2"]

    assert data["version"]
    assert setting["value"] > 0
    assert setting["unit"] == "km2"
    assert setting["reason"]
    assert setting["confidence"].startswith("UNCONFIRMED")
