"""Endpoints and credentials of external services, from Airflow Connections.

Connections are read inside tasks only (never at DAG parse time). In the demo
and tests they come from ``AIRFLOW_CONN_<ID>`` environment variables, which
Airflow treats as ordinary Connections.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from grondwerk.errors import InputError
from grondwerk.i18n import msg

log = logging.getLogger(__name__)

BRO_CONN_ID = "grondwerk_bro"
DSO_CONN_ID = "grondwerk_dso"
BRO_PUBLIC_URL = "https://publiek.broservices.nl"


@dataclass(frozen=True)
class Endpoint:
    """Base URL of a service plus its secret (API key or password), never logged."""

    base_url: str
    secret: str | None
    timeout_s: float

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return f"Endpoint(base_url={self.base_url!r}, timeout_s={self.timeout_s})"


def _endpoint(conn_id: str, default_url: str | None) -> Endpoint:
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRuntimeError

    try:
        conn = Connection.get(conn_id)
    except (AirflowNotFoundException, AirflowRuntimeError):
        conn = None
    if conn is None:
        if default_url is None:
            raise InputError(
                msg(
                    "Airflow-connection '{conn}' ontbreekt; maak hem aan met de basis-URL en de API-sleutel als wachtwoord",
                    "Airflow connection '{conn}' is missing; create it with the base URL and the API key as password",
                    conn=conn_id,
                ),
                record=conn_id,
            )
        log.info("Connection %s not defined; using the default %s", conn_id, default_url)
        return Endpoint(default_url, None, 30.0)
    scheme = conn.conn_type if conn.conn_type in ("http", "https") else (conn.schema or "http")
    host = conn.host or ""
    if "://" in host:
        base = host.rstrip("/")
    else:
        port = f":{conn.port}" if conn.port else ""
        base = f"{scheme}://{host}{port}"
    extra = conn.extra_dejson or {}
    path = extra.get("base_path", "")
    timeout = float(extra.get("timeout_s", 30.0))
    return Endpoint(base + path, conn.password or extra.get("api_key"), timeout)


def bro_endpoint() -> Endpoint:
    """BRO REST services; the public service when no Connection is defined."""
    return _endpoint(BRO_CONN_ID, BRO_PUBLIC_URL)


def dso_endpoint() -> Endpoint:
    """DSO APIs (pre-production or production); a Connection is required."""
    return _endpoint(DSO_CONN_ID, None)
