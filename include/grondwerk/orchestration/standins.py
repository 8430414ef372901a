"""Local stand-ins for BRO and the DSO, started for the demo and for end-to-end tests.

The stand-ins run in this process on loopback; ``airflow dags test`` reaches
them through the Airflow Connections ``grondwerk_bro`` and ``grondwerk_dso``,
passed as ``AIRFLOW_CONN_*`` environment variables.
"""

from __future__ import annotations

import json
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from grondwerk import settings


def _connection_env(conn_id: str, base_url: str, password: str | None = None) -> tuple[str, str]:
    parts = urlsplit(base_url)
    conn = {"conn_type": parts.scheme or "http", "host": parts.hostname, "port": parts.port}
    if parts.path and parts.path != "/":
        conn["extra"] = {"base_path": parts.path.rstrip("/")}
    if password:
        conn["password"] = password
    return f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn)


@contextmanager
def running_standins(bro_cassettes: Path | None = None) -> Iterator[dict[str, str]]:
    """Start the BRO and DSO stand-ins; yield the environment that points Airflow at them."""
    from grondwerk.bro.standin import start_standin as start_bro
    from grondwerk.dso.standin import start_standin as start_dso

    cassettes = bro_cassettes or settings.project_root() / "examples" / "demo" / "bro"
    api_key = secrets.token_urlsafe(16)
    bro_server, bro_url = start_bro(cassettes, host="127.0.0.1", port=0)
    dso_server, dso_url = start_dso(host="127.0.0.1", port=0, api_key=api_key)
    try:
        env = dict([_connection_env("grondwerk_bro", bro_url), _connection_env("grondwerk_dso", dso_url, api_key)])
        env["GRONDWERK_DSO_STANDIN_URL"] = dso_url
        yield env
    finally:
        bro_server.shutdown()
        dso_server.shutdown()
