"""Format detection and the ``read_inspection`` entry point."""

from __future__ import annotations

import logging
from pathlib import Path

from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.inspection.model import (
    InspectionData,
    analyses_frame,
    quarantine_frame,
    samples_frame,
)

log = logging.getLogger(__name__)

FORMATS = ("sikb0101", "bro-sad", "lab-csv", "lab-xlsx")
XLSX_MAGIC = b"PK\x03\x04"


def _xml_root(path: Path) -> tuple[str, str] | None:
    """Return (namespace, local name) of the root element of an XML file, or None when it is not XML."""
    from lxml import etree

    from grondwerk.inspection.xmlstream import iterparse

    try:
        for _, element in iterparse(path, events=("start",)):
            qname = etree.QName(element)
            return qname.namespace or "", qname.localname
    except etree.XMLSyntaxError:
        return None
    return None


def detect_format(path: Path) -> str:
    """Return the format of the inspection file at ``path`` by its content: one of ``FORMATS``.

    Raises ``InputError`` when the file is missing or the format is not recognised.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(
            msg("inspectiebestand niet gevonden; controleer het pad", "inspection file not found; check the path"),
            file=str(path),
        )
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(XLSX_MAGIC):
        return "lab-xlsx"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        root = _xml_root(path)
        if root is not None:
            namespace, name = root
            if name == "FeatureCollectionIMSIKB0101" or "imsikb0101" in namespace.lower():
                return "sikb0101"
            if name == "dispatchDataResponse" and "sad" in namespace.lower():
                return "bro-sad"
        raise InputError(
            msg(
                "XML-bestand is geen SIKB0101- of BRO SAD-bestand (root-element {root}); lever SIKB0101 of een BRO SAD-uitgifte",
                "XML file is neither SIKB0101 nor BRO SAD (root element {root}); deliver SIKB0101 or a BRO SAD dispatch",
                root=f"{{{root[0]}}}{root[1]}" if root else "?",
            ),
            file=str(path),
        )
    if b"\x00" in head:
        raise InputError(
            msg(
                "bestand is binair en geen XLSX (bijvoorbeeld een oud .xls-bestand); sla het op als XLSX of CSV",
                "file is binary and not XLSX (for example an old .xls file); save it as XLSX or CSV",
            ),
            file=str(path),
        )
    return "lab-csv"


def read_inspection(path: str | Path) -> InspectionData:
    """Read one inspection file into the analyses, samples and quarantine tables.

    The format is recognised by content (see ``detect_format``). ``summary``
    contains the format, the investigation id and the counts. Rows in always
    equal rows out plus rows quarantined.
    """
    path = Path(path)
    kind = detect_format(path)
    log.info("Reading %s as %s", path, kind)
    if kind in ("sikb0101", "bro-sad"):
        from grondwerk.inspection.assemble import build_rows

        if kind == "sikb0101":
            from grondwerk.inspection.sikb import read_sikb as read_xml
        else:
            from grondwerk.inspection.sad import read_sad as read_xml
        collected = read_xml(path)
        analyses, samples, quarantine, counts = build_rows(collected, str(path))
        investigation_id = collected.investigation_id
    else:
        from grondwerk.inspection.labexport import read_lab_export

        analyses, samples, quarantine, counts, investigation_id = read_lab_export(path, kind)
    data = InspectionData(
        analyses=analyses_frame(analyses),
        samples=samples_frame(samples),
        quarantine=quarantine_frame(quarantine),
    )
    below = int((data.analyses["limit_symbol"] == "<").sum()) if len(data.analyses) else 0
    data.summary = {
        "file": str(path),
        "format": kind,
        "investigation_id": investigation_id,
        **counts,
        "samples": len(data.samples),
        "samples_analysed": int(data.samples["analysed"].sum()) if len(data.samples) else 0,
        "analyses": len(data.analyses),
        "below_limit": below,
    }
    if counts["rows_in"] != counts["rows_out"] + counts["rows_quarantined"]:
        raise RuntimeError(f"{path}: rows in {counts['rows_in']} != rows out {counts['rows_out']} + quarantined {counts['rows_quarantined']}")
    return data
