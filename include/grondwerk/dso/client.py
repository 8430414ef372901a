"""HTTP client of the DSO APIs Verzoeksroutering v2 and Verzoek indienen v4.

Every request has a connect and a read timeout. The client never retries by
itself: retries belong to the outbox, which checks the DSO's state before it
sends again. ``DsoTransientError`` means try again later (5xx, 429, timeouts,
connection errors). ``DsoRejected`` means the DSO rejected the content, so
sending it again unchanged will not help.

NOTE: the resource names below the documented base paths are Grondwerk's
guess (see ``data/dso_api.json``); the local stand-in serves the same guess.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import requests

from grondwerk.dso.rules import load_api

log = logging.getLogger(__name__)


class DsoError(Exception):
    """A DSO request failed."""

    def __init__(self, message: str, *, status: int | None = None, problems: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.problems = problems or []


class DsoTransientError(DsoError):
    """The request may or may not have reached the DSO and may succeed later."""


class DsoRejected(DsoError):
    """The DSO rejected the request (4xx other than 409 and 429); resending it unchanged will fail again."""


class DsoConflict(DsoError):
    """The verzoek is already submitted (409); look it up instead of submitting again."""


class DsoClient:
    """Client of one DSO environment (pre-production, production or the local stand-in).

    ``base_url`` is the service root, e.g. the pre-production host; the API
    paths from ``dso_api.json`` are appended. ``timeout`` is in seconds and
    applies to connecting and to each read.
    """

    def __init__(self, base_url: str, api_key: str | None, timeout: float = 30.0, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = (min(timeout, 10.0), timeout)
        self._api = load_api()
        self._session = session or requests.Session()
        self._session.headers["Accept"] = "application/json"
        if api_key:
            self._session.headers[self._api["api_key_header"]] = api_key

    def __repr__(self) -> str:  # keeps the API key out of logs and tracebacks
        return f"DsoClient(base_url={self.base_url!r}, timeout={self.timeout[1]})"

    def close(self) -> None:
        self._session.close()

    def _url(self, api: str, resource: str) -> str:
        return f"{self.base_url}{self._api['paths'][api]}{resource}"

    def _request(self, method: str, url: str, **kwargs: Any) -> Any:
        try:
            response = self._session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise DsoTransientError(f"{method} {url} timed out after {self.timeout[1]} s: {exc}") from exc
        except requests.ConnectionError as exc:
            raise DsoTransientError(f"{method} {url} failed to connect or lost the connection: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise DsoTransientError(f"{method} {url} returned HTTP {response.status_code}", status=response.status_code)
        body = _json_body(response)
        if response.status_code == 409:
            raise DsoConflict(f"{method} {url} returned HTTP 409: {body.get('detail', '')}", status=409, problems=[body])
        if response.status_code >= 400:
            problems = body.get("invalidParams") or [{"name": "", "reason": body.get("detail") or body.get("title") or response.reason}]
            raise DsoRejected(f"{method} {url} returned HTTP {response.status_code}: {body.get('title', response.reason)}", status=response.status_code, problems=problems)
        if not isinstance(body, dict):
            raise DsoTransientError(f"{method} {url} returned a body that is not a JSON object", status=response.status_code)
        return body

    def route(self, activity_refs: list[str], geometry: dict[str, Any]) -> dict[str, Any]:
        """Ask Verzoeksroutering for the bevoegd gezag and behandeldienst of activities at a location."""
        body = {"activiteiten": [{"functioneleStructuurRef": ref} for ref in activity_refs], "locatie": {"geometrie": geometry}}
        return self._request("POST", self._url("verzoeksroutering", "/routeringen"), json=body)

    def create(self, indienbericht: dict[str, Any]) -> dict[str, Any]:
        """Post step 1 (the indienbericht); return the temporary verzoek id and links."""
        return self._request("POST", self._url("indienen", "/verzoeken"), json=indienbericht)

    def attach(self, verzoek_id: str, filename: str, media_type: str, content: bytes) -> dict[str, Any]:
        """Attach a document (bijlage) to a verzoek that is not yet submitted."""
        body = {"bestandsnaam": filename, "mediatype": media_type, "inhoud": base64.b64encode(content).decode("ascii")}
        return self._request("POST", self._url("indienen", f"/verzoeken/{verzoek_id}/bijlagen"), json=body)

    def submit(self, verzoek_id: str) -> dict[str, Any]:
        """Submit (indienen) a verzoek; return the receipt with verzoeknummer and timestamps."""
        return self._request("POST", self._url("indienen", f"/verzoeken/{verzoek_id}/indienen"), json={})

    def lookup(self, referentie: str) -> list[dict[str, Any]]:
        """Return the verzoeken the DSO has stored with the client's ``referentie`` (submitted or not)."""
        body = self._request("GET", self._url("indienen", "/verzoeken"), params={"referentie": referentie})
        items = body.get("verzoeken")
        if not isinstance(items, list):
            raise DsoTransientError("lookup returned no 'verzoeken' list")
        return items


def _json_body(response: requests.Response) -> Any:
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return {"detail": response.text[:200]}
