"""Soil-type group of a partij (zand, klei, veen) from lutum and organic matter, when the tender gives none.

The boundaries come from ``data/soil_type_texture.json`` with their source.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

DATA = Path(__file__).resolve().parent / "data" / "soil_type_texture.json"


@lru_cache(maxsize=1)
def texture_rules() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def soil_type_from_texture(lutum_pct: float | None, organic_matter_pct: float | None) -> str:
    """Return zand, klei or veen; the fallback (overig) when lutum is unknown."""
    rules = texture_rules()
    if organic_matter_pct is not None and organic_matter_pct >= rules["veen_min_organic_matter_pct"]:
        return "veen"
    if lutum_pct is None:
        return rules["fallback"]
    return "klei" if lutum_pct >= rules["klei_min_lutum_pct"] else "zand"


def fill_soil_types(partijen: list[dict[str, Any]], samples: pd.DataFrame) -> int:
    """Set ``soil_type`` of partijen that have none from their samples' mean lutum and organic matter.

    Adds ``soil_type_source`` (``aanbesteding`` or ``afgeleid``) to every partij; returns how many were derived.
    """
    indexed = samples.drop_duplicates("sample_id").set_index(samples.drop_duplicates("sample_id")["sample_id"].astype(str))
    derived = 0
    for partij in partijen:
        if partij.get("soil_type"):
            partij["soil_type_source"] = "aanbesteding"
            continue
        rows = indexed.reindex([str(s) for s in partij["samples"]])
        lutum = pd.to_numeric(rows.get("lutum_pct"), errors="coerce").mean() if "lutum_pct" in rows else float("nan")
        organic = pd.to_numeric(rows.get("organic_matter_pct"), errors="coerce").mean() if "organic_matter_pct" in rows else float("nan")
        partij["soil_type"] = soil_type_from_texture(None if pd.isna(lutum) else float(lutum), None if pd.isna(organic) else float(organic))
        partij["soil_type_source"] = "afgeleid"
        derived += 1
    return derived
