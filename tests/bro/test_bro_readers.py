"""Golden tests of the BRO XML readers: every expected value was read by hand from the file."""

from __future__ import annotations

import math

import pytest

from grondwerk.bro.readers import LAYER_COLUMNS, LOCATION_COLUMNS, namespace_family, read_bro_file
from grondwerk.errors import InputError


def _location(path):
    locations, layers = read_bro_file(path)
    assert len(locations) == 1
    return locations.iloc[0], layers


def test_cpt_dispatch_golden(fixtures_dir):
    row, layers = _location(fixtures_dir / "CPT000000005925.xml")
    assert row.object_id == "CPT000000005925"
    assert row.object_type == "cpt"
    assert row.x_rd_m == 118406.0
    assert row.y_rd_m == 439678.0
    assert row.ground_level_nap_m == 5.58
    assert row.date == "1986-09-15"
    # The file's own standardizedLocation (ETRS89, RDNAPTRANS2008) is 51.944348090 4.854978850;
    # pyproj's RD New -> WGS84 transformation agrees within about 1 m (1e-5 degrees).
    assert row.lat_wgs84 == pytest.approx(51.944348090, abs=1e-5)
    assert row.lon_wgs84 == pytest.approx(4.854978850, abs=1e-5)
    assert layers.empty
    assert list(layers.columns) == LAYER_COLUMNS


def test_cpt_date_cut_to_day(fixtures_dir):
    row, _ = _location(fixtures_dir / "CPT000000115243.xml")
    assert row.x_rd_m == 118543.27
    assert row.y_rd_m == 439680.7
    assert row.ground_level_nap_m == 0.95
    assert row.date == "2019-06-06"


def test_bhrgt_dispatch_golden(fixtures_dir):
    row, layers = _location(fixtures_dir / "BHR000000353924.xml")
    assert row.object_id == "BHR000000353924"
    assert row.object_type == "bhrgt"
    assert (row.x_rd_m, row.y_rd_m) == (118550.903, 439975.134)
    assert row.ground_level_nap_m == 1.008
    assert row.date == "2021-12-07"
    # The first of the two descriptiveBoreholeLog elements has 14 layers.
    assert len(layers) == 14
    first = layers.iloc[0]
    assert (first.top_m_bgl, first.bottom_m_bgl) == (0.0, 1.0)
    assert first.soil_name == "sterkGrindigZand"
    assert first.soil_type_group == "zand"
    assert first.top_m_nap == pytest.approx(1.008)
    assert first.bottom_m_nap == pytest.approx(0.008)
    assert layers.iloc[1].top_m_bgl == 1.0
    assert layers.iloc[1].bottom_m_bgl == 1.2


def test_bhrp_dispatch_golden(fixtures_dir):
    row, layers = _location(fixtures_dir / "BHR000000175723.xml")
    assert row.object_type == "bhrp"
    assert (row.x_rd_m, row.y_rd_m) == (117589.0, 439779.0)
    assert row.ground_level_nap_m == -1.04
    assert row.date == "1984-07"
    assert list(layers.top_m_bgl) == [0.0, 0.4, 1.0, 1.3]
    assert list(layers.bottom_m_bgl) == [0.4, 1.0, 1.3, 1.7]
    assert list(layers.soil_name) == ["sterkSiltigeKlei", "matigSiltigeKlei", "mineraalarmVeen", "mineraalarmVeen"]
    assert list(layers.soil_type_group) == ["klei", "klei", "veen", "veen"]
    assert layers.iloc[3].bottom_m_nap == pytest.approx(-2.74)


def test_bhrg_wrapped_elements_golden(fixtures_dir):
    row, layers = _location(fixtures_dir / "BHR000000398575.xml")
    assert row.object_type == "bhrg"
    assert (row.x_rd_m, row.y_rd_m) == (177740.41, 313688.12)
    assert row.ground_level_nap_m == 48.72
    assert row.date == "2012-09-13"
    assert len(layers) == 2
    assert layers.iloc[0].bottom_m_bgl == 0.4
    assert layers.iloc[0].soil_name == "zwakZandigeLeem"
    assert layers.iloc[1].bottom_m_bgl == 1.5
    assert layers.iloc[1].soil_name == "leemNietGespecificeerd"
    assert set(layers.soil_type_group) == {"leem"}


def test_bhrgt_registration_request_v1(fixtures_dir):
    row, layers = _location(fixtures_dir / "bore.xml")
    assert row.object_id == "78379_HB335"
    assert row.object_type == "bhrgt"
    assert len(layers) == 8
    assert layers.iloc[0].top_m_bgl == 0.0
    assert layers.iloc[0].bottom_m_bgl == 0.4
    assert layers.iloc[0].soil_name == "klei"


def test_bhrgt_special_material_and_rock(fixtures_dir):
    _, layers = _location(fixtures_dir / "BHR_GT_2.1.1_CompleteReport_V1_registrationRequest_example.xml")
    assert list(layers.soil_name) == ["puin", "zand", "mergelSiltig"]
    assert list(layers.soil_type_group) == ["overig", "zand", "overig"]
    assert list(layers.bottom_m_bgl) == [1.0, 1.81, 2.45]


def test_schema_host_namespaces_read(tmp_path, fixtures_dir):
    # Same object with the namespaces on https://schema.broservices.nl and other minor versions.
    text = (fixtures_dir / "BHR000000353924.xml").read_text(encoding="utf-8")
    text = text.replace("http://www.broservices.nl/xsd/", "https://schema.broservices.nl/xsd/").replace("/2.1\"", "/2.3\"")
    path = tmp_path / "BHR000000353924.xml"
    path.write_text(text, encoding="utf-8")
    assert "schema.broservices.nl/xsd/dsbhr-gt/2.3" in text
    row, layers = _location(path)
    assert row.object_id == "BHR000000353924"
    assert len(layers) == 14


def test_prefixed_namespaces_read(shared_bro_dir):
    # BROloket download variant: every element carries an ns0/ns1/... prefix.
    row, _ = _location(shared_bro_dir / "Deltares_GEOLib-Plus" / "CPT000000179101.xml")
    assert row.object_id == "CPT000000179101"
    assert (row.x_rd_m, row.y_rd_m) == (85919.169, 441595.764)
    assert row.ground_level_nap_m == -0.876


def test_namespace_family_any_host():
    assert namespace_family("http://www.broservices.nl/xsd/dscpt/1.1") == ("dscpt", 1, 1)
    assert namespace_family("https://schema.broservices.nl/xsd/dsbhr-gt/2.1") == ("dsbhr-gt", 2, 1)
    assert namespace_family("http://www.opengis.net/gml/3.2") is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("unsupported-version.xml", "dscpt/2.0"),
        ("SFR000000000243.xml", "SFR"),
        ("bro-bhr-gt-2.1.xml", "geen locatie"),
    ],
)
def test_refused_with_reason(fixtures_dir, name, reason):
    with pytest.raises(InputError) as caught:
        read_bro_file(fixtures_dir / name)
    message = str(caught.value)
    assert name in message
    assert reason in message
    assert "\n" not in message


def test_rejection_document_carries_reason(tmp_path):
    path = tmp_path / "rejected.xml"
    path.write_text(
        '<dispatchDataResponse xmlns="http://www.broservices.nl/xsd/dscpt/1.1" '
        'xmlns:brocom="http://www.broservices.nl/xsd/brocommon/3.0">'
        "<brocom:responseType>rejection</brocom:responseType>"
        "<brocom:rejectionReason>Object CPT000000000001 bestaat niet</brocom:rejectionReason>"
        "</dispatchDataResponse>",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="Object CPT000000000001 bestaat niet"):
        read_bro_file(path)


def test_deregistered_object_refused(tmp_path, fixtures_dir):
    from grondwerk.bro.readers import DeregisteredObjectError

    text = (fixtures_dir / "CPT000000005925.xml").read_text(encoding="utf-8")
    path = tmp_path / "CPT000000005925.xml"
    path.write_text(text.replace("<brocom:deregistered>nee", "<brocom:deregistered>ja"), encoding="utf-8")
    with pytest.raises(DeregisteredObjectError, match="CPT000000005925"):
        read_bro_file(path)


def test_location_columns_complete(fixtures_dir):
    locations, _ = read_bro_file(fixtures_dir / "CPT000000155283.xml")
    assert list(locations.columns)[: len(LOCATION_COLUMNS)] == LOCATION_COLUMNS
    assert not any(math.isnan(value) for value in locations[["x_rd_m", "y_rd_m", "lat_wgs84", "lon_wgs84"]].iloc[0])
