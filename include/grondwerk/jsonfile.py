"""Reading JSON files that users or earlier stages hand in, with one-line errors for every way they go wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grondwerk.errors import InputError
from grondwerk.i18n import msg

_KINDS = {dict: ("een object", "an object"), list: ("een lijst", "a list")}


def read_json(path: Path, *, expect: type | None = None, missing_hint: tuple[str, str] | None = None) -> Any:
    """Return the parsed JSON of ``path``; raise ``InputError`` naming the file when it cannot be used.

    ``expect`` (``dict`` or ``list``) is the required top-level type. ``missing_hint``
    is the Dutch and English advice shown when the file does not exist.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(msg("dit is een map, geen JSON-bestand", "this is a folder, not a JSON file"), file=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        nl, en = missing_hint or ("bestand niet gevonden", "file not found")
        raise InputError(msg(nl, en), file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(msg("bestand is geen UTF-8-tekst (byte {offset})", "file is not UTF-8 text (byte {offset})", offset=exc.start), file=str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            msg("geen geldige JSON: {error} (regel {line}, kolom {column})", "not valid JSON: {error} (line {line}, column {column})",
                error=exc.msg, line=exc.lineno, column=exc.colno),
            file=str(path), record=f"regel {exc.lineno}",
        ) from None
    except RecursionError:
        raise InputError(msg("JSON is te diep genest", "JSON is nested too deeply"), file=str(path)) from None
    if expect is not None and not isinstance(data, expect):
        nl, en = _KINDS.get(expect, (expect.__name__, expect.__name__))
        raise InputError(msg("JSON moet {kind_nl} zijn op het hoogste niveau", "JSON must be {kind_en} at the top level", kind_nl=nl, kind_en=en), file=str(path))
    return data
