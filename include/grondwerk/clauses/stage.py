"""Stages 6 and 7 of the halte: render the clauses per review round and record the soil team's decision.

Each round writes ``06_clauses/round-<n>/{clauses.html, clauses.docx,
clauses.json}``. A "request changes" response becomes round n+1, with the
reviewer's variant choices and variables applied on top of those of the
earlier rounds. The approved round is frozen: its sha256 goes into
``07_review/decision.json`` and the manifest, and its files are copied to
``07_review/approved/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from grondwerk.clauses.catalogue import Catalogue, load_catalogue
from grondwerk.clauses.docx_writer import write_docx
from grondwerk.clauses.facts import Partij, load_partijen, normalise_flows
from grondwerk.clauses.render import DOCUMENT_TITLE, RenderedSet, render_clauses
from grondwerk.dossier import Dossier, StageResult
from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.tender import TenderSpec

log = logging.getLogger(__name__)

DECISIONS = ("approve", "changes", "reject")
ANNEX_TITLE = "Bestemmingsbijlage grond en baggerspecie"
ANNEX_CLAUSES = ("bestemming", "depot")


def _read_json(path: Path) -> Any:
    from grondwerk.jsonfile import read_json

    return read_json(path, expect=dict if path.name in ("proposal.json", "clauses.json", "decision.json") else None)


def _write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return path


def document_time(tender: dict[str, Any]) -> dt.datetime:
    """Return the DOCX creation time of a tender's documents: midnight UTC of the works start.

    The tender has no publication date, so the works start dates the
    document. It comes from the input, so a rerun on the same tender still
    writes byte-identical files.
    """
    return dt.datetime.combine(tender["works_start"], dt.time(), tzinfo=dt.timezone.utc)


def write_rendered(rendered: RenderedSet, folder: Path, stem: str, title: str, record: dict[str, Any]) -> list[Path]:
    """Write ``<stem>.html``, ``<stem>.docx`` and ``<stem>.json`` into ``folder``; ``record`` extends the JSON."""
    folder.mkdir(parents=True, exist_ok=True)
    html_path = folder / f"{stem}.html"
    html_path.write_text(rendered.document_html, encoding="utf-8")
    tender = rendered.tender
    subtitle = f"{tender['project_name']} – {tender['contracting_authority']} – kenmerk {tender['reference']}"
    docx_path = write_docx(
        folder / f"{stem}.docx",
        title,
        subtitle,
        [(r.number, r.spec.title, r.spec.id, r.html) for r in rendered.clauses],
        document_time(tender),
    )
    data = {
        "sha256": rendered.sha256,
        "sha256_of": f"{stem}.html",
        "tender_reference": tender["reference"],
        "catalogue_version": rendered.catalogue_version,
        "norms_version": rendered.norms_version,
        "facts": rendered.facts,
        "variables": rendered.variables,
        "bill_of_quantities": rendered.bill,
        "clauses": rendered.clause_records(),
        **record,
    }
    json_path = _write_json(folder / f"{stem}.json", data)
    return [html_path, docx_path, json_path]


def stage_partijen(tender: TenderSpec, dossier: Dossier) -> list[Partij]:
    """Read the classified partijen of this dossier (``05_classification/partijen.json``)."""
    path = dossier.path / "05_classification" / "partijen.json"
    samples_csv = dossier.path / "03_inspection" / "samples.csv"
    return load_partijen(path, samples_csv)


def stage_proposal(dossier: Dossier) -> dict[str, Any] | None:
    """Return the match proposal already in this dossier (a rerun), or None before the match has run."""
    path = dossier.path / "08_matching" / "proposal.json"
    # NOTE: any proposal.json counts, also one the soil team did not accept;
    # the acceptance record of the matching stage is not read here yet.
    return _read_json(path) if path.is_file() else None


def parse_changes(changes: dict[str, Any] | None, source: str) -> dict[str, Any]:
    """Check the shape of a reviewer's "request changes" response and return it normalised."""
    if not changes:
        return {"comment": "", "variants": {}, "variables": {}}
    if not isinstance(changes, dict):
        raise InputError(msg("wijzigingen moeten een object zijn met comment, variants en variables", "changes must be an object with comment, variants and variables"), file=source, value=changes)
    variants = changes.get("variants") or {}
    variables = changes.get("variables") or {}
    if not isinstance(variants, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in variants.items()):
        raise InputError(
            msg("'variants' moet een object zijn van clausule-id naar variantnaam, bijvoorbeeld {example}", "'variants' must be an object from clause id to variant name, for example {example}", example='{"meldingen": "aannemer"}'),
            file=source, record="variants", value=variants,
        )
    if not isinstance(variables, dict):
        raise InputError(
            msg("'variables' moet een object zijn, bijvoorbeeld {example}", "'variables' must be an object, for example {example}", example='{"boete_per_dag": 2500}'),
            file=source, record="variables", value=variables,
        )
    return {"comment": str(changes.get("comment") or ""), "variants": dict(variants), "variables": dict(variables)}


def _previous_overrides(dossier: Dossier, round_no: int) -> tuple[dict[str, Any], str | None]:
    if round_no <= 1:
        return {"variants": {}, "variables": {}}, None
    path = dossier.path / "06_clauses" / f"round-{round_no - 1}" / "clauses.json"
    if not path.is_file():
        raise InputError(
            msg("ronde {round} kan niet starten: ronde {previous} ontbreekt", "round {round} cannot start: round {previous} is missing", round=round_no, previous=round_no - 1),
            file=str(path),
        )
    previous = _read_json(path)
    return previous.get("overrides") or {"variants": {}, "variables": {}}, previous.get("sha256")


def run_clauses_stage(
    tender: TenderSpec,
    dossier: Dossier,
    round_no: int = 1,
    changes: dict[str, Any] | None = None,
    *,
    proposal: dict[str, Any] | None = None,
    catalogue: Catalogue | None = None,
) -> StageResult:
    """Render the clauses of review round ``round_no`` into ``06_clauses/round-<n>/``.

    ``changes`` is the reviewer's response to the previous round. Its
    variants and variables are checked against the catalogue (``InputError``
    when not allowed) and kept for later rounds. ``proposal`` defaults to
    ``08_matching/proposal.json`` when that exists.
    """
    if round_no < 1:
        raise InputError(msg("ronde moet 1 of hoger zijn, niet {value}", "round must be 1 or more, not {value}", value=round_no), value=round_no)
    catalogue = catalogue or load_catalogue()
    partijen = stage_partijen(tender, dossier)
    proposal = proposal if proposal is not None else stage_proposal(dossier)
    flows = normalise_flows(proposal, partijen, tender.reference, source=str(dossier.path / "08_matching" / "proposal.json"))

    source = f"review ronde {round_no - 1}" if round_no > 1 else "review"
    requested = parse_changes(changes, source)
    overrides, previous_sha = _previous_overrides(dossier, round_no)
    overrides = {
        "variants": {**overrides.get("variants", {}), **requested["variants"]},
        "variables": {**overrides.get("variables", {}), **requested["variables"]},
    }
    rendered = render_clauses(
        tender, partijen, flows, catalogue,
        variant_choices=overrides["variants"], variable_overrides=overrides["variables"], source=source,
    )

    round_dir = dossier.stage_dir("clauses") / f"round-{round_no}"
    if round_dir.exists():
        shutil.rmtree(round_dir)
    outputs = write_rendered(
        rendered, round_dir, "clauses", DOCUMENT_TITLE,
        {
            "round": round_no,
            "previous_sha256": previous_sha,
            "changes": requested if changes else None,
            "overrides": overrides,
            "proposal_used": bool(flows),
        },
    )
    variants = {r.spec.id: r.selected.variant for r in rendered.clauses}
    log.info("Clauses round %s for %s: %s clauses, sha256 %s", round_no, tender.reference, len(rendered.clauses), rendered.sha256)

    unclassified = rendered.facts["has_unclassified"]
    variant_text = ", ".join(f"{clause_id} ({variant})" for clause_id, variant in variants.items())
    return StageResult(
        summary={
            "round": round_no,
            "clauses": len(rendered.clauses),
            "sha256": rendered.sha256,
            "variants": variants,
            "changes_applied": bool(changes),
            "match_used": bool(flows),
        },
        conclusion_nl=(
            f"Ronde {round_no}: {len(rendered.clauses)} bestekartikelen gemaakt voor {tender.reference}: {variant_text}. "
            + ("De bestemming volgt uit het matchvoorstel. " if flows else "Er is nog geen match; de bestemmingen volgen in een bestemmingsbijlage. ")
            + ("Let op: niet alle partijen zijn geclassificeerd; voor die partijen is een partijkeuring voorgeschreven." if unclassified else "")
        ).strip(),
        conclusion_en=(
            f"Round {round_no}: {len(rendered.clauses)} tender articles rendered for {tender.reference}: {variant_text}. "
            + ("Destinations come from the match proposal. " if flows else "No match yet; destinations follow in a destination annex. ")
            + ("Note: not all partijen are classified; a partijkeuring is required for those." if unclassified else "")
        ).strip(),
        outputs=outputs,
        status="warning" if unclassified else "ok",
        versions={"clause_catalogue": catalogue.version, "clause_norms": catalogue.norms_version},
    )


def record_review_decision(
    dossier: Dossier,
    round_no: int,
    decision: str,
    comment: str,
    responded_by: str,
    responded_at: str,
) -> StageResult:
    """Write ``07_review/decision.json`` for ``round_no``; on approval freeze that round's files and sha256."""
    if decision not in DECISIONS:
        raise InputError(
            msg("beslissing {value!r} onbekend; kies approve, changes of reject", "decision {value!r} unknown; use approve, changes or reject", value=decision),
            record="decision", value=decision,
        )
    round_dir = dossier.path / "06_clauses" / f"round-{round_no}"
    clauses_json = round_dir / "clauses.json"
    if not clauses_json.is_file():
        raise InputError(msg("ronde {round} heeft geen bestekteksten; render die ronde eerst", "round {round} has no clauses; render that round first", round=round_no), file=str(clauses_json))
    rendered = _read_json(clauses_json)
    html_path = round_dir / rendered.get("sha256_of", "clauses.html")
    actual = hashlib.sha256(html_path.read_bytes()).hexdigest()
    if actual != rendered["sha256"]:
        raise InputError(
            msg(
                "{file} is na het renderen gewijzigd (sha256 {actual} in plaats van {expected}); render ronde {round} opnieuw",
                "{file} changed after rendering (sha256 {actual} instead of {expected}); render round {round} again",
                file=html_path.name, actual=actual, expected=rendered["sha256"], round=round_no,
            ),
            file=str(html_path), value=actual,
        )
    if decision in ("changes", "reject") and not comment.strip():
        log.warning("Review decision %s for round %s has no comment", decision, round_no)

    folder = dossier.stage_dir("review", clean=True)
    outputs = []
    approved_sha = None
    if decision == "approve":
        approved_sha = rendered["sha256"]
        approved_dir = folder / "approved"
        approved_dir.mkdir()
        for name in ("clauses.html", "clauses.docx", "clauses.json"):
            shutil.copy2(round_dir / name, approved_dir / name)
        outputs.append(approved_dir)
    record = {
        "round": round_no,
        "decision": decision,
        "comment": comment,
        "responded_by": responded_by,
        "responded_at": responded_at,
        "sha256_approved": approved_sha,
        "sha256_reviewed": rendered["sha256"],
    }
    outputs.insert(0, _write_json(folder / "decision.json", record))
    log.info("Review of round %s recorded: %s by %s", round_no, decision, responded_by or "unknown user")

    texts = {
        "approve": (
            f"Het bodemteam ({responded_by or 'onbekend'}) heeft de bestekteksten van ronde {round_no} goedgekeurd; sha256 {approved_sha}.",
            f"The soil team ({responded_by or 'unknown'}) approved the clauses of round {round_no}; sha256 {approved_sha}.",
        ),
        "changes": (
            f"Het bodemteam ({responded_by or 'onbekend'}) vraagt wijzigingen in ronde {round_no}: {comment or '(geen toelichting)'}",
            f"The soil team ({responded_by or 'unknown'}) requested changes in round {round_no}: {comment or '(no comment)'}",
        ),
        "reject": (
            f"Het bodemteam ({responded_by or 'onbekend'}) heeft de bestekteksten van ronde {round_no} afgewezen: {comment or '(geen toelichting)'}. De run stopt.",
            f"The soil team ({responded_by or 'unknown'}) rejected the clauses of round {round_no}: {comment or '(no comment)'}. The run stops.",
        ),
    }[decision]
    return StageResult(
        summary={"round": round_no, "decision": decision, "sha256_approved": approved_sha, "responded_by": responded_by},
        conclusion_nl=texts[0],
        conclusion_en=texts[1],
        outputs=outputs,
        status={"approve": "ok", "changes": "warning", "reject": "stopped"}[decision],
        versions={"clauses_sha256_approved": approved_sha} if approved_sha else {},
    )


def _approved_variables(dossier: Dossier) -> dict[str, Any]:
    approved = dossier.path / "07_review" / "approved" / "clauses.json"
    if approved.is_file():
        return (_read_json(approved).get("overrides") or {}).get("variables", {})
    return {}


def render_destination_annex(
    tender: TenderSpec,
    dossier: Dossier,
    proposal: dict[str, Any],
    *,
    catalogue: Catalogue | None = None,
) -> list[Path]:
    """Render the destination clause (and the depot clause when the match uses a depot) with the match.

    Writes ``08_matching/bestemmingsbijlage.{html,docx,json}`` without
    clearing the rest of the matching folder. Article numbers are those of
    the full bestek, so the annex points at the articles it completes. The
    variables the soil team approved are applied.
    """
    catalogue = catalogue or load_catalogue()
    partijen = stage_partijen(tender, dossier)
    flows = normalise_flows(proposal, partijen, tender.reference, source="proposal")
    if not flows:
        raise InputError(msg("het matchvoorstel bevat geen stromen; er is geen bestemming om vast te leggen", "the match proposal contains no flows; there is no destination to record"), file="proposal", record="flows")
    rendered = render_clauses(
        tender, partijen, flows, catalogue,
        variable_overrides=_approved_variables(dossier), only=ANNEX_CLAUSES, title=ANNEX_TITLE, source="proposal",
    )
    folder = dossier.stage_dir("matching")
    outputs = write_rendered(rendered, folder, "bestemmingsbijlage", ANNEX_TITLE, {"flows": flows})
    log.info("Destination annex for %s: %s flows, sha256 %s", tender.reference, len(flows), rendered.sha256)
    return outputs
