"""Stage 9 of the halte: build the meldingen, find the bevoegd gezag and submit them once.

Reads ``05_classification/partijen.json`` and ``08_matching/proposal.json``,
writes ``09_meldingen/meldingen.json`` (every melding with its status and the
built payload) and ``receipts.json`` (verzoeknummer, timestamps and submitted
payload per accepted melding). A melding that can no longer be on time is not
sent, and neither is one held back because the class of its soil is
indicatief. The stage then ends with status ``warning`` and one Dutch alert per
melding that names partij, destination, reason and deadline.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from pathlib import Path
from typing import Any

from grondwerk.dossier import Dossier, StageResult
from grondwerk.dso.builder import build_meldingen
from grondwerk.dso.client import DsoClient, DsoError, DsoTransientError
from grondwerk.dso.outbox import ACCEPTED, Attachment, Outbox, RetryPolicy
from grondwerk.dso.rules import load_api, load_rules
from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.tender import TenderSpec

log = logging.getLogger(__name__)

ROUTING_ATTEMPTS = 5
# Builder statuses that stop a melding before submission and need the soil team's attention.
ALERT_STATUSES = ("late", "blocked", "held")
ATTACHED_REPORTS = (("05_classification", "report.html", "text/html"),)


def read_stage_inputs(dossier: Dossier) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Read partijen.json and proposal.json of a dossier; raise ``InputError`` when one is missing or invalid."""
    partijen = _read_json(dossier.path / "05_classification" / "partijen.json")
    proposal = _read_json(dossier.path / "08_matching" / "proposal.json")
    if not isinstance(partijen, list):
        raise InputError(msg("partijen.json moet een lijst van partijen zijn", "partijen.json must be a list of partijen"), file=str(dossier.path / "05_classification" / "partijen.json"))
    if not isinstance(proposal, dict) or not isinstance(proposal.get("flows"), list):
        raise InputError(msg("proposal.json heeft geen lijst 'flows'", "proposal.json has no list 'flows'"), file=str(dossier.path / "08_matching" / "proposal.json"), record="flows")
    geojson_path = dossier.path / "08_matching" / "proposal.geojson"
    if geojson_path.is_file():
        # The sites of a regional proposal, with their RD coordinates and accepted classes, are only in the GeoJSON.
        features = _read_json(geojson_path).get("features") or []
        sites = [f["properties"] for f in features if (f.get("geometry") or {}).get("type") == "Point" and (f.get("properties") or {}).get("id")]
        proposal = dict(proposal, sites=[*(proposal.get("sites") or []), *sites])
    return partijen, proposal


def _read_json(path: Path) -> Any:
    from grondwerk.jsonfile import read_json

    return read_json(path, missing_hint=("bestand ontbreekt; draai eerst de vorige stap", "file is missing; run the previous stage first"))


def route_meldingen(meldingen: list[dict[str, Any]], client: DsoClient, policy: RetryPolicy | None = None) -> list[dict[str, Any]]:
    """Fill in the bevoegd gezag of every melding to send, asking Verzoeksroutering once per location.

    Returns the routing problems (one per melding that stays without bevoegd gezag); those meldingen get status ``blocked``.
    """
    policy = policy or RetryPolicy()
    rng = random.Random()
    cache: dict[str, dict[str, Any] | DsoError] = {}
    problems = []
    for melding in meldingen:
        if melding["status"] != "to_send":
            continue
        payload = melding["payload"]
        geometry = payload["locatie"]["geometrie"]
        refs = [a["functioneleStructuurRef"] for a in payload["activiteiten"]]
        cache_key = json.dumps([refs, geometry], sort_keys=True)
        if cache_key not in cache:
            for attempt in range(1, ROUTING_ATTEMPTS + 1):
                try:
                    cache[cache_key] = client.route(refs, geometry)
                    break
                except DsoTransientError as exc:
                    cache[cache_key] = exc
                    log.info("Routing of melding %s failed (attempt %s): %s", melding["key"], attempt, exc)
                    time.sleep(policy.delay(attempt, rng))
                except DsoError as exc:
                    cache[cache_key] = exc
                    break
        answer = cache[cache_key]
        if not isinstance(answer, DsoError) and not _is_authority(answer.get("bevoegdGezag")):
            answer = DsoError(f"Verzoeksroutering response has no bevoegdGezag with naam and oin: {json.dumps(answer)[:200]}")
            cache[cache_key] = answer
        if isinstance(answer, DsoError):
            log.warning("No bevoegd gezag for melding %s at %s: %s", melding["key"], melding["destination_name"], answer)
            melding["status"] = "blocked"
            melding["reason_nl"] = f"bevoegd gezag voor {melding['destination_name']} niet gevonden via Verzoeksroutering: {answer}"
            melding["reason_en"] = f"bevoegd gezag for {melding['destination_name']} not found through Verzoeksroutering: {answer}"
            problems.append(melding)
            continue
        authority = answer["bevoegdGezag"]
        payload["bevoegdGezag"] = {"oin": authority["oin"], "naam": authority["naam"]}
        melding["bevoegd_gezag"] = authority
        melding["behandeldienst"] = answer.get("behandeldienst")
    return problems


def _is_authority(value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("naam")) and bool(value.get("oin"))


def _attachments(dossier: Dossier) -> list[Attachment]:
    attachments = []
    for folder, name, media_type in ATTACHED_REPORTS:
        path = dossier.path / folder / name
        if path.is_file():
            attachments.append(Attachment(f"{folder}-{name}", media_type, path.read_bytes()))
    return attachments


def run_meldingen_stage(
    tender: TenderSpec,
    dossier: Dossier,
    base_url: str,
    api_key: str | None,
    store_url: str | None = None,
    *,
    today: dt.date,
    timeout_s: float = 30.0,
    policy: RetryPolicy | None = None,
    workers: int = 4,
) -> StageResult:
    """Build, route and submit the meldingen of ``tender``; write meldingen.json and receipts.json."""
    from grondwerk.db import get_engine

    partijen, proposal = read_stage_inputs(dossier)
    meldingen = build_meldingen(tender, partijen, proposal, today)
    folder = dossier.stage_dir("meldingen", clean=True)
    policy = policy or RetryPolicy()

    def make_client() -> DsoClient:
        return DsoClient(base_url, api_key, timeout=timeout_s)

    route_meldingen(meldingen, make_client(), policy)
    to_send = [m for m in meldingen if m["status"] == "to_send"]
    outbox = Outbox(get_engine(store_url), make_client, policy)
    enqueue_counts = outbox.enqueue(to_send, _attachments(dossier))
    outbox.process([m["key"] for m in to_send], workers=workers)
    rows = {row["key"]: row for row in outbox.rows([m["key"] for m in to_send])}
    for melding in to_send:
        row = rows[melding["key"]]
        melding["outbox_status"] = row["status"]
        melding["verzoeknummer"] = row["verzoeknummer"]
        melding["last_error"] = row["last_error"]

    receipts = [
        {"key": m["key"], "partij_id": m["partij_id"], "destination_id": m["destination_id"], "verzoeknummer": rows[m["key"]]["verzoeknummer"],
         "receipt": json.loads(rows[m["key"]]["receipt"]), "submitted_payload": json.loads(rows[m["key"]]["payload"])}
        for m in to_send if rows[m["key"]]["status"] == ACCEPTED
    ]
    meldingen_path = folder / "meldingen.json"
    receipts_path = folder / "receipts.json"
    meldingen_path.write_text(json.dumps(meldingen, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    receipts_path.write_text(json.dumps(receipts, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return _result(meldingen, receipts, enqueue_counts, [meldingen_path, receipts_path])


def _result(meldingen: list[dict[str, Any]], receipts: list[dict[str, Any]], enqueue_counts: dict[str, int], outputs: list[Path]) -> StageResult:
    counts: dict[str, int] = {}
    for melding in meldingen:
        status = melding.get("outbox_status") or melding["status"]
        counts[status] = counts.get(status, 0) + 1

    alerts = [m for m in meldingen if m["status"] in ALERT_STATUSES or m.get("outbox_status") in ("rejected", "failed", "submitted", "pending")]
    authorities = sorted({(m.get("behandeldienst") or m.get("bevoegd_gezag") or {}).get("naam", "") for m in meldingen if m.get("verzoeknummer")} - {""})
    numbers = ", ".join(r["verzoeknummer"] for r in receipts)
    nl = [f"{len(receipts)} melding(en) ingediend" + (f" bij {', '.join(authorities)}, verzoeknummers {numbers}." if receipts else ".")]
    en = [f"{len(receipts)} melding(en) submitted" + (f" to {', '.join(authorities)}, verzoeknummers {numbers}." if receipts else ".")]

    exempt = counts.get("exempt", 0)
    if exempt:
        nl.append(f"{exempt} vrijgesteld (zie meldingen.json voor de regel en de bron).")
        en.append(f"{exempt} exempt (see meldingen.json for the rule and its source).")
    held_count = counts.get("held", 0)
    if held_count:
        nl.append(f"{held_count} melding(en) aangehouden omdat de klasse indicatief is (analysepakket onvolledig); die worden pas ingediend als de klasse vaststaat.")
        en.append(f"{held_count} melding(en) held back because the class is indicative (analysis package incomplete); they are submitted only once the class is final.")
    external = counts.get("external", 0)
    if external:
        nl.append(f"{external} aanvoer(en) van andere herkomst naar locaties van deze aanbesteding; die meldt de toepasser met de herkomstgegevens van de leverancier.")
        en.append(f"{external} delivery(ies) of other origin to sites of this tender; the party applying the soil files those with the supplier's origin data.")
    for melding in alerts:
        nl.append(f"LET OP: {_alert_nl(melding)}")
        en.append(f"ATTENTION: {_alert_en(melding)}")

    summary = {
        "meldingen": len(meldingen),
        "counts": counts,
        "submitted": len(receipts),
        "held_indicative": held_count,
        "verzoeknummers": [r["verzoeknummer"] for r in receipts],
        "alerts": [{"key": m["key"], "partij_id": m["partij_id"], "destination": m["destination_name"], "status": m.get("outbox_status") or m["status"], "deadline": m["deadline"], "message_nl": _alert_nl(m), "message_en": _alert_en(m)} for m in alerts],
        "outbox": enqueue_counts,
    }
    return StageResult(
        summary=summary,
        conclusion_nl=" ".join(nl),
        conclusion_en=" ".join(en),
        outputs=outputs,
        status="warning" if alerts else "ok",
        versions={"melding_rules": load_rules().version, "dso_api": load_api()["version"]},
    )


def _alert_nl(melding: dict[str, Any]) -> str:
    if melding["status"] in ALERT_STATUSES:
        return f"partij {melding['partij_id']} naar {melding['destination_name']}: {melding['reason_nl']} (uiterste meld-datum {melding['deadline']})"
    return f"partij {melding['partij_id']} naar {melding['destination_name']}: melding niet bevestigd door het DSO (status {melding['outbox_status']}: {melding.get('last_error') or 'onbekend'}); uiterste meld-datum {melding['deadline']}"


def _alert_en(melding: dict[str, Any]) -> str:
    if melding["status"] in ALERT_STATUSES:
        return f"partij {melding['partij_id']} to {melding['destination_name']}: {melding['reason_en']} (deadline {melding['deadline']})"
    return f"partij {melding['partij_id']} to {melding['destination_name']}: melding not confirmed by the DSO (status {melding['outbox_status']}: {melding.get('last_error') or 'unknown'}); deadline {melding['deadline']}"
