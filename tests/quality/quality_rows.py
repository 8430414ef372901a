"""Rows of a small test investigation (T-1) in the column contract of analyses.csv and samples.csv."""

from __future__ import annotations

from typing import Any

ANALYSIS_COLUMNS = [
    "investigation_id", "borehole_id", "sample_id", "sample_type", "combined_samples", "top_m_bgl", "bottom_m_bgl",
    "parameter_code", "parameter_name", "cas_number", "value", "unit", "limit_symbol", "condition", "value_delivered",
    "unit_delivered", "conversion", "lab", "analysis_date", "source_file", "source_record",
]
SAMPLE_COLUMNS = [
    "sample_id", "investigation_id", "borehole_id", "sample_type", "combined_samples", "top_m_bgl", "bottom_m_bgl",
    "lutum_pct", "organic_matter_pct", "x_rd_m", "y_rd_m", "sampling_date", "analysed",
]


def analysis(sample_id: str, parameter_code: str, value: Any, unit: str = "mg/kg", limit_symbol: str = "", condition: str = "dg", record: str = "") -> dict[str, Any]:
    """Return one analyses.csv row of the test investigation T-1 with the given measurement."""
    return {
        "investigation_id": "T-1", "borehole_id": sample_id.split("-")[0], "sample_id": sample_id, "sample_type": "mengmonster",
        "combined_samples": sample_id, "top_m_bgl": 0.0, "bottom_m_bgl": 0.5, "parameter_code": parameter_code,
        "parameter_name": parameter_code, "cas_number": "", "value": value, "unit": unit, "limit_symbol": limit_symbol,
        "condition": condition, "value_delivered": value, "unit_delivered": unit, "conversion": "", "lab": "Lab", "analysis_date": "2026-01-10",
        "source_file": "lab.csv", "source_record": record or f"{sample_id}/{parameter_code}",
    }


def sample(sample_id: str, lutum: float = 12.0, organic: float = 3.0, x: float = 117_950.0, y: float = 440_220.0, date: str = "2026-01-05", analysed: bool = True) -> dict[str, Any]:
    """Return one samples.csv row located in the demo project area."""
    return {
        "sample_id": sample_id, "investigation_id": "T-1", "borehole_id": sample_id.split("-")[0], "sample_type": "mengmonster",
        "combined_samples": sample_id, "top_m_bgl": 0.0, "bottom_m_bgl": 0.5, "lutum_pct": lutum, "organic_matter_pct": organic,
        "x_rd_m": x, "y_rd_m": y, "sampling_date": date, "analysed": "true" if analysed else "false",
    }


def clean_analyses() -> list[dict[str, Any]]:
    return [
        analysis("M1-1", "Pb", 22.0),
        analysis("M1-1", "Zn", 0.35, limit_symbol="<"),
        analysis("M1-1", "lutum", 12.0, unit="%", condition="NVT"),
        analysis("M2-1", "Pb", 31.0),
        analysis("M2-1", "Zn", 80.0),
        analysis("M2-1", "lutum", 8.0, unit="%", condition="NVT"),
    ]


def clean_samples() -> list[dict[str, Any]]:
    return [sample("M1-1"), sample("M2-1", lutum=8.0)]
