"""Local stand-in for the DSO APIs Verzoeksroutering v2 and Verzoek indienen v4.

Used by tests and the demo, it listens on loopback only and serves the same
paths and shapes as ``client.DsoClient`` (see ``data/dso_api.json``). It
checks the API key header and validates indienberichten: invalid ones get 400
with ``invalidParams`` (problem+json of the Dutch API design rules). Receipts
carry a verzoeknummer and timestamps. Every verzoek is kept in memory, and
optionally in a JSON file, so tests can count submitted meldingen and
duplicates.

Faults are injected per server (``FaultConfig``: a rate and the kinds to draw
from) or per request with the header ``X-Standin-Fault: <kind>``:

- ``error_5xx``: respond 500, 502 or 503 without processing the request;
- ``timeout``: hold the connection for ``hang_s`` seconds, then close it unprocessed;
- ``slow``: wait ``slow_s`` seconds, then process and respond normally;
- ``reset``: read the request, then reset the connection unprocessed;
- ``lost_response``: process the request, then reset the connection, so the
  verzoek is stored but the client never sees the answer.

Run it with ``python -m grondwerk.dso.standin --port 8765``.

NOTE: the resource names, field names and verzoeknummer format are guesses;
only the base paths and the content of step 1 are documented.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import logging
import os
import random
import re
import secrets
import socket
import struct
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from grondwerk.dso.rules import DATA_DIR, load_api, load_rules

log = logging.getLogger(__name__)

FAULT_KINDS = ("error_5xx", "timeout", "slow", "reset", "lost_response")
FAULT_HEADER = "X-Standin-Fault"
MAX_BODY_BYTES = 20 * 1024 * 1024
QUALITY_CLASSES = ("achtergrondwaarde", "wonen", "industrie")
RD_BOUNDS = (0.0, 289_000.0, 300_000.0, 629_000.0)
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class FaultConfig:
    """Fault injection of a stand-in: each request fails with probability ``rate``, the kind drawn from ``kinds``."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    hang_s: float = 5.0
    slow_s: float = 1.0
    seed: int | None = None

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {FAULT_KINDS}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate {self.rate} is not between 0 and 1")


@dataclass
class StandinState:
    """Everything the stand-in stores: verzoeken by id and counters of requests and faults."""

    verzoeken: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submitted(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(v) for v in self.verzoeken.values() if v["status"] == "ingediend"]

    def submitted_by_reference(self) -> dict[str, int]:
        """Return how many submitted verzoeken each client reference has (more than 1 is a duplicate)."""
        counts: dict[str, int] = {}
        for verzoek in self.submitted():
            counts[verzoek["referentie"]] = counts.get(verzoek["referentie"], 0) + 1
        return counts

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {"verzoeken": list(self.verzoeken.values()), "requests": self.requests, "faults": dict(self.faults)}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _problem(status: int, title: str, detail: str = "", invalid: list[dict[str, str]] | None = None) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if invalid:
        body["invalidParams"] = invalid
    return status, body


def _points(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    coordinates = geometry.get("coordinates")
    kind = geometry.get("type")
    if kind == "Point":
        return [(float(coordinates[0]), float(coordinates[1]))]
    if kind == "Polygon":
        return [(float(x), float(y)) for x, y, *_ in coordinates[0]]
    if kind == "MultiPolygon":
        return [(float(x), float(y)) for polygon in coordinates for x, y, *_ in polygon[0]]
    raise ValueError(f"geometry type {kind!r} is not Point, Polygon or MultiPolygon")


def validate_geometry(geometry: Any, name: str) -> list[dict[str, str]]:
    """Return problems of a GeoJSON geometry that must lie in the Netherlands in RD New metres."""
    if not isinstance(geometry, dict):
        return [{"name": name, "reason": "geometrie ontbreekt of is geen GeoJSON-object"}]
    crs_name = str(_object(_object(geometry.get("crs")).get("properties")).get("name", ""))
    if "28992" not in crs_name:
        return [{"name": f"{name}.crs", "reason": "geometrie moet in RD New (EPSG:28992) zijn"}]
    try:
        points = _points(geometry)
    except (TypeError, ValueError, IndexError, KeyError) as exc:
        return [{"name": name, "reason": f"ongeldige coördinaten: {exc}"}]
    for x, y in points:
        if not (RD_BOUNDS[0] <= x <= RD_BOUNDS[2] and RD_BOUNDS[1] <= y <= RD_BOUNDS[3]):
            return [{"name": name, "reason": f"punt ({x}, {y}) ligt buiten Nederland in RD New"}]
    return []


def validate_indienbericht(body: Any) -> list[dict[str, str]]:
    """Return the problems of an indienbericht for a melding of applying or storing soil (empty when valid)."""
    if not isinstance(body, dict):
        return [{"name": "", "reason": "het bericht is geen JSON-object"}]
    api = load_api()
    problems: list[dict[str, str]] = []
    general = _object(body.get("algemeneGegevens"))
    if general.get("verzoektype") != api["verzoektype"]:
        problems.append({"name": "algemeneGegevens.verzoektype", "reason": f"verwacht '{api['verzoektype']}'"})
    if not re.fullmatch(r"[0-9a-f]{64}", str(general.get("referentie", ""))):
        problems.append({"name": "algemeneGegevens.referentie", "reason": "referentie moet 64 hexadecimale tekens zijn"})
    authority = _object(body.get("bevoegdGezag"))
    if not re.fullmatch(r"\d{20}", str(authority.get("oin", ""))) or not authority.get("naam"):
        problems.append({"name": "bevoegdGezag", "reason": "OIN (20 cijfers) en naam van het bevoegd gezag zijn verplicht"})
    known_activities = {a["naam"]: key for key, a in api["activities"].items()}
    activities = body.get("activiteiten") if isinstance(body.get("activiteiten"), list) else []
    activity_keys = [known_activities.get(str(_object(a).get("naam"))) for a in activities]
    if not activities or None in activity_keys:
        problems.append({"name": "activiteiten", "reason": "minstens één bekende activiteit is verplicht"})
    problems += validate_geometry(_object(body.get("locatie")).get("geometrie"), "locatie.geometrie")
    if not _object(body.get("aanvrager")).get("naam"):
        problems.append({"name": "aanvrager.naam", "reason": "naam van de melder is verplicht"})
    problems += _validate_answers(body.get("vragen"), "opslaan_landbodem" in activity_keys)
    return problems


def _object(value: Any) -> dict[str, Any]:
    """Return ``value`` when it is a JSON object, else an empty one, so validation reports it as missing."""
    return value if isinstance(value, dict) else {}


def _validate_answers(questions: Any, is_storage: bool) -> list[dict[str, str]]:
    if not isinstance(questions, list):
        return [{"name": "vragen", "reason": "vragen moet een lijst zijn"}]
    answers = {str(q.get("code")): q.get("antwoord") for q in questions if isinstance(q, dict)}
    problems: list[dict[str, str]] = []
    required = ["herkomst", "partij", "hoeveelheid_m3", "kwaliteitsklasse", "verklaring_soort", "bodemfunctieklasse", "startdatum", "duur_dagen"]
    if is_storage:
        required += ["opslagsoort", "opslagduur_maanden"]
    for code in required:
        if answers.get(code) in (None, ""):
            problems.append({"name": f"vragen.{code}", "reason": "antwoord ontbreekt"})
    volume = answers.get("hoeveelheid_m3")
    if isinstance(volume, bool) or not isinstance(volume, (int, float)) or volume <= 0:
        problems.append({"name": "vragen.hoeveelheid_m3", "reason": "hoeveelheid moet een getal groter dan 0 zijn"})
    for code in ("kwaliteitsklasse", "bodemfunctieklasse"):
        if answers.get(code) not in QUALITY_CLASSES:
            problems.append({"name": f"vragen.{code}", "reason": f"kies uit {', '.join(QUALITY_CLASSES)}"})
    if answers.get("verklaring_soort") not in load_rules().verklaring_kinds():
        problems.append({"name": "vragen.verklaring_soort", "reason": f"kies uit {', '.join(load_rules().verklaring_kinds())}"})
    if not DATE_PATTERN.match(str(answers.get("startdatum", ""))):
        problems.append({"name": "vragen.startdatum", "reason": "datum moet JJJJ-MM-DD zijn"})
    months = answers.get("opslagduur_maanden")
    if is_storage and isinstance(months, (int, float)) and months > 6 and not answers.get("eindbestemming"):
        problems.append({"name": "vragen.eindbestemming", "reason": "eindbestemming is verplicht bij opslag langer dan 6 maanden"})
    return problems


class StandinServer(ThreadingHTTPServer):
    """The stand-in HTTP server with its state, API key, routing table and fault settings."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api_key: str | None, faults: FaultConfig, state_file: Path | None, routing: dict[str, Any]):
        super().__init__(address, StandinHandler)
        self.api_key = api_key
        self.faults = faults
        self.state_file = state_file
        self.routing = routing
        self.state = StandinState()
        self.api = load_api()
        self._random = random.Random(faults.seed)
        self._random_lock = threading.Lock()
        self._numbers = itertools.count(int(dt.date.today().strftime("%y")) * 1_000_000 + 1)
        self._file_lock = threading.Lock()

    def draw_fault(self) -> str | None:
        with self._random_lock:
            if self.faults.rate and self._random.random() < self.faults.rate:
                return self._random.choice(self.faults.kinds)
        return None

    def next_verzoeknummer(self) -> str:
        # NOTE: the format of a real DSO verzoeknummer was not documented in the pages read; 8 digits is a guess.
        with self._random_lock:
            return f"{next(self._numbers):08d}"

    def save(self) -> None:
        if self.state_file is None:
            return
        with self._file_lock:
            data = self.state.to_json()
            fd, tmp = tempfile.mkstemp(dir=self.state_file.parent, prefix=".standin.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False)
            os.replace(tmp, self.state_file)


class StandinHandler(BaseHTTPRequestHandler):
    """Request handler: authentication, fault injection, then the API resources."""

    server: StandinServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes, so with Nagle on each response waits about 40 ms for a delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of BaseHTTPRequestHandler
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        self._handle("POST")

    def _handle(self, method: str) -> None:
        body = self._read_body()
        with self.server.state.lock:
            self.server.state.requests += 1
        fault = self.headers.get(FAULT_HEADER) or self.server.draw_fault()
        if fault not in (None, "", *FAULT_KINDS):
            self._send(*_problem(400, "Onbekende fout-injectie", f"{FAULT_HEADER} moet een van {', '.join(FAULT_KINDS)} zijn"))
            return
        if fault:
            with self.server.state.lock:
                self.server.state.faults[fault] = self.server.state.faults.get(fault, 0) + 1
            log.debug("Injecting fault %s into %s %s", fault, method, self.path)
        if fault == "error_5xx":
            status = self.server._random.choice((500, 502, 503))
            self._send(*_problem(status, "Tijdelijke storing (stand-in)"))
            return
        if fault == "timeout":
            time.sleep(self.server.faults.hang_s)
            self._reset()
            return
        if fault == "reset":
            self._reset()
            return
        if fault == "slow":
            time.sleep(self.server.faults.slow_s)
        try:
            status, answer = self._dispatch(method, body)
        except Exception as exc:  # noqa: BLE001 - a stand-in bug must answer 500, not drop the connection
            log.exception("Stand-in failed on %s %s", method, self.path)
            status, answer = _problem(500, "Interne fout van de stand-in", f"{type(exc).__name__}: {exc}")
        if fault == "lost_response":
            self._reset()
            return
        self._send(status, answer)

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return ValueError(f"body of {length} bytes is larger than {MAX_BODY_BYTES}")
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            return ValueError(f"body is not JSON: {exc}")

    def _dispatch(self, method: str, body: Any) -> tuple[int, Any]:
        parts = urlsplit(self.path)
        api_key = self.server.api_key
        if api_key and not secrets.compare_digest(self.headers.get(self.server.api["api_key_header"], ""), api_key):
            return _problem(401, "Niet geautoriseerd", f"header {self.server.api['api_key_header']} ontbreekt of is ongeldig")
        if isinstance(body, ValueError):
            return _problem(400, "Ongeldig bericht", str(body))
        paths = self.server.api["paths"]
        path = parts.path.rstrip("/")
        if path.startswith(paths["verzoeksroutering"]):
            resource = path[len(paths["verzoeksroutering"]):]
            if method == "POST" and resource == "/routeringen":
                return self._route(body)
        elif path.startswith(paths["indienen"]):
            resource = path[len(paths["indienen"]):]
            return self._indienen(method, resource, parse_qs(parts.query), body)
        elif method == "GET" and path == "/_standin/state":
            return 200, self._summary()
        return _problem(404, "Niet gevonden", f"{method} {parts.path} bestaat niet")

    def _indienen(self, method: str, resource: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        segments = [s for s in resource.split("/") if s]
        if segments == ["verzoeken"] and method == "POST":
            return self._create(body)
        if segments == ["verzoeken"] and method == "GET":
            referentie = (query.get("referentie") or [""])[0]
            with self.server.state.lock:
                found = [dict(v, bijlagen=len(v["bijlagen"])) for v in self.server.state.verzoeken.values() if v["referentie"] == referentie]
            return 200, {"verzoeken": [_public(v) for v in found]}
        if len(segments) >= 2 and segments[0] == "verzoeken":
            with self.server.state.lock:
                verzoek = self.server.state.verzoeken.get(segments[1])
            if verzoek is None:
                return _problem(404, "Verzoek niet gevonden", f"verzoek {segments[1]} bestaat niet")
            if len(segments) == 2 and method == "GET":
                return 200, _public(dict(verzoek, bijlagen=len(verzoek["bijlagen"])))
            if segments[2:] == ["bijlagen"] and method == "POST":
                return self._attach(verzoek, body)
            if segments[2:] == ["indienen"] and method == "POST":
                return self._submit(verzoek)
        return _problem(404, "Niet gevonden", f"{method} {resource} bestaat niet")

    def _create(self, body: Any) -> tuple[int, Any]:
        problems = validate_indienbericht(body)
        if problems:
            return _problem(400, "Het verzoek is ongeldig", f"{len(problems)} fout(en)", problems)
        verzoek_id = f"tmp-{secrets.token_hex(8)}"
        verzoek = {
            "verzoekidentificatie": verzoek_id,
            "referentie": body["algemeneGegevens"]["referentie"],
            "status": "concept",
            "aangemaakt": _now(),
            "ingediend": None,
            "verzoeknummer": None,
            "bevoegdGezag": body["bevoegdGezag"],
            "bijlagen": [],
            "bericht": body,
        }
        with self.server.state.lock:
            self.server.state.verzoeken[verzoek_id] = verzoek
        self.server.save()
        return 201, _public(dict(verzoek, bijlagen=0)) | {"links": self._links(verzoek_id)}

    def _attach(self, verzoek: dict[str, Any], body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or not body.get("bestandsnaam") or not body.get("inhoud"):
            return _problem(400, "Ongeldige bijlage", invalid=[{"name": "bestandsnaam/inhoud", "reason": "bestandsnaam en inhoud (base64) zijn verplicht"}])
        with self.server.state.lock:
            if verzoek["status"] != "concept":
                return _problem(409, "Verzoek is al ingediend", f"verzoeknummer {verzoek['verzoeknummer']}")
            verzoek["bijlagen"].append({"bestandsnaam": body["bestandsnaam"], "mediatype": body.get("mediatype"), "bytes": len(body["inhoud"]) * 3 // 4, "toegevoegd": _now()})
            count = len(verzoek["bijlagen"])
        self.server.save()
        return 201, {"verzoekidentificatie": verzoek["verzoekidentificatie"], "bijlagen": count}

    def _submit(self, verzoek: dict[str, Any]) -> tuple[int, Any]:
        with self.server.state.lock:
            if verzoek["status"] == "ingediend":
                return _problem(409, "Verzoek is al ingediend", f"verzoeknummer {verzoek['verzoeknummer']}")
            verzoek["status"] = "ingediend"
            verzoek["verzoeknummer"] = self.server.next_verzoeknummer()
            verzoek["ingediend"] = _now()
            receipt = _public(dict(verzoek, bijlagen=len(verzoek["bijlagen"])))
        self.server.save()
        log.info("Stand-in accepted verzoek %s (verzoeknummer %s)", verzoek["verzoekidentificatie"], verzoek["verzoeknummer"])
        return 200, receipt | {"links": self._links(verzoek["verzoekidentificatie"])}

    def _route(self, body: Any) -> tuple[int, Any]:
        body = _object(body)
        geometry = _object(body.get("locatie")).get("geometrie")
        problems = validate_geometry(geometry, "locatie.geometrie")
        if not body.get("activiteiten"):
            problems.append({"name": "activiteiten", "reason": "minstens één activiteit is verplicht"})
        if problems:
            return _problem(400, "Ongeldige routeringsvraag", invalid=problems)
        points = _points(geometry)
        x = sum(p[0] for p in points) / len(points)
        y = sum(p[1] for p in points) / len(points)
        for area in self.server.routing["areas"]:
            minx, miny, maxx, maxy = area["bbox_rd"]
            if minx <= x <= maxx and miny <= y <= maxy:
                return 200, {
                    "bevoegdGezag": dict(area["bevoegd_gezag"], afgeleid=True),
                    "behandeldienst": area["behandeldienst"],
                    "conceptverzoekToegestaan": area["conceptverzoek_toegestaan"],
                }
        return _problem(404, "Geen bevoegd gezag gevonden", f"geen bevoegd gezag voor punt ({x:.0f}, {y:.0f})")

    def _links(self, verzoek_id: str) -> dict[str, str]:
        host, port = self.server.server_address[:2]
        base = f"http://{host}:{port}{self.server.api['paths']['indienen']}/verzoeken/{verzoek_id}"
        return {"verzoek": base, "bijlagen": f"{base}/bijlagen", "indienen": f"{base}/indienen"}

    def _summary(self) -> dict[str, Any]:
        counts = self.server.state.submitted_by_reference()
        with self.server.state.lock:
            return {
                "verzoeken": len(self.server.state.verzoeken),
                "ingediend": sum(counts.values()),
                "referenties": len(counts),
                "dubbel": sum(1 for n in counts.values() if n > 1),
                "requests": self.server.state.requests,
                "faults": dict(self.server.state.faults),
            }

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/problem+json" if status >= 400 else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _reset(self) -> None:
        """Close the connection with a TCP reset (SO_LINGER 0) so the client sees a broken connection."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


def _public(verzoek: dict[str, Any]) -> dict[str, Any]:
    """Return a verzoek without the stored indienbericht."""
    return {key: value for key, value in verzoek.items() if key != "bericht"}


def load_routing(path: Path | None = None) -> dict[str, Any]:
    return json.loads(Path(path or DATA_DIR / "standin_routing.json").read_text(encoding="utf-8"))


def start_standin(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    api_key: str | None = None,
    faults: FaultConfig | None = None,
    state_file: Path | None = None,
    routing_file: Path | None = None,
) -> tuple[StandinServer, str]:
    """Start the stand-in in a daemon thread; return the server and its base URL.

    ``port=0`` picks a free port. Stop it with ``server.shutdown()``.
    """
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the DSO stand-in listens on loopback only, not on {host}")
    server = StandinServer((host, port), api_key, faults or FaultConfig(), Path(state_file) if state_file else None, load_routing(routing_file))
    thread = threading.Thread(target=server.serve_forever, name="dso-standin", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    base_url = f"http://{bound_host}:{bound_port}"
    log.info("DSO stand-in listening on %s (fault rate %s)", base_url, server.faults.rate)
    return server, base_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grondwerk.dso.standin", description="Local DSO stand-in (Verzoeksroutering v2, Verzoek indienen v4) on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (0 picks a free port)")
    parser.add_argument("--api-key", default=os.environ.get("GRONDWERK_DSO_STANDIN_KEY"), help="required value of the X-Api-Key header (default: $GRONDWERK_DSO_STANDIN_KEY; none means no check)")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that fail, 0 to 1")
    parser.add_argument("--fault-kinds", default=",".join(FAULT_KINDS), help="comma-separated fault kinds to draw from")
    parser.add_argument("--hang-seconds", type=float, default=5.0, help="how long a 'timeout' fault holds the connection, in seconds")
    parser.add_argument("--slow-seconds", type=float, default=1.0, help="delay of a 'slow' fault, in seconds")
    parser.add_argument("--state-file", type=Path, help="JSON file that receives every stored verzoek")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    faults = FaultConfig(rate=args.fault_rate, kinds=tuple(k for k in args.fault_kinds.split(",") if k), hang_s=args.hang_seconds, slow_s=args.slow_seconds)
    server, base_url = start_standin(port=args.port, api_key=args.api_key, faults=faults, state_file=args.state_file)
    print(f"DSO stand-in on {base_url}; stop with Ctrl-C", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
