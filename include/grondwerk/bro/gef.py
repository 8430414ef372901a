"""Reader of GEF-CPT and GEF-BORE files (Geotechnical Exchange Format, GEF 1.x).

Field-to-header table:

========================  ==================================================
field                     GEF source
========================  ==================================================
object_id                 ``#TESTID`` (first one), else the file name
object_type               ``#REPORTCODE`` / ``#PROCEDURECODE``: GEF-CPT-Report
                          gives ``gef-cpt``, GEF-BORE-Report ``gef-bore``
x_rd_m, y_rd_m            ``#XYID = code, x, y[, dx, dy]``; code 31000 (RD)
                          or 28992 (EPSG code of RD New)
ground_level_nap_m        ``#ZID = code, z[, dz]`` with code 31000 (NAP)
date                      ``#STARTDATE = yyyy, mm, dd``, else
                          ``#MEASUREMENTTEXT = 16`` (datum boring)
layer top/bottom (bore)   data columns whose ``#COLUMNINFO`` quantity number
                          is 1 (top) and 2 (bottom), metres below ground level
soil_name (bore)          first quoted text field of a data record (NEN 5104
                          code, e.g. ``'Kz3h3'``)
========================  ==================================================

Files are UTF-8 or Windows-1252. Header lines may have spaces around ``=``
or be wrapped in double quotes. Data use any ``#COLUMNSEPARATOR`` and
``#RECORDSEPARATOR`` (whitespace and line ends by default). A value equal to
the ``#COLUMNVOID`` of its column is missing. A missing or zero ``#XYID``
leaves the position empty and sets ``location_flag``, so the object is never
placed at 0,0.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grondwerk.errors import InputError
from grondwerk.i18n import msg

log = logging.getLogger(__name__)

RD_XY_CODES = ("31000", "28992")
NAP_Z_CODES = ("31000",)
# Bounding box of the RD New grid over the Netherlands in metres (x 0–300 km, y 289–629 km).
RD_BOUNDS = (0.0, 289_000.0, 300_000.0, 629_000.0)
# GEF quantity numbers of COLUMNINFO: 1 penetration length (CPT) or layer top (BORE), 2 cone resistance or layer bottom.
QUANTITY_FIRST = 1
QUANTITY_SECOND = 2
MAX_GEF_BYTES = 64 * 1024 * 1024
_HEADER_LINE = re.compile(r"^#\s*([A-Za-z]+)\s*=\s*(.*)$")


@dataclass
class GefFile:
    """Header and data records of one GEF file as text."""

    source: str
    headers: dict[str, list[list[str]]] = field(default_factory=dict)
    records: list[list[str]] = field(default_factory=list)
    encoding: str = "utf-8"

    def first(self, key: str) -> list[str] | None:
        values = self.headers.get(key)
        return values[0] if values else None


def decode_gef(data: bytes) -> tuple[str, str]:
    """Decode GEF bytes as UTF-8 (with or without BOM), else Windows-1252; return ``(text, encoding)``."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _split_values(value: str) -> list[str]:
    return [part.strip() for part in value.split(",")]


def parse_gef_text(text: str, source: str) -> GefFile:
    """Split GEF text into headers (``KEY -> list of value lists``) and data records (lists of field strings)."""
    gef = GefFile(source=source)
    lines = text.splitlines()
    end_of_header = None
    for number, raw in enumerate(lines):
        line = raw.strip()
        if len(line) >= 2 and line[0] == '"' and line[-1] == '"':
            line = line[1:-1].strip()
        if not line:
            continue
        if not line.startswith("#"):
            raise InputError(
                msg(
                    "regel {line} in de kop begint niet met '#'; ontbreekt '#EOH='?",
                    "header line {line} does not start with '#'; is '#EOH=' missing?",
                    line=number + 1,
                ),
                file=source,
                record=f"regel {number + 1}",
                value=line[:60],
            )
        match = _HEADER_LINE.match(line)
        if not match:
            continue  # a '#' line without '=' carries no field
        key, value = match.group(1).upper(), match.group(2).strip()
        if key == "EOH":
            end_of_header = number
            break
        gef.headers.setdefault(key, []).append(_split_values(value))
    if end_of_header is None:
        raise InputError(
            msg("GEF-bestand zonder '#EOH=' (einde van de kop)", "GEF file without '#EOH=' (end of header)"),
            file=source,
        )

    data = "\n".join(lines[end_of_header + 1 :])
    column_separator = (gef.first("COLUMNSEPARATOR") or [""])[0] or None
    record_separator = (gef.first("RECORDSEPARATOR") or [""])[0] or None
    raw_records = data.split(record_separator) if record_separator else data.split("\n")
    for raw_record in raw_records:
        raw_record = raw_record.strip()
        if not raw_record:
            continue
        if column_separator:
            fields = [part.strip() for part in raw_record.replace("\n", " ").split(column_separator)]
            while fields and fields[-1] == "":
                fields.pop()
        else:
            fields = raw_record.split()
        if fields:
            gef.records.append(fields)
    return gef


def _float(value: str, *, source: str, record: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InputError(
            msg("waarde '{value}' is geen getal; corrigeer het bestand", "value '{value}' is not a number; correct the file", value=value),
            file=source,
            record=record,
            value=value,
        ) from None


def _column_quantities(gef: GefFile) -> dict[int, int]:
    """Return ``{quantity number: 0-based column index}`` from ``#COLUMNINFO = column, unit, name, quantity``."""
    quantities: dict[int, int] = {}
    for values in gef.headers.get("COLUMNINFO", []):
        if len(values) >= 4 and values[0].isdigit() and re.fullmatch(r"\d+", values[3]):
            quantities.setdefault(int(values[3]), int(values[0]) - 1)
    return quantities


def _column_voids(gef: GefFile) -> dict[int, float]:
    voids: dict[int, float] = {}
    for values in gef.headers.get("COLUMNVOID", []):
        if len(values) >= 2 and values[0].isdigit():
            voids[int(values[0]) - 1] = _float(values[1], source=gef.source, record="#COLUMNVOID")
    return voids


def _report_kind(gef: GefFile) -> str:
    for key in ("REPORTCODE", "PROCEDURECODE"):
        for values in gef.headers.get(key, []):
            code = values[0].upper() if values else ""
            if code.startswith("GEF-CPT"):
                return "gef-cpt"
            if code.startswith("GEF-BORE"):
                return "gef-bore"
    raise InputError(
        msg(
            "GEF-bestand zonder #REPORTCODE of #PROCEDURECODE GEF-CPT-Report of GEF-BORE-Report; het soort meting is onbekend",
            "GEF file without #REPORTCODE or #PROCEDURECODE GEF-CPT-Report or GEF-BORE-Report, so the kind of test is unknown",
        ),
        file=gef.source,
    )


def _location(gef: GefFile) -> tuple[float | None, float | None, str]:
    """Return ``(x, y, flag)`` in RD New metres; x and y are None when the position is missing or zero."""
    values = gef.first("XYID")
    if not values or len(values) < 3 or not values[1] or not values[2]:
        return None, None, "xy_missing"
    code = values[0].split(".")[0]
    x = _float(values[1], source=gef.source, record="#XYID")
    y = _float(values[2], source=gef.source, record="#XYID")
    if x == 0 and y == 0:
        return None, None, "xy_zero"
    in_rd_bounds = RD_BOUNDS[0] <= x <= RD_BOUNDS[2] and RD_BOUNDS[1] <= y <= RD_BOUNDS[3]
    if code in RD_XY_CODES:
        if not in_rd_bounds:
            return None, None, "xy_outside_rd"
        return x, y, ""
    if in_rd_bounds:
        # NOTE: some suppliers write coordinate system code 0 with RD values;
        # the position is kept as RD and flagged so a reviewer can check it.
        return x, y, "xy_crs_assumed_rd"
    return None, None, "xy_crs_unknown"


def _ground_level(gef: GefFile) -> float | None:
    values = gef.first("ZID")
    if not values or len(values) < 2 or not values[1]:
        return None
    if values[0].split(".")[0] not in NAP_Z_CODES:
        return None
    return _float(values[1], source=gef.source, record="#ZID")


def _date(gef: GefFile) -> str:
    values = gef.first("STARTDATE")
    if values and len(values) >= 3 and all(v.isdigit() for v in values[:3]):
        return f"{int(values[0]):04d}-{int(values[1]):02d}-{int(values[2]):02d}"
    for text in gef.headers.get("MEASUREMENTTEXT", []):
        if len(text) >= 2 and text[0] == "16" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[1]):
            return text[1]
    return ""


def _numeric_value(fields: list[str], column: int, voids: dict[int, float], *, source: str, record: str) -> float | None:
    if column >= len(fields):
        raise InputError(
            msg(
                "record heeft {count} velden, kolom {column} ontbreekt; controleer #COLUMNSEPARATOR en #RECORDSEPARATOR",
                "record has {count} fields, column {column} is missing; check #COLUMNSEPARATOR and #RECORDSEPARATOR",
                count=len(fields),
                column=column + 1,
            ),
            file=source,
            record=record,
        )
    value = _float(fields[column], source=source, record=record)
    if column in voids and value == voids[column]:
        return None
    return value


def read_gef_file(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read a GEF-CPT or GEF-BORE file into location and layer records."""
    from grondwerk.bro.readers import _layer, rd_to_wgs84
    from grondwerk.bro.soil import group_of_nen5104_code

    path = Path(path)
    source = str(path)
    size = path.stat().st_size
    if size > MAX_GEF_BYTES:
        raise InputError(
            msg("GEF-bestand is {size} bytes, groter dan de grens van {limit} bytes", "GEF file is {size} bytes, larger than the limit of {limit} bytes", size=size, limit=MAX_GEF_BYTES),
            file=source,
            value=size,
        )
    text, encoding = decode_gef(path.read_bytes())
    gef = parse_gef_text(text, source)
    gef.encoding = encoding
    kind = _report_kind(gef)
    quantities = _column_quantities(gef)
    voids = _column_voids(gef)
    object_id = (gef.first("TESTID") or [""])[0] or path.stem
    x, y, flag = _location(gef)
    lat, lon = rd_to_wgs84(x, y) if x is not None else (None, None)
    ground_level = _ground_level(gef)
    if ground_level is None:
        flag = ";".join(part for part in (flag, "ground_level_unknown") if part)

    for quantity, label in ((QUANTITY_FIRST, ("diepte/sondeerlengte", "depth/penetration length")), (QUANTITY_SECOND, ("conusweerstand/onderkant laag", "cone resistance/layer bottom"))):
        if quantity not in quantities:
            raise InputError(
                msg(
                    "geen #COLUMNINFO met hoeveelheid {quantity} ({name_nl}); zonder die kolom is het bestand niet bruikbaar",
                    "no #COLUMNINFO with quantity {quantity} ({name_en}); the file is unusable without that column",
                    quantity=quantity,
                    name_nl=label[0],
                    name_en=label[1],
                ),
                file=source,
                record="#COLUMNINFO",
            )
    if not gef.records:
        raise InputError(msg("GEF-bestand zonder gegevensregels na #EOH", "GEF file without data records after #EOH"), file=source)

    layers: list[dict[str, Any]] = []
    first_column, second_column = quantities[QUANTITY_FIRST], quantities[QUANTITY_SECOND]
    void_records = 0
    for index, fields in enumerate(gef.records):
        record = f"record {index + 1}"
        first = _numeric_value(fields, first_column, voids, source=source, record=record)
        second = _numeric_value(fields, second_column, voids, source=source, record=record)
        if kind == "gef-cpt":
            if first is None:
                void_records += 1
            continue
        if first is None or second is None:
            raise InputError(
                msg("laag zonder boven- of onderkant (lege waarde)", "layer without top or bottom (void value)"),
                file=source,
                record=record,
            )
        texts = [part.strip("'\"") for part in fields if part.startswith("'") or part.startswith('"')]
        soil_code = texts[0] if texts else ""
        layers.append(_layer(object_id, first, second, ground_level, soil_code, group_of_nen5104_code(soil_code)))
    if void_records:
        log.info("%s: %s of %s records have a void penetration length", source, void_records, len(gef.records))

    location = {
        "object_id": object_id,
        "object_type": kind,
        "x_rd_m": x,
        "y_rd_m": y,
        "lat_wgs84": lat,
        "lon_wgs84": lon,
        "ground_level_nap_m": ground_level,
        "date": _date(gef),
        "source_file": source,
        "location_flag": flag,
    }
    return [location], layers
