"""Regional store: upserts keyed on natural ids, region loading and proposals, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from grondwerk.db import get_engine
from grondwerk.errors import InputError
from grondwerk.matching import solve, store


def publish_region(engine, region_file):
    data = json.loads(region_file.read_text(encoding="utf-8"))
    return store.publish(engine, supply=data["supply"], demand=data["demand"], depots=data["depots"], sites=data["sites"])


def count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def check_store(engine, region_file):
    counts = publish_region(engine, region_file)
    assert counts == {"supply": 5, "demand": 4, "depots": 3, "sites": 2}
    publish_region(engine, region_file)
    assert count(engine, store.supply_table) == 5
    assert count(engine, store.demand_table) == 4

    lot = json.loads(region_file.read_text(encoding="utf-8"))["supply"][0] | {"tonnes": 999.0}
    store.publish(engine, supply=[lot])
    assert count(engine, store.supply_table) == 5
    instance = store.load_region(engine)
    assert {s["id"]: s["tonnes"] for s in instance["supply"]}[lot["lot_id"]] == 999.0
    assert instance["first_month"] == "2027-01"
    assert instance["parameters"]["periods"] == 10
    assert len(instance["disposal_sites"]) == 1
    assert len(instance["primary_sources"]) == 1

    first_month = instance.pop("first_month")
    result = solve(instance)
    store.save_proposal(engine, "REGIO/test", "REGIO", result, "0" * 64, first_month)
    store.save_proposal(engine, "REGIO/test", "REGIO", result, "0" * 64, first_month)
    with engine.connect() as connection:
        flows = connection.execute(select(func.count()).select_from(store.flow_table).where(store.flow_table.c.proposal_id == "REGIO/test")).scalar_one()
    assert flows == len(result["flows"])
    store.set_proposal_status(engine, "REGIO/test", "accepted", "akkoord", "bodemteam1", dt.datetime(2027, 1, 5, tzinfo=dt.timezone.utc))
    latest = store.latest_proposal(engine)
    assert latest["status"] == "accepted"
    assert latest["responded_by"] == "bodemteam1"
    with pytest.raises(InputError):
        store.set_proposal_status(engine, "REGIO/missing", "accepted", "", "x", dt.datetime.now(dt.timezone.utc))


def test_store_on_sqlite(tmp_path, region_file):
    check_store(get_engine(f"sqlite:///{tmp_path / 'store.db'}"), region_file)


def test_invalid_class_rejected(tmp_path, region_file):
    engine = get_engine(f"sqlite:///{tmp_path / 'store.db'}")
    lot = json.loads(region_file.read_text(encoding="utf-8"))["supply"][0] | {"quality_class": "schoon"}
    with pytest.raises(InputError) as info:
        store.publish(engine, supply=[lot])
    assert "schoon" in str(info.value)


def test_invalid_month_rejected(tmp_path, region_file):
    engine = get_engine(f"sqlite:///{tmp_path / 'store.db'}")
    lot = json.loads(region_file.read_text(encoding="utf-8"))["supply"][0] | {"month_from": "maart"}
    with pytest.raises(InputError):
        store.publish(engine, supply=[lot])


def test_withdraw_removes_dropped_lots(tmp_path, region_file):
    engine = get_engine(f"sqlite:///{tmp_path / 'store.db'}")
    publish_region(engine, region_file)
    store.withdraw_tender(engine, "VOORBEELD-GOUDA-01", keep_lots=[], keep_demand=[])
    assert count(engine, store.supply_table) == 4
    assert count(engine, store.demand_table) == 4


@pytest.mark.postgres
def test_store_on_postgres(postgres_store_url, region_file):
    check_store(get_engine(postgres_store_url), region_file)
