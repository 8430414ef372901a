"""SQLAlchemy engines for Grondwerk's own store (not Airflow's metadata database).

SQLite is the embedded default; PostgreSQL is used in production. Each
subpackage declares its tables on ``metadata`` below so one ``create_all``
sets up the whole store.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, ProgrammingError

from grondwerk import settings

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
    """Return a cached engine for ``url`` (default: ``settings.store_url()``) with all tables created.

    Tables declared after the engine was first made (a subpackage imported
    later in the same process) are created on the next call.
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
            except (ProgrammingError, IntegrityError):
                # Another process created the same table between the check and the CREATE.
                time.sleep(0.5)
                metadata.create_all(engine)
            _tables_created[url] = declared
    return engine


def dispose_engines() -> None:
    """Close every cached engine (tests call this before dropping a database)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _tables_created.clear()
