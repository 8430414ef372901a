"""Soil-type groups (zand, klei, leem, veen, grind, overig) from delivered soil names.

The mapping lives in ``data/soil_type_groups.json`` with its source and version.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "soil_type_groups.json"
_CAMEL_TOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


@functools.lru_cache(maxsize=1)
def soil_group_table() -> dict[str, Any]:
    """Return the parsed mapping file (cached)."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def soil_group_version() -> str:
    """Return ``name@version`` of the mapping file, for the dossier manifest."""
    table = soil_group_table()
    return f"{table['name']}@{table['version']}"


def group_of_bro_name(name: str | None) -> str:
    """Return the soil-type group of a BRO camelCase soil name such as ``zwakSiltigeKlei``.

    The main noun is the last known soil noun that does not follow a
    connecting word ("met", "en"): ``kleiigZandMetGrind`` is zand.
    """
    table = soil_group_table()
    if not name:
        return table["default_group"]
    tokens = [token.lower() for token in _CAMEL_TOKEN.findall(name)]
    nouns = table["main_nouns"]
    connecting = set(table["connecting_words"])
    group = None
    for index, token in enumerate(tokens):
        stem = token.rstrip("e") if token.endswith("e") and token.rstrip("e") in nouns else token
        if stem in nouns and not (index > 0 and tokens[index - 1] in connecting):
            group = nouns[stem]
    return group or table["default_group"]


def group_of_nen5104_code(code: str | None) -> str:
    """Return the soil-type group of a NEN 5104 code such as ``Kz3h3`` (first letter is the main soil)."""
    table = soil_group_table()
    code = (code or "").strip()
    if not code or code.upper().startswith("NBE"):
        return table["default_group"]
    return table["nen5104_letters"].get(code[0].upper(), table["default_group"])
