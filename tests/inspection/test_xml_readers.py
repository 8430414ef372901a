"""SIKB0101 and BRO SAD readers on the real investigation SAD000000011742."""

from __future__ import annotations

import math

import pytest
from grondwerk.errors import InputError
from grondwerk.inspection import detect_format, read_inspection
from grondwerk.inspection.model import ANALYSIS_COLUMNS, SAMPLE_COLUMNS

SOURCE_COLUMNS = ["source_file", "source_record"]
SORT_KEY = ["sample_id", "parameter_code", "condition", "value"]


def _comparable(frame):
    columns = [c for c in frame.columns if c not in SOURCE_COLUMNS]
    return frame[columns].sort_values(SORT_KEY).reset_index(drop=True)


@pytest.mark.parametrize("name", ["sikb_data", "sad_data"])
def test_investigation_counts(name, request):
    data = request.getfixturevalue(name)
    summary = data.summary
    assert summary["investigation_id"] == "SAD000000011742"
    assert summary["analyses"] == 554
    assert summary["below_limit"] == 194
    assert summary["rows_in"] == 554
    assert summary["rows_out"] == 554
    assert summary["rows_quarantined"] == 0
    assert summary["field_samples"] == 61
    assert summary["analysis_samples"] == 30
    assert summary["samples_analysed"] == 30
    assert summary["unresolved_parameter_ids"] == []
    assert len(data.quarantine) == 0


def test_formats_detected(sikb_file, sad_file):
    assert detect_format(sikb_file) == "sikb0101"
    assert detect_format(sad_file) == "bro-sad"


def test_columns_follow_contract(sikb_data):
    assert tuple(sikb_data.analyses.columns) == ANALYSIS_COLUMNS
    assert tuple(sikb_data.samples.columns) == SAMPLE_COLUMNS


def test_sikb_and_sad_analyses_identical(sikb_data, sad_data):
    left = _comparable(sikb_data.analyses)
    right = _comparable(sad_data.analyses)
    assert left.equals(right)


def test_sikb_and_sad_samples_identical(sikb_data, sad_data):
    assert sikb_data.samples.equals(sad_data.samples)


def test_mixed_sample_m01(sikb_data):
    rows = sikb_data.analyses[sikb_data.analyses.sample_id == "M01"]
    first = rows.iloc[0]
    assert first.sample_type == "mengmonster"
    assert first.combined_samples == "1786301-1;1786302-1;1786303-1"
    assert first.borehole_id == "1786301;1786302;1786303"
    assert first.top_m_bgl == 0.0
    assert first.bottom_m_bgl == 0.5
    assert len(rows) == 36


def test_pcb_sum_converted_from_ug_per_kg(sikb_data):
    rows = sikb_data.analyses
    pcb = rows[(rows.sample_id == "M01") & (rows.parameter_code == "sPCB7")].iloc[0]
    assert pcb.value_delivered == 13.32
    assert pcb.unit_delivered == "ug/kg"
    assert pcb.value == pytest.approx(0.01332)
    assert pcb.unit == "mg/kg"
    assert pcb.conversion == "ug/kg -> mg/kg x 0.001"
    assert pcb.condition == "dg"


def test_below_limit_mineral_oil_fraction(sikb_data):
    rows = sikb_data.analyses
    fraction = rows[(rows.sample_id == "M01") & (rows.parameter_code == "minrlole") & (rows.condition == "C10C12dg")].iloc[0]
    assert fraction.limit_symbol == "<"
    assert fraction.value == 5.0
    assert fraction.parameter_name == "minerale olie"


def test_lutum_and_organic_matter_per_sample(sikb_data):
    samples = sikb_data.samples.set_index("sample_id")
    assert samples.loc["1786301-2", "lutum_pct"] == 14.0
    assert samples.loc["1786301-2", "organic_matter_pct"] == 2.9
    assert samples.loc["M01", "lutum_pct"] == 5.4
    assert samples.loc["M01", "organic_matter_pct"] == 6.0


def test_sample_position_and_date(sikb_data):
    sample = sikb_data.samples.set_index("sample_id").loc["1786301-2"]
    assert sample.x_rd_m == 117951.29
    assert sample.y_rd_m == 440227.568
    assert sample.sampling_date == "2025-03-26"
    assert sample.top_m_bgl == 0.5
    assert sample.bottom_m_bgl == 1.0


def test_groundwater_sample_in_ug_per_litre(sikb_data):
    rows = sikb_data.analyses[sikb_data.analyses.sample_id == "1786310-1-1"]
    assert len(rows) == 44
    assert set(rows.unit) == {"ug/l"}
    assert set(rows.borehole_id) == {"1786310"}
    assert rows.iloc[0].top_m_bgl == 1.5
    assert rows.iloc[0].bottom_m_bgl == 2.5


def test_field_samples_listed_not_analysed(sikb_data):
    samples = sikb_data.samples.set_index("sample_id")
    assert bool(samples.loc["1786301-3", "analysed"]) is False
    assert math.isnan(samples.loc["1786301-3", "lutum_pct"])
    assert len(samples) == 72


def _rewrite(source, target, replacements):
    text = source.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new, 1)
    target.write_text(text, encoding="utf-8")
    return target


def test_versioned_namespaces_read_the_same(sikb_file, sikb_data, tmp_path):
    variant = _rewrite(sikb_file, tmp_path / "versioned.xml", [
        ('xmlns:imsikb0101="http://www.sikb.nl/imsikb0101"', 'xmlns:imsikb0101="http://www.sikb.nl/imsikb0101/14.9"'),
        ('xmlns:immetingen="http://www.sikb.nl/immetingen"', 'xmlns:immetingen="http://www.sikb.nl/immetingen/14.9"'),
        ("<imsikb0101:version>14.9.0</imsikb0101:version>", "<imsikb0101:version>13.5.0</imsikb0101:version>"),
    ])
    data = read_inspection(variant)
    assert data.summary["format"] == "sikb0101"
    assert _comparable(data.analyses).equals(_comparable(sikb_data.analyses))


def test_sad_namespace_version_read_the_same(sad_file, sad_data, tmp_path):
    variant = _rewrite(sad_file, tmp_path / "sad12.xml", [
        ("http://www.broservices.nl/xsd/dssad-internal/1.1", "http://www.broservices.nl/xsd/dssad/1.2"),
        ("http://www.broservices.nl/xsd/sadcommon-internal/1.1", "http://www.broservices.nl/xsd/sadcommon/1.2"),
    ])
    data = read_inspection(variant)
    assert data.summary["format"] == "bro-sad"
    assert _comparable(data.analyses).equals(_comparable(sad_data.analyses))


def test_empty_versioned_collection_rejected(fixtures_dir):
    path = fixtures_dir / "sikb-14.9-empty.xml"
    assert detect_format(path) == "sikb0101"
    with pytest.raises(InputError, match="featureMember"):
        read_inspection(path)


def test_dangling_sample_reference_quarantined(sikb_file, tmp_path):
    variant = _rewrite(sikb_file, tmp_path / "dangling.xml", [
        ('<om:featureOfInterest xlink:href="#_f5deb96e-ed1d-48e2-8840-3f0f778cc7e8"/><om:result xsi:type="immetingen:AnalyticResultType"><immetingen:numericValue uom="urn:immetingen:Eenheid:id:58">0.02<',
         '<om:featureOfInterest xlink:href="#_missing"/><om:result xsi:type="immetingen:AnalyticResultType"><immetingen:numericValue uom="urn:immetingen:Eenheid:id:58">0.02<'),
    ])
    data = read_inspection(variant)
    assert data.summary["rows_in"] == 554
    assert data.summary["rows_out"] == 553
    assert data.summary["rows_quarantined"] == 1
    reason = data.quarantine.iloc[0]
    assert "_missing" in reason.reason_en
    assert reason.source_record == "Analysis _e002cbfb-408a-4321-ac9a-d56eb822e6c3"


def test_non_numeric_value_quarantined(sad_file, tmp_path):
    variant = _rewrite(sad_file, tmp_path / "text-value.xml", [
        ('<sadcommon:analysisMeasurementValue uom="mg/kg">0.02</sadcommon:analysisMeasurementValue>',
         '<sadcommon:analysisMeasurementValue uom="mg/kg">n.a.</sadcommon:analysisMeasurementValue>'),
    ])
    data = read_inspection(variant)
    assert data.summary["rows_quarantined"] == 1
    assert data.summary["rows_out"] + data.summary["rows_quarantined"] == data.summary["rows_in"]
    assert "geen numerieke waarde" in data.quarantine.iloc[0].reason_nl


def test_unknown_unit_quarantined(sad_file, tmp_path):
    variant = _rewrite(sad_file, tmp_path / "unit.xml", [
        ('<sadcommon:analysisMeasurementValue uom="mg/kg">0.02</sadcommon:analysisMeasurementValue>',
         '<sadcommon:analysisMeasurementValue uom="pond/el">0.02</sadcommon:analysisMeasurementValue>'),
    ])
    data = read_inspection(variant)
    assert data.summary["rows_quarantined"] == 1
    assert "pond/el" in data.quarantine.iloc[0].reason_en


def test_external_entity_rejected_unread(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    path = tmp_path / "xxe.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<imsikb0101:FeatureCollectionIMSIKB0101 xmlns:imsikb0101="http://www.sikb.nl/imsikb0101" '
        'xmlns:immetingen="http://www.sikb.nl/immetingen" xmlns:gml="http://www.opengis.net/gml/3.2">'
        '<imsikb0101:featureMember><imsikb0101:Project gml:id="p1"><imsikb0101:name>&xxe;</imsikb0101:name>'
        "</imsikb0101:Project></imsikb0101:featureMember></imsikb0101:FeatureCollectionIMSIKB0101>",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="DOCTYPE") as caught:
        read_inspection(path)
    assert "TOP-SECRET" not in str(caught.value)


def test_size_limit_reported(sikb_file, monkeypatch):
    monkeypatch.setenv("GRONDWERK_INSPECTION_MAX_XML_BYTES", "1000")
    with pytest.raises(InputError, match="GRONDWERK_INSPECTION_MAX_XML_BYTES"):
        read_inspection(sikb_file)


def test_truncated_xml_rejected(sikb_file, tmp_path):
    path = tmp_path / "truncated.xml"
    path.write_bytes(sikb_file.read_bytes()[:200_000])
    with pytest.raises(InputError, match="geen geldige XML"):
        read_inspection(path)


def test_other_xml_rejected(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text('<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"/>', encoding="utf-8")
    with pytest.raises(InputError, match="kml"):
        read_inspection(path)


def test_missing_file_rejected(tmp_path):
    with pytest.raises(InputError, match="niet gevonden"):
        read_inspection(tmp_path / "nope.xml")


def _point(srs, pos):
    from lxml import etree

    return etree.fromstring(
        f'<gml:Point xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="p" srsName="{srs}"><gml:pos>{pos}</gml:pos></gml:Point>'
    )


def test_etrs89_position_transformed_to_rd():
    from grondwerk.inspection.xmlstream import rd_position

    # Borehole 1786301 of SAD000000011742: the SAD gives both its ETRS89 and its RD position.
    x, y = rd_position(_point("urn:ogc:def:crs:EPSG::4258", "51.949257455 4.848306613"))
    assert x == pytest.approx(117951.290, abs=0.1)
    assert y == pytest.approx(440227.568, abs=0.1)


def test_unknown_crs_position_left_empty():
    from grondwerk.inspection.xmlstream import rd_position

    x, y = rd_position(_point("urn:ogc:def:crs:EPSG::3857", "540000 6790000"))
    assert math.isnan(x)
    assert math.isnan(y)


def test_borehole_found_from_its_own_reference(sikb_file, sikb_data, tmp_path):
    back_reference = (
        '<sam:relatedSamplingFeature><sam:SamplingFeatureComplex><sam:role xlink:href="urn:immetingen:RelatedSamplingFeatureRollen:id:6"/>'
        '<sam:relatedSamplingFeature xlink:href="#_d5aeb2f6-fbe6-4dab-8338-09a9bb4c4652"/></sam:SamplingFeatureComplex></sam:relatedSamplingFeature>'
    )
    text = sikb_file.read_text(encoding="utf-8")
    assert text.count(back_reference) == 4
    variant = tmp_path / "no-back-reference.xml"
    variant.write_text(text.replace(back_reference, ""), encoding="utf-8")
    data = read_inspection(variant)
    assert _comparable(data.analyses).equals(_comparable(sikb_data.analyses))


def test_invalid_depth_rejected(sikb_file, tmp_path):
    variant = _rewrite(sikb_file, tmp_path / "depth.xml", [
        ('<immetingen:value uom="urn:immetingen:Eenheid:id:19">100</immetingen:value>', '<immetingen:value uom="urn:immetingen:Eenheid:id:19">1,00</immetingen:value>'),
    ])
    with pytest.raises(InputError) as error:
        read_inspection(variant)
    assert error.value.record.startswith("Sample _")
    assert "1,00" in str(error.value)


def test_sad_unsupported_depth_unit_rejected(sad_file, tmp_path):
    variant = _rewrite(sad_file, tmp_path / "depth-unit.xml", [
        ('<sadcommon:beginDepth uom="m">0.50</sadcommon:beginDepth>', '<sadcommon:beginDepth uom="ft">0.50</sadcommon:beginDepth>'),
    ])
    with pytest.raises(InputError, match="ft"):
        read_inspection(variant)


def test_unknown_parameter_kept_and_reported(sad_file, tmp_path):
    variant = _rewrite(sad_file, tmp_path / "parameter.xml", [
        ('<sadcommon:parameter codeSpace="urn:bro:sad:Parameter">1259</sadcommon:parameter>', '<sadcommon:parameter codeSpace="urn:bro:sad:Parameter">99999</sadcommon:parameter>'),
        ('<sadcommon:quantity codeSpace="urn:bro:sad:Quantity">korrelgrootteFractie</sadcommon:quantity>', '<sadcommon:quantity codeSpace="urn:bro:sad:Quantity">volumeFractie</sadcommon:quantity>'),
    ])
    data = read_inspection(variant)
    assert data.summary["rows_out"] == 554
    assert data.summary["unresolved_parameter_ids"] == ["99999", "volumeFractie"]
    codes = set(data.analyses.parameter_code)
    assert "SIKB-99999" in codes
    assert "SIKB-volumeFractie" in codes


def test_doctype_with_entity_is_rejected(tmp_path, demo_dir):
    """An entity would be dropped silently (and a sample lose its id), so any DOCTYPE is refused."""
    from grondwerk.errors import InputError
    from grondwerk.inspection import read_inspection

    source = (demo_dir / "inspection" / "SAD000000011742_sikb.xml").read_text(encoding="utf-8")
    prolog_end = source.index("?>") + 2
    hostile = tmp_path / "xxe.xml"
    hostile.write_text(source[:prolog_end] + '<!DOCTYPE x [<!ENTITY x SYSTEM "file:///etc/hostname">]>' + source[prolog_end:], encoding="utf-8")
    with pytest.raises(InputError, match="DOCTYPE"):
        read_inspection(hostile)
