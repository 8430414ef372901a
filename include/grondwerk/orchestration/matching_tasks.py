"""Task callables of the ``regional_matching`` DAG: rematch the region when a tender publishes supply or demand."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from grondwerk import settings
from grondwerk.dossier import safe_run_id

log = logging.getLogger(__name__)

MATCH_OPTIONS = ("Accepteren", "Afwijzen")


def regional_proposal_dir(run_id: str) -> Path:
    return settings.var_dir() / "matching" / safe_run_id(run_id)


def match_region_task(run_id: str, store_url: str | None = None) -> dict[str, Any]:
    """Solve the whole region and store the proposal with status ``proposed``; return a short summary for XCom."""
    from grondwerk.matching.stage import run_regional_match

    proposal_id = f"REGIO/{safe_run_id(run_id)}"
    summary = run_regional_match(regional_proposal_dir(run_id), proposal_id, store_url)
    log.info("Regional match %s written to %s", proposal_id, summary["path"])
    return summary


def record_region_acceptance_task(proposal_id: str, answer: dict[str, Any], store_url: str | None = None) -> dict[str, Any]:
    """Store the soil team's decision on a regional proposal, from the HITL response dict that Airflow returns."""
    from grondwerk.db import get_engine
    from grondwerk.matching import store

    chosen = (answer.get("chosen_options") or [""])[0]
    decision = "accepted" if chosen == MATCH_OPTIONS[0] else "rejected"
    user = answer.get("responded_by_user") or {}
    responded_at = answer.get("responded_at")
    if isinstance(responded_at, str) and responded_at:
        responded_at = dt.datetime.fromisoformat(responded_at)
    elif not isinstance(responded_at, dt.datetime):
        responded_at = dt.datetime.now(dt.timezone.utc)
    comment = (answer.get("params_input") or {}).get("comment", "")
    store.set_proposal_status(get_engine(store_url), proposal_id, decision, comment, user.get("name") or user.get("id", ""), responded_at)
    return {"proposal_id": proposal_id, "decision": decision}
