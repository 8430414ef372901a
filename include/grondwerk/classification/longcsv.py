"""Reader of the plain long CSV: ``sample_id, parameter, value, unit, limit_symbol``, one measurement per row.

Parameters are Dutch names (``lood``, ``zink``, ``PAK (som 10)``, ``minerale olie``)
or SIKB codes; lutum and organische stof are rows with unit ``%``. A value may
carry its limit symbol (``<0,2``) and use a decimal comma.
"""

from __future__ import annotations

import csv
import io
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
        record = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        value_text = record["value"].replace(" ", "")
        symbol = record.get("limit_symbol", "")
        if value_text[:1] in ("<", ">"):
            symbol = symbol or value_text[0]
            value_text = value_text[1:]
        try:
            value = float(value_text.replace(",", "."))
        except ValueError:
            quarantine.append({
                "source_file": str(path), "source_record": f"regel {number}",
                "reason_nl": f"waarde '{record['value']}' is geen getal", "reason_en": f"value '{record['value']}' is not a number",
                "raw": delimiter.join(raw.get(k) or "" for k in (reader.fieldnames or [])),
            })
            continue
        if not record["sample_id"] or not record["parameter"]:
            quarantine.append({
                "source_file": str(path), "source_record": f"regel {number}",
                "reason_nl": "sample_id of parameter is leeg", "reason_en": "sample_id or parameter is empty",
                "raw": delimiter.join(raw.get(k) or "" for k in (reader.fieldnames or [])),
            })
            continue
        rows.append({
            "sample_id": record["sample_id"], "parameter_code": record["parameter"], "parameter_name": record["parameter"],
            "cas_number": record.get("cas_number", ""), "value": value, "unit": record["unit"], "limit_symbol": symbol,
            "condition": record.get("condition", ""), "source_file": str(path), "source_record": f"regel {number}",
        })
    analyses = pd.DataFrame(rows, columns=["sample_id", "parameter_code", "parameter_name", "cas_number", "value", "unit", "limit_symbol", "condition", "source_file", "source_record"])
    return analyses, pd.DataFrame(quarantine, columns=["source_file", "source_record", "reason_nl", "reason_en", "raw"])
