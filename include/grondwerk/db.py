"""SQLAlchemy engines for Grondwerk's own store (not Airflow's metadata database).

SQLite is the embedded default; PostgreSQL is used in production. Each
subpackage declares its tables on ``metadata`` below so one ``create_all``
sets up the whole store.

Schema upgrades: ``create_all`` creates missing tables but never changes an
existing one. A column declared later, in a table that a store created by an
earlier version already has, is added in place when the engine is made
(``ALTER TABLE ... ADD COLUMN``). Such a column must be nullable or have a
``server_default``, so that the rows already stored get a value.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Column, MetaData, Table, create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.schema import CreateColumn

from grondwerk import settings

log = logging.getLogger(__name__)

metadata = MetaData()
_engines: dict[str, Engine] = {}
_tables_created: dict[str, frozenset[str]] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """Return a cached engine for ``url`` (default: ``settings.store_url()``) with all tables and columns created.

    Tables declared after the engine was first made (a subpackage imported
    later in the same process) are created on the next call. Columns missing
    from existing tables are added by ``add_missing_columns``.
    """
    url = url or settings.store_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_engine(url, pool_pre_ping=True, future=True)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            _engines[url] = engine
        declared = frozenset(metadata.tables)
        if _tables_created.get(url) != declared:
            try:
                metadata.create_all(engine)
            except (ProgrammingError, IntegrityError, OperationalError):
                # Another process created the same table between the check and the CREATE. PostgreSQL raises
                # ProgrammingError or IntegrityError for that, SQLite OperationalError ("table ... already exists").
                time.sleep(0.5)
                metadata.create_all(engine)
            add_missing_columns(engine)
            _tables_created[url] = declared
    return engine


def _column_names(engine: Engine, table: Table) -> set[str]:
    # A new inspector each time: a cached one would keep the columns it saw before another process altered the table.
    return {column["name"] for column in inspect(engine).get_columns(table.name, schema=table.schema)}


def add_column(engine: Engine, table: Table, column: Column) -> bool:
    """Add ``column`` of ``table`` to the database; return False when the table has it already.

    Safe when several processes open the same store at once: a failed ``ALTER TABLE``
    counts as done when the column exists afterwards, because another process added
    it between our check and our statement. (SQLite has no ``ADD COLUMN IF NOT EXISTS``,
    so both dialects take this path.)
    """
    if column.name in _column_names(engine, table):
        return False
    definition = CreateColumn(column).compile(dialect=engine.dialect)
    table_name = engine.dialect.identifier_preparer.format_table(table)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"ALTER TABLE {table_name} ADD COLUMN {definition}"))
    except DBAPIError:
        if column.name not in _column_names(engine, table):
            raise
        log.info("Column %s.%s was added by another process", table.name, column.name)
        return False
    log.info("Added column %s.%s to a store created by an earlier version", table.name, column.name)
    return True


def add_missing_columns(engine: Engine) -> list[str]:
    """Add every column declared on ``metadata`` that an existing table lacks; return them as ``table.column``.

    A missing column that is NOT NULL without a ``server_default`` cannot be
    filled for the rows already stored. It is logged as an error and left out,
    so only the queries that use it fail.
    """
    added = []
    existing = inspect(engine)
    for table in metadata.sorted_tables:
        if not existing.has_table(table.name, schema=table.schema):
            continue
        present = {column["name"] for column in existing.get_columns(table.name, schema=table.schema)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable and column.server_default is None:
                log.error("Table %s lacks the NOT NULL column %s, which has no server default to fill the stored rows; "
                          "add the column by hand or give it a server_default", table.name, column.name)
                continue
            if add_column(engine, table, column):
                added.append(f"{table.name}.{column.name}")
    return added


def dispose_engines() -> None:
    """Close every cached engine (tests call this before dropping a database)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _tables_created.clear()
