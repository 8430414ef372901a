"""Dutch classification report: an HTML page with an inline SVG overview, and the same content as DOCX."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any, Sequence

from grondwerk.classification.analysis_package import indicative_flag

CLASS_COLOURS = {
    "achtergrondwaarde": "#3a9d5d",
    "wonen": "#e6c229",
    "industrie": "#f08a24",
    "niet_toepasbaar": "#c0392b",
    None: "#9e9e9e",
}
CLASS_LABELS = {
    "achtergrondwaarde": "achtergrondwaarde",
    "wonen": "wonen",
    "industrie": "industrie",
    "niet_toepasbaar": "niet toepasbaar",
    None: "onbekend",
}
EXPLANATION_COLUMNS = (
    ("stof", "Stof"),
    ("gemeten_mg_per_kg", "Gemeten (mg/kg ds)"),
    ("gebruikt_mg_per_kg", "Gebruikt"),
    ("gestandaardiseerd_mg_per_kg", "Gestandaardiseerd"),
    ("achtergrondwaarde", "AW"),
    ("wonen", "Wonen"),
    ("industrie", "Industrie"),
    ("interventiewaarde", "Interventie"),
    ("oordeel", "Oordeel"),
)


def _format(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"
        return text.replace(".", ",")
    return str(value)


def _cell(line: dict[str, Any], key: str) -> str:
    value = line.get(key)
    if key == "gemeten_mg_per_kg" and line.get("limietsymbool"):
        return f"{line['limietsymbool']} {_format(value)}"
    return _format(value)


def class_label(partij: dict[str, Any]) -> str:
    """Return the Dutch class label of a partij, with "(indicatief)" when its analysis package is incomplete."""
    label = CLASS_LABELS.get(partij["class"], str(partij["class"]))
    return f"{label} (indicatief)" if partij.get("klasse_indicatief") else label


def package_text(partij: dict[str, Any]) -> str:
    """Return the Dutch package verdict of a partij, naming the missing substances per sample when they differ."""
    if "analysepakket_volledig" not in partij:
        return "niet gecontroleerd"
    if partij["analysepakket_volledig"]:
        return "volledig"
    missing = list(partij.get("ontbrekende_stoffen") or ()) + list(partij.get("ontbrekende_bodemkenmerken") or ())
    text = "onvolledig, ontbreekt: " + ", ".join(missing)
    per_sample = partij.get("ontbrekend_per_monster") or {}
    if len(partij.get("samples") or ()) > 1 and per_sample:
        text += " (per monster: " + "; ".join(f"{sample}: {', '.join(names)}" for sample, names in per_sample.items()) + ")"
    return text


def overview_svg(partijen: Sequence[dict[str, Any]]) -> str:
    """Return an inline SVG bar with one block per class, sized by partij count, naming the indicatief ones."""
    counts: dict[Any, int] = {}
    indicative: dict[Any, int] = {}
    for partij in partijen:
        counts[partij["class"]] = counts.get(partij["class"], 0) + 1
        if partij.get("klasse_indicatief"):
            indicative[partij["class"]] = indicative.get(partij["class"], 0) + 1
    total = sum(counts.values()) or 1
    width, height, x = 600, 40, 0.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 24}" role="img" aria-label="Overzicht klassen">']
    for klass in ("achtergrondwaarde", "wonen", "industrie", "niet_toepasbaar", None):
        count = counts.get(klass, 0)
        if not count:
            continue
        block = width * count / total
        label = f"{CLASS_LABELS[klass]} ({count}, waarvan {indicative[klass]} indicatief)" if indicative.get(klass) else f"{CLASS_LABELS[klass]} ({count})"
        parts.append(f'<rect x="{x:.1f}" y="0" width="{block:.1f}" height="{height}" fill="{CLASS_COLOURS[klass]}"><title>{html.escape(label)}</title></rect>')
        parts.append(f'<text x="{x + 4:.1f}" y="{height + 16}" font-size="12">{html.escape(label)}</text>')
        x += block
    parts.append("</svg>")
    return "".join(parts)


def render_html(
    title: str,
    conclusion_nl: str,
    partijen: Sequence[dict[str, Any]],
    partij_rule_nl: str,
    versions: dict[str, str],
    ignored_counts: dict[str, int],
    package_note_nl: str = "",
) -> str:
    """Return the classification report as a self-contained Dutch HTML page.

    ``package_note_nl`` warns that the standard package is unconfirmed. It is shown next to
    the indicatief flags, and only when at least one partij is indicatief.
    """
    out = [
        "<!DOCTYPE html>",
        '<html lang="nl"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em;}table{border-collapse:collapse;margin-bottom:1.5em;}"
        "td,th{border:1px solid #bbb;padding:3px 6px;font-size:13px;text-align:right;}td:first-child,td:last-child,th{text-align:left;}"
        ".badge{display:inline-block;padding:2px 8px;border-radius:4px;color:#000;}</style>",
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(conclusion_nl)}</p>",
        overview_svg(partijen),
    ]

    if partij_rule_nl:
        out.append(f"<p><em>{html.escape(partij_rule_nl)}</em></p>")
    indicative = [p for p in partijen if p.get("klasse_indicatief")]
    if indicative:
        out.append(
            f"<p><strong>{len(indicative)} van {len(partijen)} partijen hebben een indicatieve klasse</strong>: "
            "ze zijn niet op het volledige standaardpakket geanalyseerd. Laat de ontbrekende stoffen aanvullend "
            "analyseren voordat de klasse als definitief geldt."
            + (f" {html.escape(package_note_nl)}" if package_note_nl else "")
            + "</p>"
        )
    out.append(
        "<h2>Partijen</h2><table><tr><th>Partij</th><th>Monsters</th><th>Klasse</th><th>Bepalend</th><th>Waterbodem</th>"
        "<th>Interventiewaarde overschreden</th><th>Volume (m³)</th><th>Analysepakket</th></tr>"
    )
    for partij in partijen:
        colour = CLASS_COLOURS.get(partij["class"], CLASS_COLOURS[None])
        out.append(
            "<tr>"
            f"<td>{html.escape(str(partij['partij_id']))}</td>"
            f"<td>{html.escape(', '.join(partij['samples']))}</td>"
            f'<td><span class="badge" style="background:{colour}">{html.escape(class_label(partij))}</span></td>'
            f"<td>{html.escape(', '.join(partij['decisive']) or '–')}</td>"
            f"<td>{html.escape(str(partij.get('class_waterbodem') or '–'))}</td>"
            f"<td>{'ja' if partij['intervention_exceeded'] else 'nee'}</td>"
            f"<td>{_format(partij.get('volume_m3'))}</td>"
            f"<td>{html.escape(package_text(partij))}</td>"
            "</tr>"
        )
    out.append("</table>")

    for partij in partijen:
        out.append(f"<h3>Partij {html.escape(str(partij['partij_id']))}: {html.escape(class_label(partij))}</h3>")
        flag = indicative_flag(partij)
        if flag:
            out.append(f"<p><strong>Klasse {html.escape(flag.render('nl'))}.</strong></p>")
        out.append(
            f"<p>{partij['measured_substances']} toetsbare stoffen gemeten, {partij['elevated_substances']} boven de achtergrondwaarde; "
            f"de toetsingsregel staat er {partij['allowed_elevated']} toe (elk ≤ 2 × AW en ≤ wonen; nikkel alleen ≤ 2 × AW).</p>"
        )
        if partij.get("tolerated"):
            out.append(f"<p>Toegestaan boven de achtergrondwaarde: {html.escape(', '.join(partij['tolerated']))}.</p>")
        out.append("<table><tr>" + "".join(f"<th>{html.escape(label)}</th>" for _, label in EXPLANATION_COLUMNS) + "</tr>")
        for line in partij.get("explanation", []):
            out.append("<tr>" + "".join(f"<td>{html.escape(_cell(line, key))}</td>" for key, _ in EXPLANATION_COLUMNS) + "</tr>")
        out.append("</table>")
        if partij.get("pfas"):
            out.append(f"<p>PFAS (apart getoetst, normen {html.escape(partij['pfas']['norms'])}): klasse {html.escape(partij['pfas']['class'])}.</p>")

    out.append("<h2>Gebruikte normtabellen</h2><ul>")
    for name, version in sorted(versions.items()):
        out.append(f"<li>{html.escape(name)}: {html.escape(version)}</li>")
    out.append("</ul>")
    if ignored_counts:
        out.append("<h2>Niet getoetste analyseregels</h2><ul>")
        for reason, count in sorted(ignored_counts.items()):
            out.append(f"<li>{count} × {html.escape(reason)}</li>")
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out)


def write_docx(
    path: Path,
    title: str,
    conclusion_nl: str,
    partijen: Sequence[dict[str, Any]],
    partij_rule_nl: str,
    versions: dict[str, str],
    created: dt.datetime,
    package_note_nl: str = "",
) -> Path:
    """Write the classification section as a Word document with one explanation table per partij.

    ``created`` becomes the document's creation and modification time and the
    time of every zip entry, so the same input writes byte-identical files.
    """
    from docx import Document

    from grondwerk.clauses.docx_writer import save_reproducible

    document = Document()
    properties = document.core_properties
    properties.title = title
    properties.author = "Grondwerk"
    properties.last_modified_by = "Grondwerk"
    properties.created = created
    properties.modified = created
    properties.revision = 1
    document.add_heading(title, level=1)
    document.add_paragraph(conclusion_nl)
    if partij_rule_nl:
        document.add_paragraph(partij_rule_nl)
    if package_note_nl and any(p.get("klasse_indicatief") for p in partijen):
        document.add_paragraph(package_note_nl)
    for partij in partijen:
        document.add_heading(f"Partij {partij['partij_id']}: {class_label(partij)}", level=2)
        decisive = ", ".join(partij["decisive"]) or "geen"
        document.add_paragraph(
            f"Monsters: {', '.join(partij['samples'])}. Bepalend: {decisive}. "
            f"Waterbodem: {partij.get('class_waterbodem') or 'onbekend'}. "
            f"Interventiewaarde overschreden: {'ja' if partij['intervention_exceeded'] else 'nee'}. "
            f"Analysepakket: {package_text(partij)}."
        )
        lines = partij.get("explanation", [])
        table = document.add_table(rows=1, cols=len(EXPLANATION_COLUMNS))
        table.style = "Table Grid"
        for cell, (_, label) in zip(table.rows[0].cells, EXPLANATION_COLUMNS):
            cell.text = label
        for line in lines:
            cells = table.add_row().cells
            for cell, (key, _) in zip(cells, EXPLANATION_COLUMNS):
                cell.text = _cell(line, key)
    document.add_heading("Gebruikte normtabellen", level=2)
    for name, version in sorted(versions.items()):
        document.add_paragraph(f"{name}: {version}", style="List Bullet")
    save_reproducible(document, path, created)
    return path
