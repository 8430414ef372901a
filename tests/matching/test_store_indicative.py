"""The regional store keeps klasse_indicatief of a lot, and stores of an earlier version gain the column on opening.

Every test runs on SQLite and on a PostgreSQL database that it creates on 127.0.0.1 and drops afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from sqlalchemy import Boolean, Column, DateTime, Float, Integer, MetaData, String, Table, create_engine, inspect, select, text

from grondwerk import db
from grondwerk.db import dispose_engines, get_engine
from grondwerk.errors import InputError
from grondwerk.matching import store

NOW = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_store_url(request, tmp_path):
    """Return the URL of an empty SQLite or PostgreSQL store, removed after the test."""
    if request.param == "postgresql":
        yield request.getfixturevalue("postgres_store_url")
        return
    yield f"sqlite:///{tmp_path / 'store.db'}"
    dispose_engines()


def region(region_file) -> dict:
    return json.loads(region_file.read_text(encoding="utf-8"))


def stored_flags(engine) -> dict[str, bool]:
    return {lot["id"]: lot["klasse_indicatief"] for lot in store.load_region(engine)["supply"]}


def old_schema() -> tuple[MetaData, Table, Table]:
    """Return the supply and flow tables as the version before klasse_indicatief created them."""
    old = MetaData()
    supply = Table(
        "matching_supply", old,
        Column("lot_id", String(200), primary_key=True),
        Column("tender_reference", String(64), nullable=False, index=True),
        Column("owner", String(200), nullable=False),
        Column("name", String(300), nullable=False, default=""),
        Column("x_rd_m", Float, nullable=False),
        Column("y_rd_m", Float, nullable=False),
        Column("tonnes", Float, nullable=False),
        Column("volume_m3", Float),
        Column("quality_class", String(32), nullable=False),
        Column("soil_type", String(32), nullable=False),
        Column("month_from", String(7), nullable=False),
        Column("month_to", String(7), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )
    flows = Table(
        "matching_flows", old,
        Column("proposal_id", String(300), primary_key=True),
        Column("seq", Integer, primary_key=True),
        Column("kind", String(16), nullable=False),
        Column("from_id", String(200), nullable=False),
        Column("to_id", String(200), nullable=False),
        Column("month", String(7), nullable=False),
        Column("tonnes", Float, nullable=False),
        Column("km", Float, nullable=False),
    )
    return old, supply, flows


def create_old_store(url: str, lots: list[dict]) -> None:
    """Create the old tables with ``lots`` and one flow, through an engine that runs no upgrade."""
    old, supply, flows = old_schema()
    engine = create_engine(url)
    old.create_all(engine)
    rows = [{key: lot[key] for key in ("lot_id", "tender_reference", "owner", "name", "x_rd_m", "y_rd_m", "tonnes",
                                       "quality_class", "soil_type", "month_from", "month_to")} | {"volume_m3": None, "updated_at": NOW}
            for lot in lots]
    with engine.begin() as connection:
        connection.execute(supply.insert(), rows)
        connection.execute(flows.insert(), [{"proposal_id": "REGIO/oud", "seq": 0, "kind": "direct", "from_id": lots[0]["lot_id"],
                                             "to_id": "VOORBEELD-GOUDA-11/vraag", "month": "2027-03", "tonnes": 100.0, "km": 4.2}])
    engine.dispose()


def columns(engine, table: str) -> list[str]:
    return [column["name"] for column in inspect(engine).get_columns(table)]


def test_publish_and_reload_flag(empty_store_url, region_file):
    engine = get_engine(empty_store_url)
    data = region(region_file)
    lots = data["supply"]
    store.publish(engine, supply=[lots[0] | {"klasse_indicatief": True}, *lots[1:]], demand=data["demand"], depots=data["depots"], sites=data["sites"])

    flags = stored_flags(engine)
    assert flags[lots[0]["lot_id"]] is True
    assert [flags[lot["lot_id"]] for lot in lots[1:]] == [False] * (len(lots) - 1)

    store.publish(engine, supply=[lots[0] | {"klasse_indicatief": False}, lots[1] | {"klasse_indicatief": True}])
    flags = stored_flags(engine)
    assert flags[lots[0]["lot_id"]] is False
    assert flags[lots[1]["lot_id"]] is True


def test_publish_rejects_non_boolean_flag(empty_store_url, region_file):
    engine = get_engine(empty_store_url)
    lot = region(region_file)["supply"][0] | {"klasse_indicatief": "ja"}

    with pytest.raises(InputError) as info:
        store.publish(engine, supply=[lot])

    assert info.value.record == f"{lot['lot_id']}.klasse_indicatief"
    assert "klasse_indicatief moet true of false zijn, niet 'ja'" in str(info.value)
    assert stored_flags(engine) == {}


def test_old_store_gains_column(empty_store_url, region_file):
    lots = region(region_file)["supply"]
    create_old_store(empty_store_url, lots)

    engine = get_engine(empty_store_url)

    assert "klasse_indicatief" in columns(engine, "matching_supply")
    assert "klasse_indicatief" in columns(engine, "matching_flows")
    assert stored_flags(engine) == {lot["lot_id"]: False for lot in lots}
    with engine.connect() as connection:
        old_flow = connection.execute(select(store.flow_table).where(store.flow_table.c.proposal_id == "REGIO/oud")).one()
    assert old_flow.klasse_indicatief is False
    assert old_flow.tonnes == 100.0

    store.publish(engine, supply=[lots[2] | {"klasse_indicatief": True}])
    flags = stored_flags(engine)
    assert flags[lots[2]["lot_id"]] is True
    assert sum(flags.values()) == 1


def test_old_schema_insert_gets_default(empty_store_url, region_file):
    """A process of the earlier version that still writes lots without the column stores them as not indicatief."""
    lots = region(region_file)["supply"]
    create_old_store(empty_store_url, lots[:1])
    engine = get_engine(empty_store_url)
    _old, supply, _flows = old_schema()

    with engine.begin() as connection:
        connection.execute(supply.insert(), [{key: lots[1][key] for key in ("lot_id", "tender_reference", "owner", "name", "x_rd_m", "y_rd_m",
                                                                            "tonnes", "quality_class", "soil_type", "month_from", "month_to")}
                                             | {"volume_m3": None, "updated_at": NOW}])

    assert stored_flags(engine) == {lots[0]["lot_id"]: False, lots[1]["lot_id"]: False}


def test_upgrade_is_idempotent(empty_store_url, region_file):
    create_old_store(empty_store_url, region(region_file)["supply"])
    engine = get_engine(empty_store_url)

    assert db.add_missing_columns(engine) == []
    dispose_engines()
    engine = get_engine(empty_store_url)
    assert columns(engine, "matching_supply").count("klasse_indicatief") == 1
    assert db.add_missing_columns(engine) == []


def test_column_added_meanwhile_is_accepted(empty_store_url, region_file, monkeypatch):
    """Another process adds the column between this process's check and its ALTER TABLE."""
    create_old_store(empty_store_url, region(region_file)["supply"])
    engine = create_engine(empty_store_url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE matching_supply ADD COLUMN klasse_indicatief BOOLEAN DEFAULT false NOT NULL"))
    real_column_names = db._column_names
    calls = []

    def stale_then_real(engine, table):
        calls.append(table.name)
        return set() if len(calls) == 1 else real_column_names(engine, table)

    monkeypatch.setattr(db, "_column_names", stale_then_real)

    assert db.add_column(engine, store.supply_table, store.supply_table.c.klasse_indicatief) is False
    assert columns(engine, "matching_supply").count("klasse_indicatief") == 1
    engine.dispose()


# Imports first and waits for the start file, so that the processes open the store at the same moment.
OPEN_STORE = """
import pathlib, sys, time
from grondwerk.db import get_engine
from grondwerk.matching import store
print("ready", flush=True)
start = pathlib.Path(sys.argv[2])
while not start.exists():
    time.sleep(0.005)
engine = get_engine(sys.argv[1])
print(len(store.load_region(engine)["supply"]))
"""


def test_concurrent_opening_upgrades_once(empty_store_url, region_file, tmp_path):
    lots = region(region_file)["supply"]
    create_old_store(empty_store_url, lots)
    start = tmp_path / "start"

    processes = [subprocess.Popen([sys.executable, "-c", OPEN_STORE, empty_store_url, str(start)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    ready = [process.stdout.readline().strip() for process in processes]
    start.touch()
    results = [process.communicate(timeout=120) for process in processes]

    assert ready == ["ready"] * 4
    for process, (stdout, stderr) in zip(processes, results):
        assert process.returncode == 0, stderr[-2000:]
        assert stdout.strip() == str(len(lots))
    engine = get_engine(empty_store_url)
    assert columns(engine, "matching_supply").count("klasse_indicatief") == 1
    assert stored_flags(engine) == {lot["lot_id"]: False for lot in lots}


def test_old_store_without_server_default_is_reported(tmp_path, caplog):
    """A declared NOT NULL column without a server default cannot fill stored rows, so it is logged and left out."""
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE grondwerk_test_upgrade (id INTEGER PRIMARY KEY)"))
    table = Table("grondwerk_test_upgrade", db.metadata, Column("id", Integer, primary_key=True),
                  Column("required", String(10), nullable=False), Column("optional", Boolean))
    try:
        added = db.add_missing_columns(engine)
    finally:
        db.metadata.remove(table)
        engine.dispose()

    assert added == ["grondwerk_test_upgrade.optional"]
    assert "lacks the NOT NULL column required" in caplog.text
