"""Safe parsing of untrusted XML: no entities, no DTD, no network, bounded size."""

from __future__ import annotations

import os
import re
from pathlib import Path

from grondwerk.errors import InputError
from grondwerk.i18n import msg

# Largest XML document accepted, in bytes. The largest BRO object in the shared
# test data (a CPT with pore pressures) is about 0.2 MB, so 64 MiB leaves room
# for long CPTs while refusing runaway downloads. Override with
# GRONDWERK_BRO_MAX_XML_BYTES.
DEFAULT_MAX_XML_BYTES = 64 * 1024 * 1024


def max_xml_bytes() -> int:
    """Return the size limit of one XML document in bytes."""
    configured = os.environ.get("GRONDWERK_BRO_MAX_XML_BYTES")
    return int(configured) if configured else DEFAULT_MAX_XML_BYTES


_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


def reject_doctype(head: bytes, *, source: str) -> None:
    """Raise ``InputError`` when the document declares a DOCTYPE (and so possibly entities) before its root element.

    BRO and SIKB0101 documents never carry one. Refusing it is safer than parsing
    with entities dropped, which would silently lose the text they stand for.
    """
    doctype = _DOCTYPE.search(head)
    first = _FIRST_ELEMENT.search(head)
    if doctype and (first is None or doctype.start() < first.start()):
        raise InputError(
            msg(
                "XML met een DOCTYPE-declaratie (DTD of entiteiten) wordt geweigerd; lever het bestand zonder DOCTYPE aan",
                "XML with a DOCTYPE declaration (DTD or entities) is rejected; deliver the file without a DOCTYPE",
            ),
            file=source,
            record="DOCTYPE",
        )


def parse_xml_bytes(data: bytes, *, source: str, limit: int | None = None):
    """Parse ``data`` into an lxml root element without resolving entities, loading a DTD or using the network.

    Raises ``InputError`` naming ``source`` when the document is larger than
    ``limit`` bytes or is not well-formed XML.
    """
    from lxml import etree

    limit = max_xml_bytes() if limit is None else limit
    if len(data) > limit:
        raise _too_large(source, len(data), limit)
    reject_doctype(data[:1 << 20], source=source)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(
            msg(
                "geen geldige XML ({error}); controleer of het bestand volledig en niet beschadigd is",
                "not well-formed XML ({error}); check that the file is complete and not damaged",
                error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            ),
            file=source,
        ) from None
    if root is None:
        raise InputError(msg("leeg XML-document", "empty XML document"), file=source)
    return root


def parse_xml_file(path: Path, *, limit: int | None = None):
    """Parse the XML file at ``path`` safely; checks the size before reading it."""
    path = Path(path)
    limit = max_xml_bytes() if limit is None else limit
    size = path.stat().st_size
    if size > limit:
        raise _too_large(str(path), size, limit)
    return parse_xml_bytes(path.read_bytes(), source=str(path), limit=limit)


def _too_large(source: str, size: int, limit: int) -> InputError:
    return InputError(
        msg(
            "XML-bestand is {size} bytes, groter dan de grens van {limit} bytes; verhoog GRONDWERK_BRO_MAX_XML_BYTES als het bestand echt zo groot is",
            "XML file is {size} bytes, larger than the limit of {limit} bytes; raise GRONDWERK_BRO_MAX_XML_BYTES if the file really is this large",
            size=size,
            limit=limit,
        ),
        file=source,
        value=size,
    )
