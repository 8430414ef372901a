"""Validation of a matching instance (the JSON shape of ``grondwerk match``) into numpy arrays.

An instance has ``supply``, ``demand``, ``depots`` and ``parameters``; the
optional ``disposal_sites`` and ``primary_sources`` ({id, x, y}) add the road
distance to the nearest site to the cost and tonne-km of unmatched supply and
unmet demand. Coordinates are RD New metres, periods are integers from 1.

Unknown keys in ``parameters``, values outside the policy limits in
``data/parameters.json`` (``limits``) and coordinates outside the RD New grid
are rejected with ``InputError``. Such values are taken for typing or unit
errors, and large ones would otherwise overflow the solver's integer
arithmetic.

Soil types are not rejected, because a region may use names outside the
project's list ``grondwerk.tender.SOIL_TYPE_GROUPS``. A soil type outside that
list, and one that only supply or only demand uses, becomes a warning in
``Problem.warnings`` and is logged once.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import numbers
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from grondwerk.errors import InputError
from grondwerk.i18n import Message, msg
from grondwerk.tender import MAX_VOLUME_M3, RD_BOUNDS, SOIL_TYPE_GROUPS

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
CLASSES = ("achtergrondwaarde", "wonen", "industrie")
# Instances may also give a class as its index 0, 1 or 2 (as in the synthetic family).
CLASS_INDEX = {name: index for index, name in enumerate(CLASSES)} | {str(i): i for i in range(3)}
# A soil warning names this many records and counts the rest, so that it stays one readable line on 100,000 lots.
NAMED_RECORDS = 5


@lru_cache(maxsize=1)
def default_parameters() -> dict[str, Any]:
    """Return the parameter file (values, sources and version) under ``data/``."""
    return json.loads((DATA_DIR / "parameters.json").read_text(encoding="utf-8"))


def instance_limits() -> dict[str, Any]:
    """Return the policy limits of ``data/parameters.json`` (value, unit and reason of each)."""
    return default_parameters()["limits"]


@lru_cache(maxsize=1)
def max_tonnes() -> float:
    """Return the largest accepted tonnes of one supply lot, demand site or depot.

    The bound is the tender's volume cap ``MAX_VOLUME_M3`` at the largest bulk
    density in ``data/density.json``, so every volume that a tender accepts
    still converts to valid tonnes. A larger number is a typing error, for
    example kilograms given as tonnes, and would overflow the solver's integers.
    """
    densities = json.loads((DATA_DIR / "density.json").read_text(encoding="utf-8"))["t_per_m3"]
    return MAX_VOLUME_M3 * max(densities.values())


@dataclass
class Problem:
    """A validated instance as arrays; index i is supply, j demand, k depot."""

    supply_ids: list[str]
    sx: np.ndarray
    sy: np.ndarray
    s_tonnes: np.ndarray
    s_class: np.ndarray
    s_soil: np.ndarray
    s_from: np.ndarray
    s_to: np.ndarray
    demand_ids: list[str]
    dx: np.ndarray
    dy: np.ndarray
    d_tonnes: np.ndarray
    d_class_mask: np.ndarray
    d_soil_mask: np.ndarray
    d_from: np.ndarray
    d_to: np.ndarray
    depot_ids: list[str]
    kx: np.ndarray
    ky: np.ndarray
    k_capacity: np.ndarray
    k_class_mask: np.ndarray
    k_handling: np.ndarray
    k_dwell: np.ndarray
    soil_types: list[str]
    params: dict[str, float]
    periods: int
    # Cost and road km of sending one supply tonne to disposal / serving one demand tonne with primary sand.
    s_unmatched_cost: np.ndarray = field(default=None)
    s_disposal_km: np.ndarray = field(default=None)
    s_disposal_site: list[str | None] = field(default=None)
    d_unmet_cost: np.ndarray = field(default=None)
    d_primary_km: np.ndarray = field(default=None)
    d_primary_site: list[str | None] = field(default=None)
    # Warnings about soil types outside the project's list or used by one side only. They do not make the input invalid.
    warnings: list[Message] = field(default_factory=list)

    @property
    def km_per_metre(self) -> float:
        return self.params["detour_factor"] / 1000.0


def _bad(record: str, value: object, nl: str, en: str, source: str | None) -> InputError:
    return InputError(msg(nl, en, record=record, value=value), file=source, record=record, value=value)


def _number(item: dict[str, Any], key: str, record: str, source: str | None, *, minimum: float = 0.0) -> float:
    value = item.get(key)
    if isinstance(value, bool):
        # float(True) is 1.0, which would turn a flag into one tonne or one euro without a word.
        raise _bad(f"{record}.{key}", value, "'{value}' is geen getal; geef een getal op", "'{value}' is not a number; give a number", source)
    try:
        number = float(value)
    except OverflowError:
        # A JSON integer with more than about 308 digits does not fit a float; the check below rejects it.
        number = math.inf
    except (TypeError, ValueError):
        raise _bad(f"{record}.{key}", value, "'{value}' is geen getal; geef een getal op", "'{value}' is not a number; give a number", source) from None
    if not math.isfinite(number) or number < minimum:
        raise _bad(f"{record}.{key}", value, "waarde {value} is ongeldig; gebruik een eindig getal van minstens " + str(minimum),
                   "value {value} is invalid; use a finite number of at least " + str(minimum), source)
    return number


def _tonnes(item: dict[str, Any], key: str, record: str, source: str | None) -> float:
    """Return the tonnes in ``item[key]``; raise ``InputError`` unless they lie between 0 and ``max_tonnes()``."""
    number = _number(item, key, record, source)
    limit = max_tonnes()
    if number > limit:
        raise InputError(
            msg("{value} t is meer dan de grens van {limit:.0f} t; controleer de eenheid (ton, niet kilogram)",
                "{value} t is more than the limit of {limit:.0f} t; check the unit (tonnes, not kilograms)",
                value=item.get(key), limit=limit),
            file=source, record=f"{record}.{key}", value=item.get(key),
        )
    return number


def _at_most(item: dict[str, Any], key: str, record: str, source: str | None, limit: str, nl: str, en: str, *, minimum: float = 0.0) -> float:
    """Return the number in ``item[key]``; raise ``InputError`` when it is above ``instance_limits()[limit]``.

    ``nl`` and ``en`` are the messages of a value above the limit, with the fields ``{value}`` and ``{limit}``.
    """
    number = _number(item, key, record, source, minimum=minimum)
    ceiling = instance_limits()[limit]["value"]
    if number > ceiling:
        raise InputError(msg(nl, en, value=item.get(key), limit=ceiling), file=source, record=f"{record}.{key}", value=item.get(key))
    return number


def _at_least(item: dict[str, Any], key: str, record: str, source: str | None, limit: str, nl: str, en: str) -> float:
    """Return the number in ``item[key]``; raise ``InputError`` when it is below ``instance_limits()[limit]``.

    ``nl`` and ``en`` are the messages of a value below the limit, with the fields ``{value}`` and ``{limit}``.
    """
    number = _number(item, key, record, source)
    floor = instance_limits()[limit]["value"]
    if number < floor:
        raise InputError(msg(nl, en, value=item.get(key), limit=floor), file=source, record=f"{record}.{key}", value=item.get(key))
    return number


def _periods(item: dict[str, Any], key: str, record: str, source: str | None, *, minimum: float) -> int:
    """Return a count of periods (``periods`` or ``max_dwell_periods``) of at most the ``max_periods`` limit."""
    return int(_at_most(
        item, key, record, source, "max_periods",
        "{value} perioden is meer dan de grens van {limit} perioden (maanden); controleer het getal of splits de planning",
        "{value} periods is more than the limit of {limit} periods (months); check the number or split the plan",
        minimum=minimum,
    ))


def _euro_per_tonne(item: dict[str, Any], key: str, record: str, source: str | None) -> float:
    """Return a cost in euro per tonne of at most the ``max_cost_per_tonne`` limit."""
    return _at_most(
        item, key, record, source, "max_cost_per_tonne",
        "{value} euro per ton is meer dan de grens van {limit:.0f} euro per ton; controleer de eenheid (euro, niet cent)",
        "{value} euro per tonne is more than the limit of {limit:.0f} euro per tonne; check the unit (euro, not cents)",
    )


def _coordinate(item: dict[str, Any], axis: str, record: str, source: str | None) -> float:
    """Return the RD New ``x`` or ``y`` of ``item``; raise ``InputError`` outside the grid bounds ``RD_BOUNDS``."""
    value = item.get(axis)
    low, high = (RD_BOUNDS[0], RD_BOUNDS[2]) if axis == "x" else (RD_BOUNDS[1], RD_BOUNDS[3])
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    # NaN fails both comparisons, so a value that is no number is rejected here too.
    if not low <= number <= high:
        raise InputError(
            msg("'{value}' is geen geldige RD New-{axis}: geef een getal van {low:.0f} tot en met {high:.0f} meter (EPSG:28992), geen graden of kilometers",
                "'{value}' is not a valid RD New {axis}: give a number from {low:.0f} to {high:.0f} metres (EPSG:28992), not degrees or kilometres",
                value=value, axis=axis, low=low, high=high),
            file=source, record=f"{record}.{axis}", value=value,
        )
    return number


def _class_index(value: object, record: str, source: str | None) -> int:
    index = CLASS_INDEX.get(str(value).strip().lower())
    if index is None:
        raise _bad(record, value, "onbekende kwaliteitsklasse '{value}'; gebruik achtergrondwaarde, wonen of industrie",
                   "unknown quality class '{value}'; use achtergrondwaarde, wonen or industrie", source)
    return index


def _class_mask(values: object, record: str, source: str | None) -> int:
    if not isinstance(values, (list, tuple)) or not values:
        raise _bad(record, values, "lijst met klassen ontbreekt of is leeg", "list of classes is missing or empty", source)
    mask = 0
    for value in values:
        mask |= 1 << _class_index(value, record, source)
    return mask


def _window(item: dict[str, Any], record: str, periods: int, source: str | None) -> tuple[int, int]:
    start, end = item.get("period_from", 1), item.get("period_to", periods)
    whole = all(isinstance(value, numbers.Integral) and not isinstance(value, bool) or (isinstance(value, float) and value.is_integer())
                for value in (start, end))
    if not whole:
        raise _bad(record, f"{start}-{end}", "periode {value} is geen geheel getal", "period {value} is not an integer", source)
    start, end = int(start), int(end)
    if not 1 <= start <= end <= periods:
        raise _bad(record, f"{start}-{end}", "periode {value} valt buiten 1.." + str(periods) + " of loopt achteruit",
                   "period {value} lies outside 1.." + str(periods) + " or runs backwards", source)
    return start, end


def _items(instance: dict[str, Any], key: str, source: str | None, *, required: bool = True) -> list[dict[str, Any]]:
    items = instance.get(key, [] if not required else None)
    if items is None or not isinstance(items, list):
        raise _bad(key, type(items).__name__, "'{record}' ontbreekt of is geen lijst; geef een JSON-lijst", "'{record}' is missing or not a list; give a JSON list", source)
    seen: set[str] = set()
    for position, item in enumerate(items):
        if not isinstance(item, dict) or "id" not in item:
            raise _bad(f"{key}[{position}]", item, "element heeft geen 'id'", "item has no 'id'", source)
        if not isinstance(item["id"], (str, numbers.Integral)) or isinstance(item["id"], bool) or not str(item["id"]).strip():
            raise _bad(f"{key}[{position}].id", item["id"], "id '{value}' is ongeldig; gebruik een niet-lege tekst of een geheel getal",
                       "id '{value}' is invalid; use a non-empty text or an integer", source)
        ident = str(item["id"])
        if ident in seen:
            raise _bad(f"{key}[{position}]", ident, "id '{value}' komt twee keer voor", "id '{value}' occurs twice", source)
        seen.add(ident)
        for axis in ("x", "y"):
            _coordinate(item, axis, f"{key}[{ident}]", source)
    return items


def _nearest_site(x: np.ndarray, y: np.ndarray, sites: list[dict[str, Any]]) -> tuple[np.ndarray, list[str | None]]:
    """Return the straight-line metres to the nearest site and its id (0 m and None when no sites are given)."""
    if not sites or len(x) == 0:
        return np.zeros(len(x)), [None] * len(x)
    from grondwerk.matching.spatial import nearest

    metres, index = nearest(x, y, [float(s["x"]) for s in sites], [float(s["y"]) for s in sites], 1)
    return metres[:, 0], [str(sites[i]["id"]) for i in index[:, 0]]


def _reject_unknown_parameters(raw_params: dict[str, Any], source: str | None) -> None:
    """Raise ``InputError`` for a key of ``parameters`` that ``data/parameters.json`` has no default for.

    Without this check a misspelled key, such as ``cost_per_tk``, would be
    ignored and the default would apply without a word.
    """
    known = list(default_parameters()["parameters"])
    for key in raw_params:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        if close:
            message = msg("onbekende parameter '{value}'; bedoelt u '{suggestion}'?",
                          "unknown parameter '{value}'; did you mean '{suggestion}'?", value=key, suggestion=close[0])
        else:
            message = msg("onbekende parameter '{value}'; gebruik een van {known}",
                          "unknown parameter '{value}'; use one of {known}", value=key, known=", ".join(known))
        raise InputError(message, file=source, record=f"parameters.{key}", value=key)


def _parameters(instance: dict[str, Any], source: str | None) -> dict[str, Any]:
    """Return the defaults of ``data/parameters.json`` overridden by the instance's ``parameters``, validated."""
    raw_params = instance.get("parameters") or {}
    if not isinstance(raw_params, dict):
        raise _bad("parameters", raw_params, "'parameters' moet een object zijn", "'parameters' must be an object", source)
    _reject_unknown_parameters(raw_params, source)
    params = dict(default_parameters()["parameters"]) | raw_params
    for key in ("detour_factor", "cost_per_tkm", "co2_kg_per_tkm", "unmatched_cost_per_tonne", "unmet_cost_per_tonne", "payload_tonnes"):
        params[key] = _number(params, key, "parameters", source)
    if params["detour_factor"] < 1.0:
        raise _bad("parameters.detour_factor", params["detour_factor"], "omrijfactor {value} is kleiner dan 1", "detour factor {value} is below 1", source)
    _at_least(params, "payload_tonnes", "parameters", source, "min_payload_tonnes",
              "laadvermogen {value} t is minder dan de ondergrens van {limit:g} t; geef het laadvermogen van één vrachtwagen in ton",
              "payload {value} t is below the lower limit of {limit:g} t; give the payload of one truck in tonnes")
    _at_most(params, "payload_tonnes", "parameters", source, "max_payload_tonnes",
             "laadvermogen {value} t is meer dan de grens van {limit:g} t; controleer de eenheid (ton, niet kilogram)",
             "payload {value} t is more than the limit of {limit:g} t; check the unit (tonnes, not kilograms)")
    _at_most(params, "co2_kg_per_tkm", "parameters", source, "max_co2_kg_per_tkm",
             "{value} kg CO2 per tonkm is meer dan de grens van {limit:g} kg CO2 per tonkm; controleer de eenheid (kilogram, niet gram)",
             "{value} kg CO2 per tonne-km is more than the limit of {limit:g} kg CO2 per tonne-km; check the unit (kilograms, not grams)")
    if params["cost_per_tkm"] <= 0:
        raise _bad("parameters.cost_per_tkm", params["cost_per_tkm"], "kosten per tonkm moeten groter dan 0 zijn", "cost per tonne-km must be above 0", source)
    _at_most(params, "cost_per_tkm", "parameters", source, "max_cost_per_tkm",
             "{value} euro per tonkm is meer dan de grens van {limit:.0f} euro per tonkm; controleer de eenheid (euro, niet cent)",
             "{value} euro per tonne-km is more than the limit of {limit:.0f} euro per tonne-km; check the unit (euro, not cents)")
    _at_most(params, "detour_factor", "parameters", source, "max_detour_factor",
             "omrijfactor {value} is groter dan de grens van {limit:g}; de wegafstand is de rechte lijn maal deze factor, standaard 1,3",
             "detour factor {value} is above the limit of {limit:g}; the road distance is the straight line times this factor, 1.3 by default")
    for key in ("unmatched_cost_per_tonne", "unmet_cost_per_tonne"):
        _euro_per_tonne(params, key, "parameters", source)
    if params.get("depot_capacity", "shared") not in ("shared", "per_heap"):
        raise _bad("parameters.depot_capacity", params.get("depot_capacity"), "'{value}' is ongeldig; gebruik shared of per_heap",
                   "'{value}' is invalid; use shared or per_heap", source)
    params["periods"] = _periods(params, "periods", "parameters", source, minimum=1)
    return params


def _named(records: list[str]) -> tuple[str, str]:
    """Return ``records`` joined by commas in Dutch and in English, cut after ``NAMED_RECORDS`` with a count of the rest."""
    listed = ", ".join(records[:NAMED_RECORDS])
    rest = len(records) - NAMED_RECORDS
    if rest <= 0:
        return listed, listed
    return f"{listed} en {rest} andere", f"{listed} and {rest} more"


def _soil_warnings(soil_types: list[str], users: dict[str, dict[str, list[str]]]) -> list[Message]:
    """Return a warning per soil type outside ``SOIL_TYPE_GROUPS`` and per soil type that only one side uses.

    ``users[side][soil]`` lists the records of ``supply`` or ``demand`` that
    use the soil type. Soil of a type that no demand accepts can never be
    matched, and neither can a demand's soil type that no lot has.
    """
    warnings = []
    for name in soil_types:
        if name in SOIL_TYPE_GROUPS:
            continue
        nl, en = _named(users["supply"].get(name, []) + users["demand"].get(name, []))
        warnings.append(msg(
            "grondsoort '{soil}' staat niet in de lijst van het project ({known}); gebruikt door {records_nl}. "
            "Controleer de spelling: een grondsoort wordt alleen gematcht met vraag die precies dezelfde naam accepteert",
            "soil type '{soil}' is not in the project's list ({known}); used by {records_en}. "
            "Check the spelling: a soil type only matches demand that accepts exactly the same name",
            soil=name, known=", ".join(SOIL_TYPE_GROUPS), records_nl=nl, records_en=en,
        ))
    for name in soil_types:
        if name in users["supply"] and name not in users["demand"]:
            nl, en = _named(users["supply"][name])
            warnings.append(msg(
                "grondsoort '{soil}' van {records_nl} wordt door geen enkele vraaglocatie geaccepteerd; "
                "deze grond kan nooit gematcht worden en gaat naar afvoer",
                "soil type '{soil}' of {records_en} is accepted by no demand site; this soil can never be matched and goes to disposal",
                soil=name, records_nl=nl, records_en=en,
            ))
        elif name in users["demand"] and name not in users["supply"]:
            nl, en = _named(users["demand"][name])
            warnings.append(msg(
                "grondsoort '{soil}' wordt geaccepteerd door {records_nl}, maar geen partij in het aanbod (supply) heeft deze grondsoort; "
                "met deze grondsoort kan nooit een match ontstaan",
                "soil type '{soil}' is accepted by {records_en}, but no lot in supply has this soil type; "
                "this soil type can never give a match",
                soil=name, records_nl=nl, records_en=en,
            ))
    return warnings


def load_problem(instance: dict[str, Any], source: str | None = None) -> Problem:
    """Validate ``instance`` and return it as a ``Problem``; raise ``InputError`` naming the record on bad input."""
    if not isinstance(instance, dict):
        raise _bad("instance", type(instance).__name__, "instantie moet een JSON-object zijn", "instance must be a JSON object", source)
    params = _parameters(instance, source)
    periods = params["periods"]

    supply = _items(instance, "supply", source)
    demand = _items(instance, "demand", source)
    depots = _items(instance, "depots", source, required=False)
    disposal_sites = _items(instance, "disposal_sites", source, required=False)
    primary_sources = _items(instance, "primary_sources", source, required=False)

    soil_types: list[str] = []
    soil_index: dict[str, int] = {}
    # The records that use each soil type, per side, in input order and without repeats.
    soil_users: dict[str, dict[str, dict[str, None]]] = {"supply": {}, "demand": {}}

    def soil(value: object, record: str, side: str, user: str) -> int:
        name = "" if value is None else str(value).strip().lower()
        if not name:
            raise _bad(record, value, "grondsoort ontbreekt", "soil type is missing", source)
        if name not in soil_index:
            soil_index[name] = len(soil_types)
            soil_types.append(name)
        soil_users[side].setdefault(name, {})[user] = None
        return soil_index[name]

    s_rows = []
    for item in supply:
        record = f"supply[{item['id']}]"
        start, end = _window(item, record, periods, source)
        s_rows.append((float(item["x"]), float(item["y"]), _tonnes(item, "tonnes", record, source),
                       _class_index(item.get("class"), record + ".class", source), soil(item.get("soil_type", ""), record + ".soil_type", "supply", record), start, end))
    d_rows = []
    for item in demand:
        record = f"demand[{item['id']}]"
        start, end = _window(item, record, periods, source)
        soils = item.get("accepted_soil_types")
        if not isinstance(soils, (list, tuple)) or not soils:
            raise _bad(record + ".accepted_soil_types", soils, "lijst met grondsoorten ontbreekt of is leeg", "list of soil types is missing or empty", source)
        soil_mask = 0
        for name in soils:
            soil_mask |= 1 << soil(name, record + ".accepted_soil_types", "demand", record)
        d_rows.append((float(item["x"]), float(item["y"]), _tonnes(item, "tonnes", record, source),
                       _class_mask(item.get("accepted_classes"), record + ".accepted_classes", source), soil_mask, start, end))
    if len(soil_types) > 62:
        raise _bad("soil_type", len(soil_types), "te veel grondsoorten ({value}); maximaal 62", "too many soil types ({value}); at most 62", source)
    k_rows = []
    for item in depots:
        record = f"depots[{item['id']}]"
        k_rows.append((float(item["x"]), float(item["y"]), _tonnes(item, "capacity_tonnes", record, source),
                       _class_mask(item.get("accepted_classes"), record + ".accepted_classes", source),
                       _euro_per_tonne(item, "handling_cost_per_tonne", record, source),
                       _periods(item, "max_dwell_periods", record, source, minimum=0)))

    def columns(rows: list[tuple], count: int) -> list[np.ndarray]:
        if not rows:
            return [np.zeros(0) for _ in range(count)]
        return [np.asarray(column) for column in zip(*rows)]

    sx, sy, st, sc, ss, sa, sb = columns(s_rows, 7)
    dx, dy, dt, dcm, dsm, da, db = columns(d_rows, 7)
    kx, ky, kcap, kcm, kh, kdw = columns(k_rows, 6)
    problem = Problem(
        supply_ids=[str(item["id"]) for item in supply], sx=sx.astype(float), sy=sy.astype(float), s_tonnes=st.astype(float),
        s_class=sc.astype(np.int64), s_soil=ss.astype(np.int64), s_from=sa.astype(np.int64), s_to=sb.astype(np.int64),
        demand_ids=[str(item["id"]) for item in demand], dx=dx.astype(float), dy=dy.astype(float), d_tonnes=dt.astype(float),
        d_class_mask=dcm.astype(np.int64), d_soil_mask=dsm.astype(np.int64), d_from=da.astype(np.int64), d_to=db.astype(np.int64),
        depot_ids=[str(item["id"]) for item in depots], kx=kx.astype(float), ky=ky.astype(float), k_capacity=kcap.astype(float),
        k_class_mask=kcm.astype(np.int64), k_handling=kh.astype(float), k_dwell=kdw.astype(np.int64),
        soil_types=soil_types, params=params, periods=periods,
    )
    metres, problem.s_disposal_site = _nearest_site(problem.sx, problem.sy, disposal_sites)
    problem.s_disposal_km = metres * problem.km_per_metre
    problem.s_unmatched_cost = params["unmatched_cost_per_tonne"] + params["cost_per_tkm"] * problem.s_disposal_km
    metres, problem.d_primary_site = _nearest_site(problem.dx, problem.dy, primary_sources)
    problem.d_primary_km = metres * problem.km_per_metre
    problem.d_unmet_cost = params["unmet_cost_per_tonne"] + params["cost_per_tkm"] * problem.d_primary_km
    problem.warnings = _soil_warnings(soil_types, {side: {name: list(users) for name, users in names.items()} for side, names in soil_users.items()})
    for warning in problem.warnings:
        log.warning("%s%s", f"{source}: " if source else "", warning.render("en"))
    return problem
