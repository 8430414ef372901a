"""Transactional outbox that submits each melding to the DSO once, with no duplicate and no loss.

One row per idempotency key (sha256 of tender, partij and destination) stores
the payload, the status and the receipt:

- ``pending``: nothing was ever sent for this key;
- ``submitted``: a request was (or may have been) sent; the outcome is not known yet;
- ``accepted``: the DSO confirmed the submission; the receipt has the verzoeknummer;
- ``rejected``: the DSO refused the content (HTTP 4xx); a person must fix the data;
- ``failed``: the retries ran out; the next run continues with a lookup first.

The row is marked ``submitted`` and committed *before* each send. A row in any
state other than ``pending`` may therefore have reached the DSO, so the
outbox looks up the verzoeken with this key at the DSO before it sends anything
again. That lookup turns "accepted but the answer was lost" into
``accepted`` and lets a concept created earlier be reused, so a crash between
sending and recording neither duplicates nor loses a melding.

Workers claim a row with a lease (a conditional UPDATE), so two processes
never work on the same key at once. Retries back off exponentially with full
jitter.

NOTE: the guarantee rests on the lookup of verzoeken by the client's
reference, a resource guessed from the DSO documentation (see
``data/dso_api.json``). It holds against the local stand-in; confirm that the
real Verzoek indienen API offers such a lookup before going live.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import Column, DateTime, Float, Integer, String, Table, Text, select, update
from sqlalchemy.engine import Engine

from grondwerk.db import metadata
from grondwerk.dso.client import DsoClient, DsoConflict, DsoError, DsoRejected, DsoTransientError

log = logging.getLogger(__name__)

PENDING, SUBMITTED, ACCEPTED, REJECTED, FAILED = "pending", "submitted", "accepted", "rejected", "failed"
FINAL_STATUSES = (ACCEPTED, REJECTED)
# How often a worker checks whether rows leased by another worker were released, in seconds.
LEASE_POLL_S = 1.0

outbox_table = Table(
    "dso_outbox",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("tender_reference", String(64), nullable=False, index=True),
    Column("partij_id", String(200), nullable=False),
    Column("destination_id", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("attachments", Text, nullable=False, default="[]"),
    Column("status", String(16), nullable=False, default=PENDING, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("concept_id", String(100)),
    Column("stale_concepts", Text, nullable=False, default="[]"),
    Column("verzoeknummer", String(100)),
    Column("receipt", Text),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("accepted_at", DateTime),
    Column("lease_owner", String(64)),
    Column("lease_until", Float),
)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry settings: attempts per run, exponential backoff base and cap (seconds) with full jitter, lease length."""

    max_attempts: int = 8
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    lease_s: float = 120.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Return a random delay in [0, min(cap, base * 2**(attempt-1))] (full jitter)."""
        return rng.uniform(0.0, min(self.max_delay_s, self.base_delay_s * 2 ** max(attempt - 1, 0)))


@dataclass(frozen=True)
class Attachment:
    """A document sent with a melding (bijlage)."""

    filename: str
    media_type: str
    content: bytes

    def to_json(self) -> dict[str, str]:
        return {"filename": self.filename, "media_type": self.media_type, "sha256": hashlib.sha256(self.content).hexdigest()}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _payload_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Outbox:
    """The DSO outbox on one database; ``client_factory`` makes one ``DsoClient`` per worker thread."""

    def __init__(self, engine: Engine, client_factory: Callable[[], DsoClient], policy: RetryPolicy | None = None, *, seed: int | None = None, sleep: Callable[[float], None] = time.sleep):
        self.engine = engine
        self.client_factory = client_factory
        self.policy = policy or RetryPolicy()
        self.worker_id = uuid.uuid4().hex
        self._rng = random.Random(seed)
        self._sleep = sleep
        self._local = threading.local()
        metadata.create_all(engine, tables=[outbox_table])

    # ----- enqueue -------------------------------------------------------

    def enqueue(self, meldingen: list[dict[str, Any]], attachments: list[Attachment] | tuple[Attachment, ...] = ()) -> dict[str, int]:
        """Insert each melding with its key; keep existing rows. Return counts of inserted, kept and changed rows.

        A key that already exists keeps its status, so a rerun never queues a
        second submission. A changed payload replaces the stored one while the
        row is not yet accepted. For an accepted row the change is only counted
        and logged, because the DSO already has the earlier version.
        """
        counts = {"inserted": 0, "kept": 0, "changed_before_submission": 0, "changed_after_acceptance": 0}
        attachment_json = json.dumps([a.to_json() for a in attachments])
        now = _utcnow()
        with self.engine.begin() as connection:
            for melding in meldingen:
                payload = _payload_json(melding["payload"])
                digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
                row = connection.execute(select(outbox_table).where(outbox_table.c.key == melding["key"])).first()
                if row is None:
                    connection.execute(outbox_table.insert().values(
                        key=melding["key"], tender_reference=melding["tender_reference"], partij_id=melding["partij_id"],
                        destination_id=melding["destination_id"], payload=payload, payload_sha256=digest, attachments=attachment_json,
                        stale_concepts="[]", status=PENDING, attempts=0, created_at=now, updated_at=now,
                    ))
                    counts["inserted"] += 1
                elif row.payload_sha256 == digest and row.attachments == attachment_json:
                    counts["kept"] += 1
                elif row.status == ACCEPTED:
                    log.warning("Melding %s changed after it was accepted; the DSO keeps the earlier version", melding["key"])
                    counts["changed_after_acceptance"] += 1
                else:
                    # A concept created with the old content must not be submitted, so it is marked stale.
                    stale = json.loads(row.stale_concepts or "[]") + ([row.concept_id] if row.concept_id else [])
                    connection.execute(update(outbox_table).where(outbox_table.c.key == melding["key"]).values(
                        payload=payload, payload_sha256=digest, attachments=attachment_json, stale_concepts=json.dumps(stale), concept_id=None, updated_at=now,
                    ))
                    counts["changed_before_submission"] += 1
        self._attachments = {a.filename: a for a in attachments}
        log.info("Outbox enqueue: %s", counts)
        return counts

    # ----- processing ----------------------------------------------------

    def process(self, keys: list[str] | None = None, workers: int = 4, progress: Callable[[str, str], None] | None = None) -> dict[str, int]:
        """Deliver every row that is not final (or only ``keys``); return the count per final status."""
        with self.engine.connect() as connection:
            query = select(outbox_table.c.key).where(outbox_table.c.status.notin_(FINAL_STATUSES))
            if keys is not None:
                query = query.where(outbox_table.c.key.in_(keys))
            todo = [row.key for row in connection.execute(query.order_by(outbox_table.c.key))]
        log.info("Outbox processing %s meldingen with %s workers", len(todo), workers)
        self._deliver_all(todo, workers, progress)
        # Rows leased by another worker (alive, or dead after a crash) are retried when that lease ends.
        wait_deadline = time.time() + self.policy.lease_s
        leased = self._leased_by_others(todo)
        while leased and time.time() < wait_deadline:
            log.info("Outbox waiting for %s meldingen leased by another worker", len(leased))
            until_first_expiry = min(lease_until for _, lease_until in leased) - time.time()
            self._sleep(min(max(0.05, until_first_expiry), LEASE_POLL_S))
            self._deliver_all([key for key, _ in leased], workers, progress)
            leased = self._leased_by_others(todo)
        return self.counts(keys)

    def _deliver_all(self, todo: list[str], workers: int, progress: Callable[[str, str], None] | None) -> None:
        done = 0
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="dso-outbox") as pool:
            for key, status in zip(todo, pool.map(self.deliver, todo), strict=True):
                done += 1
                if progress:
                    progress(key, status)
                if done % 50 == 0 or done == len(todo):
                    log.info("Outbox progress: %s of %s meldingen handled", done, len(todo))

    def _leased_by_others(self, keys: list[str]) -> list[tuple[str, float]]:
        """Return (key, lease end) of the non-final rows among ``keys`` that another worker leases."""
        query = (
            select(outbox_table.c.key, outbox_table.c.lease_until)
            .where(outbox_table.c.key.in_(keys))
            .where(outbox_table.c.status.notin_(FINAL_STATUSES))
            .where(outbox_table.c.lease_until.is_not(None))
        )
        with self.engine.connect() as connection:
            return [(row.key, row.lease_until) for row in connection.execute(query)]

    def counts(self, keys: list[str] | None = None) -> dict[str, int]:
        query = select(outbox_table.c.status)
        if keys is not None:
            query = query.where(outbox_table.c.key.in_(keys))
        counts = {status: 0 for status in (PENDING, SUBMITTED, ACCEPTED, REJECTED, FAILED)}
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                counts[row.status] += 1
        return counts

    def rows(self, keys: list[str] | None = None) -> list[dict[str, Any]]:
        query = select(outbox_table)
        if keys is not None:
            query = query.where(outbox_table.c.key.in_(keys))
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query.order_by(outbox_table.c.key))]

    def _client(self) -> DsoClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self.client_factory()
        return client

    def deliver(self, key: str) -> str:
        """Deliver one row until it is final or its attempts run out; return its status.

        Returns the current status unchanged when another worker holds the lease.
        """
        if not self._claim(key):
            return self._row(key)["status"]
        try:
            return self._deliver_claimed(key)
        finally:
            self._release(key)

    def _deliver_claimed(self, key: str) -> str:
        client = self._client()
        tries = 0
        while True:
            row = self._row(key)
            if row["status"] in FINAL_STATUSES:
                return row["status"]
            if tries >= self.policy.max_attempts:
                self._set(key, status=FAILED)
                log.warning("Melding %s failed after %s attempts in this run: %s", key, tries, row["last_error"])
                return FAILED
            tries += 1
            try:
                return self._attempt(client, row)
            except DsoTransientError as exc:
                delay = self.policy.delay(tries, self._rng)
                log.info("Melding %s attempt %s failed (%s); retrying in %.3f s", key, tries, exc, delay)
                self._set(key, last_error=str(exc)[:2000])
                self._sleep(delay)
            except DsoRejected as exc:
                detail = json.dumps(exc.problems, ensure_ascii=False)
                self._set(key, status=REJECTED, last_error=f"{exc} {detail}"[:4000])
                log.warning("Melding %s rejected by the DSO: %s %s", key, exc, detail)
                return REJECTED
            except DsoError as exc:
                self._set(key, status=FAILED, last_error=str(exc)[:2000])
                log.error("Melding %s failed: %s", key, exc)
                return FAILED

    def _attempt(self, client: DsoClient, row: dict[str, Any]) -> str:
        """Run one attempt: look up when the DSO may have the verzoek, then create, attach and submit what is missing."""
        key = row["key"]
        concept_id, attached = None, 0
        # Counted and committed before any request, so a crash after sending is never mistaken for "nothing sent".
        self._set(key, status=SUBMITTED, attempts=row["attempts"] + 1, lease_until=time.time() + self.policy.lease_s)
        if row["status"] != PENDING:
            found = client.lookup(key)
            submitted = [v for v in found if v.get("status") == "ingediend"]
            if submitted:
                if len(submitted) > 1:
                    log.error("DSO has %s submitted verzoeken for melding %s; keeping the first", len(submitted), key)
                return self._accept(key, submitted[0], recovered=True)
            stale = set(json.loads(row["stale_concepts"] or "[]"))
            # NOTE: a concept whose create response was lost before the content changed is not known as stale.
            concepts = sorted((v for v in found if v.get("status") == "concept" and v.get("verzoekidentificatie") not in stale), key=lambda v: (-int(v.get("bijlagen") or 0), v.get("aangemaakt") or ""))
            if concepts:
                concept_id, attached = concepts[0]["verzoekidentificatie"], int(concepts[0].get("bijlagen") or 0)
        if concept_id is None:
            created = client.create(json.loads(row["payload"]))
            concept_id = created["verzoekidentificatie"]
            self._set(key, concept_id=concept_id)
        for attachment in self._row_attachments(row)[attached:]:
            client.attach(concept_id, attachment.filename, attachment.media_type, attachment.content)
        try:
            receipt = client.submit(concept_id)
        except DsoConflict:
            raise DsoTransientError("verzoek was already submitted; looking it up") from None
        return self._accept(key, receipt, recovered=False)

    def _row_attachments(self, row: dict[str, Any]) -> list[Attachment]:
        listed = json.loads(row["attachments"] or "[]")
        available = getattr(self, "_attachments", {})
        attachments = []
        for item in listed:
            attachment = available.get(item["filename"])
            if attachment is None or hashlib.sha256(attachment.content).hexdigest() != item["sha256"]:
                raise DsoError(f"attachment {item['filename']} of melding {row['key']} is no longer available; enqueue the melding again")
            attachments.append(attachment)
        return attachments

    def _accept(self, key: str, verzoek: dict[str, Any], *, recovered: bool) -> str:
        receipt = {key_: value for key_, value in verzoek.items() if key_ != "links"} | {"links": verzoek.get("links"), "recovered_by_lookup": recovered}
        self._set(key, status=ACCEPTED, verzoeknummer=str(verzoek.get("verzoeknummer")), concept_id=verzoek.get("verzoekidentificatie"), receipt=json.dumps(receipt, ensure_ascii=False), accepted_at=_utcnow(), last_error=None)
        log.info("Melding %s accepted by the DSO with verzoeknummer %s%s", key, verzoek.get("verzoeknummer"), " (found by lookup)" if recovered else "")
        return ACCEPTED

    # ----- row access ----------------------------------------------------

    def _row(self, key: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            return dict(connection.execute(select(outbox_table).where(outbox_table.c.key == key)).one()._mapping)

    def _set(self, key: str, **values: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(outbox_table).where(outbox_table.c.key == key).values(updated_at=_utcnow(), **values))

    def _owner(self) -> str:
        return f"{self.worker_id}:{threading.get_ident()}"

    def _claim(self, key: str) -> bool:
        now = time.time()
        with self.engine.begin() as connection:
            result = connection.execute(
                update(outbox_table)
                .where(outbox_table.c.key == key)
                .where((outbox_table.c.lease_until.is_(None)) | (outbox_table.c.lease_until < now) | (outbox_table.c.lease_owner == self._owner()))
                .values(lease_owner=self._owner(), lease_until=now + self.policy.lease_s)
            )
        return result.rowcount == 1

    def _release(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(outbox_table).where(outbox_table.c.key == key).where(outbox_table.c.lease_owner == self._owner()).values(lease_owner=None, lease_until=None))
