"""Task callables of the ``tender_halte`` DAG: thin adapters from Airflow to the stages.

Each callable takes the small ``info`` dict that ``validate_tender`` returns
(tender JSON and dossier path), runs one stage of ``grondwerk`` and records
it in the dossier manifest. Only paths and short summaries travel through
XCom; the data itself stays in the dossier folder.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any, Callable

from grondwerk.dossier import Dossier, StageResult
from grondwerk.errors import DataQualityError, GrondwerkError, InputError, ReviewRejected
from grondwerk.tender import TenderSpec, validate_tender

log = logging.getLogger(__name__)

REVIEW_OPTIONS = ("Goedkeuren", "Wijzigingen vragen", "Afwijzen")
APPROVE, CHANGES, REJECT = REVIEW_OPTIONS
MATCH_OPTIONS = ("Accepteren", "Afwijzen")
MAX_REVIEW_ROUNDS = 3


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _load(info: dict[str, Any]) -> tuple[TenderSpec, Dossier]:
    return TenderSpec.from_json(info["tender"]), Dossier(Path(info["dossier"]))


def _final(exc: GrondwerkError):
    """Turn an error that a retry cannot cure (invalid input, failed data checks, a rejection) into a failure without retry."""
    from airflow.sdk.exceptions import AirflowFailException

    return AirflowFailException(str(exc))


def run_stage(
    stage: str,
    info: dict[str, Any],
    body: Callable[[TenderSpec, Dossier], StageResult],
    inputs: list[Path] | None = None,
) -> dict[str, Any]:
    """Run ``body`` as ``stage``, record it in the manifest and return a short summary for XCom.

    Invalid input, failed data-quality checks and rejections fail the task at once;
    anything else (a crash, a lost worker, a timeout) is retried by Airflow.
    """
    tender, dossier = _load(info)
    started = _now()
    log.info("Stage %s started for tender %s in %s", stage, tender.reference, dossier.path)
    try:
        result = body(tender, dossier)
    except (InputError, DataQualityError, ReviewRejected) as exc:
        log.error("Stage %s of tender %s stopped: %s", stage, tender.reference, exc)
        raise _final(exc) from exc
    finished = _now()
    dossier.record_stage(stage, result, started=started, finished=finished, inputs=inputs)
    log.info("Stage %s finished with status %s: %s", stage, result.status, result.conclusion_en)
    return {"stage": stage, "status": result.status, "conclusion_nl": result.conclusion_nl, "conclusion_en": result.conclusion_en}


def validate_tender_task(params: dict[str, Any], run_id: str, started_by: str | None = None) -> dict[str, Any]:
    """Stage 1: validate the trigger form, create the dossier and store the tender.

    ``started_by`` is the Airflow user who triggered the run (None for ``airflow dags test``);
    the dossier pages show an inkoper only the dossiers they started.
    """
    raw = {key: value for key, value in params.items() if value not in (None, "", [])}
    try:
        tender = validate_tender(raw, source="trigger-formulier")
    except InputError as exc:
        log.error("Tender of run %s is invalid: %s", run_id, exc)
        raise _final(exc) from exc
    dossier = Dossier.for_run(tender.reference, run_id)
    dossier.set_header(tender_reference=tender.reference, run_id=run_id, dossier_path=str(dossier.path), started_by=started_by)
    info = {"tender": tender.to_json(), "dossier": str(dossier.path), "run_id": run_id}

    def body(tender: TenderSpec, dossier: Dossier) -> StageResult:
        folder = dossier.stage_dir("tender", clean=True)
        path = folder / "tender.json"
        path.write_text(json.dumps(tender.to_json(), indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        form = folder / "trigger_form.json"
        form.write_text(json.dumps(params, indent=2, ensure_ascii=False, sort_keys=True, default=str) + "\n", encoding="utf-8")
        area_ha = tender.area_polygon().area / 10_000
        summary = {
            "reference": tender.reference,
            "area_ha": round(area_ha, 2),
            "area_crs_delivered": tender.area_crs_delivered,
            "inspection_files": len(tender.inspection_files),
            "released_volume_m3": tender.released_volume_m3,
            "needed_volume_m3": tender.needed_volume_m3,
        }
        return StageResult(
            summary=summary,
            conclusion_nl=(
                f"Aanbesteding {tender.reference} ({tender.project_name}, {tender.contracting_authority}) is geldig: "
                f"projectgebied {area_ha:.1f} ha, {tender.released_volume_m3:g} m³ vrijkomend, {tender.needed_volume_m3:g} m³ nodig, "
                f"{len(tender.inspection_files)} inspectiebestand(en)."
            ),
            conclusion_en=(
                f"Tender {tender.reference} ({tender.project_name}, {tender.contracting_authority}) is valid: "
                f"project area {area_ha:.1f} ha, {tender.released_volume_m3:g} m³ released, {tender.needed_volume_m3:g} m³ needed, "
                f"{len(tender.inspection_files)} inspection file(s)."
            ),
            outputs=[path, form],
        )

    run_stage("tender", info, body)
    return info


def pull_bro_task(info: dict[str, Any]) -> dict[str, Any]:
    from grondwerk.bro.stage import run_bro_stage
    from grondwerk.orchestration.connections import bro_endpoint

    endpoint = bro_endpoint()
    return run_stage("bro", info, lambda t, d: run_bro_stage(t, d, endpoint.base_url, timeout=endpoint.timeout_s))


def read_inspection_task(info: dict[str, Any]) -> dict[str, Any]:
    from grondwerk.inspection.stage import run_inspection_stage

    # The delivered files are recorded with their sha256, so the dossier proves what was read.
    inputs = [Path(path) for path in info["tender"].get("inspection_files", [])]
    return run_stage("inspection", info, run_inspection_stage, inputs=inputs)


def check_quality_task(info: dict[str, Any]) -> dict[str, Any]:
    from grondwerk.quality.stage import run_quality_stage

    return run_stage("quality", info, run_quality_stage)


def classify_task(info: dict[str, Any]) -> dict[str, Any]:
    from grondwerk.classification.stage import run_classification_stage

    return run_stage("classification", info, run_classification_stage)


def parse_review_changes(answer: dict[str, Any] | None) -> dict[str, Any] | None:
    """Turn a "request changes" answer of the review step into the changes the clause stage applies."""
    if not answer:
        return None
    params = answer.get("params_input") or {}

    def as_object(name: str) -> dict[str, Any]:
        value = params.get(name) or {}
        if isinstance(value, str):
            value = json.loads(value) if value.strip() else {}
        if not isinstance(value, dict):
            raise ValueError(f"review field {name!r} must be a JSON object, got {value!r}")
        return value

    return {"comment": params.get("comment", ""), "variants": as_object("variants"), "variables": as_object("variables")}


def render_clauses_task(info: dict[str, Any], round_no: int, previous_answer: dict[str, Any] | None) -> dict[str, Any]:
    from grondwerk.clauses.stage import run_clauses_stage

    changes = None
    if round_no > 1:
        # The previous round ended with "request changes": record that decision before rendering again.
        record_review_task(info, round_no - 1, "changes", previous_answer or {})
        changes = parse_review_changes(previous_answer)
    result = run_stage("clauses", info, lambda t, d: run_clauses_stage(t, d, round_no=round_no, changes=changes))
    clauses_json = Path(info["dossier"]) / "06_clauses" / f"round-{round_no}" / "clauses.json"
    result["round"] = round_no
    result["sha256"] = json.loads(clauses_json.read_text(encoding="utf-8"))["sha256"]
    return result


def record_review_task(info: dict[str, Any], round_no: int, decision: str, answer: dict[str, Any]) -> dict[str, Any]:
    """Record the soil team's review decision (approve, changes, reject) for ``round_no``."""
    from grondwerk.clauses.stage import record_review_decision

    params = answer.get("params_input") or {}
    return run_stage(
        "review",
        info,
        lambda t, d: record_review_decision(
            d,
            round_no=round_no,
            decision=decision,
            comment=params.get("comment", ""),
            responded_by=(answer.get("responded_by_user") or {}).get("name") or (answer.get("responded_by_user") or {}).get("id", ""),
            responded_at=str(answer.get("responded_at") or ""),
        ),
    )


def reject_clauses_task(info: dict[str, Any], round_no: int, answer: dict[str, Any]) -> None:
    """Record the rejection, close the dossier with the reason and stop the run."""
    from grondwerk.i18n import msg

    record_review_task(info, round_no, "reject", answer or {})
    reason = ((answer or {}).get("params_input") or {}).get("comment", "") or "(geen toelichting)"
    close_dossier_task(info, outcome="rejected", reason=reason)
    raise _final(ReviewRejected(msg("Het bodemteam heeft de bestekteksten afgewezen: {reason}", "The soil team rejected the clauses: {reason}", reason=reason)))


def match_task(info: dict[str, Any]) -> dict[str, Any]:
    from grondwerk.matching.stage import run_matching_stage

    return run_stage("matching", info, lambda t, d: run_matching_stage(t, d))


def record_match_acceptance_task(info: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    from grondwerk.matching.stage import record_match_acceptance

    chosen = (answer.get("chosen_options") or [""])[0]
    params = answer.get("params_input") or {}
    decision = "accepted" if chosen == MATCH_OPTIONS[0] else "rejected"
    user = answer.get("responded_by_user") or {}
    dossier = Dossier(Path(info["dossier"]))
    path = record_match_acceptance(
        dossier,
        decision=decision,
        comment=params.get("comment", ""),
        responded_by=user.get("name") or user.get("id", ""),
        responded_at=str(answer.get("responded_at") or ""),
    )
    dossier.append_outputs("matching", [path], acceptance=decision, accepted_by=user.get("name") or user.get("id", ""))
    return {"decision": decision}


def submit_meldingen_task(info: dict[str, Any], match_decision: str, today: dt.date) -> dict[str, Any]:
    from grondwerk.dso.stage import run_meldingen_stage
    from grondwerk.orchestration.connections import dso_endpoint

    if match_decision != "accepted":

        def body(tender: TenderSpec, dossier: Dossier) -> StageResult:
            dossier.stage_dir("meldingen", clean=True)
            return StageResult(
                summary={"submitted": 0, "reason": "match_not_accepted"},
                conclusion_nl="Het matchvoorstel is niet geaccepteerd; er zijn geen meldingen ingediend. Start een nieuwe matchronde.",
                conclusion_en="The match proposal was not accepted; no meldingen were submitted. Start a new matching round.",
                status="warning",
            )

        return run_stage("meldingen", info, body)
    endpoint = dso_endpoint()
    return run_stage(
        "meldingen",
        info,
        lambda t, d: run_meldingen_stage(t, d, base_url=endpoint.base_url, api_key=endpoint.secret, today=today, timeout_s=endpoint.timeout_s),
    )


def close_dossier_task(info: dict[str, Any], outcome: str = "completed", reason: str = "") -> dict[str, Any]:
    """Stage 10: write the closing summary (Dutch and English) and seal the manifest."""
    from grondwerk.closing import close_dossier

    return run_stage("dossier", info, lambda t, d: close_dossier(t, d, outcome=outcome, reason=reason))
