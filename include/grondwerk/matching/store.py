"""The regional store: supply lots, demand, depots, disposal and primary-sand sites, proposals and their flows.

Tables live on ``grondwerk.db.metadata`` and work on SQLite and PostgreSQL. Every
publish is an upsert keyed on the natural id, so publishing a tender twice leaves
one row per lot. Availability windows are stored as months ``YYYY-MM``; loading
the region turns them into periods 1..P counted from the earliest month.

A lot's ``klasse_indicatief`` marks a class that is only indicatief because the
partij was analysed for part of the standard analysis package. Stores created
before that column existed get it on opening (``grondwerk.db.add_missing_columns``),
with false for the lots already stored.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any, Iterable

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, String, Table, Text, delete, false, select, update
from sqlalchemy.engine import Engine

from grondwerk.db import get_engine, metadata
from grondwerk.errors import InputError
from grondwerk.i18n import msg

log = logging.getLogger(__name__)

supply_table = Table(
    "matching_supply", metadata,
    Column("lot_id", String(200), primary_key=True),
    Column("tender_reference", String(64), nullable=False, index=True),
    Column("owner", String(200), nullable=False),
    Column("name", String(300), nullable=False, default=""),
    Column("x_rd_m", Float, nullable=False),
    Column("y_rd_m", Float, nullable=False),
    Column("tonnes", Float, nullable=False),
    Column("volume_m3", Float),
    Column("quality_class", String(32), nullable=False),
    # The server default fills the rows of a store created before this column existed.
    Column("klasse_indicatief", Boolean, nullable=False, default=False, server_default=false()),
    Column("soil_type", String(32), nullable=False),
    Column("month_from", String(7), nullable=False),
    Column("month_to", String(7), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

demand_table = Table(
    "matching_demand", metadata,
    Column("demand_id", String(200), primary_key=True),
    Column("tender_reference", String(64), nullable=False, index=True),
    Column("owner", String(200), nullable=False),
    Column("name", String(300), nullable=False, default=""),
    Column("x_rd_m", Float, nullable=False),
    Column("y_rd_m", Float, nullable=False),
    Column("tonnes", Float, nullable=False),
    Column("volume_m3", Float),
    # Comma-separated; derived from the receiving location's function and quality.
    Column("accepted_classes", String(200), nullable=False),
    Column("accepted_soil_types", String(200), nullable=False),
    Column("month_from", String(7), nullable=False),
    Column("month_to", String(7), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

depot_table = Table(
    "matching_depots", metadata,
    Column("depot_id", String(200), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("x_rd_m", Float, nullable=False),
    Column("y_rd_m", Float, nullable=False),
    Column("capacity_tonnes", Float, nullable=False),
    Column("accepted_classes", String(200), nullable=False),
    Column("brl9335", Boolean, nullable=False, default=False),
    # NOTE: existing stock is recorded but takes part in matching only when published as a supply lot.
    Column("stock_tonnes", Float, nullable=False, default=0.0),
    Column("handling_cost_per_tonne", Float, nullable=False),
    Column("max_dwell_months", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

site_table = Table(
    "matching_sites", metadata,
    Column("site_id", String(200), primary_key=True),
    Column("kind", String(16), nullable=False),  # disposal | primary
    Column("name", String(300), nullable=False),
    Column("x_rd_m", Float, nullable=False),
    Column("y_rd_m", Float, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

proposal_table = Table(
    "matching_proposals", metadata,
    Column("proposal_id", String(300), primary_key=True),
    Column("tender_reference", String(64), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # proposed | accepted | rejected
    Column("cost_euro", Float, nullable=False),
    Column("tonne_km", Float, nullable=False),
    Column("gap", Float, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("decision_comment", Text),
    Column("responded_by", String(200)),
    Column("responded_at", DateTime(timezone=True)),
    Column("summary_json", Text, nullable=False),
)

flow_table = Table(
    "matching_flows", metadata,
    Column("proposal_id", String(300), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("from_id", String(200), nullable=False),
    Column("to_id", String(200), nullable=False),
    Column("month", String(7), nullable=False),
    Column("tonnes", Float, nullable=False),
    Column("km", Float, nullable=False),
    # True when the flow moves soil whose class is indicatief, as grondwerk.matching.api marks it.
    Column("klasse_indicatief", Boolean, nullable=False, default=False, server_default=false()),
)

CLASS_NAMES = ("achtergrondwaarde", "wonen", "industrie")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _upsert(engine: Engine, table: Table, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` or update them on their primary key; return the number of rows written."""
    if not rows:
        return 0
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif engine.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise RuntimeError(f"unsupported database dialect {engine.dialect.name}; use SQLite or PostgreSQL")
    keys = [column.name for column in table.primary_key.columns]
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    )
    with engine.begin() as connection:
        connection.execute(statement, rows)
    return len(rows)


def _month(value: str | dt.date, record: str) -> str:
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value)
    try:
        dt.date.fromisoformat(text[:7] + "-01")
    except ValueError:
        raise InputError(msg("'{value}' is geen maand; gebruik JJJJ-MM", "'{value}' is not a month; use YYYY-MM", value=value), record=record, value=value) from None
    return text[:7]


def _flag(value: Any, record: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(msg("klasse_indicatief moet true of false zijn, niet {value!r}; geef true als de klasse indicatief is, anders false",
                             "klasse_indicatief must be true or false, not {value!r}; give true when the class is indicatief, otherwise false", value=value),
                         record=f"{record}.klasse_indicatief", value=value)
    return value


def _classes(values: Iterable[str], record: str) -> str:
    values = [str(v).strip() for v in values]
    for value in values:
        if value not in CLASS_NAMES:
            raise InputError(msg("onbekende kwaliteitsklasse '{value}'", "unknown quality class '{value}'", value=value), record=record, value=value)
    return ",".join(values)


def publish(
    engine: Engine | None = None,
    *,
    supply: Iterable[dict[str, Any]] = (),
    demand: Iterable[dict[str, Any]] = (),
    depots: Iterable[dict[str, Any]] = (),
    sites: Iterable[dict[str, Any]] = (),
) -> dict[str, int]:
    """Upsert supply lots, demand, depots and sites (dicts with the column names; months as YYYY-MM or dates).

    A lot without ``klasse_indicatief`` is stored with false. A republish overwrites every column, that flag included.
    """
    engine = engine or get_engine()
    now = _now()
    supply_rows = [
        {**{c: row.get(c) for c in ("lot_id", "tender_reference", "owner", "x_rd_m", "y_rd_m", "tonnes", "volume_m3", "quality_class", "soil_type")},
         "klasse_indicatief": _flag(row.get("klasse_indicatief", False), row["lot_id"]),
         "name": row.get("name", ""), "month_from": _month(row["month_from"], row["lot_id"]), "month_to": _month(row["month_to"], row["lot_id"]), "updated_at": now}
        for row in supply
    ]
    for row in supply_rows:
        _classes([row["quality_class"]], row["lot_id"])
    demand_rows = [
        {**{c: row.get(c) for c in ("demand_id", "tender_reference", "owner", "x_rd_m", "y_rd_m", "tonnes", "volume_m3")},
         "name": row.get("name", ""), "accepted_classes": _classes(row["accepted_classes"], row["demand_id"]),
         "accepted_soil_types": ",".join(row["accepted_soil_types"]),
         "month_from": _month(row["month_from"], row["demand_id"]), "month_to": _month(row["month_to"], row["demand_id"]), "updated_at": now}
        for row in demand
    ]
    depot_rows = [
        {**{c: row.get(c) for c in ("depot_id", "name", "x_rd_m", "y_rd_m", "capacity_tonnes", "handling_cost_per_tonne", "max_dwell_months")},
         "accepted_classes": _classes(row["accepted_classes"], row["depot_id"]), "brl9335": bool(row.get("brl9335", False)),
         "stock_tonnes": float(row.get("stock_tonnes", 0.0)), "updated_at": now}
        for row in depots
    ]
    site_rows = [{**{c: row[c] for c in ("site_id", "kind", "name", "x_rd_m", "y_rd_m")}, "updated_at": now} for row in sites]
    counts = {
        "supply": _upsert(engine, supply_table, supply_rows),
        "demand": _upsert(engine, demand_table, demand_rows),
        "depots": _upsert(engine, depot_table, depot_rows),
        "sites": _upsert(engine, site_table, site_rows),
    }
    log.info("Published to the regional store: %s", counts)
    return counts


def withdraw_tender(engine: Engine, tender_reference: str, keep_lots: Iterable[str] = (), keep_demand: Iterable[str] = ()) -> None:
    """Delete a tender's supply and demand rows that are not in ``keep_*`` (a republish with fewer partijen)."""
    with engine.begin() as connection:
        connection.execute(delete(supply_table).where(supply_table.c.tender_reference == tender_reference, supply_table.c.lot_id.notin_(list(keep_lots))))
        connection.execute(delete(demand_table).where(demand_table.c.tender_reference == tender_reference, demand_table.c.demand_id.notin_(list(keep_demand))))


def is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(select(depot_table.c.depot_id).limit(1)).first() is None and \
            connection.execute(select(supply_table.c.lot_id).limit(1)).first() is None


def _month_number(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def month_of_period(first_month: str, period: int) -> str:
    index = _month_number(first_month) + period - 1
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def load_region(engine: Engine | None = None, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the whole region as a matching instance; ``first_month`` maps period 1 back to a calendar month."""
    engine = engine or get_engine()
    with engine.connect() as connection:
        supply = [dict(r._mapping) for r in connection.execute(select(supply_table).order_by(supply_table.c.lot_id))]
        demand = [dict(r._mapping) for r in connection.execute(select(demand_table).order_by(demand_table.c.demand_id))]
        depots = [dict(r._mapping) for r in connection.execute(select(depot_table).order_by(depot_table.c.depot_id))]
        sites = [dict(r._mapping) for r in connection.execute(select(site_table).order_by(site_table.c.site_id))]
    months = [row["month_from"] for row in supply + demand] + [row["month_to"] for row in supply + demand]
    first = min(months, key=_month_number) if months else f"{_now().year:04d}-01"
    last = max(months, key=_month_number) if months else first

    def period(month: str) -> int:
        return _month_number(month) - _month_number(first) + 1

    instance = {
        "first_month": first,
        "supply": [{"id": r["lot_id"], "x": r["x_rd_m"], "y": r["y_rd_m"], "tonnes": r["tonnes"], "class": r["quality_class"],
                    "klasse_indicatief": bool(r["klasse_indicatief"]), "soil_type": r["soil_type"], "period_from": period(r["month_from"]), "period_to": period(r["month_to"]),
                    "tender_reference": r["tender_reference"], "owner": r["owner"], "name": r["name"]} for r in supply],
        "demand": [{"id": r["demand_id"], "x": r["x_rd_m"], "y": r["y_rd_m"], "tonnes": r["tonnes"],
                    "accepted_classes": r["accepted_classes"].split(","), "accepted_soil_types": r["accepted_soil_types"].split(","),
                    "period_from": period(r["month_from"]), "period_to": period(r["month_to"]),
                    "tender_reference": r["tender_reference"], "owner": r["owner"], "name": r["name"]} for r in demand],
        "depots": [{"id": r["depot_id"], "x": r["x_rd_m"], "y": r["y_rd_m"], "capacity_tonnes": r["capacity_tonnes"],
                    "accepted_classes": r["accepted_classes"].split(","), "handling_cost_per_tonne": r["handling_cost_per_tonne"],
                    "max_dwell_periods": r["max_dwell_months"], "name": r["name"], "brl9335": r["brl9335"]} for r in depots],
        "disposal_sites": [{"id": r["site_id"], "x": r["x_rd_m"], "y": r["y_rd_m"], "name": r["name"]} for r in sites if r["kind"] == "disposal"],
        "primary_sources": [{"id": r["site_id"], "x": r["x_rd_m"], "y": r["y_rd_m"], "name": r["name"]} for r in sites if r["kind"] == "primary"],
        "parameters": {**(parameters or {}), "periods": max(1, period(last))},
    }
    return instance


def save_proposal(engine: Engine, proposal_id: str, tender_reference: str, proposal: dict[str, Any], sha256: str, first_month: str) -> None:
    """Store (or replace) a proposal and its flows with status ``proposed``.

    The summary keeps the proposal's ``klasse_indicatief`` block (null when the proposal has none).
    """
    totals = proposal["totals"]
    _upsert(engine, proposal_table, [{
        "proposal_id": proposal_id, "tender_reference": tender_reference, "created_at": _now(), "status": "proposed",
        "cost_euro": totals["cost"], "tonne_km": totals["tonne_km"], "gap": totals["gap"], "sha256": sha256,
        "decision_comment": None, "responded_by": None, "responded_at": None,
        "summary_json": json.dumps({"totals": totals, "savings": proposal["savings"], "klasse_indicatief": proposal.get("klasse_indicatief")},
                                   ensure_ascii=False),
    }])
    rows = [{"proposal_id": proposal_id, "seq": seq, "kind": f["kind"], "from_id": f["from"], "to_id": f["to"],
             "month": month_of_period(first_month, f["period"]), "tonnes": f["tonnes"], "km": f["km"],
             "klasse_indicatief": bool(f.get("klasse_indicatief", False))} for seq, f in enumerate(proposal["flows"])]
    with engine.begin() as connection:
        connection.execute(delete(flow_table).where(flow_table.c.proposal_id == proposal_id))
        if rows:
            connection.execute(flow_table.insert(), rows)


def set_proposal_status(engine: Engine, proposal_id: str, status: str, comment: str, responded_by: str, responded_at: dt.datetime) -> None:
    with engine.begin() as connection:
        result = connection.execute(update(proposal_table).where(proposal_table.c.proposal_id == proposal_id).values(
            status=status, decision_comment=comment, responded_by=responded_by, responded_at=responded_at))
    if result.rowcount != 1:
        raise InputError(msg("voorstel {value} staat niet in de regionale opslag; draai eerst de matching", "proposal {value} is not in the regional store; run the matching first",
                             value=proposal_id), record="proposal_id", value=proposal_id)


def latest_proposal(engine: Engine | None = None) -> dict[str, Any] | None:
    engine = engine or get_engine()
    with engine.connect() as connection:
        row = connection.execute(select(proposal_table).order_by(proposal_table.c.created_at.desc()).limit(1)).first()
    return dict(row._mapping) if row else None
