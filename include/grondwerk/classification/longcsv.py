"""Reader of the plain long CSV: ``sample_id, parameter, value, unit, limit_symbol``, one measurement per row.

Parameters are Dutch names (``lood``, ``zink``, ``PAK (som 10)``, ``minerale olie``)
or SIKB codes; lutum and organische stof are rows with unit ``%``. A value may
carry its limit symbol (``<0,2``) and use a decimal comma.

A row that cannot be used (no number, a negative value, an empty sample id or
parameter) is quarantined with its reason, so rows in = rows out + rows
quarantined. A negative value fails the same rule as the critical row check
``value_not_negative`` of the quality stage (``checks/analyses.json``).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from grondwerk.errors import InputError
from grondwerk.i18n import msg

REQUIRED_COLUMNS = ("sample_id", "parameter", "value", "unit")
MAX_BYTES = 200 * 1024 * 1024


def is_long_csv(path: Path) -> bool:
    """Return True when the first line of ``path`` names the long-CSV columns."""
    if path.suffix.lower() not in (".csv", ".txt"):
        return False
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
    delimiter = ";" if header.count(";") > header.count(",") else ","
    columns = {column.strip().lower() for column in header.strip().split(delimiter)}
    return set(REQUIRED_COLUMNS) <= columns


def _split_value(record: dict[str, str]) -> tuple[float, str]:
    """Return (value, limit symbol) of a row; the value is NaN when the cell is no number."""
    value_text = record["value"].replace(" ", "")
    symbol = record.get("limit_symbol", "")
    if value_text[:1] in ("<", ">"):
        symbol = symbol or value_text[0]
        value_text = value_text[1:]
    try:
        return float(value_text.replace(",", ".")), symbol
    except ValueError:
        return math.nan, symbol


def _row_problem(record: dict[str, str], value: float, extra_cells: int, delimiter: str) -> tuple[str, str] | None:
    """Return the Dutch and English reason to quarantine a row, or None when the row can be used."""
    if extra_cells:
        # A decimal comma in a comma-separated file splits the value, so the columns after it shift.
        return (
            f"regel heeft {extra_cells} veld(en) meer dan de kop; controleer het scheidingsteken '{delimiter}' en de decimale komma's",
            f"row has {extra_cells} field(s) more than the header; check the delimiter '{delimiter}' and the decimal commas",
        )
    if not math.isfinite(value):
        # float() also accepts "nan" and "inf", which are no measurement either.
        return f"waarde '{record['value']}' is geen getal", f"value '{record['value']}' is not a number"
    if value < 0:
        return (
            f"value_not_negative: waarde '{record['value']}' van '{record['parameter']}' is negatief; "
            "gehalten zijn 0 of groter. Controleer de negatieve waarde bij het lab.",
            f"value_not_negative: value '{record['value']}' of '{record['parameter']}' is negative; "
            "contents are 0 or more. Check the negative value with the lab.",
        )
    if not record["sample_id"] or not record["parameter"]:
        return "sample_id of parameter is leeg", "sample_id or parameter is empty"
    return None


def read_long_csv(path: Path):
    """Return (analyses DataFrame in the analyses.csv columns, quarantine DataFrame) for a long CSV."""
    import pandas as pd

    path = Path(path)
    if path.stat().st_size > MAX_BYTES:
        raise InputError(
            msg("bestand is groter dan {limit} MB; splits het", "file is larger than {limit} MB; split it", limit=MAX_BYTES // (1024 * 1024)),
            file=str(path), value=path.stat().st_size,
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            msg("bestand is geen UTF-8 (byte {position}); sla het op als UTF-8", "file is not UTF-8 (byte {position}); save it as UTF-8", position=exc.start),
            file=str(path),
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in fields]
    if missing:
        raise InputError(
            msg("kolommen {value} ontbreken; verwacht sample_id, parameter, value, unit, limit_symbol",
                "columns {value} are missing; expected sample_id, parameter, value, unit, limit_symbol", value=", ".join(missing)),
            file=str(path), record="regel 1", value=missing,
        )
    rows, quarantine = [], []
    for number, raw in enumerate(reader, start=2):
        # DictReader puts the cells beyond the header under the key None.
        extra_cells = raw.pop(None, None) or []
        record = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        value, symbol = _split_value(record)
        problem = _row_problem(record, value, len(extra_cells), delimiter)
        if problem:
            cells = [raw.get(k) or "" for k in (reader.fieldnames or [])] + list(extra_cells)
            quarantine.append({
                "source_file": str(path), "source_record": f"regel {number}", "reason_nl": problem[0], "reason_en": problem[1],
                "raw": delimiter.join(cells),
            })
            continue
        rows.append({
            "sample_id": record["sample_id"], "parameter_code": record["parameter"], "parameter_name": record["parameter"],
            "cas_number": record.get("cas_number", ""), "value": value, "unit": record["unit"], "limit_symbol": symbol,
            "condition": record.get("condition", ""), "source_file": str(path), "source_record": f"regel {number}",
        })
    analyses = pd.DataFrame(rows, columns=["sample_id", "parameter_code", "parameter_name", "cas_number", "value", "unit", "limit_symbol", "condition", "source_file", "source_record"])
    return analyses, pd.DataFrame(quarantine, columns=["source_file", "source_record", "reason_nl", "reason_en", "raw"])
