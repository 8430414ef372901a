"""GeoJSON export of a region and its proposed flows, in WGS84 (RFC 7946) with the RD New coordinates as properties."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _transformer():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)


def to_wgs84(x: float, y: float) -> list[float]:
    lon, lat = _transformer().transform(x, y)
    return [round(lon, 7), round(lat, 7)]


def proposal_geojson(instance: dict[str, Any], flows: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a FeatureCollection with lots, demand, depots, sites and one LineString per flow between known points.

    Every lot and flow has the boolean property ``klasse_indicatief``. On a flow it is true when the flow itself
    is marked (see ``grondwerk.matching.api``) or when it leaves a lot of ``instance`` whose class is indicatief.
    """
    features = []
    points: dict[str, tuple[float, float]] = {}
    indicative = {item["id"] for item in instance.get("supply", []) if item.get("klasse_indicatief")}
    for key, kind in (("supply", "supply"), ("demand", "demand"), ("depots", "depot"), ("disposal_sites", "disposal"), ("primary_sources", "primary")):
        for item in instance.get(key, []):
            points[item["id"]] = (float(item["x"]), float(item["y"]))
            properties = {"kind": kind, "id": item["id"], "name": item.get("name") or item["id"], "x_rd_m": item["x"], "y_rd_m": item["y"]}
            for field in ("tonnes", "class", "soil_type", "accepted_classes", "accepted_soil_types", "capacity_tonnes", "tender_reference", "period_from", "period_to"):
                if field in item:
                    properties[field] = item[field]
            if kind == "supply":
                properties["klasse_indicatief"] = item["id"] in indicative
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": to_wgs84(*points[item["id"]])}, "properties": properties})
    for flow in flows:
        if flow["from"] not in points or flow["to"] not in points:
            continue
        features.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [to_wgs84(*points[flow["from"]]), to_wgs84(*points[flow["to"]])]},
            "properties": {"kind": "flow", **{k: flow[k] for k in ("from", "to", "period", "tonnes", "km") if k in flow},
                           "flow_kind": flow["kind"], "month": flow.get("month"),
                           "klasse_indicatief": bool(flow.get("klasse_indicatief")) or flow["from"] in indicative},
        })
    return {"type": "FeatureCollection", "features": features}
