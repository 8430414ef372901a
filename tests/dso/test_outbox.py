"""Outbox against the stand-in: exactly once under injected faults, crashes and concurrent workers."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text

from grondwerk.db import get_engine
from grondwerk.dso.builder import build_meldingen
from grondwerk.dso.client import DsoClient, DsoTransientError
from grondwerk.dso.outbox import ACCEPTED, FAILED, REJECTED, Attachment, Outbox, RetryPolicy
from grondwerk.dso.stage import route_meldingen
from grondwerk.dso.standin import FAULT_KINDS, FaultConfig

from dso_factories import flow, partij

TODAY = dt.date(2027, 1, 4)
# Short timeouts and backoff keep the 500-melding run well under a minute on 2 cores.
FAST = RetryPolicy(max_attempts=60, base_delay_s=0.005, max_delay_s=0.05, lease_s=30)
CLIENT_TIMEOUT_S = 0.25
FAULTS = FaultConfig(rate=0.30, kinds=FAULT_KINDS, hang_s=0.4, slow_s=0.1, seed=20261204)


def many_meldingen(tender, n_partijen: int, n_destinations: int) -> list[dict]:
    partijen = [partij(f"P{i:03d}", "wonen", 100.0) for i in range(n_partijen)]
    flows = [flow(f"P{i:03d}", f"D{j:02d}", 50.0, x=100_000 + 1_000 * j, y=440_000) for i in range(n_partijen) for j in range(n_destinations)]
    meldingen = build_meldingen(tender, partijen, {"flows": flows}, TODAY)
    assert all(m["status"] == "to_send" for m in meldingen)
    return meldingen


def routed(meldingen, base_url, api_key):
    problems = route_meldingen(meldingen, DsoClient(base_url, api_key, timeout=2), FAST)
    assert problems == []
    return meldingen


def sqlite_engine(tmp_path):
    """Return the engine the stage uses: SQLite in WAL mode with a busy timeout."""
    return get_engine(f"sqlite:///{tmp_path / 'outbox.db'}")


def test_500_meldingen_exactly_once(tmp_path, tender, faulty_standin, api_key):
    server, base_url = faulty_standin(FaultConfig(rate=0.0))
    meldingen = routed(many_meldingen(tender, 100, 5), base_url, api_key)
    server.faults = FAULTS
    keys = [m["key"] for m in meldingen]
    assert len(set(keys)) == 500

    outbox = Outbox(sqlite_engine(tmp_path), lambda: DsoClient(base_url, api_key, timeout=CLIENT_TIMEOUT_S), FAST, seed=1)
    outbox.enqueue(meldingen, [Attachment("rapport.html", "text/html", b"<p>klassificatie</p>")])
    counts = outbox.process(workers=8)

    submitted = server.state.submitted_by_reference()
    assert counts[ACCEPTED] == 500
    assert sorted(submitted) == sorted(keys)
    assert [key for key, n in submitted.items() if n > 1] == []
    assert set(server.state.faults) == set(FAULT_KINDS)
    assert sum(server.state.faults.values()) >= 0.2 * server.state.requests
    rows = outbox.rows()
    numbers = {v["referentie"]: v["verzoeknummer"] for v in server.state.submitted()}
    assert {row["key"]: row["verzoeknummer"] for row in rows} == numbers
    assert all(v["bijlagen"] and len(v["bijlagen"]) == 1 for v in server.state.verzoeken.values() if v["status"] == "ingediend")
    assert any(json.loads(row["receipt"])["recovered_by_lookup"] for row in rows)


def test_rerun_sends_nothing_again(tmp_path, tender, standin, api_key):
    server, base_url = standin
    meldingen = routed(many_meldingen(tender, 3, 2), base_url, api_key)
    engine = sqlite_engine(tmp_path)
    first = Outbox(engine, lambda: DsoClient(base_url, api_key, timeout=2), FAST)
    first.enqueue(meldingen)
    first.process()
    requests_after_first = server.state.requests

    second = Outbox(engine, lambda: DsoClient(base_url, api_key, timeout=2), FAST)
    enqueued = second.enqueue(meldingen)
    counts = second.process()
    assert enqueued["inserted"] == 0
    assert enqueued["kept"] == 6
    assert counts[ACCEPTED] == 6
    assert server.state.requests == requests_after_first
    assert len(server.state.submitted()) == 6


# Runs in a child process that dies (os._exit, so no cleanup runs) right after a step reached the DSO.
CRASHING_WORKER = """
import os, sys
from sqlalchemy import create_engine
from grondwerk.dso.client import DsoClient, DsoTransientError
from grondwerk.dso.outbox import Outbox, RetryPolicy

db_url, base_url, api_key, crash_after = sys.argv[1:5]

class CrashingClient(DsoClient):
    def create(self, indienbericht):
        answer = super().create(indienbericht)
        if crash_after == "create":
            os._exit(3)
        return answer

    def submit(self, verzoek_id):
        answer = super().submit(verzoek_id)
        if crash_after == "submit":
            os._exit(3)
        return answer

Outbox(create_engine(db_url), lambda: CrashingClient(base_url, api_key, timeout=2), RetryPolicy(lease_s=1.0)).process(workers=1)
"""


@pytest.mark.parametrize("crash_after", ["create", "submit"])
def test_crash_after_send_recovers_once(tmp_path, tender, standin, api_key, crash_after):
    server, base_url = standin
    (melding,) = routed(many_meldingen(tender, 1, 1), base_url, api_key)
    db_url = f"sqlite:///{tmp_path / 'outbox.db'}"
    engine = get_engine(db_url)
    policy = RetryPolicy(max_attempts=5, base_delay_s=0.001, max_delay_s=0.01, lease_s=1.0)
    Outbox(engine, lambda: DsoClient(base_url, api_key, timeout=2), policy).enqueue([melding])

    child = subprocess.run([sys.executable, "-c", CRASHING_WORKER, db_url, base_url, api_key, crash_after], timeout=60, capture_output=True, text=True)
    assert child.returncode == 3, child.stderr
    recovering = Outbox(engine, lambda: DsoClient(base_url, api_key, timeout=2), policy)
    (row,) = recovering.rows()
    assert row["status"] == "submitted"
    assert row["verzoeknummer"] is None
    assert row["lease_until"] is not None  # the dead worker still holds its lease

    assert recovering.process()[ACCEPTED] == 1
    assert len(server.state.verzoeken) == 1
    assert len(server.state.submitted()) == 1
    (row,) = recovering.rows()
    assert json.loads(row["receipt"])["recovered_by_lookup"] is (crash_after == "submit")


def test_live_lease_blocks_second_worker(tmp_path, tender, standin, api_key):
    _, base_url = standin
    (melding,) = routed(many_meldingen(tender, 1, 1), base_url, api_key)
    engine = sqlite_engine(tmp_path)
    holder = Outbox(engine, lambda: DsoClient(base_url, api_key, timeout=2), FAST)
    holder.enqueue([melding])
    assert holder._claim(melding["key"])
    other = Outbox(engine, lambda: DsoClient(base_url, api_key, timeout=2), FAST)
    assert other.deliver(melding["key"]) == "pending"


def test_rejected_payload_is_not_retried(tmp_path, tender, standin, api_key):
    server, base_url = standin
    (melding,) = routed(many_meldingen(tender, 1, 1), base_url, api_key)
    melding["payload"]["bevoegdGezag"] = {"oin": "123", "naam": ""}
    outbox = Outbox(sqlite_engine(tmp_path), lambda: DsoClient(base_url, api_key, timeout=2), FAST)
    outbox.enqueue([melding])
    assert outbox.process()[REJECTED] == 1
    assert server.state.requests == 2  # one routing request, one create
    (row,) = outbox.rows()
    assert "bevoegdGezag" in row["last_error"]


def test_lost_answers_fail_then_recover(tmp_path, tender, faulty_standin, api_key):
    server, base_url = faulty_standin(FaultConfig())
    (melding,) = routed(many_meldingen(tender, 1, 1), base_url, api_key)
    server.faults = FaultConfig(rate=1.0, kinds=("lost_response",))
    policy = RetryPolicy(max_attempts=3, base_delay_s=0.001, max_delay_s=0.01, lease_s=30)
    engine = sqlite_engine(tmp_path)
    outbox = Outbox(engine, lambda: DsoClient(base_url, api_key, timeout=1), policy)
    outbox.enqueue([melding])
    assert outbox.process()[FAILED] == 1
    assert len(server.state.verzoeken) == 1  # the first create went through; later attempts only looked up

    server.faults = FaultConfig()
    assert Outbox(engine, lambda: DsoClient(base_url, api_key, timeout=1), policy).process()[ACCEPTED] == 1
    assert len(server.state.verzoeken) == 1
    assert len(server.state.submitted()) == 1


def test_backoff_grows_and_stays_under_cap():
    import random

    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=8.0)
    rng = random.Random(5)
    delays = {attempt: [policy.delay(attempt, rng) for _ in range(200)] for attempt in (1, 3, 10)}
    assert max(delays[1]) <= 1.0
    assert max(delays[3]) <= 4.0
    assert max(delays[3]) > 1.0
    assert max(delays[10]) <= 8.0
    assert min(delays[10]) >= 0.0


@pytest.mark.postgres
def test_outbox_on_postgres_with_two_workers(tender, faulty_standin, api_key):
    from sqlalchemy.exc import OperationalError

    name = f"grondwerk_dso_{uuid.uuid4().hex[:12]}"
    admin = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not reachable: {exc}")
    engine = create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}")
    try:
        server, base_url = faulty_standin(FaultConfig())
        meldingen = routed(many_meldingen(tender, 20, 5), base_url, api_key)
        server.faults = FaultConfig(rate=0.3, hang_s=0.4, slow_s=0.1, seed=7)
        outboxes = [Outbox(engine, lambda: DsoClient(base_url, api_key, timeout=CLIENT_TIMEOUT_S), FAST, seed=seed) for seed in (1, 2)]
        outboxes[0].enqueue(meldingen)
        threads = [threading.Thread(target=outbox.process, kwargs={"workers": 4}) for outbox in outboxes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # A key whose lease the other process held is picked up by a final pass.
        counts = outboxes[0].process(workers=4)
        submitted = server.state.submitted_by_reference()
        assert counts[ACCEPTED] == 100
        assert len(submitted) == 100
        assert max(submitted.values()) == 1
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class SubmitAlwaysFails(DsoClient):
    def submit(self, verzoek_id):
        raise DsoTransientError("submit timed out (test)")


def test_changed_payload_gets_new_concept(tmp_path, tender, standin, api_key):
    server, base_url = standin
    (melding,) = routed(many_meldingen(tender, 1, 1), base_url, api_key)
    engine = sqlite_engine(tmp_path)
    policy = RetryPolicy(max_attempts=2, base_delay_s=0.001, max_delay_s=0.01, lease_s=30)
    first = Outbox(engine, lambda: SubmitAlwaysFails(base_url, api_key, timeout=2), policy)
    first.enqueue([melding])
    assert first.process()[FAILED] == 1
    (old_concept,) = server.state.verzoeken

    changed = json.loads(json.dumps(melding))
    for question in changed["payload"]["vragen"]:
        if question["code"] == "hoeveelheid_m3":
            question["antwoord"] = 75.0
    second = Outbox(engine, lambda: DsoClient(base_url, api_key, timeout=2), policy)
    assert second.enqueue([changed])["changed_before_submission"] == 1
    assert second.process()[ACCEPTED] == 1
    (submitted,) = server.state.submitted()
    answers = {q["code"]: q["antwoord"] for q in submitted["bericht"]["vragen"]}
    assert submitted["verzoekidentificatie"] != old_concept
    assert answers["hoeveelheid_m3"] == 75.0
