"""Stage 10: close the dossier with a summary a supervisor can read.

The summary lists what each stage concluded, in Dutch (``samenvatting.md``)
and English (``summary.en.md``), and flags stages that are missing.
"""

from __future__ import annotations

from grondwerk.dossier import STAGE_LABELS, STAGES, STATUS_LABELS, Dossier, StageResult, label
from grondwerk.tender import TenderSpec

OUTCOMES_NL = {"completed": "afgerond", "rejected": "gestopt: bestekteksten afgewezen"}
OUTCOMES_EN = {"completed": "completed", "rejected": "stopped: clauses rejected"}


def _summary_text(tender: TenderSpec, manifest: dict, language: str, outcome: str, reason: str) -> str:
    stages = manifest.get("stages", {})
    outcome_text = (OUTCOMES_NL if language == "nl" else OUTCOMES_EN).get(outcome, outcome)
    if language == "nl":
        lines = [
            f"# Dossier {tender.reference}: {tender.project_name}",
            "",
            f"- Aanbestedende dienst: {tender.contracting_authority}",
            f"- Run: {manifest.get('run_id', '')}",
            f"- Uitkomst: {outcome_text}" + (f" ({reason})" if reason else ""),
            "",
            "| # | stap | status | conclusie |",
            "|---|---|---|---|",
        ]
    else:
        lines = [
            f"# Dossier {tender.reference}: {tender.project_name}",
            "",
            f"- Contracting authority: {tender.contracting_authority}",
            f"- Run: {manifest.get('run_id', '')}",
            f"- Outcome: {outcome_text}" + (f" ({reason})" if reason else ""),
            "",
            "| # | stage | status | conclusion |",
            "|---|---|---|---|",
        ]
    missing = "ontbreekt" if language == "nl" else "missing"
    for number, stage in enumerate(STAGES[:-1], start=1):
        entry = stages.get(stage)
        name = label(STAGE_LABELS, stage, language)
        if entry is None:
            lines.append(f"| {number} | {name} | {missing} | |")
            continue
        conclusion = entry["conclusion"][language].replace("|", "/").replace("\n", " ")
        lines.append(f"| {number} | {name} | {label(STATUS_LABELS, entry['status'], language)} | {conclusion} |")
    return "\n".join(lines) + "\n"


def close_dossier(tender: TenderSpec, dossier: Dossier, *, outcome: str = "completed", reason: str = "") -> StageResult:
    """Write the closing summaries; the manifest entry of this stage is recorded by the caller."""
    folder = dossier.stage_dir("dossier", clean=True)
    manifest = dossier.read_manifest()
    recorded = [stage for stage in STAGES[:-1] if stage in manifest.get("stages", {})]
    missing = [stage for stage in STAGES[:-1] if stage not in recorded]
    paths = []
    for language, name in (("nl", "samenvatting.md"), ("en", "summary.en.md")):
        path = folder / name
        path.write_text(_summary_text(tender, manifest, language, outcome, reason), encoding="utf-8")
        paths.append(path)
    output_count = sum(len(entry["outputs"]) for entry in manifest.get("stages", {}).values())
    if outcome != "completed":
        status = "stopped"
    elif missing:
        status = "warning"
    else:
        status = "ok"
    nl_outcome = OUTCOMES_NL.get(outcome, outcome)
    en_outcome = OUTCOMES_EN.get(outcome, outcome)
    return StageResult(
        summary={"outcome": outcome, "reason": reason, "stages_recorded": recorded, "stages_missing": missing, "output_files": output_count},
        # The closing stage counts itself: it is recorded by the caller right after this returns.
        conclusion_nl=f"Dossier {nl_outcome}: {len(recorded) + 1} van {len(STAGES)} stappen vastgelegd, {output_count} bestanden met sha256."
        + (f" Ontbrekend: {', '.join(missing)}." if missing else ""),
        conclusion_en=f"Dossier {en_outcome}: {len(recorded) + 1} of {len(STAGES)} stages recorded, {output_count} files with sha256."
        + (f" Missing: {', '.join(missing)}." if missing else ""),
        outputs=paths,
        status=status,
    )
