"""Client of the BRO REST services: area search with tiling, object download, recording.

``BroClient.search(object_type, polygon_rd)`` sends the bounding box of the
polygon to the characteristics search as a WGS84 ``boundingBox``. When a
response reaches the cap (``max_results`` documents) or is rejected for having
too many results, the box is split into four tiles, recursively, until every
response is under the cap. BRO ids are deduplicated across tiles and kept only
when their delivered RD location lies in the polygon. Deregistered objects
(``BRO_DO`` documents) are counted and skipped.

Every call has a timeout; HTTP 429, 5xx, connection errors and timeouts are
retried with exponential backoff (``Retry-After`` is honoured). A BRO
rejection document (HTTP 200 with ``responseType`` rejection) raises
``BroRejectedError`` carrying the BRO's own reason.

With ``record_dir`` set, every downloaded object is also stored as
``<record_dir>/<broId>.xml``: the cassette layout the stand-in serves.
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grondwerk.bro.services import DEFAULT_MAX_RESULTS, SERVICES, BroService
from grondwerk.errors import GrondwerkError, InputError
from grondwerk.i18n import msg

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# NOTE: the response of the live service to a search above the cap is not
# confirmed. The client splits on a full response and on a rejection whose
# reason matches this pattern (Dutch or English wording about a maximum).
TOO_MANY_PATTERN = re.compile(r"maxim|te veel|too many|groter dan|exceed", re.IGNORECASE)
# Tiles are not split below this size (metres). More hits than the cap on a
# tile this small means many objects share one spot, so the search fails.
MIN_TILE_M = 1.0
BRO_ID_PATTERN = re.compile(r"^[A-Z]{3}\d{12}$")
# Margin added around every search box, in degrees (1e-7 degrees is about 1 cm).
EDGE_MARGIN_DEG = 1e-7
COORDINATE_DECIMALS = 9


def _round_down(value: float) -> float:
    return math.floor(value * 10**COORDINATE_DECIMALS) / 10**COORDINATE_DECIMALS


def _round_up(value: float) -> float:
    return math.ceil(value * 10**COORDINATE_DECIMALS) / 10**COORDINATE_DECIMALS


class BroServiceError(GrondwerkError):
    """The BRO service failed (HTTP error, timeout, unreadable response) after all retries."""


class BroRejectedError(GrondwerkError):
    """The BRO returned a rejection document. ``reason`` is the BRO's own text."""

    def __init__(self, message, reason: str):
        super().__init__(message)
        self.reason = reason


class BroNotFoundError(BroRejectedError):
    """The BRO has no object with the requested id (HTTP 404)."""


@dataclass
class SearchResult:
    """Outcome of an area search of one object type."""

    object_type: str
    bro_ids: list[str] = field(default_factory=list)
    locations: dict[str, tuple[float, float]] = field(default_factory=dict)  # broId -> RD New (x, y) metres
    deregistered: list[str] = field(default_factory=list)
    outside_area: int = 0
    requests: int = 0
    tiles: int = 0


class BroClient:
    """Client of the BRO public REST services at ``base_url``."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 30.0,
        max_results: int = DEFAULT_MAX_RESULTS,
        *,
        retries: int = 4,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
        record_dir: Path | None = None,
        session=None,
    ):
        import requests

        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.max_results = int(max_results)
        self.retries = int(retries)
        self.backoff_s = float(backoff_s)
        self.max_backoff_s = float(max_backoff_s)
        self.record_dir = Path(record_dir) if record_dir else None
        self.session = session or requests.Session()
        self.request_count = 0

    # -- HTTP ---------------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs: Any):
        """Send one request, retrying 429, 5xx, connection errors and timeouts with exponential backoff."""
        import requests

        attempt = 0
        while True:
            attempt += 1
            self.request_count += 1
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                failure = f"{type(exc).__name__}: {exc}"
                retry_after = None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                failure = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After")
                response.close()
            if attempt > self.retries:
                raise BroServiceError(
                    msg(
                        "BRO-service {url} faalde na {attempts} pogingen ({failure}); probeer het later opnieuw",
                        "BRO service {url} failed after {attempts} attempts ({failure}); try again later",
                        url=url,
                        attempts=attempt,
                        failure=failure,
                    )
                )
            delay = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
            if retry_after and retry_after.strip().isdigit():
                delay = min(self.max_backoff_s, max(delay, float(retry_after)))
            log.warning("BRO %s %s failed (%s); retry %s of %s in %.1f s", method, url, failure, attempt, self.retries, delay)
            time.sleep(delay)

    # -- characteristics search --------------------------------------------

    def _service(self, object_type: str) -> BroService:
        try:
            return SERVICES[object_type]
        except KeyError:
            raise InputError(
                msg(
                    "onbekend BRO-objecttype '{value}'; kies uit {choices}",
                    "unknown BRO object type '{value}'; choose from {choices}",
                    value=object_type,
                    choices=", ".join(SERVICES),
                ),
                value=object_type,
            ) from None

    def search_bbox_once(self, object_type: str, bbox_rd: tuple[float, float, float, float]) -> dict[str, Any]:
        """Run one characteristics search for an RD New box and return the parsed response.

        The result is ``{"documents": [(broId, x_rd_m, y_rd_m)], "deregistered": [broId], "too_many": bool}``.
        """
        from grondwerk.bro.readers import _find_all, _find_text, local_name
        from grondwerk.bro.xmlsafe import parse_xml_bytes

        service = self._service(object_type)
        lat_min, lon_min, lat_max, lon_max = rd_box_to_wgs84(bbox_rd)
        # The box is widened by about 1 cm and rounded outwards, so an object on
        # its edge stays inside. Objects outside the polygon are dropped later.
        body = {
            "area": {
                "boundingBox": {
                    "lowerCorner": {"lat": _round_down(lat_min - EDGE_MARGIN_DEG), "lon": _round_down(lon_min - EDGE_MARGIN_DEG)},
                    "upperCorner": {"lat": _round_up(lat_max + EDGE_MARGIN_DEG), "lon": _round_up(lon_max + EDGE_MARGIN_DEG)},
                }
            }
        }
        url = f"{self.base_url}{service.path}/characteristics/searches"
        response = self._request("POST", url, json=body, headers={"Accept": "application/xml"}, stream=True)
        content = _read_limited(response, url)
        if response.status_code != 200:
            raise BroServiceError(
                msg(
                    "BRO-zoekvraag {url} gaf HTTP {status}: {text}",
                    "BRO search {url} returned HTTP {status}: {text}",
                    url=url,
                    status=response.status_code,
                    text=_error_text(content),
                )
            )
        self._record_search(object_type, bbox_rd, content)
        root = parse_xml_bytes(content, source=url)
        if _find_text(root, "responseType") == "rejection":
            reason = _find_text(root, "rejectionReason") or "-"
            if TOO_MANY_PATTERN.search(reason):
                return {"documents": [], "deregistered": [], "too_many": True, "reason": reason}
            raise BroRejectedError(
                msg("de BRO wees de zoekvraag af: {reason}", "the BRO rejected the search: {reason}", reason=reason),
                reason=reason,
            )
        documents: list[tuple[str, float | None, float | None]] = []
        deregistered: list[str] = []
        for document in _find_all(root, "dispatchDocument/*"):
            bro_id = _find_text(document, "broId")
            if not bro_id:
                continue
            if local_name(document) == "BRO_DO" or (_find_text(document, "deregistered") or "").lower() == "ja":
                deregistered.append(bro_id)
                continue
            position = (_find_text(document, "deliveredLocation//pos") or "").split()
            x, y = (float(position[0]), float(position[1])) if len(position) >= 2 else (None, None)
            documents.append((bro_id, x, y))
        total = len(documents) + len(deregistered)
        declared = _find_text(root, "numberOfDocuments")
        if declared and declared.isdigit():
            total = max(total, int(declared))
        return {"documents": documents, "deregistered": deregistered, "too_many": total >= self.max_results}

    def search(self, object_type: str, polygon_rd) -> SearchResult:
        """Find the BRO ids of ``object_type`` whose delivered location lies in ``polygon_rd`` (shapely, RD New metres)."""
        from shapely.geometry import Point

        result = SearchResult(object_type=object_type)
        found: dict[str, tuple[float | None, float | None]] = {}
        deregistered: set[str] = set()
        pending = [tuple(polygon_rd.bounds)]
        requests_before = self.request_count
        while pending:
            box = pending.pop()
            response = self.search_bbox_once(object_type, box)
            result.tiles += 1
            if response["too_many"]:
                width, height = box[2] - box[0], box[3] - box[1]
                if max(width, height) <= MIN_TILE_M:
                    raise BroServiceError(
                        msg(
                            "meer dan {cap} {type}-objecten binnen {size} m van ({x:.0f}, {y:.0f}); de zoekvraag kan niet verder worden opgesplitst",
                            "more than {cap} {type} objects within {size} m of ({x:.0f}, {y:.0f}); the search cannot be split further",
                            cap=self.max_results,
                            type=object_type,
                            size=MIN_TILE_M,
                            x=box[0],
                            y=box[1],
                        )
                    )
                log.info("BRO %s search over %s tile %s hit the cap of %s; splitting in four", object_type, result.tiles, box, self.max_results)
                pending.extend(split_box(box))
                continue
            for bro_id, x, y in response["documents"]:
                found.setdefault(bro_id, (x, y))
            deregistered.update(response["deregistered"])
        for bro_id in sorted(found):
            x, y = found[bro_id]
            if x is not None and not polygon_rd.covers(Point(x, y)):
                result.outside_area += 1
                continue
            result.bro_ids.append(bro_id)
            if x is not None:
                result.locations[bro_id] = (x, y)
        result.deregistered = sorted(deregistered - set(found))
        result.requests = self.request_count - requests_before
        log.info(
            "BRO %s search: %s objects in the area, %s outside it, %s deregistered, %s tiles, %s requests",
            object_type,
            len(result.bro_ids),
            result.outside_area,
            len(result.deregistered),
            result.tiles,
            result.requests,
        )
        return result

    # -- objects ------------------------------------------------------------

    def download(self, object_type: str, bro_id: str) -> bytes:
        """Download the XML of one BRO object; raises ``BroNotFoundError``, ``BroRejectedError`` or ``BroServiceError``."""
        from grondwerk.bro.readers import _find_text
        from grondwerk.bro.xmlsafe import parse_xml_bytes

        service = self._service(object_type)
        if not BRO_ID_PATTERN.match(bro_id):
            raise InputError(
                msg(
                    "'{value}' is geen geldig BRO-ID (drie letters en twaalf cijfers, bijv. CPT000000005925)",
                    "'{value}' is not a valid BRO id (three letters and twelve digits, e.g. CPT000000005925)",
                    value=bro_id,
                ),
                value=bro_id,
            )
        url = f"{self.base_url}{service.path}/objects/{bro_id}"
        response = self._request("GET", url, headers={"Accept": "application/xml"}, stream=True)
        content = _read_limited(response, url)
        reason = None
        if content.lstrip().startswith(b"<"):
            try:
                root = parse_xml_bytes(content, source=url)
            except InputError:
                root = None
            if root is not None and _find_text(root, "responseType") == "rejection":
                reason = _find_text(root, "rejectionReason") or "-"
        if response.status_code == 404:
            raise BroNotFoundError(
                msg("BRO-object {id} niet gevonden: {reason}", "BRO object {id} not found: {reason}", id=bro_id, reason=reason or _error_text(content)),
                reason=reason or "",
            )
        if response.status_code != 200:
            raise BroServiceError(
                msg(
                    "BRO-object {id} ophalen gaf HTTP {status}: {text}",
                    "downloading BRO object {id} returned HTTP {status}: {text}",
                    id=bro_id,
                    status=response.status_code,
                    text=reason or _error_text(content),
                )
            )
        if reason is not None:
            raise BroRejectedError(
                msg("de BRO wees het ophalen van {id} af: {reason}", "the BRO rejected the download of {id}: {reason}", id=bro_id, reason=reason),
                reason=reason,
            )
        if self.record_dir is not None:
            self.record_dir.mkdir(parents=True, exist_ok=True)
            (self.record_dir / f"{bro_id}.xml").write_bytes(content)
        return content

    def _record_search(self, object_type: str, bbox_rd, content: bytes) -> None:
        if self.record_dir is None:
            return
        folder = self.record_dir / "searches"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{object_type}_{bbox_rd[0]:.0f}_{bbox_rd[1]:.0f}_{bbox_rd[2]:.0f}_{bbox_rd[3]:.0f}.xml"
        (folder / name).write_bytes(content)


def _read_limited(response, url: str) -> bytes:
    """Return the body of a streamed response; stop with ``BroServiceError`` above the XML size limit."""
    import requests

    from grondwerk.bro.xmlsafe import max_xml_bytes

    limit = max_xml_bytes()
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(chunk_size=1 << 16):
            size += len(chunk)
            if size > limit:
                break
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise BroServiceError(
            msg("lezen van {url} mislukt: {error}", "reading {url} failed: {error}", url=url, error=f"{type(exc).__name__}: {exc}")
        ) from None
    finally:
        response.close()
    if size > limit:
        raise BroServiceError(
            msg(
                "antwoord van {url} is groter dan {limit} bytes; verhoog GRONDWERK_BRO_MAX_XML_BYTES als dat klopt",
                "response of {url} is larger than {limit} bytes; raise GRONDWERK_BRO_MAX_XML_BYTES if that is expected",
                url=url,
                limit=limit,
            )
        )
    return b"".join(chunks)


def _error_text(content: bytes) -> str:
    """Return the BRO's error message from a JSON error body, else the first 200 characters."""
    import json

    try:
        data = json.loads(content)
    except ValueError:
        return content[:200].decode("utf-8", "replace")
    errors = data.get("errors") if isinstance(data, dict) else None
    if errors and isinstance(errors, list):
        return "; ".join(str(item.get("message", item)) if isinstance(item, dict) else str(item) for item in errors)
    return str(data)[:200]


def split_box(box: tuple[float, float, float, float]) -> list[tuple[float, float, float, float]]:
    """Split an RD box into four quadrants that share edges (an object on an edge is found twice and deduplicated)."""
    xmin, ymin, xmax, ymax = box
    xmid, ymid = (xmin + xmax) / 2, (ymin + ymax) / 2
    return [(xmin, ymin, xmid, ymid), (xmid, ymin, xmax, ymid), (xmin, ymid, xmid, ymax), (xmid, ymid, xmax, ymax)]


def rd_box_to_wgs84(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Return ``(lat_min, lon_min, lat_max, lon_max)`` enclosing an RD New box (its four corners and edge midpoints)."""
    from grondwerk.bro.readers import rd_to_wgs84

    xmin, ymin, xmax, ymax = box
    xs, ys = (xmin, (xmin + xmax) / 2, xmax), (ymin, (ymin + ymax) / 2, ymax)
    points = [rd_to_wgs84(x, y) for x in xs for y in ys]
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return min(lats), min(lons), max(lats), max(lons)
