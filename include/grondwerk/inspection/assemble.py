"""Turn the records an XML reader collected into the analyses, samples and quarantine rows.

Both XML readers (SIKB0101 and BRO SAD) collect the same intermediate
records, so one investigation delivered in both formats gives the same
tables. Sample ids are the names the investigation gives its analysed
samples (``M01``, ``1786301-2``); a field sample is named
``<borehole>-<field sample name>``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any

from grondwerk.inspection import codelists
from grondwerk.inspection.model import sample_properties

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Point:
    """A measurement point (borehole, trench, monitoring well) with its RD New position in metres."""

    name: str
    x_rd_m: float = math.nan
    y_rd_m: float = math.nan


@dataclass(slots=True)
class FieldSample:
    """A sample taken in the field: its measurement point, name, depth range (m below ground level) and date."""

    point_key: str
    name: str
    top_m_bgl: float = math.nan
    bottom_m_bgl: float = math.nan
    date: str = ""


@dataclass(slots=True)
class AnalysisSample:
    """A sample the lab analysed, made of one field sample or mixed from several."""

    name: str
    field_keys: list[str] = field(default_factory=list)
    top_m_bgl: float = math.nan
    bottom_m_bgl: float = math.nan
    date: str = ""


@dataclass(slots=True)
class RawAnalysis:
    """One delivered measurement before unit normalisation; ids are SIKB code-list ids."""

    sample_key: str
    parameter_id: str
    value_text: str
    unit_code: str
    limit_symbol: str
    condition_id: str
    record: str
    alphanumeric: str = ""


@dataclass(slots=True)
class Collected:
    """Everything an XML reader found in one file."""

    investigation_id: str = ""
    points: dict[str, Point] = field(default_factory=dict)
    field_samples: dict[str, FieldSample] = field(default_factory=dict)
    analysis_samples: dict[str, AnalysisSample] = field(default_factory=dict)
    analyses: list[RawAnalysis] = field(default_factory=list)


def _field_sample_id(collected: Collected, key: str) -> str:
    sample = collected.field_samples[key]
    point = collected.points.get(sample.point_key)
    if point is None or sample.name.startswith(f"{point.name}-"):
        return sample.name
    return f"{point.name}-{sample.name}"


def _sample_type(field_count: int) -> str:
    if field_count > 1:
        return "mengmonster"
    if field_count == 1:
        return "enkelvoudig"
    return "onbekend"


def _mean(values: list[float], digits: int) -> float:
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return math.nan
    return round(sum(finite) / len(finite), digits)


def _depth_range(fields: list[FieldSample], sample: AnalysisSample | None) -> tuple[float, float]:
    """Return the depth range spanned by ``fields``, else the range the analysed sample itself states."""
    tops = [f.top_m_bgl for f in fields if not math.isnan(f.top_m_bgl)]
    bottoms = [f.bottom_m_bgl for f in fields if not math.isnan(f.bottom_m_bgl)]
    top = sample.top_m_bgl if sample else math.nan
    bottom = sample.bottom_m_bgl if sample else math.nan
    if tops:
        top = min(tops)
    if bottoms:
        bottom = max(bottoms)
    return round(top, 4), round(bottom, 4)


def _describe_sample(collected: Collected, key: str) -> dict[str, Any]:
    """Return sample id, type, combined samples, boreholes, depth range, position and date of an analysed sample."""
    if key in collected.analysis_samples:
        sample = collected.analysis_samples[key]
        field_keys = [k for k in sample.field_keys if k in collected.field_samples]
        name = sample.name
    else:
        sample = None
        field_keys = [key] if key in collected.field_samples else []
        name = _field_sample_id(collected, key) if field_keys else key

    fields = [collected.field_samples[k] for k in field_keys]
    points = [collected.points[f.point_key] for f in fields if f.point_key in collected.points]
    top, bottom = _depth_range(fields, sample)
    dates = sorted(f.date for f in fields if f.date)
    if not dates and sample and sample.date:
        dates = [sample.date]

    return {
        "sample_id": name,
        "sample_type": _sample_type(len(fields)),
        "combined_samples": ";".join(sorted(_field_sample_id(collected, k) for k in field_keys)),
        "borehole_id": ";".join(sorted({p.name for p in points})),
        "top_m_bgl": top,
        "bottom_m_bgl": bottom,
        "x_rd_m": _mean([p.x_rd_m for p in points], 3),
        "y_rd_m": _mean([p.y_rd_m for p in points], 3),
        "sampling_date": dates[0] if dates else "",
    }


def _quarantine(source_file: str, record: str, nl: str, en: str, raw: RawAnalysis) -> dict[str, str]:
    return {
        "source_file": source_file,
        "source_record": record,
        "reason_nl": nl,
        "reason_en": en,
        "raw": f"parameter={raw.parameter_id} value={raw.value_text or raw.alphanumeric} unit={raw.unit_code} limit={raw.limit_symbol}",
    }


def _convert(raw: RawAnalysis, source_file: str) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    """Return the normalised value fields of ``raw``, or a quarantine row saying why it was rejected."""
    try:
        delivered = float(raw.value_text)
    except ValueError:
        return None, _quarantine(
            source_file, raw.record,
            "meting heeft geen numerieke waarde; lever de waarde als getal",
            "measurement has no numeric value; deliver the value as a number",
            raw,
        )
    if not math.isfinite(delivered):
        return None, _quarantine(source_file, raw.record, "waarde is geen eindig getal", "value is not a finite number", raw)
    conversion = codelists.normalise(delivered, raw.unit_code)
    if conversion is None:
        return None, _quarantine(
            source_file, raw.record,
            f"eenheid '{raw.unit_code}' staat niet in de SIKB-eenhedenlijst; lever een SIKB-eenheid",
            f"unit '{raw.unit_code}' is not in the SIKB unit list; deliver a SIKB unit",
            raw,
        )
    return {
        "value": conversion.value,
        "unit": conversion.unit,
        "value_delivered": delivered,
        "unit_delivered": raw.unit_code,
        "conversion": conversion.note,
    }, None


def build_rows(collected: Collected, source_file: str) -> tuple[list[dict], list[dict], list[dict], dict[str, Any]]:
    """Return analyses rows, sample rows, quarantine rows and counts for one collected file."""
    analyses: list[dict[str, Any]] = []
    quarantine: list[dict[str, str]] = []
    described: dict[str, dict[str, Any]] = {}
    unresolved: set[str] = set()
    for raw in collected.analyses:
        known = raw.sample_key in collected.analysis_samples or raw.sample_key in collected.field_samples
        if not known:
            quarantine.append(_quarantine(
                source_file, raw.record,
                f"meting verwijst naar monster '{raw.sample_key}' dat niet in het bestand staat",
                f"measurement refers to sample '{raw.sample_key}' that is not in the file",
                raw,
            ))
            continue
        values, rejected = _convert(raw, source_file)
        if rejected:
            quarantine.append(rejected)
            continue
        if raw.sample_key not in described:
            described[raw.sample_key] = _describe_sample(collected, raw.sample_key)
        sample = described[raw.sample_key]
        parameter = codelists.parameter(raw.parameter_id)
        if parameter.source == "unresolved":
            unresolved.add(raw.parameter_id)
        condition = codelists.conditions().get(raw.condition_id)
        analyses.append({
            "investigation_id": collected.investigation_id,
            "borehole_id": sample["borehole_id"],
            "sample_id": sample["sample_id"],
            "sample_type": sample["sample_type"],
            "combined_samples": sample["combined_samples"],
            "top_m_bgl": sample["top_m_bgl"],
            "bottom_m_bgl": sample["bottom_m_bgl"],
            "parameter_code": parameter.code,
            "parameter_name": parameter.name,
            "cas_number": parameter.cas_number,
            "limit_symbol": raw.limit_symbol,
            "condition": condition.code if condition else raw.condition_id,
            "lab": "",
            "analysis_date": "",
            "source_file": source_file,
            "source_record": raw.record,
            **values,
        })
    unresolved_ids = sorted(unresolved, key=lambda value: (not value.isdigit(), int(value) if value.isdigit() else 0, value))
    if unresolved_ids:
        log.warning("%s: %d parameter ids are not in the parameter table: %s", source_file, len(unresolved_ids), ", ".join(unresolved_ids))
    samples = _sample_rows(collected, described, analyses)
    counts = {
        "rows_in": len(collected.analyses),
        "rows_out": len(analyses),
        "rows_quarantined": len(quarantine),
        "unresolved_parameter_ids": unresolved_ids,
        "field_samples": len(collected.field_samples),
        "analysis_samples": len(collected.analysis_samples),
    }
    return analyses, samples, quarantine, counts


def _sample_rows(collected: Collected, described: dict[str, dict[str, Any]], analyses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return one row per analysed sample plus one per field sample that no analysed sample represents."""
    properties = sample_properties(analyses)
    rows: dict[str, dict[str, Any]] = {}
    for info in described.values():
        extra = properties.get(info["sample_id"], {})
        rows[info["sample_id"]] = {
            **info,
            "investigation_id": collected.investigation_id,
            "lutum_pct": extra.get("lutum_pct", math.nan),
            "organic_matter_pct": extra.get("organic_matter_pct", math.nan),
            "analysed": True,
        }
    not_analysed = [key for key in collected.analysis_samples if key not in described]
    for key in not_analysed + list(collected.field_samples):
        info = _describe_sample(collected, key)
        if info["sample_id"] in rows:
            continue
        rows[info["sample_id"]] = {
            **info,
            "investigation_id": collected.investigation_id,
            "lutum_pct": math.nan,
            "organic_matter_pct": math.nan,
            "analysed": False,
        }
    return list(rows.values())
