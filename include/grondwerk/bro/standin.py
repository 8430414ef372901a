"""A local stand-in of the BRO REST services that serves recorded real objects.

The cassette folder contains BRO dispatch XML files as the BRO delivered them
(``<broId>.xml``, the layout ``BroClient(record_dir=...)`` writes). The
stand-in serves:

- ``GET {service}/objects/{broId}``: the recorded XML; an unknown id gets
  HTTP 404 with a rejection document.
- ``POST {service}/characteristics/searches``: a ``dispatchCharacteristicsResponse``
  computed from the recorded objects' own locations, for a ``boundingBox``
  or ``enclosingCircle`` area in WGS84. Deregistered objects appear as
  ``BRO_DO`` documents. More than ``max_results`` hits give a rejection
  (``over_cap="reject"``) or the first ``max_results`` documents
  (``over_cap="truncate"``).

The stand-in listens on loopback addresses only. Start it with ``start_standin(dir)`` or
``python -m grondwerk.bro.standin --cassettes DIR --port N``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import threading
import time
from collections import deque
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from grondwerk.bro.services import BROCOMMON_NS, DEFAULT_MAX_RESULTS, GML_NS, SERVICES, BroService, service_for_path

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
MAX_REQUEST_BYTES = 1 << 20
EARTH_RADIUS_KM = 6371.0088


class CassetteIndex:
    """The recorded objects of a cassette folder, indexed by BRO id."""

    def __init__(self, cassette_dir: Path):
        from grondwerk.bro.readers import object_summary
        from grondwerk.bro.xmlsafe import parse_xml_file
        from grondwerk.errors import InputError

        self.cassette_dir = Path(cassette_dir)
        self.objects: dict[str, dict[str, Any]] = {}
        self.unreadable: dict[str, str] = {}
        for path in sorted(self.cassette_dir.glob("*.xml")):
            try:
                summary = object_summary(parse_xml_file(path), str(path))
            except InputError as exc:
                self.unreadable[path.name] = str(exc)
                log.warning("Cassette %s is not served: %s", path, exc)
                continue
            summary["path"] = path
            self.objects[summary["bro_id"]] = summary
        log.info("Stand-in cassettes in %s: %s objects, %s unreadable files", self.cassette_dir, len(self.objects), len(self.unreadable))

    def of_type(self, object_type: str) -> list[dict[str, Any]]:
        return [item for item in self.objects.values() if item["object_type"] == object_type]


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def area_filter(area: dict[str, Any]):
    """Return a predicate ``(lat, lon) -> bool`` for a characteristics-search ``area``; raises ValueError when invalid."""
    if "boundingBox" in area:
        box = area["boundingBox"]
        lower, upper = box["lowerCorner"], box["upperCorner"]
        lat_min, lon_min, lat_max, lon_max = float(lower["lat"]), float(lower["lon"]), float(upper["lat"]), float(upper["lon"])
        if lat_min > lat_max or lon_min > lon_max:
            raise ValueError("lowerCorner must be south-west of upperCorner")
        return lambda lat, lon: lat_min <= lat <= lat_max and lon_min <= lon <= lon_max
    if "enclosingCircle" in area:
        circle = area["enclosingCircle"]
        lat0, lon0, radius = float(circle["center"]["lat"]), float(circle["center"]["lon"]), float(circle["radius"])
        if radius <= 0:
            raise ValueError("radius must be positive (km)")
        return lambda lat, lon: _haversine_km(lat0, lon0, lat, lon) <= radius
    raise ValueError("area needs a boundingBox or an enclosingCircle")


def _envelope_open(service: BroService, root: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<{root} xmlns="{service.namespace}" xmlns:brocom="{BROCOMMON_NS}" xmlns:gml="{GML_NS}">'
    )


def rejection_document(service: BroService, reason: str, root: str = "dispatchDataResponse") -> bytes:
    """Build a BRO rejection document carrying ``reason``."""
    return (
        _envelope_open(service, root)
        + "<brocom:responseType>rejection</brocom:responseType>"
        + "<brocom:requestReference>-</brocom:requestReference>"
        + f"<brocom:rejectionReason>{escape(reason)}</brocom:rejectionReason>"
        + f"</{root}>"
    ).encode("utf-8")


def characteristics_document(service: BroService, hits: list[dict[str, Any]]) -> bytes:
    """Build a ``dispatchCharacteristicsResponse`` listing ``hits``."""
    parts = [
        _envelope_open(service, "dispatchCharacteristicsResponse"),
        "<brocom:responseType>dispatch</brocom:responseType>",
        "<brocom:requestReference>-</brocom:requestReference>",
        f"<numberOfDocuments>{len(hits)}</numberOfDocuments>",
    ]
    for number, hit in enumerate(hits, start=1):
        bro_id = escape(hit["bro_id"])
        if hit["deregistered"]:
            parts.append(
                f"<dispatchDocument><brocom:BRO_DO><brocom:broId>{bro_id}</brocom:broId>"
                "<brocom:deregistered>ja</brocom:deregistered></brocom:BRO_DO></dispatchDocument>"
            )
            continue
        parts.append(
            f'<dispatchDocument><{service.characteristics_element} gml:id="BRO_{number:04d}">'
            f"<brocom:broId>{bro_id}</brocom:broId>"
            "<brocom:deregistered>nee</brocom:deregistered>"
            f'<standardizedLocation><gml:Point srsName="urn:ogc:def:crs:EPSG::4258"><gml:pos>{hit["lat_wgs84"]:.9f} {hit["lon_wgs84"]:.9f}</gml:pos></gml:Point></standardizedLocation>'
            f'<deliveredLocation><gml:Point srsName="urn:ogc:def:crs:EPSG::28992"><gml:pos>{hit["x_rd_m"]:.3f} {hit["y_rd_m"]:.3f}</gml:pos></gml:Point></deliveredLocation>'
            f"</{service.characteristics_element}></dispatchDocument>"
        )
    parts.append("</dispatchCharacteristicsResponse>")
    return "".join(parts).encode("utf-8")


class StandinServer(ThreadingHTTPServer):
    """HTTP server with the cassette index, the search cap and a queue of injected failures."""

    daemon_threads = True

    def __init__(self, address, cassette_dir: Path, max_results: int = DEFAULT_MAX_RESULTS, over_cap: str = "reject"):
        if address[0] not in LOOPBACK_HOSTS:
            raise ValueError(f"the BRO stand-in listens on loopback only, not on {address[0]!r}")
        if over_cap not in ("reject", "truncate"):
            raise ValueError(f"over_cap must be 'reject' or 'truncate', not {over_cap!r}")
        self.index = CassetteIndex(cassette_dir)
        self.max_results = max_results
        self.over_cap = over_cap
        # Each fault is (HTTP status, headers, rejection reason or None); status 0 means "delay".
        self.faults: deque[tuple[int, dict[str, str], str | None]] = deque()
        self.requests_seen: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        super().__init__(address, StandinHandler)

    def inject_faults(self, *statuses: int, retry_after: str | None = None) -> None:
        """Return these HTTP statuses (e.g. 503, 429) for the next requests, then serve normally again."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        with self._lock:
            self.faults.extend((status, headers, None) for status in statuses)

    def inject_rejection(self, reason: str) -> None:
        """Return HTTP 200 with a BRO rejection document carrying ``reason`` for the next request."""
        with self._lock:
            self.faults.append((HTTPStatus.OK, {}, reason))

    def inject_delay(self, seconds: float) -> None:
        """Delay the response to the next request by ``seconds`` (to test client timeouts)."""
        with self._lock:
            self.faults.append((0, {"delay": str(seconds)}, None))

    def next_fault(self) -> tuple[int, dict[str, str], str | None] | None:
        with self._lock:
            return self.faults.popleft() if self.faults else None

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.requests_seen.append(entry)


class StandinHandler(BaseHTTPRequestHandler):
    server: StandinServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server API
        log.debug("stand-in %s - %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, content_type: str = "application/xml", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _error_json(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps({"errors": [{"message": message}]}).encode("utf-8"), "application/json", headers)

    def _fault(self, service: BroService | None) -> bool:
        fault = self.server.next_fault()
        if fault is None:
            return False
        status, headers, reason = fault
        if status == 0:
            time.sleep(float(headers["delay"]))
            return False
        if reason is not None and service is not None:
            root = "dispatchCharacteristicsResponse" if self.command == "POST" else "dispatchDataResponse"
            self._send(status, rejection_document(service, reason, root), headers=headers)
        else:
            self._error_json(status, f"injected failure {status}", headers)
        return True

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.server.record({"method": "GET", "path": self.path})
        found = service_for_path(self.path.split("?")[0])
        if self._fault(found[0] if found else None):
            return
        if not found or not found[1].startswith("/objects/"):
            self._error_json(HTTPStatus.NOT_FOUND, f"unknown path {self.path}")
            return
        service, rest = found
        bro_id = rest[len("/objects/") :]
        item = self.server.index.objects.get(bro_id)
        if item is None or item["object_type"] != service.object_type:
            reason = f"Het object met BRO-ID {bro_id} is niet gevonden (object not found)."
            self._send(HTTPStatus.NOT_FOUND, rejection_document(service, reason))
            return
        self._send(HTTPStatus.OK, Path(item["path"]).read_bytes())

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self._error_json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large")
            return
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        self.server.record({"method": "POST", "path": self.path, "body": body})
        found = service_for_path(self.path.split("?")[0])
        if self._fault(found[0] if found else None):
            return
        if not found or found[1] != "/characteristics/searches":
            self._error_json(HTTPStatus.NOT_FOUND, f"unknown path {self.path}")
            return
        service = found[0]
        if not isinstance(body, dict) or "area" not in body:
            self._error_json(HTTPStatus.BAD_REQUEST, "request body must be JSON with an 'area'")
            return
        try:
            inside = area_filter(body["area"])
        except (KeyError, TypeError, ValueError) as exc:
            self._error_json(HTTPStatus.BAD_REQUEST, f"invalid area: {exc}")
            return
        hits = sorted(
            (item for item in self.server.index.of_type(service.object_type) if inside(item["lat_wgs84"], item["lon_wgs84"])),
            key=lambda item: item["bro_id"],
        )
        if len(hits) > self.server.max_results:
            if self.server.over_cap == "reject":
                reason = (
                    f"Het aantal gevonden objecten ({len(hits)}) is groter dan het maximum van {self.server.max_results}; "
                    "verklein het zoekgebied."
                )
                self._send(HTTPStatus.OK, rejection_document(service, reason, "dispatchCharacteristicsResponse"))
                return
            hits = hits[: self.server.max_results]
        self._send(HTTPStatus.OK, characteristics_document(service, hits))


def start_standin(
    cassette_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    max_results: int = DEFAULT_MAX_RESULTS,
    over_cap: str = "reject",
) -> tuple[StandinServer, str]:
    """Start the stand-in in a background thread; return ``(server, base_url)``. Stop it with ``server.shutdown()``."""
    server = StandinServer((host, port), Path(cassette_dir), max_results=max_results, over_cap=over_cap)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="bro-standin", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    base_url = f"http://{bound_host}:{bound_port}"
    log.info("BRO stand-in serving %s objects from %s at %s", len(server.index.objects), cassette_dir, base_url)
    return server, base_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grondwerk.bro.standin", description="Local BRO stand-in serving recorded objects.")
    parser.add_argument("--cassettes", type=Path, required=True, help="folder with recorded BRO dispatch XML files (<broId>.xml)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default 0: any free port)")
    parser.add_argument("--max-results", type=int, default=DEFAULT_MAX_RESULTS, help="cap of the characteristics search (documents)")
    parser.add_argument("--over-cap", choices=("reject", "truncate"), default="reject", help="response to a search above the cap: a rejection or the first documents")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not args.cassettes.is_dir():
        parser.error(f"cassette folder {args.cassettes} does not exist")
    server = StandinServer((args.host, args.port), args.cassettes, max_results=args.max_results, over_cap=args.over_cap)
    host, port = server.server_address[:2]
    print(f"BRO stand-in: http://{host}:{port} ({len(server.index.objects)} objects)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
