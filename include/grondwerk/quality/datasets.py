"""Load the stage files that the quality stage checks into DataFrames.

Each CSV is kept in two forms. The raw form has every cell as a string, so
the quarantine keeps the delivered text and ``analyses_valid.csv`` keeps the
reader's exact values. The typed form has numbers, booleans and the derived
columns that the suites check (names starting with ``_``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from grondwerk.tender import TenderSpec

NUMERIC_COLUMNS = {
    "analyses": ("top_m_bgl", "bottom_m_bgl", "value"),
    "samples": ("top_m_bgl", "bottom_m_bgl", "lutum_pct", "organic_matter_pct", "x_rd_m", "y_rd_m"),
    "bro_layers": ("top_m_bgl", "bottom_m_bgl", "top_m_nap", "bottom_m_nap"),
    "bro_locations": ("x_rd_m", "y_rd_m", "lat_wgs84", "lon_wgs84", "ground_level_nap_m"),
}
STAGE_FILES = {
    "analyses": ("inspection", "analyses.csv"),
    "samples": ("inspection", "samples.csv"),
    "bro_layers": ("bro", "layers.csv"),
    "bro_locations": ("bro", "locations.csv"),
}
DAYS_PER_YEAR = 365.25


@dataclass
class Dataset:
    """One checked table: the raw strings, the typed frame and the file it came from."""

    name: str
    path: Path | None
    raw: pd.DataFrame
    typed: pd.DataFrame


def read_raw_csv(path: Path) -> pd.DataFrame:
    """Read a stage CSV with every cell as a string and empty cells as ``""``."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return frame.reset_index(drop=True)


def _typed(name: str, raw: pd.DataFrame) -> pd.DataFrame:
    typed = raw.replace("", None).astype(object)
    for column in NUMERIC_COLUMNS.get(name, ()):
        if column in typed.columns:
            typed[column] = pd.to_numeric(typed[column], errors="coerce")
    if "analysed" in typed.columns:
        typed["analysed"] = typed["analysed"].map(lambda text: None if text is None else str(text).strip().lower() in ("true", "1", "ja", "yes"))
    return typed


def _age_years(dates: pd.Series, reference: dt.date) -> pd.Series:
    parsed = pd.to_datetime(dates, errors="coerce")
    return (pd.Timestamp(reference) - parsed).dt.days / DAYS_PER_YEAR


def _has_results(samples: pd.DataFrame, analyses: pd.DataFrame | None) -> pd.Series:
    """Mark samples that were analysed themselves or are part of an analysed mixed sample (mengmonster).

    Individual samples that went into a mengmonster are usually not analysed on
    their own; they have results through the mixed sample.
    """
    covered: set[tuple[str, str]] = set()
    if analyses is not None and {"investigation_id", "sample_id", "combined_samples"} <= set(analyses.columns):
        for investigation, sample, combined in zip(analyses["investigation_id"], analyses["sample_id"], analyses["combined_samples"]):
            covered.add((investigation, sample))
            for part in str(combined or "").split(";"):
                if part.strip():
                    covered.add((investigation, part.strip()))
    analysed = samples["analysed"] if "analysed" in samples.columns else pd.Series(False, index=samples.index)
    investigations = samples["investigation_id"] if "investigation_id" in samples.columns else pd.Series(None, index=samples.index)
    flags = [bool(flag) or (investigation, sample) in covered for investigation, sample, flag in zip(investigations, samples["sample_id"], analysed)]
    return pd.Series(flags, index=samples.index, dtype=object)


def load_stage_dataset(name: str, dossier_path: Path) -> Dataset | None:
    """Load ``name`` from its stage folder, or return None when the file is absent."""
    stage, filename = STAGE_FILES[name]
    folders = sorted(dossier_path.glob(f"[0-9][0-9]_{stage}"))
    path = folders[0] / filename if folders else None
    if path is None or not path.is_file():
        return None
    raw = read_raw_csv(path)
    return Dataset(name, path, raw, _typed(name, raw))


def add_derived_columns(datasets: dict[str, Dataset | None], tender: TenderSpec) -> None:
    """Add the ``_``-prefixed columns that the suites check and the CSVs do not carry."""
    samples = datasets.get("samples")
    analyses = datasets.get("analyses")
    if samples is not None and "sampling_date" in samples.typed.columns:
        # The age is taken at the start of the works, not at run time, so a rerun gives the same result.
        samples.typed["_age_years"] = _age_years(samples.typed["sampling_date"], tender.works_start)
    if samples is not None and "sample_id" in samples.typed.columns:
        samples.typed["_has_results"] = _has_results(samples.typed, analyses.typed if analyses is not None else None)
    key = ["investigation_id", "sample_id"]
    if analyses is not None and set(key) <= set(analyses.typed.columns):
        if samples is not None and set(key) <= set(samples.typed.columns):
            known = set(zip(samples.typed["investigation_id"], samples.typed["sample_id"]))
            pairs = zip(analyses.typed["investigation_id"], analyses.typed["sample_id"])
            analyses.typed["_sample_in_samples"] = [None if sample is None else (investigation, sample) in known for investigation, sample in pairs]
        else:
            # Without a samples table the check cannot be made; null values are not counted by GX.
            analyses.typed["_sample_in_samples"] = None


def tender_frame(tender: TenderSpec) -> pd.DataFrame:
    """Return the one-row table of tender facts that the ``tender`` suite checks."""
    min_x, min_y, max_x, max_y = tender.area_polygon().bounds
    row: dict[str, Any] = {
        "reference": tender.reference,
        "area_min_x_rd_m": min_x,
        "area_min_y_rd_m": min_y,
        "area_max_x_rd_m": max_x,
        "area_max_y_rd_m": max_y,
        "works_duration_days": (tender.works_end - tender.works_start).days,
        "released_volume_m3": tender.released_volume_m3,
        "needed_volume_m3": tender.needed_volume_m3,
        "inspection_file_count": len(tender.inspection_files),
    }
    return pd.DataFrame([row])


def load_tender(dossier_path: Path, fallback: TenderSpec) -> tuple[TenderSpec, Path | None]:
    """Read ``01_tender/tender.json`` when present, else use the tender the task passed in."""
    path = dossier_path / "01_tender" / "tender.json"
    if path.is_file():
        return TenderSpec.from_json(json.loads(path.read_text(encoding="utf-8"))), path
    return fallback, None
