import datetime as dt

import pytest
import yaml

from grondwerk.errors import InputError
from grondwerk.tender import RD_NEW, WGS84, TenderSpec, load_tender_file, validate_tender

RD_SQUARE = {"type": "Polygon", "coordinates": [[[117400, 439600], [118700, 439600], [118700, 440450], [117400, 440450], [117400, 439600]]]}


def base_tender(**overrides):
    raw = {
        "tender_reference": "KRW-2027-014",
        "contracting_authority": "Gemeente Krimpenerwaard",
        "project_name": "Herinrichting Spoorstraat",
        "project_area": RD_SQUARE,
        "works_start": "2027-03-01",
        "works_end": "2027-06-30",
        "released_volume_m3": 1800,
        "needed_volume_m3": 600,
    }
    raw.update(overrides)
    return raw


def test_demo_tender_loads(demo_dir):
    tender = load_tender_file(demo_dir / "tender.yaml")
    assert tender.reference == "KRW-2027-014"
    assert tender.area_crs_delivered == RD_NEW
    assert tender.area_polygon().area == pytest.approx(1300 * 850)
    assert tender.works_start == dt.date(2027, 3, 1)
    assert tender.accepted_classes == ("achtergrondwaarde", "wonen")
    assert len(tender.inspection_files) == 1
    assert tender.inspection_files[0].endswith("SAD000000011742_sikb.xml")


def test_wgs84_area_is_transformed_to_rd():
    # Corner points of the demo area near Schoonhoven, in WGS84 (lon, lat).
    area = {"type": "Polygon", "coordinates": [[[4.840, 51.944], [4.858, 51.944], [4.858, 51.952], [4.840, 51.952], [4.840, 51.944]]]}
    tender = validate_tender(base_tender(project_area=area))
    minx, miny, maxx, maxy = tender.area_polygon().bounds
    assert tender.area_crs_delivered == WGS84
    assert 117_000 < minx < 118_000
    assert 439_000 < miny < 440_000
    assert 118_500 < maxx < 119_500
    assert 440_000 < maxy < 441_000


def test_feature_collection_with_one_polygon_is_accepted():
    area = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": RD_SQUARE}]}
    assert validate_tender(base_tender(project_area=area)).area_polygon().area > 0


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("tender_reference", "", "ontbreekt"),
        ("tender_reference", "KRW 2027/14", "mag alleen letters"),
        ("works_start", "1-3-2027", "geen datum"),
        ("works_end", "2027-02-01", "vóór de start"),
        ("released_volume_m3", -5, "tussen 0 en 100000000 m³"),
        ("released_volume_m3", float("inf"), "tussen 0 en 100000000 m³"),
        ("released_volume_m3", 10**400, "geen getal"),
        ("released_volume_m3", "1.800", "zonder duizendtalpunt"),
        ("needed_volume_m3", "veel", "geen getal"),
        ("accepted_classes", ["schoon"], "klasse 'schoon' onbekend"),
        ("project_area", {"type": "Point", "coordinates": [1, 2]}, "Polygon"),
        ("project_area", {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]}, "niet in Nederland"),
        ("project_area", "{not json", "geen geldige GeoJSON"),
        ("inspection_files", ["/nonexistent/keuring.xml"], "bestaat niet"),
    ],
)
def test_invalid_field_names_field_and_value(field, value, fragment):
    with pytest.raises(InputError) as info:
        validate_tender(base_tender(**{field: value}), source="tender.yaml")
    message = str(info.value)
    assert message.startswith("tender.yaml: " + field)
    assert fragment in message


def test_self_intersecting_area_is_invalid():
    bowtie = {"type": "Polygon", "coordinates": [[[117000, 439000], [118000, 440000], [118000, 439000], [117000, 440000], [117000, 439000]]]}
    with pytest.raises(InputError, match="geen geldige polygoon"):
        validate_tender(base_tender(project_area=bowtie))


def test_english_messages(monkeypatch):
    monkeypatch.setenv("GRONDWERK_LANG", "en")
    with pytest.raises(InputError, match="is not a date; use YYYY-MM-DD"):
        validate_tender(base_tender(works_start="soon"))


def test_json_round_trip():
    tender = validate_tender(base_tender(partijen=[{"id": "P1", "samples": ["MM1", "MM2"], "volume_m3": 900, "soil_type": "zand"}]))
    again = TenderSpec.from_json(tender.to_json())
    assert again == tender
    assert again.partijen[0].samples == ("MM1", "MM2")


def test_yaml_file_errors(tmp_path):
    broken = tmp_path / "t.yaml"
    broken.write_text("tender_reference: [unclosed\n")
    with pytest.raises(InputError, match="geen geldige YAML"):
        load_tender_file(broken)
    with pytest.raises(InputError, match="niet gevonden"):
        load_tender_file(tmp_path / "missing.yaml")
    relative = tmp_path / "rel.yaml"
    (tmp_path / "keuring.xml").write_text("<x/>")
    relative.write_text(yaml.safe_dump(base_tender(inspection_files=["keuring.xml"])))
    assert load_tender_file(relative).inspection_files == (str(tmp_path / "keuring.xml"),)


def test_tender_file_encoding_and_date_errors(tmp_path):
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("project_name: Café\n".encode("latin-1"))
    with pytest.raises(InputError, match="geen UTF-8"):
        load_tender_file(latin1)
    impossible = tmp_path / "date.yaml"
    impossible.write_text("works_start: 2027-02-30\n")
    with pytest.raises(InputError, match="geen geldige YAML"):
        load_tender_file(impossible)
    with pytest.raises(InputError, match="een map"):
        load_tender_file(tmp_path)


def test_yaml_error_names_line_and_column(tmp_path):
    broken = tmp_path / "t.yaml"
    broken.write_text("a: 1\nb: [unclosed\n")
    with pytest.raises(InputError, match=r"regel:kolom 3:1"):
        load_tender_file(broken)
