"""Benchmark: deliver N meldingen through the DSO outbox to the local stand-in with injected faults.

Usage: ``.venv/bin/python bench/dso_outbox.py [--meldingen 500] [--fault-rate 0.3] [--workers 8] [--postgres SERVER_URL]``

The meldingen come from the real builder (demo tender, 100 partijen spread
over destinations around Schoonhoven). The stand-in runs in this process on
127.0.0.1, with the five fault kinds drawn equally. The store is a fresh
SQLite file in WAL mode. With ``--postgres postgresql+psycopg2://postgres@127.0.0.1:5432``
it is a new database on that server, dropped at the end.
Prints a Markdown table row: wall time, requests, faults, accepted and
duplicate submissions at the stand-in.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(count: int) -> list[dict]:
    from grondwerk.dso.builder import build_meldingen
    from grondwerk.tender import load_tender_file

    tender = load_tender_file(ROOT / "examples" / "demo" / "tender.yaml")
    n_partijen = 100
    n_destinations = -(-count // n_partijen)
    partijen = [{"partij_id": f"P{i:03d}", "samples": [], "class": "wonen", "volume_m3": 100.0, "soil_type": "zand"} for i in range(n_partijen)]
    flows = [
        {"from": f"P{i:03d}", "to": f"D{j:03d}", "to_kind": "demand", "to_name": f"Locatie {j}", "period": "2027-03", "tonnes": 50.0,
         "to_x_rd_m": 100_000 + 500 * j, "to_y_rd_m": 440_000, "to_bodemfunctieklasse": "wonen"}
        for i in range(n_partijen) for j in range(n_destinations)
    ][:count]
    return build_meldingen(tender, partijen, {"flows": flows}, dt.date(2027, 1, 4))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meldingen", type=int, default=500, help="number of meldingen")
    parser.add_argument("--fault-rate", type=float, default=0.3, help="share of requests that fail, 0 to 1")
    parser.add_argument("--workers", type=int, default=8, help="outbox worker threads")
    parser.add_argument("--timeout", type=float, default=0.25, help="client timeout in seconds")
    parser.add_argument("--postgres", metavar="SERVER_URL", help="PostgreSQL server URL without database; a new database is created and dropped")
    args = parser.parse_args()

    from grondwerk.dso.client import DsoClient
    from grondwerk.dso.stage import route_meldingen
    from grondwerk.dso.standin import FAULT_KINDS, FaultConfig, start_standin

    meldingen = build(args.meldingen)
    server, base_url = start_standin(api_key="bench")
    route_meldingen(meldingen, DsoClient(base_url, "bench", timeout=5))
    server.faults = FaultConfig(rate=args.fault_rate, kinds=FAULT_KINDS, hang_s=args.timeout * 1.6, slow_s=args.timeout * 0.4, seed=1)
    if args.postgres:
        with postgres_database(args.postgres) as store:
            return run(args, meldingen, server, base_url, store)
    return run(args, meldingen, server, base_url, f"sqlite:///{tempfile.mkdtemp(prefix='dso-bench-')}/outbox.db")


@contextmanager
def postgres_database(server_url: str):
    """Create a database with a unique name on ``server_url``; drop it on exit."""
    from sqlalchemy import create_engine, text

    from grondwerk.db import dispose_engines

    name = f"grondwerk_dso_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{server_url.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server_url.rstrip('/')}/{name}"
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(args: argparse.Namespace, meldingen: list[dict], server, base_url: str, store: str) -> int:
    from grondwerk.db import get_engine
    from grondwerk.dso.client import DsoClient
    from grondwerk.dso.outbox import Outbox, RetryPolicy

    policy = RetryPolicy(max_attempts=60, base_delay_s=0.005, max_delay_s=0.05, lease_s=60)
    outbox = Outbox(get_engine(store), lambda: DsoClient(base_url, "bench", timeout=args.timeout), policy, seed=1)
    outbox.enqueue(meldingen)
    requests_before = server.state.requests

    started = time.perf_counter()
    counts = outbox.process(workers=args.workers)
    elapsed = time.perf_counter() - started

    submitted = server.state.submitted_by_reference()
    duplicates = sum(1 for n in submitted.values() if n > 1)
    print(f"<!-- {platform.platform()}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC -->")
    print("| meldingen | fault rate | workers | store | wall time | requests | faults | accepted | duplicates |")
    print("|---|---|---|---|---|---|---|---|---|")
    store_name = store.split(":", 1)[0]
    print(f"| {len(meldingen)} | {args.fault_rate:.0%} | {args.workers} | {store_name} | {elapsed:.1f} s | {server.state.requests - requests_before} | "
          f"{sum(server.state.faults.values())} | {counts['accepted']} | {duplicates} |")
    server.shutdown()
    return 0 if counts["accepted"] == len(meldingen) and duplicates == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
