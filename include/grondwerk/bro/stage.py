"""Stage 2 of the halte: find, download and read the BRO objects in the project area.

Writes into ``02_bro/``: ``objects/<broId>.xml`` (the raw downloads),
``locations.csv`` and ``layers.csv`` (columns in ``readers.LOCATION_COLUMNS``
and ``readers.LAYER_COLUMNS``; RD New metres, WGS84 degrees, metres below
ground level and relative to NAP). A rerun empties the folder first, so it
gives the same files and no duplicates.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from grondwerk.dossier import Dossier, StageResult
from grondwerk.tender import TenderSpec

log = logging.getLogger(__name__)


def _count_phrase(counts: dict[str, int], names: dict[str, tuple[str, str]]) -> str:
    parts = []
    for object_type, count in counts.items():
        if count:
            singular, plural = names.get(object_type, (object_type, object_type))
            parts.append(f"{count} {singular if count == 1 else plural}")
    return ", ".join(parts)


def run_bro_stage(tender: TenderSpec, dossier: Dossier, base_url: str, timeout: float = 30.0) -> StageResult:
    """Search the tender's area for ``tender.bro_types``, download and read every object, write the stage files."""
    import pandas as pd

    from grondwerk.bro.client import BroClient, BroNotFoundError, BroRejectedError
    from grondwerk.bro.readers import (
        LAYER_COLUMNS,
        LOCATION_COLUMNS,
        OBJECT_TYPE_NAMES_EN,
        OBJECT_TYPE_NAMES_NL,
        DeregisteredObjectError,
        read_bro_xml,
    )
    from grondwerk.bro.soil import soil_group_version
    from grondwerk.bro.xmlsafe import parse_xml_bytes
    from grondwerk.errors import InputError

    folder = dossier.stage_dir("bro", clean=True)
    objects_dir = folder / "objects"
    objects_dir.mkdir()
    client = BroClient(base_url, timeout=timeout)
    polygon = tender.area_polygon()

    locations: list[dict[str, Any]] = []
    layers: list[dict[str, Any]] = []
    counts = {object_type: 0 for object_type in tender.bro_types}
    deregistered: list[str] = []
    refused: list[dict[str, str]] = []
    searches: dict[str, dict[str, int]] = {}
    descriptions_not_read = 0

    for object_type in tender.bro_types:
        result = client.search(object_type, polygon)
        searches[object_type] = {"found": len(result.bro_ids), "tiles": result.tiles, "requests": result.requests, "outside_area": result.outside_area}
        deregistered.extend(result.deregistered)
        log.info("Downloading %s %s objects for tender %s", len(result.bro_ids), object_type, tender.reference)
        for number, bro_id in enumerate(result.bro_ids, start=1):
            try:
                content = client.download(object_type, bro_id)
            except BroNotFoundError as exc:
                refused.append({"object_id": bro_id, "reason_nl": exc.message.render("nl"), "reason_en": exc.message.render("en")})
                continue
            except BroRejectedError as exc:
                refused.append({"object_id": bro_id, "reason_nl": exc.message.render("nl"), "reason_en": exc.message.render("en")})
                continue
            path = objects_dir / f"{bro_id}.xml"
            path.write_bytes(content)
            relative = str(path.relative_to(dossier.path))
            try:
                object_locations, object_layers = read_bro_xml(parse_xml_bytes(content, source=relative), relative)
            except DeregisteredObjectError:
                deregistered.append(bro_id)
                continue
            except InputError as exc:
                refused.append({"object_id": bro_id, "reason_nl": exc.message.render("nl"), "reason_en": exc.message.render("en")})
                log.warning("BRO object %s rejected: %s", bro_id, exc.message.render("en"))
                continue
            descriptions_not_read += sum(location.pop("descriptions_not_read", 0) for location in object_locations)
            locations.extend(object_locations)
            layers.extend(object_layers)
            counts[object_type] += 1
            if number % 100 == 0:
                log.info("Read %s of %s %s objects", number, len(result.bro_ids), object_type)

    locations_df = pd.DataFrame(locations, columns=LOCATION_COLUMNS).sort_values(["object_type", "object_id"], kind="stable")
    layers_df = pd.DataFrame(layers, columns=LAYER_COLUMNS).sort_values(["object_id", "top_m_bgl"], kind="stable")
    locations_path = folder / "locations.csv"
    layers_path = folder / "layers.csv"
    locations_df.to_csv(locations_path, index=False, encoding="utf-8")
    layers_df.to_csv(layers_path, index=False, encoding="utf-8")

    total = sum(counts.values())
    deregistered = sorted(set(deregistered))
    summary = {
        "objects": total,
        "objects_per_type": counts,
        "layers": len(layers_df),
        # Extra borehole descriptions (e.g. a laboratory description next to the field one) whose layers were not read.
        "descriptions_not_read": descriptions_not_read,
        "deregistered_skipped": len(deregistered),
        "deregistered_ids": deregistered,
        "refused": refused,
        "searches": searches,
        "requests": client.request_count,
        "base_url": base_url,
    }
    conclusion_nl = f"{total} BRO-objecten in het projectgebied"
    conclusion_en = f"{total} BRO objects in the project area"
    if total:
        conclusion_nl += f": {_count_phrase(counts, OBJECT_TYPE_NAMES_NL)}"
        conclusion_en += f": {_count_phrase(counts, OBJECT_TYPE_NAMES_EN)}"
    conclusion_nl += f"; {len(layers_df)} lagen"
    conclusion_en += f"; {len(layers_df)} layers"
    if deregistered:
        conclusion_nl += f"; {len(deregistered)} uitgeschreven object(en) overgeslagen"
        conclusion_en += f"; {len(deregistered)} deregistered object(s) skipped"
    if refused:
        conclusion_nl += f"; {len(refused)} object(en) niet leesbaar: " + ", ".join(item["object_id"] for item in refused)
        conclusion_en += f"; {len(refused)} object(s) unreadable: " + ", ".join(item["object_id"] for item in refused)
    status = "warning" if refused or total == 0 else "ok"
    return StageResult(
        summary=summary,
        conclusion_nl=conclusion_nl + ".",
        conclusion_en=conclusion_en + ".",
        outputs=[locations_path, layers_path, objects_dir],
        status=status,
        versions={"soil_type_groups": soil_group_version()},
    )


def write_cassettes(source_files: list[Path], cassette_dir: Path) -> list[Path]:
    """Copy BRO dispatch files into a cassette folder as ``<broId>.xml`` (the stand-in's layout)."""
    from grondwerk.bro.readers import object_summary
    from grondwerk.bro.xmlsafe import parse_xml_file

    cassette_dir = Path(cassette_dir)
    cassette_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in source_files:
        summary = object_summary(parse_xml_file(Path(source)), str(source))
        target = cassette_dir / f"{summary['bro_id']}.xml"
        target.write_bytes(Path(source).read_bytes())
        written.append(target)
    return written
