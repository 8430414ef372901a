"""SIKB code lists (units, conditions, sample types, compartments, parameters) kept as data files.

The XML lists in ``data/sikb/`` are copies of SIKB domain tables in the
``sikb.lookup`` format. ``data/parameters.csv`` maps SIKB parameter ids to
code, name and CAS number, and ``data/parameters.json`` names its source.
``data/units.json`` sets how delivered units are normalised.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from grondwerk.bro.xmlsafe import parse_xml_file

DATA_DIR = Path(__file__).resolve().parent / "data"
SIKB_DIR = DATA_DIR / "sikb"


@dataclass(frozen=True)
class CodeEntry:
    """One entry of a SIKB domain table."""

    id: str
    code: str
    description: str
    status: str
    dimension: str = ""
    factor: float | None = None


@dataclass(frozen=True)
class Parameter:
    """A SIKB parameter: short code, Dutch name, CAS number; ``source`` is ``sikb`` or ``unresolved``."""

    id: str
    code: str
    name: str
    cas_number: str
    source: str


@dataclass(frozen=True)
class Conversion:
    """A delivered value converted to the normalised unit."""

    value: float
    unit: str
    factor: float
    note: str


def _factor(text: str) -> float | None:
    """Parse an Omrekenfactor; a few entries of the SIKB list write it with a decimal comma."""
    if not text:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _load_lookup(name: str) -> tuple[dict[str, CodeEntry], str]:
    root = parse_xml_file(SIKB_DIR / f"{name}.xml")
    version = f"{name} {root.get('versie', '?')} ({root.get('datum', '?')})"
    entries: dict[str, CodeEntry] = {}
    for element in root.iter(name):
        entry_id = (element.findtext("ID") or "").strip()
        code = (element.findtext("Code") or element.findtext("Naam") or "").strip()
        factor_text = (element.findtext("Omrekenfactor") or "").strip()
        entries[entry_id] = CodeEntry(
            id=entry_id,
            code=code,
            description=(element.findtext("Omschrijving") or "").strip(),
            status=element.get("status", ""),
            dimension=(element.findtext("Dimensie") or "").strip(),
            factor=_factor(factor_text),
        )
    return entries, version


@cache
def units() -> dict[str, CodeEntry]:
    """Return the SIKB Eenheid list by id."""
    return _load_lookup("Eenheid")[0]


@cache
def units_by_code() -> dict[str, CodeEntry]:
    """Return the SIKB Eenheid list by code (e.g. ``mg/kg``), preferring entries still in force."""
    result: dict[str, CodeEntry] = {}
    for entry in units().values():
        current = result.get(entry.code)
        if current is None or (current.status == "Vervallen" and entry.status != "Vervallen"):
            result[entry.code] = entry
    return result


@cache
def conditions() -> dict[str, CodeEntry]:
    """Return the SIKB Hoedanigheid list by id."""
    return _load_lookup("Hoedanigheid")[0]


@cache
def sample_types() -> dict[str, CodeEntry]:
    """Return the SIKB MonsterType list by id (1 veldmonster, 10 analysemonster, ...)."""
    return _load_lookup("MonsterType")[0]


@cache
def compartments() -> dict[str, CodeEntry]:
    """Return the SIKB Compartiment list by id (1 BS bodem/sediment, 2 GW grondwater, ...)."""
    return _load_lookup("Compartiment")[0]


@cache
def parameters() -> dict[str, Parameter]:
    """Return the parameter table by SIKB id."""
    with open(DATA_DIR / "parameters.csv", encoding="utf-8", newline="") as handle:
        return {
            row["sikb_id"]: Parameter(row["sikb_id"], row["code"], row["name"], row["cas_number"], "sikb")
            for row in csv.DictReader(handle)
        }


@cache
def parameters_by_code() -> dict[str, Parameter]:
    """Return the parameter table by lower-case SIKB code and lower-case Dutch name, for lab exports."""
    result: dict[str, Parameter] = {}
    for parameter in parameters().values():
        result.setdefault(parameter.code.lower(), parameter)
        result.setdefault(parameter.name.lower(), parameter)
    return result


def parameter(sikb_id: str) -> Parameter:
    """Return the parameter with ``sikb_id``; an id missing from the table gets code ``SIKB-<id>``."""
    known = parameters().get(sikb_id)
    if known is not None:
        return known
    return Parameter(sikb_id, f"SIKB-{sikb_id}", f"SIKB-parameter {sikb_id}", "", "unresolved")


@cache
def unit_rules() -> dict:
    return json.loads((DATA_DIR / "units.json").read_text(encoding="utf-8"))


def versions() -> dict[str, str]:
    """Return the versions of the code lists and data tables, for the dossier manifest."""
    result = {}
    for name in ("Eenheid", "Hoedanigheid", "MonsterType", "Compartiment"):
        result[f"inspection.sikb.{name}"] = _load_lookup(name)[1]
    result["inspection.parameters"] = json.loads((DATA_DIR / "parameters.json").read_text(encoding="utf-8"))["version"]
    result["inspection.units"] = unit_rules()["version"]
    return result


def split_unit(text: str) -> tuple[str, bool]:
    """Split a delivered unit such as ``µg/kg ds`` into the SIKB unit code and whether it is per dry matter."""
    rules = unit_rules()
    unit = " ".join(text.strip().split())
    dry_matter = False
    lowered = unit.lower()
    for suffix in rules["dry_matter_suffixes"]:
        if lowered.endswith(suffix):
            unit = unit[: len(unit) - len(suffix)].strip()
            lowered = unit.lower()
            dry_matter = True
            break
    aliases = {key.lower(): value for key, value in rules["aliases"].items()}
    unit = aliases.get(lowered, unit)
    by_code = {code.lower(): code for code in units_by_code()}
    return by_code.get(unit.lower(), unit), dry_matter


def normalise(value: float, unit_code: str) -> Conversion | None:
    """Convert ``value`` in SIKB unit ``unit_code`` to the normalised unit, or return None for an unknown unit.

    Mass fractions go to mg/kg and concentrations in water to ug/l, using the
    SIKB conversion factors to SI; other units (%, cm, ...) stay as delivered.
    """
    entry = units_by_code().get(unit_code)
    if entry is None:
        return None
    target_code = unit_rules()["targets"].get(entry.dimension)
    if target_code is None or entry.factor is None or target_code == unit_code:
        return Conversion(value, unit_code, 1.0, "")
    target = units_by_code()[target_code]
    factor = entry.factor / target.factor
    # Round away binary noise of the factor (e.g. 0.001 * 13.32) at 12 significant digits.
    converted = float(f"{value * factor:.12g}") if math.isfinite(value) else value
    return Conversion(converted, target_code, factor, f"{unit_code} -> {target_code} x {factor:g}")
