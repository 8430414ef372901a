"""Streaming access to untrusted inspection XML: size limit, safe parser options, helpers by local name."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

from grondwerk.errors import InputError
from grondwerk.i18n import msg

log = logging.getLogger(__name__)

# Largest inspection XML accepted, in bytes. The readers stream the file, so
# memory grows with the number of analyses, not with the file size; the limit
# only stops runaway files. Override with GRONDWERK_INSPECTION_MAX_XML_BYTES.
DEFAULT_MAX_XML_BYTES = 512 * 1024 * 1024


def max_xml_bytes() -> int:
    configured = os.environ.get("GRONDWERK_INSPECTION_MAX_XML_BYTES")
    return int(configured) if configured else DEFAULT_MAX_XML_BYTES


def check_size(path: Path) -> None:
    """Raise ``InputError`` when ``path`` is larger than the XML size limit."""
    size = path.stat().st_size
    limit = max_xml_bytes()
    if size > limit:
        raise InputError(
            msg(
                "XML-bestand is {size} bytes, groter dan de grens van {limit} bytes; verhoog GRONDWERK_INSPECTION_MAX_XML_BYTES als het bestand echt zo groot is",
                "XML file is {size} bytes, larger than the limit of {limit} bytes; raise GRONDWERK_INSPECTION_MAX_XML_BYTES if the file really is this large",
                size=size,
                limit=limit,
            ),
            file=str(path),
            value=size,
        )


def iterparse(path: Path, events: tuple[str, ...] = ("end",), tags: tuple[str, ...] | None = None):
    """Return an lxml iterparse over ``path`` that resolves no entities, loads no DTD and uses no network.

    ``tags`` are local names; only elements with those names are reported, in any namespace.
    """
    from lxml import etree

    from grondwerk.bro.xmlsafe import reject_doctype

    check_size(path)
    with open(path, "rb") as handle:
        reject_doctype(handle.read(1 << 20), source=str(path))
    return etree.iterparse(
        str(path),
        events=events,
        tag=[f"{{*}}{name}" for name in tags] if tags else None,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def syntax_error(path: Path, exc: Exception) -> InputError:
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputError(
        msg(
            "geen geldige XML ({error}); controleer of het bestand volledig en niet beschadigd is",
            "not well-formed XML ({error}); check that the file is complete and not damaged",
            error=first_line,
        ),
        file=str(path),
    )


def invalid_value(path: Path, record: str, exc: ValueError) -> InputError:
    """Return the ``InputError`` for a number or unit in ``record`` that cannot be read."""
    return InputError(
        msg(
            "ongeldige waarde ({error}); corrigeer de waarde in het bestand",
            "invalid value ({error}); correct the value in the file",
            error=str(exc),
        ),
        file=str(path),
        record=record,
    )


def local(element) -> str:
    """Return the tag of ``element`` without namespace ('' for comments)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def children(element, name: str) -> Iterator:
    """Iterate over the child elements with local name ``name``, in any namespace."""
    return element.iterchildren(f"{{*}}{name}")


def child(element, *path: str):
    """Return the first descendant along ``path`` of local names, or None."""
    current = element
    for name in path:
        current = next(children(current, name), None)
        if current is None:
            return None
    return current


def text(element, *path: str) -> str:
    found = child(element, *path) if path else element
    if found is None or found.text is None:
        return ""
    return found.text.strip()


def attribute(element, name: str) -> str:
    """Return the attribute ``name`` in any namespace (e.g. ``href`` for xlink:href, ``id`` for gml:id)."""
    for key, value in element.attrib.items():
        if key.rsplit("}", 1)[-1] == name:
            return value.strip()
    return ""


def urn_id(value: str) -> str:
    """Return the trailing id of a code-list URN such as ``urn:immetingen:Eenheid:id:58``."""
    return value.rsplit(":", 1)[-1].strip() if value else ""


def rd_position(element) -> tuple[float, float]:
    """Return (x, y) in RD New metres of a ``gml:Point``; ETRS89/WGS84 positions (lat lon) are transformed.

    Returns NaNs for a missing point or a coordinate reference system that is
    neither RD New nor ETRS89/WGS84, and logs the latter.
    """
    import math

    if element is None:
        return math.nan, math.nan
    parts = text(element, "pos").split()
    if len(parts) < 2:
        return math.nan, math.nan
    first, second = float(parts[0]), float(parts[1])
    srs = attribute(element, "srsName")
    if not srs or srs.endswith(("28992", "28992/")):
        return first, second
    if srs.endswith(("4258", "4326")):
        from pyproj import Transformer

        # EPSG:4258 and EPSG:4326 use latitude-longitude axis order, as GML 3.2 writes them.
        transformer = Transformer.from_crs(f"EPSG:{srs[-4:]}", "EPSG:28992", always_xy=True)
        x, y = transformer.transform(second, first)
        return round(x, 3), round(y, 3)
    log.warning("Point %s has coordinate reference system %s, which is not read; its position is left empty", attribute(element, "id"), srs)
    return math.nan, math.nan


def release(element) -> None:
    """Free a processed element and the already processed siblings before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
