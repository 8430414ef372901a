"""Reader of SIKB0101 XML (IMSIKB0101 versions 13 and 14, any namespace version).

The file is streamed with lxml ``iterparse``: each ``featureMember`` is
turned into a small record and then freed, so memory grows with the number
of samples and analyses and not with the size of the XML. Cross references
(``xlink:href="#gml-id"``) are resolved after the whole file is read.

Structure used (IMSIKB0101 14.x, immetingen):

- ``Borehole``/``Trench``: measurement point, ``immetingen:name``, ``gml:Point``;
- ``Filter``: well screen of a borehole, with ``upperDepth``/``lowerDepth``;
- ``Sample`` with ``spec:specimenType`` Monstertype 1 (veldmonster, with
  ``upperDepth``/``lowerDepth``) or 10 (analysemonster, related to the field
  samples it is made of);
- ``immetingen:Analysis``: ``om:featureOfInterest`` is the analysed sample,
  ``numericValue@uom`` an Eenheid id, ``limitSymbol`` ``<`` or ``>``,
  ``physicalProperty`` quantity, parameter and condition (Hoedanigheid) ids.

NOTE: only 14.x files were available (14.9 here). Version 13 is read with the
same element names, so an element that 13 names differently is not read.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.inspection import codelists
from grondwerk.inspection.assemble import (
    AnalysisSample,
    Collected,
    FieldSample,
    Point,
    RawAnalysis,
)
from grondwerk.inspection.xmlstream import (
    attribute,
    child,
    children,
    invalid_value,
    iterparse,
    local,
    rd_position,
    release,
    syntax_error,
    text,
    urn_id,
)

log = logging.getLogger(__name__)

POINT_ELEMENTS = ("Borehole", "Trench", "MeasurementObject")
# MonsterType 10 (analysemonster); every other sample type is read as a field sample.
ANALYSIS_SAMPLE_TYPE = "10"
# Project elements that identify the investigation, most specific first.
PROJECT_ID_ELEMENTS = ("broId", "reportNumber", "projectCode", "name")


def _href(element) -> str:
    return attribute(element, "href").lstrip("#")


def _depth_m(element, name: str) -> float:
    """Return the depth ``name`` (upperDepth/lowerDepth) in metres, converting its Eenheid (usually cm)."""
    value = child(element, name, "Depth", "value")
    if value is None or not (value.text or "").strip():
        return math.nan
    unit = codelists.units().get(urn_id(attribute(value, "uom")))
    factor = unit.factor if unit and unit.factor else 1.0
    return float(value.text) * factor


def _date(element) -> str:
    return text(element, "startTime")[:10]


def _related_targets(element) -> list[str]:
    targets = []
    for related in children(element, "relatedSamplingFeature"):
        target = child(related, "SamplingFeatureComplex", "relatedSamplingFeature")
        if target is not None:
            targets.append(_href(target))
    return targets


def _read_point(element, collected: Collected, point_samples: dict[str, str], gml_id: str) -> None:
    for target in _related_targets(element):
        point_samples.setdefault(target, gml_id)
    geometry = child(element, "geometry")
    x, y = rd_position(child(geometry, "Point") if geometry is not None else None)
    collected.points[gml_id] = Point(name=text(element, "name"), x_rd_m=x, y_rd_m=y)


def _read_sample(element, samples: dict[str, dict], gml_id: str) -> None:
    relations = []
    for related in children(element, "relatedSamplingFeature"):
        complex_ = child(related, "SamplingFeatureComplex")
        if complex_ is None:
            continue
        role = urn_id(attribute(child(complex_, "role"), "href")) if child(complex_, "role") is not None else ""
        target = child(complex_, "relatedSamplingFeature")
        if target is not None:
            relations.append((role, _href(target)))
    specimen = child(element, "specimenType")
    samples[gml_id] = {
        "name": text(element, "name"),
        "type": urn_id(attribute(specimen, "href")) if specimen is not None else "",
        "relations": relations,
        "top": _depth_m(element, "upperDepth"),
        "bottom": _depth_m(element, "lowerDepth"),
        "date": _date(element),
    }


def _read_analysis(element, collected: Collected, gml_id: str) -> None:
    result = child(element, "result")
    numeric = child(result, "numericValue") if result is not None else None
    prop = child(element, "physicalProperty", "PhysicalProperty")
    feature = child(element, "featureOfInterest")
    parameter_id = urn_id(text(prop, "parameter")) if prop is not None else ""
    quantity_id = urn_id(text(prop, "quantity")) if prop is not None else ""
    collected.analyses.append(RawAnalysis(
        sample_key=_href(feature) if feature is not None else "",
        parameter_id=parameter_id or quantity_id,
        value_text=(numeric.text or "").strip() if numeric is not None else "",
        unit_code=_unit_code(urn_id(attribute(numeric, "uom")) if numeric is not None else ""),
        limit_symbol=text(result, "limitSymbol") if result is not None else "",
        condition_id=urn_id(text(prop, "condition")) if prop is not None else "",
        record=f"Analysis {gml_id}",
        alphanumeric=text(result, "alphanumericValue") if result is not None else "",
    ))


def _unit_code(unit_id: str) -> str:
    entry = codelists.units().get(unit_id)
    return entry.code if entry else f"Eenheid:{unit_id}"


def _read_filter(element, filters: dict[str, dict], gml_id: str) -> None:
    filters[gml_id] = {
        "targets": _related_targets(element),
        "top": _depth_m(element, "upperDepth"),
        "bottom": _depth_m(element, "lowerDepth"),
    }


def _link_samples(samples: dict[str, dict], filters: dict[str, dict], point_samples: dict[str, str], collected: Collected) -> None:
    """Split the samples into field and analysis samples and resolve their references.

    A field sample's point is the borehole or trench it refers to, else the
    one that refers to it (``point_samples``). A groundwater sample refers to
    a well screen (``Filter``). Its point is the borehole of that screen, and
    a sample without depth takes the depth range of the screen.
    """
    for gml_id, sample in samples.items():
        if sample["type"] == ANALYSIS_SAMPLE_TYPE:
            continue
        top, bottom = sample["top"], sample["bottom"]
        point_key = next((target for _, target in sample["relations"] if target in collected.points), "")
        point_key = point_key or point_samples.get(gml_id, "")
        screen = next((filters[target] for _, target in sample["relations"] if target in filters), None)
        if screen is not None:
            point_key = point_key or next((t for t in screen["targets"] if t in collected.points), "")
            if math.isnan(top) and math.isnan(bottom):
                top, bottom = screen["top"], screen["bottom"]
        collected.field_samples[gml_id] = FieldSample(point_key, sample["name"], top, bottom, sample["date"])
    for gml_id, sample in samples.items():
        if sample["type"] != ANALYSIS_SAMPLE_TYPE:
            continue
        field_keys = [target for _, target in sample["relations"] if target in collected.field_samples]
        collected.analysis_samples[gml_id] = AnalysisSample(sample["name"], field_keys, sample["top"], sample["bottom"], sample["date"])


@dataclass
class _Features:
    """Records of one file before cross references are resolved."""

    collected: Collected = field(default_factory=Collected)
    samples: dict[str, dict] = field(default_factory=dict)
    filters: dict[str, dict] = field(default_factory=dict)
    point_samples: dict[str, str] = field(default_factory=dict)
    project_ids: dict[str, str] = field(default_factory=dict)


def _read_feature(feature, features: _Features) -> None:
    kind = local(feature)
    gml_id = attribute(feature, "id")
    if kind in POINT_ELEMENTS:
        _read_point(feature, features.collected, features.point_samples, gml_id)
    elif kind == "Filter":
        _read_filter(feature, features.filters, gml_id)
    elif kind == "Sample":
        _read_sample(feature, features.samples, gml_id)
    elif kind == "Analysis":
        _read_analysis(feature, features.collected, gml_id)
    elif kind == "Project":
        for name in PROJECT_ID_ELEMENTS:
            features.project_ids.setdefault(name, text(feature, name))


def read_sikb(path: Path) -> Collected:
    """Stream the SIKB0101 file at ``path`` into a ``Collected``.

    Raises ``InputError`` for XML that is not well-formed, a file without
    features, and a depth or coordinate that is not a number.
    """
    from lxml import etree

    features = _Features()
    count = 0
    try:
        for _, element in iterparse(path, tags=("featureMember",)):
            feature = next(iter(element), None)
            if feature is not None:
                try:
                    _read_feature(feature, features)
                except ValueError as exc:
                    raise invalid_value(path, f"{local(feature)} {attribute(feature, 'id')}", exc) from None
            count += 1
            if count % 10_000 == 0:
                log.info("%s: %d features read", path.name, count)
            release(element)
    except etree.XMLSyntaxError as exc:
        raise syntax_error(path, exc) from None
    if count == 0:
        raise InputError(
            msg("SIKB0101-bestand bevat geen featureMember-elementen", "SIKB0101 file contains no featureMember elements"),
            file=str(path),
        )

    collected = features.collected
    project_ids = [features.project_ids[name] for name in PROJECT_ID_ELEMENTS if features.project_ids.get(name)]
    collected.investigation_id = project_ids[0] if project_ids else path.stem
    _link_samples(features.samples, features.filters, features.point_samples, collected)
    log.info(
        "%s: %d features, %d points, %d field samples, %d analysis samples, %d analyses",
        path.name, count, len(collected.points), len(collected.field_samples), len(collected.analysis_samples), len(collected.analyses),
    )
    return collected
