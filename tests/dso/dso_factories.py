"""Factories of partijen and match-proposal flows for the DSO tests."""

from __future__ import annotations

from typing import Any


def partij(partij_id: str, quality_class: str, volume_m3: float, **extra: Any) -> dict[str, Any]:
    return {
        "partij_id": partij_id, "samples": [f"MM-{partij_id}"], "class": quality_class, "decisive": [],
        "intervention_exceeded": quality_class == "niet_toepasbaar", "pfas": None, "volume_m3": volume_m3, "soil_type": "zand", **extra,
    }


def flow(source: str, target: str, tonnes: float, *, kind: str = "demand", x: float = 118_000, y: float = 440_000, function_class: str | None = "wonen", **extra: Any) -> dict[str, Any]:
    item = {"from": source, "to": target, "to_kind": kind, "to_name": f"Locatie {target}", "period": "2027-03", "tonnes": tonnes, "km": 4.2, "to_x_rd_m": x, "to_y_rd_m": y}
    if function_class is not None:
        item["to_bodemfunctieklasse"] = function_class
    return item | extra
