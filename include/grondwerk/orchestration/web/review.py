"""Review page for the tender clauses (role ``bodemteam``), mounted by the lead at ``/grondwerk``.

``/review`` lists the clause rounds in the dossiers and, through the
browser's JavaScript and the user's Airflow session cookie, the open
human-in-the-loop steps of the ``tender_halte`` DAG.
``/review/{dag_id}/{run_id}/{task_id}`` shows each rendered article beside
the data that triggered it, a diff against the previous round and the
approve / request changes / reject buttons. The buttons PATCH the HITL
detail through Airflow's REST API, so Airflow checks who may respond, and
the DAG continues as when the response comes from Required Actions.
"""

from __future__ import annotations

import difflib
import json
import re
from html import escape
from urllib.parse import quote
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse

from grondwerk import settings
from grondwerk.dossier import safe_run_id
from grondwerk.orchestration.web.auth import GrondwerkUser, require_role
from grondwerk.orchestration.web.layout import page

router = APIRouter()
REVIEWER = require_role("bodemteam", "admin")
DAG_ID = "tender_halte"
TASK_PATTERN = re.compile(r"^review_clauses_(\d{1,3})$")
# Options and params of the HITL step as the DAG defines them.
APPROVE, CHANGES, REJECT = "Goedkeuren", "Wijzigingen vragen", "Afwijzen"
CONFIDENCE_LABELS = {"confirmed": "bevestigd", "secondary": "secundaire bron", "unconfirmed": "niet bevestigd"}

PAGE_STYLE = """
<style>
.artikel{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem;background:#fff;border:1px solid #cfd6c8;padding:.6rem 1rem;margin:.8rem 0}
.artikel .tekst table{font-size:.85rem}.artikel .data{font-size:.9rem;border-left:3px solid #3d5a2a;padding-left:.8rem}
.diff{background:#fff;border:1px solid #cfd6c8;padding:.5rem;white-space:pre-wrap;font-size:.85rem}
.diff .add{background:#e6f4e1}.diff .del{background:#fbe4e1}
form.antwoord{background:#fff;border:1px solid #cfd6c8;padding:.8rem 1rem;margin-top:1rem}
form.antwoord textarea{width:100%;min-height:5rem}form.antwoord button{margin:.4rem .4rem 0 0;padding:.4rem .9rem}
#status{font-weight:bold}
</style>
"""


def _dossier_for_run(run_id: str) -> Path:
    """Find the dossier folder of an Airflow run id under the dossier root."""
    root = settings.dossier_root().resolve()
    matches = sorted(path for path in root.glob(f"*/{safe_run_id(run_id)}") if (path / "06_clauses").is_dir())
    if not matches:
        raise HTTPException(status_code=404, detail="Geen bestekteksten gevonden voor deze run.")
    folder = matches[0].resolve()
    if root not in folder.parents:
        raise HTTPException(status_code=404, detail="Dossier niet gevonden.")
    return folder


def _round_of(task_id: str) -> int:
    found = TASK_PATTERN.match(task_id)
    if not found:
        raise HTTPException(status_code=404, detail="Deze stap is geen beoordeling van bestekteksten.")
    return int(found.group(1))


def _load_round(folder: Path, round_no: int) -> tuple[dict[str, Any], str] | None:
    round_dir = folder / "06_clauses" / f"round-{round_no}"
    if not (round_dir / "clauses.json").is_file():
        return None
    record = json.loads((round_dir / "clauses.json").read_text(encoding="utf-8"))
    return record, (round_dir / "clauses.html").read_text(encoding="utf-8")


def _sections(document_html: str) -> dict[str, str]:
    """Return the inner HTML of each article section of a rendered clause document, by clause id."""
    from lxml import etree
    from lxml import html as lxml_html

    root = lxml_html.document_fromstring(document_html)
    sections = {}
    for section in root.iter("section"):
        parts = [etree.tostring(child, encoding="unicode", method="html") for child in section if child.tag != "h2"]
        sections[section.get("data-clause", "")] = "".join(parts)
    return sections


def _diff_html(previous_html: str | None, current_html: str) -> str:
    from grondwerk.clauses.docx_writer import html_text_lines

    if previous_html is None:
        return "<p>Dit is de eerste ronde; er is geen eerdere versie.</p>"
    lines = list(difflib.unified_diff(html_text_lines(previous_html), html_text_lines(current_html), "vorige ronde", "deze ronde", lineterm="", n=1))
    if not lines:
        return "<p>De tekst is gelijk aan die van de vorige ronde.</p>"
    rendered = []
    for line in lines[2:]:
        if line.startswith("+"):
            rendered.append(f'<span class="add">{escape(line)}</span>')
        elif line.startswith("-"):
            rendered.append(f'<span class="del">{escape(line)}</span>')
        else:
            rendered.append(escape(line))
    return '<div class="diff">' + "\n".join(rendered) + "</div>"


def _trigger_list(triggers: list[dict[str, Any]]) -> str:
    items = []
    for trigger in triggers:
        items.append(f"<li><code>{escape(str(trigger.get('condition') or trigger.get('fact')))}</code>: {escape(str(trigger.get('evidence', '')))}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _article_html(clause: dict[str, Any], fragment: str) -> str:
    # The fragment comes from the sandboxed renderer, which escaped all tender input.
    confidence = CONFIDENCE_LABELS.get(clause.get("confidence", ""), clause.get("confidence", ""))
    unconfirmed = f"<p><em>Te controleren:</em> {escape(clause['unconfirmed'])}</p>" if clause.get("unconfirmed") else ""
    return (
        f'<div class="artikel" id="artikel-{escape(clause["id"])}"><div class="tekst">'
        f'<h2>Artikel {clause["number"]}. {escape(clause["title"])}</h2>{fragment}</div>'
        f'<div class="data"><p><strong>Waarom:</strong> {escape(clause["reason"])}</p>'
        f'<p><strong>Grondslag:</strong> {escape(clause["legal_basis"])} ({escape(confidence)})</p>{unconfirmed}'
        f'<p><strong>Clausule</strong> <code>{escape(clause["id"])}</code> versie {escape(clause["version"])}, '
        f'variant <code>{escape(clause["variant"])}</code></p>'
        f"<p><strong>Opgeroepen door:</strong></p>{_trigger_list(clause.get('triggered_by', []))}</div></div>"
    )


def _variant_fields(clauses: list[dict[str, Any]]) -> str:
    rows = []
    for clause in clauses:
        allowed = clause.get("variants_allowed") or [clause["variant"]]
        if len(allowed) < 2:
            continue
        options = "".join(
            f'<option value="{escape(name)}"{" selected" if name == clause["variant"] else ""}>{escape(name)}</option>' for name in allowed
        )
        rows.append(
            f'<tr><td>{escape(clause["title"])}</td><td><select data-clause="{escape(clause["id"])}" '
            f'data-current="{escape(clause["variant"])}">{options}</select></td></tr>'
        )
    if not rows:
        return ""
    return "<h3>Varianten</h3><table><tr><th>Artikel</th><th>Variant</th></tr>" + "".join(rows) + "</table>"


def _variable_fields(variables: dict[str, Any]) -> str:
    from grondwerk.clauses.catalogue import load_catalogue

    specs = load_catalogue().variables
    rows = []
    for name, spec in specs.items():
        current = variables.get(name, spec.default)
        attrs = f'data-variable="{escape(name)}" data-type="{escape(spec.type)}" data-current="{escape(str(current))}"'
        if spec.type == "choice":
            options = "".join(f'<option{" selected" if choice == current else ""}>{escape(choice)}</option>' for choice in spec.choices)
            field = f"<select {attrs}>{options}</select>"
        elif spec.type == "integer":
            field = f'<input type="number" step="1" min="{spec.minimum}" max="{spec.maximum}" value="{escape(str(current))}" {attrs}>'
        else:
            field = f'<input type="text" maxlength="{spec.max_length}" value="{escape(str(current))}" {attrs}>'
        unit = f" ({escape(spec.unit)})" if spec.unit else ""
        rows.append(f"<tr><td><code>{escape(name)}</code>{unit}<br><small>{escape(spec.description)}</small></td><td>{field}</td></tr>")
    return "<h3>Variabelen</h3><table><tr><th>Variabele</th><th>Waarde</th></tr>" + "".join(rows) + "</table>"


ANSWER_SCRIPT = """
<script>
(function () {
  const form = document.getElementById('antwoord');
  const status = document.getElementById('status');
  const url = form.dataset.api;
  function changed(selector, attr, convert) {
    const out = {};
    form.querySelectorAll(selector).forEach(function (el) {
      const value = convert(el);
      if (String(value) !== el.dataset.current) { out[el.dataset[attr]] = value; }
    });
    return out;
  }
  fetch(url, {credentials: 'same-origin'}).then(function (r) {
    if (!r.ok) { status.textContent = 'Stap niet gevonden in Airflow (' + r.status + ').'; return null; }
    return r.json();
  }).then(function (detail) {
    if (!detail) { return; }
    if (detail.response_received) {
      status.textContent = 'Al beantwoord: ' + (detail.chosen_options || []).join(', ') + ' door ' + ((detail.responded_by_user || {}).name || '?');
      form.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
      return;
    }
    form.querySelectorAll('button').forEach(function (b) { b.disabled = detail.options.indexOf(b.value) < 0; });
    status.textContent = 'Wacht op uw beoordeling.';
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    const option = event.submitter.value;
    const comment = form.querySelector('textarea').value.trim();
    if (option !== 'Goedkeuren' && !comment) { status.textContent = 'Geef een toelichting bij wijzigingen of afwijzen.'; return; }
    const variants = changed('select[data-clause]', 'clause', function (el) { return el.value; });
    const variables = changed('[data-variable]', 'variable', function (el) {
      return el.dataset.type === 'integer' ? Number(el.value) : el.value;
    });
    const body = {chosen_options: [option], params_input: {comment: comment, variants: JSON.stringify(option === 'Wijzigingen vragen' ? variants : {}), variables: JSON.stringify(option === 'Wijzigingen vragen' ? variables : {})}};
    fetch(url, {method: 'PATCH', credentials: 'same-origin', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (data) { return [r.status, data]; }); })
      .then(function (result) {
        if (result[0] === 200) { status.textContent = 'Antwoord verstuurd: ' + option + '.'; form.querySelectorAll('button').forEach(function (b) { b.disabled = true; }); }
        else { status.textContent = 'Airflow weigerde het antwoord (' + result[0] + '): ' + JSON.stringify(result[1].detail || result[1]); }
      });
  });
})();
</script>
"""

LIST_SCRIPT = """
<script>
fetch('/api/v2/dags/%s/dagRuns/~/hitlDetails?response_received=false', {credentials: 'same-origin'})
  .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
  .then(function (data) {
    const rows = data.hitl_details.filter(function (d) { return d.task_instance.task_id.indexOf('review_clauses') === 0; });
    const target = document.getElementById('open');
    if (!rows.length) { target.textContent = 'Geen openstaande beoordelingen.'; return; }
    const list = document.createElement('ul');
    rows.forEach(function (d) {
      const ti = d.task_instance;
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = '/grondwerk/review/' + encodeURIComponent(ti.dag_id) + '/' + encodeURIComponent(ti.dag_run_id) + '/' + encodeURIComponent(ti.task_id);
      link.textContent = d.subject;
      item.appendChild(link);
      list.appendChild(item);
    });
    target.replaceChildren(list);
  })
  .catch(function (status) { document.getElementById('open').textContent = 'Airflow gaf geen lijst (' + status + ').'; });
</script>
"""


def _dossier_rounds() -> list[dict[str, Any]]:
    """List clause rounds per dossier with their review state, newest round first per dossier."""
    rows = []
    root = settings.dossier_root()
    for manifest_path in sorted(root.glob("*/*/manifest.json")):
        folder = manifest_path.parent
        rounds = sorted(
            (int(path.name.split("-", 1)[1]) for path in (folder / "06_clauses").glob("round-*") if path.name.split("-", 1)[1].isdigit()),
            reverse=True,
        )
        if not rounds:
            continue
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            continue
        decision_path = folder / "07_review" / "decision.json"
        decision = json.loads(decision_path.read_text(encoding="utf-8")) if decision_path.is_file() else None
        rows.append({"reference": folder.parent.name, "run_id": manifest.get("run_id", folder.name), "round": rounds[0], "decision": decision})
    return rows


@router.get("/review", response_class=HTMLResponse)
def list_reviews(user: GrondwerkUser = Depends(REVIEWER)) -> str:
    rows = []
    for item in _dossier_rounds():
        decision = item["decision"]
        state = f'{decision["decision"]} (ronde {decision["round"]})' if decision else "open"
        href = f"/grondwerk/review/{DAG_ID}/{quote(item['run_id'], safe='')}/review_clauses_{item['round']}"
        rows.append(
            f'<tr><td>{escape(item["reference"])}</td><td><code>{escape(item["run_id"])}</code></td>'
            f'<td><a href="{escape(href)}">ronde {item["round"]}</a></td><td>{escape(state)}</td></tr>'
        )
    table = (
        "<table><tr><th>Aanbesteding</th><th>Run</th><th>Laatste ronde</th><th>Beslissing</th></tr>" + "".join(rows) + "</table>"
        if rows else "<p>Nog geen bestekteksten in de dossiers.</p>"
    )
    body = (
        "<h2>Openstaande beoordelingen in Airflow</h2><div id='open'>Laden…</div>"
        f"<h2>Bestekteksten in de dossiers</h2>{table}" + LIST_SCRIPT % DAG_ID
    )
    return page("Bestekteksten beoordelen", body, user=user.username)


@router.get("/review/{dag_id}/{run_id}/{task_id}", response_class=HTMLResponse)
def show_review(dag_id: str, run_id: str, task_id: str, user: GrondwerkUser = Depends(REVIEWER)) -> str:
    if dag_id != DAG_ID:
        raise HTTPException(status_code=404, detail="Onbekende DAG.")
    round_no = _round_of(task_id)
    folder = _dossier_for_run(run_id)
    loaded = _load_round(folder, round_no)
    if loaded is None:
        raise HTTPException(status_code=404, detail=f"Ronde {round_no} heeft nog geen bestekteksten.")
    record, document_html = loaded
    previous = _load_round(folder, round_no - 1) if round_no > 1 else None

    sections = _sections(document_html)
    articles = "".join(_article_html(clause, sections.get(clause["id"], "")) for clause in record["clauses"])
    changes = record.get("changes")
    requested = (
        f"<p><strong>Gevraagde wijzigingen uit ronde {round_no - 1}:</strong> {escape(changes.get('comment') or '(geen toelichting)')}</p>"
        f"<p>Varianten: <code>{escape(json.dumps(changes.get('variants', {}), ensure_ascii=False))}</code>, "
        f"variabelen: <code>{escape(json.dumps(changes.get('variables', {}), ensure_ascii=False))}</code></p>"
        if changes else ""
    )
    api = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/{task_id}/-1/hitlDetails"
    form = (
        f'<form class="antwoord" id="antwoord" data-api="{escape(api)}">'
        '<h2>Uw beoordeling</h2><p id="status">Status in Airflow ophalen…</p>'
        '<label>Toelichting (verplicht bij wijzigingen of afwijzen)<br><textarea name="comment"></textarea></label>'
        f"{_variant_fields(record['clauses'])}{_variable_fields(record.get('variables', {}))}"
        f'<button type="submit" value="{APPROVE}" disabled>{APPROVE}</button>'
        f'<button type="submit" value="{CHANGES}" disabled>{CHANGES}</button>'
        f'<button type="submit" value="{REJECT}" disabled>{REJECT}</button></form>'
    )
    reference = escape(record.get("tender_reference", ""))
    body = (
        PAGE_STYLE
        + f"<p>Aanbesteding <strong>{reference}</strong>, ronde {round_no}, sha256 <code>{escape(record['sha256'])}</code>. "
        + f"Catalogus {escape(record.get('catalogue_version', ''))}.</p>{requested}"
        + f"<h2>Verschil met de vorige ronde</h2>{_diff_html(previous[1] if previous else None, document_html)}"
        + f"<h2>Artikelen</h2>{articles}{form}{ANSWER_SCRIPT}"
    )
    return page(f"Bestekteksten {record.get('tender_reference', '')} – ronde {round_no}", body, user=user.username)
