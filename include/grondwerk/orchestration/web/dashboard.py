"""The data steward's dashboard: validation runs of all tenders over time.

Routes (the plugin mounts this router under ``/grondwerk``):

- ``/dashboard``: Dutch HTML page with an inline SVG chart of the pass rate
  per run, pass rates per suite and per expectation, the most frequent
  failures and a link to each run's Data Docs;
- ``/dashboard/data.json``: the same data for other tools;
- ``/dashboard/docs/{reference}/{run}/{path}``: the Data Docs files of a run.

The queries live in ``grondwerk.quality.dashboard``; this module only renders.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy.engine import Engine

from grondwerk.db import get_engine
from grondwerk.orchestration.web.auth import require_role
from grondwerk.orchestration.web.layout import page
from grondwerk.quality.dashboard import DEFAULT_TOP_FAILURES, dashboard_data, find_run

router = APIRouter()
VIEWERS = ("datasteward", "bodemteam", "toezicht", "admin")
STATUS_LABELS = {"ok": "in orde", "warning": "waarschuwing", "stopped": "gestopt"}
SEVERITY_LABELS = {"critical": "kritiek", "warning": "waarschuwing"}
CHART_WIDTH, CHART_HEIGHT, CHART_MARGIN = 720, 220, 40


def store_engine() -> Engine:
    """Return the engine of the store; tests override this dependency."""
    return get_engine()


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def _docs_href(run: dict[str, Any]) -> str:
    return f"/grondwerk/dashboard/docs/{escape(run['tender_reference'])}/{escape(run['run_id'])}/index.html"


def _chart_grid(inner_height: float) -> str:
    """Return horizontal lines with labels at 0, 50 and 100 %."""
    parts = []
    for level in (0.0, 0.5, 1.0):
        y = CHART_MARGIN + (1 - level) * inner_height
        parts.append(
            f'<line x1="{CHART_MARGIN}" x2="{CHART_WIDTH - CHART_MARGIN}" y1="{y:.1f}" y2="{y:.1f}" stroke="#cfd6c8"/>'
            f'<text x="{CHART_MARGIN - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{level * 100:.0f}%</text>'
        )
    return "".join(parts)


def _chart_dot(x: float, y: float, run: dict[str, Any]) -> str:
    """Return one run as a dot coloured by status, with a tooltip naming the run."""
    label = f"{run['tender_reference']} {run['run_id']} ({run['validated_at'] or ''}): {_percent(run['pass_rate'])} geslaagd"
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="{escape(run["status"])}" fill="currentColor"><title>{escape(label)}</title></circle>'


def render_chart(runs: list[dict[str, Any]]) -> str:
    """Return an SVG line chart of the pass rate per run in time order (no scripts, no external assets)."""
    points = [run for run in runs if run["pass_rate"] is not None]
    if not points:
        return "<p>Nog geen validaties om te tekenen.</p>"

    inner_width = CHART_WIDTH - 2 * CHART_MARGIN
    inner_height = CHART_HEIGHT - 2 * CHART_MARGIN
    step = inner_width / max(len(points) - 1, 1)
    coordinates = []
    for position, run in enumerate(points):
        x = CHART_MARGIN + position * step
        y = CHART_MARGIN + (1 - run["pass_rate"]) * inner_height
        coordinates.append((x, y, run))

    line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in coordinates)
    dots = "".join(_chart_dot(x, y, run) for x, y, run in coordinates)
    return (
        f'<svg role="img" aria-label="Slagingspercentage per validatierun" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
        f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" xmlns="http://www.w3.org/2000/svg" style="background:#fff">'
        f'{_chart_grid(inner_height)}<polyline points="{line}" fill="none" stroke="#3d5a2a" stroke-width="2"/>{dots}'
        f'<text x="{CHART_WIDTH / 2:.0f}" y="{CHART_HEIGHT - 8}" text-anchor="middle" font-size="11">validatieruns, oud → nieuw</text></svg>'
    )


def _runs_table(runs: list[dict[str, Any]]) -> str:
    if not runs:
        return "<p>Nog geen validatieruns.</p>"
    rows = []
    for run in reversed(runs):
        docs = f'<a href="{_docs_href(run)}">Data Docs</a>' if run["has_data_docs"] else "–"
        status = run["status"]
        rows.append(
            f"<tr><td>{escape(run['validated_at'] or '')}</td><td>{escape(run['tender_reference'])}</td><td><code>{escape(run['run_id'])}</code></td>"
            f'<td class="{escape(status)}">{escape(STATUS_LABELS.get(status, status))}</td><td>{_percent(run["pass_rate"])} ({run["passed"]}/{run["expectations"]})</td>'
            f"<td>{run['critical_failed']}</td><td>{run['rows_in']}</td><td>{run['rows_out']}</td><td>{run['rows_quarantined']}</td>"
            f"<td>{run['reader_quarantined']}</td><td>{docs}</td></tr>"
        )
    header = (
        "<tr><th>Gevalideerd</th><th>Aanbesteding</th><th>Run</th><th>Status</th><th>Geslaagd</th><th>Kritiek gefaald</th>"
        "<th>Rijen in</th><th>Goedgekeurd</th><th>Quarantaine</th><th>Afgewezen door lezer</th><th>Rapport</th></tr>"
    )
    return f"<table>{header}{''.join(rows)}</table>"


def _suites_table(suites: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{escape(suite['suite'])}</td><td>{suite['runs']}</td><td>{_percent(suite['pass_rate'])} ({suite['passed']}/{suite['total']})</td></tr>"
        for suite in suites
    )
    return f"<table><tr><th>Suite</th><th>Runs</th><th>Geslaagde controles</th></tr>{rows}</table>" if suites else "<p>–</p>"


def _expectations_table(expectations: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{escape(item['suite'])}</td><td><code>{escape(item['expectation_id'])}</code></td><td>{escape(item['description_nl'])}</td>"
        f"<td>{escape(SEVERITY_LABELS.get(item['severity'], item['severity']))}</td><td>{_percent(item['pass_rate'])} ({item['passed']}/{item['runs']})</td></tr>"
        for item in expectations
    )
    header = "<tr><th>Suite</th><th>Controle</th><th>Omschrijving</th><th>Ernst</th><th>Geslaagd in runs</th></tr>"
    return f"<table>{header}{rows}</table>" if expectations else "<p>–</p>"


def _failures_table(failures: list[dict[str, Any]]) -> str:
    if not failures:
        return "<p>Geen mislukte controles.</p>"
    rows = "".join(
        f"<tr><td>{escape(item['suite'])}</td><td><code>{escape(item['expectation_id'])}</code></td><td>{escape(item['description_nl'])}</td>"
        f"<td>{escape(SEVERITY_LABELS.get(item['severity'], item['severity']))}</td><td>{item['failed_runs']}</td><td>{item['unexpected_rows']}</td>"
        f"<td>{escape(item['last_failed_at'] or '')}</td></tr>"
        for item in failures
    )
    header = "<tr><th>Suite</th><th>Controle</th><th>Omschrijving</th><th>Ernst</th><th>Runs gefaald</th><th>Afgekeurde rijen</th><th>Laatst gefaald</th></tr>"
    return f"<table>{header}{rows}</table>"


def render_dashboard(data: dict[str, Any], user: str = "") -> str:
    """Return the dashboard page for ``data`` as returned by ``dashboard_data``."""
    totals = data["totals"]
    body = (
        f"<p>{totals['runs']} validatieruns van {totals['tenders']} aanbesteding(en); {totals['stopped']} run(s) gestopt op een kritieke controle; "
        f"{totals['rows_quarantined']} van {totals['rows_in']} analyseregels in quarantaine. "
        '<a href="/grondwerk/dashboard/data.json">Dezelfde gegevens als JSON</a>.</p>'
        "<h2>Slagingspercentage per run</h2>" + render_chart(data["runs"])
        + "<h2>Meest voorkomende fouten</h2>" + _failures_table(data["top_failures"])
        + "<h2>Validatieruns</h2>" + _runs_table(data["runs"])
        + "<h2>Per suite</h2>" + _suites_table(data["suites"])
        + "<h2>Per controle</h2>" + _expectations_table(data["expectations"])
    )
    return page("Datakwaliteit", body, user=user)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(
    user=Depends(require_role(*VIEWERS)),
    engine: Engine = Depends(store_engine),
    limit: int = Query(DEFAULT_TOP_FAILURES, ge=1, le=100, description="Aantal meest voorkomende fouten"),
) -> str:
    return render_dashboard(dashboard_data(engine, limit), user=getattr(user, "username", ""))


@router.get("/dashboard/data.json")
def dashboard_json(
    user=Depends(require_role(*VIEWERS)),
    engine: Engine = Depends(store_engine),
    limit: int = Query(DEFAULT_TOP_FAILURES, ge=1, le=100),
) -> dict[str, Any]:
    return dashboard_data(engine, limit)


@router.get("/dashboard/docs/{reference}/{run}/{file_path:path}")
def data_docs_file(
    reference: str,
    run: str,
    file_path: str,
    user=Depends(require_role(*VIEWERS)),
    engine: Engine = Depends(store_engine),
) -> FileResponse:
    stored = find_run(engine, reference, run)
    if stored is None or not stored.get("data_docs_path"):
        raise HTTPException(status_code=404, detail="Geen Data Docs gevonden voor deze run.")
    folder = Path(stored["data_docs_path"]).resolve()
    target = (folder / (file_path or "index.html")).resolve()
    if folder not in target.parents or not target.is_file():
        raise HTTPException(status_code=404, detail="Bestand niet gevonden in de Data Docs van deze run.")
    return FileResponse(target)
