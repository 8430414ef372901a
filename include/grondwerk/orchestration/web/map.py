"""Map page of the regional store: lots, demand, depots, sites and the flows of the latest proposal.

The page is a plain inline SVG in RD New coordinates, so it loads no scripts, tiles or
fonts from anywhere. The Airflow plugin mounts ``router`` at ``/grondwerk``.
"""

from __future__ import annotations

import html
import json
import logging
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, JSONResponse

from grondwerk.i18n import text
from grondwerk.orchestration.web.auth import require_role

log = logging.getLogger(__name__)

router = APIRouter()
# Every Grondwerk role may look at the map; tests override this dependency.
# The soil team judges match proposals; other roles see the outcome in the dossier.
viewer = require_role("bodemteam")

WIDTH, HEIGHT, MARGIN = 960, 640, 30
COLOURS = {"supply": "#b5651d", "demand": "#2e7d32", "depot": "#1565c0", "disposal": "#6d4c41", "primary": "#f9a825"}
FLOW_COLOURS = {"direct": "#2e7d32", "to_depot": "#1565c0", "from_depot": "#1565c0", "disposal": "#8d6e63", "primary": "#f9a825"}


def _region_and_flows() -> tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]:
    from sqlalchemy import select

    from grondwerk.db import get_engine
    from grondwerk.matching import store

    engine = get_engine()
    instance = store.load_region(engine)
    proposal = store.latest_proposal(engine)
    flows: list[dict[str, Any]] = []
    if proposal:
        with engine.connect() as connection:
            rows = connection.execute(select(store.flow_table).where(store.flow_table.c.proposal_id == proposal["proposal_id"]).order_by(store.flow_table.c.seq))
            flows = [{"kind": r.kind, "from": r.from_id, "to": r.to_id, "month": r.month, "tonnes": r.tonnes, "km": r.km} for r in rows]
    return instance, proposal, flows


def _number(value: float) -> str:
    """Format a whole number with the thousands separator of the user's language."""
    formatted = f"{value:,.0f}"
    return formatted.replace(",", ".") if text("nl", "en") == "nl" else formatted


def _points(instance: dict[str, Any]) -> list[tuple[str, str, float, float, str]]:
    """Return (kind, id, x, y, label) for every located object."""
    points = []
    for key, kind in (("supply", "supply"), ("demand", "demand"), ("depots", "depot"), ("disposal_sites", "disposal"), ("primary_sources", "primary")):
        for item in instance.get(key, []):
            label = item.get("name") or item["id"]
            if "tonnes" in item:
                label += f" ({_number(item['tonnes'])} t)"
            points.append((kind, item["id"], float(item["x"]), float(item["y"]), label))
    return points


def render_svg(instance: dict[str, Any], flows: list[dict[str, Any]]) -> str:
    """Draw points and flows into an SVG, scaled to the bounding box of the region (north up)."""
    points = _points(instance)
    if not points:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"></svg>'
    xs, ys = [p[2] for p in points], [p[3] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1000.0)
    scale = min((WIDTH - 2 * MARGIN) / span, (HEIGHT - 2 * MARGIN) / span)

    def screen(x: float, y: float) -> tuple[float, float]:
        return MARGIN + (x - min(xs)) * scale, HEIGHT - MARGIN - (y - min(ys)) * scale

    where = {p[1]: screen(p[2], p[3]) for p in points}
    max_tonnes = max((f["tonnes"] for f in flows), default=1.0) or 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
             f'aria-label="{html.escape(text("Kaart van de regio", "Map of the region"))}">',
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fafafa" stroke="#ccc"/>']
    for flow in flows:
        if flow["from"] not in where or flow["to"] not in where:
            continue
        (x1, y1), (x2, y2) = where[flow["from"]], where[flow["to"]]
        width = 1 + 6 * flow["tonnes"] / max_tonnes
        title = f'{flow["from"]} → {flow["to"]}: {_number(flow["tonnes"])} t, {flow["km"]:.1f} km, {flow["month"]}'
        dash = ' stroke-dasharray="6 4"' if flow["kind"] in ("disposal", "primary") else ""
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{FLOW_COLOURS.get(flow["kind"], "#555")}" '
                     f'stroke-width="{width:.1f}" stroke-opacity="0.6"{dash}><title>{html.escape(title)}</title></line>')
    for kind, ident, x, y, label in points:
        sx, sy = screen(x, y)
        shape = (f'<rect x="{sx - 6:.1f}" y="{sy - 6:.1f}" width="12" height="12"' if kind in ("depot", "disposal", "primary")
                 else f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="6"')
        parts.append(f'{shape} fill="{COLOURS[kind]}" stroke="#222"><title>{html.escape(f"{ident}: {label}")}</title></{"rect" if shape.startswith("<rect") else "circle"}>')
        parts.append(f'<text x="{sx + 8:.1f}" y="{sy + 4:.1f}" font-size="11" font-family="sans-serif">{html.escape(label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def render_page(instance: dict[str, Any], proposal: dict[str, Any] | None, flows: list[dict[str, Any]]) -> str:
    title = text("Regionale grondmatching", "Regional soil matching")
    legend = [(COLOURS["supply"], text("vrijkomende partij", "supply lot")), (COLOURS["demand"], text("grondvraag", "demand")),
              (COLOURS["depot"], text("depot", "depot")), (COLOURS["disposal"], text("afvoer/verwerker", "disposal")),
              (COLOURS["primary"], text("primair zand", "primary sand"))]
    if proposal:
        summary = json.loads(proposal["summary_json"])
        totals = summary["totals"]
        status = {"proposed": text("voorgesteld, wacht op akkoord bodemteam", "proposed, awaiting the soil team"),
                  "accepted": text("geaccepteerd door bodemteam", "accepted by the soil team"),
                  "rejected": text("afgewezen door bodemteam", "rejected by the soil team")}.get(proposal["status"], proposal["status"])
        header = (f"<p>{html.escape(text('Voorstel', 'Proposal'))} <strong>{html.escape(proposal['proposal_id'])}</strong> "
                  f"({html.escape(status)}): {_number(totals['matched_tonnes'])} t {html.escape(text('hergebruikt', 'reused'))}, "
                  f"{_number(totals['tonne_km'])} {html.escape(text('tonkm', 'tonne-km'))}, {_number(totals['co2_kg'])} kg CO2, "
                  f"gap {totals['gap']}.</p>")
    else:
        header = f"<p>{html.escape(text('Nog geen voorstel in de regionale opslag.', 'No proposal in the regional store yet.'))}</p>"
    legend_html = " ".join(f'<span style="display:inline-block;width:12px;height:12px;background:{colour}"></span> {html.escape(label)}' for colour, label in legend)
    notice = text("De voorbeeldregio is verzonnen; het zijn geen echte projecten.", "The example region is invented; these are not real projects.")
    return (f'<!doctype html><html lang="{html.escape(text("nl", "en"))}"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f'<body style="font-family:sans-serif;margin:1em"><h1>{html.escape(title)}</h1>{header}<p>{legend_html}</p>'
            f'{render_svg(instance, flows)}<p><a href="map/proposal.geojson">GeoJSON</a> · {html.escape(notice)}</p></body></html>')


@router.get("/map", response_class=HTMLResponse)
def map_page(user=Depends(viewer)) -> HTMLResponse:
    instance, proposal, flows = _region_and_flows()
    return HTMLResponse(render_page(instance, proposal, flows))


@router.get("/map/proposal.geojson")
def map_geojson(user=Depends(viewer), only_flows: bool = Query(False, description="alleen stromen / flows only")) -> JSONResponse:
    from grondwerk.matching.geojson import proposal_geojson

    instance, _proposal, flows = _region_and_flows()
    collection = proposal_geojson(instance, flows)
    if only_flows:
        collection["features"] = [f for f in collection["features"] if f["properties"]["kind"] == "flow"]
    return JSONResponse(collection, media_type="application/geo+json")
