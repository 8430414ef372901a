"""Map page of the regional store: lots, demand, depots, sites and the flows of the latest proposal.

Lots whose class is indicatief (``klasse_indicatief``) get a red dashed ring, and flows that move such
soil a red dotted line over their own. The popup (SVG title) and the legend say what the mark means.

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
INDICATIVE_COLOUR = "#c62828"


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
            flows = [{"kind": r.kind, "from": r.from_id, "to": r.to_id, "month": r.month, "tonnes": r.tonnes, "km": r.km,
                      "klasse_indicatief": r.klasse_indicatief} for r in rows]
    return instance, proposal, flows


def _number(value: float) -> str:
    """Format a whole number with the thousands separator of the user's language."""
    formatted = f"{value:,.0f}"
    return formatted.replace(",", ".") if text("nl", "en") == "nl" else formatted


def _points(instance: dict[str, Any]) -> list[tuple[str, str, float, float, str, bool]]:
    """Return (kind, id, x, y, label, klasse_indicatief) for every located object."""
    points = []
    for key, kind in (("supply", "supply"), ("demand", "demand"), ("depots", "depot"), ("disposal_sites", "disposal"), ("primary_sources", "primary")):
        for item in instance.get(key, []):
            label = item.get("name") or item["id"]
            indicative = bool(item.get("klasse_indicatief", False))
            if "tonnes" in item:
                mark = ", " + text("klasse indicatief", "class indicative") if indicative else ""
                label += f" ({_number(item['tonnes'])} t{mark})"
            points.append((kind, item["id"], float(item["x"]), float(item["y"]), label, indicative))
    return points


def _indicative_lots(instance: dict[str, Any]) -> set[str]:
    return {item["id"] for item in instance.get("supply", []) if item.get("klasse_indicatief")}


def render_svg(instance: dict[str, Any], flows: list[dict[str, Any]]) -> str:
    """Draw points and flows into an SVG, scaled to the bounding box of the region (north up)."""
    points = _points(instance)
    if not points:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" '
                f'aria-label="{html.escape(text("Kaart van de regio, nog zonder partijen", "Map of the region, no lots yet"))}"></svg>')
    xs, ys = [p[2] for p in points], [p[3] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1000.0)
    scale = min((WIDTH - 2 * MARGIN) / span, (HEIGHT - 2 * MARGIN) / span)

    def screen(x: float, y: float) -> tuple[float, float]:
        return MARGIN + (x - min(xs)) * scale, HEIGHT - MARGIN - (y - min(ys)) * scale

    where = {p[1]: screen(p[2], p[3]) for p in points}
    # A flow is marked when the proposal marked it or when its lot is indicatief in the store now.
    indicative_lots = _indicative_lots(instance)
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
        indicative = bool(flow.get("klasse_indicatief")) or flow["from"] in indicative_lots
        if indicative:
            title += ", " + text("grond met een indicatieve klasse (analysepakket onvolledig)", "soil with an indicative class (analysis package incomplete)")
        dash = ' stroke-dasharray="6 4"' if flow["kind"] in ("disposal", "primary") else ""
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{FLOW_COLOURS.get(flow["kind"], "#555")}" '
                     f'stroke-width="{width:.1f}" stroke-opacity="0.6"{dash}><title>{html.escape(title)}</title></line>')
        if indicative:
            parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{INDICATIVE_COLOUR}" stroke-width="2" '
                         f'stroke-dasharray="2 3" data-klasse-indicatief="true"><title>{html.escape(title)}</title></line>')
    for kind, ident, x, y, label, indicative in points:
        sx, sy = screen(x, y)
        shape = (f'<rect x="{sx - 6:.1f}" y="{sy - 6:.1f}" width="12" height="12"' if kind in ("depot", "disposal", "primary")
                 else f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="6"')
        popup = f"{ident}: {label}"
        if indicative:
            popup += ". " + text("De klasse is indicatief: het analysepakket is onvolledig, dus de bestemming staat pas vast als de klasse vaststaat.",
                                 "The class is indicative: the analysis package is incomplete, so the destination is final only once the class is.")
            parts.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="10" fill="none" stroke="{INDICATIVE_COLOUR}" stroke-width="2" '
                         f'stroke-dasharray="3 2" data-klasse-indicatief="true"><title>{html.escape(popup)}</title></circle>')
        parts.append(f'{shape} fill="{COLOURS[kind]}" stroke="#222"><title>{html.escape(popup)}</title></{"rect" if shape.startswith("<rect") else "circle"}>')
        parts.append(f'<text x="{sx + 8:.1f}" y="{sy + 4:.1f}" font-size="11" font-family="sans-serif">{html.escape(label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def render_page(instance: dict[str, Any], proposal: dict[str, Any] | None, flows: list[dict[str, Any]]) -> str:
    title = text("Regionale grondmatching", "Regional soil matching")
    legend = [(COLOURS["supply"], text("vrijkomende partij", "supply lot")), (COLOURS["demand"], text("grondvraag", "demand")),
              (COLOURS["depot"], text("depot", "depot")), (COLOURS["disposal"], text("afvoer/verwerker", "disposal")),
              (COLOURS["primary"], text("primair zand", "primary sand"))]
    legend_html = " ".join(f'<span style="display:inline-block;width:12px;height:12px;background:{colour}"></span> {html.escape(label)}' for colour, label in legend)
    legend_html += (f' <svg width="16" height="16" aria-hidden="true"><circle cx="8" cy="8" r="6" fill="none" stroke="{INDICATIVE_COLOUR}" stroke-width="2" '
                    f'stroke-dasharray="3 2"/></svg> {html.escape(text("partij met indicatieve klasse (analysepakket onvolledig)", "lot with an indicative class (analysis package incomplete)"))}'
                    f' <svg width="24" height="12" aria-hidden="true"><line x1="0" y1="6" x2="24" y2="6" stroke="{INDICATIVE_COLOUR}" stroke-width="2" '
                    f'stroke-dasharray="2 3"/></svg> {html.escape(text("stroom met grond met indicatieve klasse", "flow of soil with an indicative class"))}')
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
        header += _indicative_header(summary.get("klasse_indicatief"))
    else:
        header = f"<p>{html.escape(text('Nog geen voorstel in de regionale opslag.', 'No proposal in the regional store yet.'))}</p>"
    notice = text("De voorbeeldregio is verzonnen; het zijn geen echte projecten.", "The example region is invented; these are not real projects.")
    return (f'<!doctype html><html lang="{html.escape(text("nl", "en"))}"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f'<body style="font-family:sans-serif;margin:1em"><h1>{html.escape(title)}</h1>{header}<p>{legend_html}</p>'
            f'{render_svg(instance, flows)}<p><a href="map/proposal.geojson">GeoJSON</a> · {html.escape(notice)}</p></body></html>')


def _indicative_header(indicative: dict[str, Any] | None) -> str:
    """Return the paragraph naming the indicatief tonnes of the proposal, or nothing when it moves none.

    A proposal saved before the store kept ``klasse_indicatief`` has no such block and gets no paragraph.
    """
    if not indicative or indicative.get("tonnes", 0) <= 0:
        return ""
    count = len(indicative["lots"])
    sentence = text(
        f"Let op: dit voorstel verplaatst {_number(indicative['tonnes'])} t grond met een indicatieve klasse uit {count} "
        f"{'partij' if count == 1 else 'partijen'}, waarvan {_number(indicative['reuse_tonnes'])} t naar hergebruik of depot. "
        "De bestemming van die grond staat pas vast als de klasse vaststaat.",
        f"Note: this proposal moves {_number(indicative['tonnes'])} t of soil with an indicative class from {count} "
        f"{'lot' if count == 1 else 'lots'}, {_number(indicative['reuse_tonnes'])} t of it to reuse or a depot. "
        "The destination of that soil is final only once the class is.",
    )
    return f'<p style="color:{INDICATIVE_COLOUR}">{html.escape(sentence)}</p>'


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
