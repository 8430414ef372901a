"""Reader of BRO SAD dispatch XML (milieuhygiënisch bodemonderzoek, dssad/sadcommon any version).

The file is streamed with lxml ``iterparse``; each ``MeasurementPoint`` and
``MixedSampleAnalysis`` is read when it ends and then freed. The SAD carries
the same SIKB code-list ids as its SIKB0101 source (parameter, condition),
units as text (``mg/kg``, ``ug/kg``, ``%``) and the limit symbol as ``LT``/``GT``.
"""

from __future__ import annotations

import logging
import math
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
)

log = logging.getLogger(__name__)

LIMIT_SYMBOLS = {"LT": "<", "GT": ">"}
# Quantity codes of BRO SAD mapped to the SIKB quantity ids that SIKB0101 uses when an analysis has no parameter.
QUANTITY_IDS = {"massaFractie": "2725", "korrelgrootteFractie": "1118", "massaConcentratie": "2720"}
DEPTH_UNITS_M = {"m": 1.0, "cm": 0.01, "mm": 0.001}


def _metres(element, name: str) -> float:
    """Return the depth ``name`` in metres; raise ValueError for a value or unit that cannot be read."""
    value = text(element, name)
    if not value:
        return math.nan
    unit = attribute(child(element, name), "uom") or "m"
    factor = DEPTH_UNITS_M.get(unit)
    if factor is None:
        raise ValueError(f"depth unit '{unit}' is not supported, use m or cm")
    return float(value) * factor


def _read_analyses(container, sample_key: str, collected: Collected) -> None:
    for wrapper in children(container, "analysis"):
        analysis = child(wrapper, "Analysis")
        if analysis is None:
            continue
        value = child(analysis, "analysisMeasurementValue")
        quantity = text(analysis, "quantity")
        unit_text = attribute(value, "uom") if value is not None else ""
        unit_code, _ = codelists.split_unit(unit_text)
        collected.analyses.append(RawAnalysis(
            sample_key=sample_key,
            parameter_id=text(analysis, "parameter") or QUANTITY_IDS.get(quantity, quantity),
            value_text=(value.text or "").strip() if value is not None else "",
            unit_code=unit_code,
            limit_symbol=LIMIT_SYMBOLS.get(text(analysis, "limitSymbol"), text(analysis, "limitSymbol")),
            condition_id=text(analysis, "condition"),
            record=f"Analysis {attribute(analysis, 'id')} ({text(analysis, 'identification')})",
        ))


def _read_point(point, collected: Collected) -> None:
    point_key = attribute(point, "id")
    x, y = rd_position(child(point, "deliveredLocation", "Point"))
    collected.points[point_key] = Point(name=text(point, "name"), x_rd_m=x, y_rd_m=y)
    for wrapper in children(point, "soilSampling"):
        sampling = child(wrapper, "SoilSampling")
        if sampling is None:
            continue
        key = attribute(sampling, "id")
        collected.field_samples[key] = FieldSample(
            point_key, text(sampling, "name"), _metres(sampling, "beginDepth"), _metres(sampling, "endDepth"), text(sampling, "date")[:10]
        )
        for analysed in children(sampling, "soilSampleAnalysis"):
            _add_analysis_sample(child(analysed, "SoilSampleAnalysis"), [key], collected)
    for wrapper in children(point, "filter"):
        screen = child(wrapper, "Filter")
        if screen is None:
            continue
        top, bottom = _metres(screen, "upperBoundary"), _metres(screen, "lowerBoundary")
        for sampling_wrapper in children(screen, "groundwaterSampling"):
            sampling = child(sampling_wrapper, "GroundwaterSampling")
            if sampling is None:
                continue
            key = attribute(sampling, "id")
            collected.field_samples[key] = FieldSample(point_key, text(sampling, "name"), top, bottom, text(sampling, "date")[:10])
            for analysed in children(sampling, "groundwaterSampleAnalysis"):
                _add_analysis_sample(child(analysed, "GroundwaterSampleAnalysis"), [key], collected)


def _add_analysis_sample(element, field_keys: list[str], collected: Collected) -> None:
    if element is None:
        return
    key = attribute(element, "id")
    collected.analysis_samples[key] = AnalysisSample(
        text(element, "name"), field_keys, _metres(element, "beginDepth"), _metres(element, "endDepth")
    )
    _read_analyses(element, key, collected)


def _read_mixed(element, collected: Collected) -> list[str]:
    """Read a ``MixedSampleAnalysis``; return the gml:ids of the field samples it combines."""
    key = attribute(element, "id")
    collected.analysis_samples[key] = AnalysisSample(
        text(element, "name"), [], _metres(element, "beginDepth"), _metres(element, "endDepth")
    )
    _read_analyses(element, key, collected)
    return [attribute(ref, "href").lstrip("#") for ref in children(element, "soilSampling")]


def _read_element(element, name: str, collected: Collected, mixed: dict[str, list[str]]) -> bool:
    """Read ``element`` when it is one the reader uses; return whether it can be freed."""
    if name == "broId" and not collected.investigation_id and local(element.getparent()) == "SAD_O":
        collected.investigation_id = (element.text or "").strip()
    elif name == "MeasurementPoint":
        _read_point(element, collected)
        return True
    elif name == "MixedSampleAnalysis":
        mixed[attribute(element, "id")] = _read_mixed(element, collected)
        return True
    return False


def read_sad(path: Path) -> Collected:
    """Stream the BRO SAD dispatch file at ``path`` into a ``Collected``.

    Raises ``InputError`` for XML that is not well-formed, a file without a
    ``SAD_O`` broId, and a depth or coordinate that cannot be read.
    """
    from lxml import etree

    collected = Collected()
    mixed: dict[str, list[str]] = {}
    try:
        for _, element in iterparse(path, tags=("broId", "MeasurementPoint", "MixedSampleAnalysis")):
            name = local(element)
            try:
                done = _read_element(element, name, collected, mixed)
            except ValueError as exc:
                raise invalid_value(path, f"{name} {attribute(element, 'id')}", exc) from None
            if done:
                release(element.getparent())
            if done and name == "MeasurementPoint" and len(collected.points) % 1000 == 0:
                log.info("%s: %d measurement points, %d analyses read", path.name, len(collected.points), len(collected.analyses))
    except etree.XMLSyntaxError as exc:
        raise syntax_error(path, exc) from None

    for key, refs in mixed.items():
        collected.analysis_samples[key].field_keys = [ref for ref in refs if ref in collected.field_samples]
    if not collected.investigation_id:
        raise InputError(
            msg("BRO SAD-bestand bevat geen SAD_O met broId", "BRO SAD file contains no SAD_O with a broId"),
            file=str(path),
        )
    log.info(
        "%s: %d points, %d field samples, %d analysis samples, %d analyses",
        path.name, len(collected.points), len(collected.field_samples), len(collected.analysis_samples), len(collected.analyses),
    )
    return collected
