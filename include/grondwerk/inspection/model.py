"""Columns of the inspection tables and the ``InspectionData`` container."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ANALYSIS_COLUMNS = (
    "investigation_id",
    "borehole_id",
    "sample_id",
    "sample_type",
    "combined_samples",
    "top_m_bgl",
    "bottom_m_bgl",
    "parameter_code",
    "parameter_name",
    "cas_number",
    "value",
    "unit",
    "limit_symbol",
    "condition",
    "value_delivered",
    "unit_delivered",
    "conversion",
    "lab",
    "analysis_date",
    "source_file",
    "source_record",
)

SAMPLE_COLUMNS = (
    "sample_id",
    "investigation_id",
    "borehole_id",
    "sample_type",
    "combined_samples",
    "top_m_bgl",
    "bottom_m_bgl",
    "lutum_pct",
    "organic_matter_pct",
    "x_rd_m",
    "y_rd_m",
    "sampling_date",
    "analysed",
)

QUARANTINE_COLUMNS = ("source_file", "source_record", "reason_nl", "reason_en", "raw")

SAMPLE_TYPES = ("mengmonster", "enkelvoudig", "onbekend")
LIMIT_SYMBOLS = ("<", ">", "")

# Parameter codes (see data/parameters.csv) whose value fills a sample's
# lutum and organic matter; lutum is the grain-size fraction below 2 µm.
LUTUM_PARAMETER = "KGF"
LUTUM_CONDITION = "Dk0002"
ORGANIC_MATTER_PARAMETER = "OSTOF"


@dataclass
class InspectionData:
    """The tables read from one or more inspection files.

    ``analyses`` has one row per measurement (``ANALYSIS_COLUMNS``),
    ``samples`` one row per sample (``SAMPLE_COLUMNS``), ``quarantine`` the
    delivered rows that could not be accepted, with the reason in Dutch and
    English. ``summary`` counts rows in, out and quarantined.
    """

    analyses: Any
    samples: Any
    quarantine: Any
    summary: dict[str, Any] = field(default_factory=dict)


def empty_frame(columns: tuple[str, ...]):
    import pandas as pd

    return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})


def analyses_frame(rows: list[dict[str, Any]]):
    """Build the analyses DataFrame with the contract's column order and numeric types."""
    import pandas as pd

    if not rows:
        return empty_frame(ANALYSIS_COLUMNS)
    frame = pd.DataFrame(rows, columns=list(ANALYSIS_COLUMNS))
    for column in ("top_m_bgl", "bottom_m_bgl", "value", "value_delivered"):
        frame[column] = pd.to_numeric(frame[column], errors="raise").astype("float64")
    text_columns = [c for c in ANALYSIS_COLUMNS if c not in ("top_m_bgl", "bottom_m_bgl", "value", "value_delivered")]
    frame[text_columns] = frame[text_columns].fillna("").astype(str)
    return frame


def samples_frame(rows: list[dict[str, Any]]):
    """Build the samples DataFrame with the contract's column order and numeric types."""
    import pandas as pd

    if not rows:
        return empty_frame(SAMPLE_COLUMNS)
    frame = pd.DataFrame(rows, columns=list(SAMPLE_COLUMNS))
    for column in ("top_m_bgl", "bottom_m_bgl", "lutum_pct", "organic_matter_pct", "x_rd_m", "y_rd_m"):
        frame[column] = pd.to_numeric(frame[column], errors="raise").astype("float64")
    frame["analysed"] = frame["analysed"].astype(bool)
    text_columns = [c for c in SAMPLE_COLUMNS if c not in ("top_m_bgl", "bottom_m_bgl", "lutum_pct", "organic_matter_pct", "x_rd_m", "y_rd_m", "analysed")]
    frame[text_columns] = frame[text_columns].fillna("").astype(str)
    return frame.sort_values("sample_id", kind="stable").reset_index(drop=True)


def quarantine_frame(rows: list[dict[str, Any]]):
    import pandas as pd

    if not rows:
        return empty_frame(QUARANTINE_COLUMNS)
    return pd.DataFrame(rows, columns=list(QUARANTINE_COLUMNS)).fillna("").astype(str)


def sample_properties(analyses: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Return lutum and organic matter (%) per sample id, taken from the analyses rows."""
    properties: dict[str, dict[str, float]] = {}
    for row in analyses:
        if row["unit"] != "%":
            continue
        if row["parameter_code"] == LUTUM_PARAMETER and row["condition"] == LUTUM_CONDITION:
            properties.setdefault(row["sample_id"], {})["lutum_pct"] = row["value"]
        elif row["parameter_code"] == ORGANIC_MATTER_PARAMETER:
            properties.setdefault(row["sample_id"], {})["organic_matter_pct"] = row["value"]
    return properties
