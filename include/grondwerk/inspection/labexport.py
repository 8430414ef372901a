"""Reader of lab exports (CSV or XLSX) with one row per measurement.

The reader accepts ``;``, ``,`` or tab as separator. In ``;``-separated files
the comma is the decimal separator and the dot separates thousands
(``1.234,5``), in ``,``-separated files the other way round. The limit symbol
may stand in the value (``<0,35``) or in its own column. Units such as
``µg/kg ds`` are normalised to mg/kg with the conversion recorded. Exact
duplicate rows, samples without results and negative values are quarantined
with a reason, so every data row ends up as an analysis or as a quarantine row.
A negative value fails the same rule as the critical row check
``value_not_negative`` of the quality stage (``checks/analyses.json``), and its
reason starts with that check id.

NOTE: header names are matched through ``data/lab_columns.json``. No public
Dutch lab export was available, so the aliases come from fixture files made
for the tests and will need additions for each lab's real export.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.inspection import codelists
from grondwerk.inspection.model import sample_properties

log = logging.getLogger(__name__)

NUMBER_WITH_LIMIT = re.compile(r"^\s*([<>])?\s*=?\s*([-+]?[\d.,]+)\s*$")


@cache
def column_rules() -> dict[str, Any]:
    return json.loads((codelists.DATA_DIR / "lab_columns.json").read_text(encoding="utf-8"))


def _header_key(name: str) -> str:
    return re.sub(r"[\s_]+", " ", str(name or "").strip().lower())


def map_columns(header: list[str], source: str) -> dict[str, int]:
    """Return the column index of each analyses field found in ``header``; raise ``InputError`` if a required one is missing."""
    aliases = {_header_key(alias): field for field, names in column_rules()["columns"].items() for alias in names}
    mapping: dict[str, int] = {}
    for index, name in enumerate(header):
        field = aliases.get(_header_key(name))
        if field and field not in mapping:
            mapping[field] = index
    missing = [field for field in column_rules()["required"] if field not in mapping]
    if missing:
        raise InputError(
            msg(
                "kolom(men) {missing} ontbreken in de kop ({header}); gebruik bijvoorbeeld de koppen monster, parameter, waarde, eenheid",
                "column(s) {missing} missing from the header ({header}); use for example the headers monster, parameter, waarde, eenheid",
                missing=", ".join(missing),
                header="; ".join(str(h) for h in header),
            ),
            file=source,
            record="header",
            value="; ".join(str(h) for h in header),
        )
    return mapping


def parse_number(text: str, decimal_comma: bool) -> float:
    """Parse a delivered number; with ``decimal_comma`` the dot is a thousands separator, otherwise the comma is."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if decimal_comma:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    return float(cleaned)


def split_value(cell: Any, decimal_comma: bool) -> tuple[float, str]:
    """Return (value, limit symbol) of a value cell such as ``<0,35``; raise ValueError when it is no number."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return float(cell), ""
    match = NUMBER_WITH_LIMIT.match(str(cell))
    if not match:
        raise ValueError(str(cell))
    return parse_number(match.group(2), decimal_comma), match.group(1) or ""


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        log.info("%s is not UTF-8; reading it as Windows-1252", path)
        return data.decode("cp1252")


def _csv_rows(path: Path) -> tuple[list[str], Iterator[tuple[str, list[str]]], bool]:
    content = _decode(path)
    sample = "\n".join(content.splitlines()[:20])
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    header: list[str] = []
    for row in reader:
        if any(cell.strip() for cell in row):
            header = row
            break
    if not header:
        raise InputError(msg("CSV-bestand is leeg", "CSV file is empty"), file=str(path))

    def rows() -> Iterator[tuple[str, list[str]]]:
        for row in reader:
            yield f"line {reader.line_num}", row

    return header, rows(), delimiter != ","


def _xlsx_rows(path: Path) -> tuple[list[str], Iterator[tuple[str, list[Any]]], bool]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for damaged files
        raise InputError(
            msg("XLSX-bestand kan niet worden geopend ({error})", "XLSX file cannot be opened ({error})", error=type(exc).__name__),
            file=str(path),
        ) from None
    sheet = workbook.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    header: list[str] = []
    for row in rows_iter:
        if any(cell not in (None, "") for cell in row):
            header = ["" if cell is None else str(cell) for cell in row]
            break
    if not header:
        raise InputError(msg("XLSX-werkblad is leeg", "XLSX sheet is empty"), file=str(path), record=sheet.title)

    def rows() -> Iterator[tuple[str, list[Any]]]:
        for number, row in enumerate(rows_iter, start=2):
            yield f"{sheet.title} row {number}", ["" if cell is None else cell for cell in row]

    return header, rows(), True


def _cell(row: list[Any], mapping: dict[str, int], field: str) -> Any:
    index = mapping.get(field)
    if index is None or index >= len(row):
        return ""
    value = row[index]
    return value.strip() if isinstance(value, str) else value


def _resolve_parameter(name: str) -> tuple[codelists.Parameter | None, str]:
    """Return the parameter and the condition a lab's parameter name implies (e.g. lutum → Dk0002)."""
    alias = {key.lower(): value for key, value in column_rules()["parameter_aliases"].items()}.get(name.lower())
    if alias:
        code, condition = alias
        return codelists.parameters_by_code().get(code.lower()), condition
    return codelists.parameters_by_code().get(name.lower()), ""


def _accept_row(row, record, mapping, samples, seen, decimal_comma) -> dict[str, Any]:
    """Return the analyses row of one data row; raise ``RowRejected`` when it cannot be accepted.

    Registers the row's sample in ``samples`` (so a sample without results is
    still listed) and the row itself in ``seen`` (to spot exact duplicates).
    """
    sample_id = str(_cell(row, mapping, "sample_id"))
    if not sample_id:
        raise RowRejected("monsternummer ontbreekt; vul het monster in", "sample id is missing; fill in the sample")
    sample = samples.setdefault(sample_id, _sample_info(row, mapping, sample_id, decimal_comma))

    parameter_text = str(_cell(row, mapping, "parameter"))
    value_cell = _cell(row, mapping, "value")
    if not parameter_text and value_cell in ("", None):
        raise RowRejected(
            "monster zonder resultaten; lever de analyseresultaten of haal het monster weg",
            "sample without results; deliver the analysis results or remove the sample",
        )

    key = tuple(str(cell).strip() for cell in row)
    if key in seen:
        raise RowRejected(
            f"dubbele regel, gelijk aan {seen[key]}; de eerste is gebruikt",
            f"duplicate row, identical to {seen[key]}; the first was used",
        )
    seen[key] = record

    analysis = _analysis_row(row, mapping, sample, parameter_text, value_cell, decimal_comma)
    sample["analysed"] = True
    return analysis


def _sample_rows(samples: dict[str, dict[str, Any]], analyses: list[dict[str, Any]], investigation_id: str) -> list[dict[str, Any]]:
    properties = sample_properties(analyses)
    rows = []
    for sample in samples.values():
        extra = properties.get(sample["sample_id"], {})
        rows.append({
            **sample,
            "investigation_id": sample["investigation_id"] or investigation_id,
            "lutum_pct": extra.get("lutum_pct", math.nan),
            "organic_matter_pct": extra.get("organic_matter_pct", math.nan),
        })
    return rows


def read_lab_export(path: Path, kind: str) -> tuple[list[dict], list[dict], list[dict], dict[str, Any], str]:
    """Read a lab export; return analyses rows, sample rows, quarantine rows, counts and the investigation id.

    The investigation id is the first one in the file's investigation column,
    else the file name without extension.
    """
    header, rows, decimal_comma = _xlsx_rows(path) if kind == "lab-xlsx" else _csv_rows(path)
    mapping = map_columns(header, str(path))
    analyses: list[dict[str, Any]] = []
    quarantine: list[dict[str, str]] = []
    samples: dict[str, dict[str, Any]] = {}
    seen: dict[tuple, str] = {}
    rows_in = 0
    investigation_id = ""

    for record, row in rows:
        if not any(str(cell).strip() for cell in row):
            continue
        rows_in += 1
        investigation_id = investigation_id or str(_cell(row, mapping, "investigation_id"))
        try:
            analysis = _accept_row(row, record, mapping, samples, seen, decimal_comma)
        except RowRejected as rejected:
            quarantine.append({
                "source_file": str(path),
                "source_record": record,
                "reason_nl": rejected.nl,
                "reason_en": rejected.en,
                "raw": " | ".join(str(cell) for cell in row),
            })
            continue
        analyses.append({**analysis, "source_file": str(path), "source_record": record})

    investigation_id = investigation_id or path.stem
    for analysis in analyses:
        analysis["investigation_id"] = analysis["investigation_id"] or investigation_id
    counts = {"rows_in": rows_in, "rows_out": len(analyses), "rows_quarantined": len(quarantine)}
    log.info("%s: %d rows in, %d analyses, %d quarantined", path.name, rows_in, len(analyses), len(quarantine))
    return analyses, _sample_rows(samples, analyses, investigation_id), quarantine, counts, investigation_id


def _optional_number(cell: Any, decimal_comma: bool) -> float:
    if cell in ("", None):
        return math.nan
    try:
        return split_value(cell, decimal_comma)[0]
    except ValueError:
        return math.nan


def _sample_info(row: list[Any], mapping: dict[str, int], sample_id: str, decimal_comma: bool) -> dict[str, Any]:
    combined = [part.strip() for part in re.split(r"[;,+]", str(_cell(row, mapping, "combined_samples"))) if part.strip()]
    if len(combined) > 1:
        sample_type = "mengmonster"
    elif combined:
        sample_type = "enkelvoudig"
    else:
        sample_type = "onbekend"
    return {
        "sample_id": sample_id,
        "investigation_id": str(_cell(row, mapping, "investigation_id")),
        "borehole_id": str(_cell(row, mapping, "borehole_id")),
        "sample_type": sample_type,
        "combined_samples": ";".join(combined),
        "top_m_bgl": _optional_number(_cell(row, mapping, "top_m_bgl"), decimal_comma),
        "bottom_m_bgl": _optional_number(_cell(row, mapping, "bottom_m_bgl"), decimal_comma),
        "x_rd_m": math.nan,
        "y_rd_m": math.nan,
        "sampling_date": "",
        "analysed": False,
    }


class RowRejected(Exception):
    """A lab-export row that cannot be accepted, with the reason in Dutch and English."""

    def __init__(self, nl: str, en: str):
        super().__init__(en)
        self.nl = nl
        self.en = en


def _delivered_value(row, mapping, value_cell, decimal_comma) -> tuple[float, str]:
    """Return the delivered value and its limit symbol, from the value cell or the separate limit column."""
    if value_cell in ("", None):
        raise RowRejected("waarde ontbreekt", "value is missing")
    try:
        delivered, limit = split_value(value_cell, decimal_comma)
    except ValueError:
        raise RowRejected(f"waarde '{value_cell}' is geen getal", f"value '{value_cell}' is not a number") from None

    separate_limit = str(_cell(row, mapping, "limit_symbol"))
    if separate_limit in ("<", ">"):
        limit = limit or separate_limit
    elif separate_limit not in ("", "="):
        raise RowRejected(
            f"grensteken '{separate_limit}' is ongeldig; gebruik <, > of laat leeg",
            f"limit symbol '{separate_limit}' is invalid; use <, > or leave empty",
        )
    return delivered, limit


def _converted(row, mapping, delivered: float) -> tuple[codelists.Conversion, bool, str]:
    """Return the value in the normalised unit, whether the unit was per dry matter, and the delivered unit text."""
    unit_text = str(_cell(row, mapping, "unit"))
    unit_code, dry_matter = codelists.split_unit(unit_text)
    conversion = codelists.normalise(delivered, unit_code)
    if conversion is None:
        raise RowRejected(
            f"eenheid '{unit_text}' is onbekend; lever bijvoorbeeld mg/kg ds",
            f"unit '{unit_text}' is unknown; deliver for example mg/kg ds",
        )

    compartment = str(_cell(row, mapping, "compartment")).lower()
    is_water = compartment in column_rules()["water_compartments"]
    if codelists.units_by_code()[unit_code].dimension == "M/L3" and not is_water:
        raise RowRejected(
            f"eenheid '{unit_text}' is een concentratie in water, maar het monster is geen watermonster; lever grond in mg/kg ds of zet de matrix op grondwater",
            f"unit '{unit_text}' is a concentration in water but the sample is not a water sample; deliver soil in mg/kg ds or set the matrix to grondwater",
        )
    return conversion, dry_matter, unit_text


def _analysis_row(row, mapping, sample, parameter_text, value_cell, decimal_comma) -> dict[str, Any]:
    """Return the analyses row of one lab-export row; raise ``RowRejected`` when it cannot be accepted."""
    parameter, implied_condition = _resolve_parameter(parameter_text)
    if parameter is None:
        raise RowRejected(
            f"parameter '{parameter_text}' is onbekend; gebruik de SIKB-code of -naam",
            f"parameter '{parameter_text}' is unknown; use the SIKB code or name",
        )
    delivered, limit = _delivered_value(row, mapping, value_cell, decimal_comma)
    if delivered < 0:
        raise RowRejected(
            f"value_not_negative: waarde '{value_cell}' van '{parameter_text}' is negatief; "
            "gehalten zijn 0 of groter. Controleer de negatieve waarde bij het lab.",
            f"value_not_negative: value '{value_cell}' of '{parameter_text}' is negative; "
            "contents are 0 or more. Check the negative value with the lab.",
        )
    conversion, dry_matter, unit_text = _converted(row, mapping, delivered)
    condition = str(_cell(row, mapping, "condition")) or implied_condition
    if not condition and dry_matter:
        condition = "dg"

    return {
        "investigation_id": sample["investigation_id"],
        "borehole_id": sample["borehole_id"],
        "sample_id": sample["sample_id"],
        "sample_type": sample["sample_type"],
        "combined_samples": sample["combined_samples"],
        "top_m_bgl": sample["top_m_bgl"],
        "bottom_m_bgl": sample["bottom_m_bgl"],
        "parameter_code": parameter.code,
        "parameter_name": parameter.name,
        "cas_number": str(_cell(row, mapping, "cas_number")) or parameter.cas_number,
        "value": conversion.value,
        "unit": conversion.unit,
        "limit_symbol": limit,
        "condition": condition,
        "value_delivered": delivered,
        "unit_delivered": unit_text,
        "conversion": conversion.note,
        "lab": str(_cell(row, mapping, "lab")),
        "analysis_date": str(_cell(row, mapping, "analysis_date")),
    }
