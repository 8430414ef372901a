"""Stage 05_classification: classify every partij of the tender from the inspection tables."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

from grondwerk.classification.analysis_package import count_indicative, unconfirmed_note
from grondwerk.dossier import Dossier, StageResult
from grondwerk.errors import InputError
from grondwerk.i18n import msg

log = logging.getLogger(__name__)

CLASS_ORDER = ("achtergrondwaarde", "wonen", "industrie", "niet_toepasbaar", "onbekend")
CLASS_NAMES_EN = {"achtergrondwaarde": "background value", "wonen": "wonen (residential)", "industrie": "industrie (industrial)", "niet_toepasbaar": "not applicable", "onbekend": "unknown"}


def _read_inputs(dossier: Dossier):
    import pandas as pd

    quality = dossier.path / "04_quality" / "analyses_valid.csv"
    inspection = dossier.path / "03_inspection" / "analyses.csv"
    analyses_path = quality if quality.is_file() else inspection
    if not analyses_path.is_file():
        raise InputError(
            msg("analysetabel ontbreekt; voer eerst de stappen inspection en quality uit",
                "analyses table is missing; run the inspection and quality stages first"),
            file=str(analyses_path),
        )
    analyses = pd.read_csv(analyses_path, dtype=str, keep_default_na=False)
    samples_path = dossier.path / "03_inspection" / "samples.csv"
    samples = pd.read_csv(samples_path, dtype=str, keep_default_na=False) if samples_path.is_file() else None
    return analyses, samples, analyses_path


def conclusion_texts(partijen: list[dict[str, Any]]) -> tuple[str, str, dict[str, int]]:
    """Return the Dutch and English conclusion and the count per class.

    Example: '3 partijen: 2 achtergrondwaarde, 1 wonen (bepalend: lood, zink); 1 van 3 indicatief
    (analysepakket onvolledig)'. The last part appears only when a partij's class is indicatief.
    """
    counts: dict[str, int] = {}
    decisive: dict[str, list[str]] = {}
    for partij in partijen:
        klass = partij["class"] or "onbekend"
        counts[klass] = counts.get(klass, 0) + 1
        for name in partij["decisive"]:
            decisive.setdefault(klass, [])
            if name not in decisive[klass]:
                decisive[klass].append(name)
    parts_nl, parts_en = [], []
    for klass in CLASS_ORDER:
        if klass not in counts:
            continue
        nl = f"{counts[klass]} {klass.replace('_', ' ')}"
        en = f"{counts[klass]} {CLASS_NAMES_EN[klass]}"
        if decisive.get(klass):
            nl += f" (bepalend: {', '.join(decisive[klass])})"
            en += f" (decisive: {', '.join(decisive[klass])})"
        parts_nl.append(nl)
        parts_en.append(en)
    total = len(partijen)
    word_nl = "partij" if total == 1 else "partijen"
    word_en = "lot" if total == 1 else "lots"
    nl = f"{total} {word_nl}: {', '.join(parts_nl)}"
    en = f"{total} {word_en}: {', '.join(parts_en)}"
    indicative = count_indicative(partijen)
    if indicative:
        nl += f"; {indicative} van {total} indicatief (analysepakket onvolledig)"
        en += f"; {indicative} of {total} indicative (analysis package incomplete)"
    return nl, en, counts


def run_classification_stage(tender, dossier: Dossier) -> StageResult:
    """Classify the partijen of ``tender`` and write partijen.json, samples.json, report.html and report.docx."""
    from grondwerk.classification.engine import classify
    from grondwerk.classification.norms import default_norms
    from grondwerk.classification.report import render_html, write_docx
    from grondwerk.classification.soiltype import fill_soil_types, texture_rules

    analyses, samples, analyses_path = _read_inputs(dossier)
    norms = default_norms()
    partijen = None
    if tender.partijen:
        partijen = {p.id: {"samples": list(p.samples), "volume_m3": p.volume_m3, "soil_type": p.soil_type} for p in tender.partijen}
    result = classify(analyses, samples, partijen, norms, released_volume_m3=tender.released_volume_m3)
    derived_soil_types = fill_soil_types(result.partijen, samples)

    out = dossier.stage_dir("classification", clean=True)
    partijen_path = out / "partijen.json"
    samples_path = out / "samples.json"
    partijen_path.write_text(json.dumps(result.partijen, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    samples_path.write_text(json.dumps(result.samples, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    conclusion_nl, conclusion_en, counts = conclusion_texts(result.partijen)
    ignored_counts = result.ignored["reason_nl"].value_counts().to_dict()
    title = f"Bodemkwaliteitsklassen {tender.reference} – {tender.project_name}"
    html_path = out / "report.html"
    note = unconfirmed_note(result.analysis_package) if result.analysis_package else None
    package_note_nl = note.render("nl") if note else ""
    html_path.write_text(
        render_html(title, conclusion_nl, result.partijen, result.partij_rule_nl, result.versions, ignored_counts, package_note_nl),
        encoding="utf-8",
    )
    # The works start dates the report, as it dates the clauses, so a rerun writes the same bytes.
    created = dt.datetime.combine(tender.works_start, dt.time(), tzinfo=dt.timezone.utc)
    docx_path = write_docx(out / "report.docx", title, conclusion_nl, result.partijen, result.partij_rule_nl, result.versions, created, package_note_nl)

    unknown = counts.get("onbekend", 0)
    indicative = count_indicative(result.partijen)
    # An indicatief class is not final, so the halte shows the stage as a warning.
    status = "warning" if unknown or indicative or not result.partijen else "ok"
    summary = {
        "partijen": len(result.partijen),
        "classes": counts,
        "samples_classified": len(result.samples),
        "analysis_rows": result.rows_in,
        "analysis_rows_not_tested": int(len(result.ignored)),
        "input": str(Path(analyses_path).relative_to(dossier.path)),
        "partij_rule": "tender" if tender.partijen else "one partij per analysed sample",
        "soil_types_derived": derived_soil_types,
        "partijen_indicative": indicative,
        "analysis_package": result.versions["standaardpakket_grond"],
    }
    log.info("classification of %s: %s partijen, classes %s", tender.reference, len(result.partijen), counts)
    return StageResult(
        summary=summary,
        conclusion_nl=conclusion_nl,
        conclusion_en=conclusion_en,
        outputs=[partijen_path, samples_path, html_path, docx_path],
        status=status,
        versions={**result.versions, "soil_type_texture": texture_rules()["version"]},
    )
