"""The tender as a procurement officer starts it, validated into a ``TenderSpec``.

The project area arrives as GeoJSON in RD New (EPSG:28992) or WGS84 (EPSG:4326)
and is always held in RD New metres afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from grondwerk.errors import InputError
from grondwerk.i18n import msg

RD_NEW = "EPSG:28992"
WGS84 = "EPSG:4326"
# Bounding box of the RD New grid over the Netherlands, metres (x 0–300 km, y 289–629 km).
RD_BOUNDS = (0.0, 289_000.0, 300_000.0, 629_000.0)
WGS84_NL_BOUNDS = (3.0, 50.6, 7.6, 53.8)  # lon min, lat min, lon max, lat max
LAND_CLASSES = ("achtergrondwaarde", "wonen", "industrie")
SOIL_TYPE_GROUPS = ("zand", "klei", "leem", "veen", "grind", "gemengd", "overig")
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
PROJECT_AREA_FILE = Path(__file__).resolve().parent / "data" / "project_area.json"
# Maximum segment length (m) of the outline when it is densified before the conversion to
# longitude/latitude, so that long straight edges keep their shape.
SEGMENT_LENGTH_M = 1000.0


@dataclass(frozen=True)
class PartijSpec:
    """A lot of released soil as the tender defines it: which samples represent it and its volume (m³)."""

    id: str
    samples: tuple[str, ...]
    volume_m3: float
    soil_type: str | None = None


@dataclass(frozen=True)
class TenderSpec:
    """A validated tender. ``area_rd`` is a GeoJSON Polygon in RD New metres."""

    reference: str
    contracting_authority: str
    project_name: str
    area_rd: dict[str, Any]
    area_crs_delivered: str
    works_start: dt.date
    works_end: dt.date
    released_volume_m3: float
    needed_volume_m3: float
    accepted_classes: tuple[str, ...]
    needed_soil_types: tuple[str, ...] = ("zand",)
    inspection_files: tuple[str, ...] = ()
    partijen: tuple[PartijSpec, ...] = ()
    notifier: str = ""
    bro_types: tuple[str, ...] = ("cpt", "bhrgt", "bhrp")
    extra: dict[str, Any] = field(default_factory=dict)

    def area_polygon(self):
        """Return the project area as a shapely Polygon in RD New metres."""
        from shapely.geometry import shape

        return shape(self.area_rd)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["works_start"] = self.works_start.isoformat()
        data["works_end"] = self.works_end.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TenderSpec":
        data = dict(data)
        data["works_start"] = dt.date.fromisoformat(data["works_start"])
        data["works_end"] = dt.date.fromisoformat(data["works_end"])
        data["partijen"] = tuple(
            PartijSpec(p["id"], tuple(p["samples"]), float(p["volume_m3"]), p.get("soil_type")) for p in data.get("partijen", ())
        )
        for key in ("accepted_classes", "needed_soil_types", "inspection_files", "bro_types"):
            data[key] = tuple(data.get(key, ()))
        return cls(**data)


def _invalid(source: str, field_name: str, value: object, nl: str, en: str, **params: Any) -> InputError:
    return InputError(msg(nl, en, field=field_name, value=value, **params), file=source, record=field_name, value=value)


def _required_text(raw: dict[str, Any], key: str, source: str) -> str:
    value = raw.get(key)
    if value is None or not str(value).strip():
        raise _invalid(source, key, value, "veld '{field}' ontbreekt of is leeg; vul het in", "field '{field}' is missing or empty; fill it in")
    return str(value).strip()


def _parse_date(raw: dict[str, Any], key: str, source: str) -> dt.date:
    value = raw.get(key)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise _invalid(
            source, key, value,
            "'{value}' in veld '{field}' is geen datum; gebruik JJJJ-MM-DD",
            "'{value}' in field '{field}' is not a date; use YYYY-MM-DD",
        ) from None


# Sanity bound, not a legal limit: more than the Netherlands' yearly soil flow (about 60 Mt) in one tender is a typing error.
MAX_VOLUME_M3 = 100_000_000


def _parse_volume(raw: dict[str, Any], key: str, source: str) -> float:
    value = raw.get(key)
    if isinstance(value, str) or isinstance(value, bool) or value is None:
        # A quoted "1.800" is ambiguous (Dutch thousands dot or decimal point), so only bare numbers are accepted.
        raise _invalid(
            source, key, value,
            "'{value}' in veld '{field}' is geen getal (m³); schrijf een getal zonder aanhalingstekens en zonder duizendtalpunt, bijvoorbeeld 1800",
            "'{value}' in field '{field}' is not a number (m³); write a bare number without quotes or thousands separator, for example 1800",
        )
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise _invalid(source, key, value, "'{value}' in veld '{field}' is geen getal (m³)", "'{value}' in field '{field}' is not a number (m³)") from None
    if not math.isfinite(number) or number < 0 or number > MAX_VOLUME_M3:
        raise _invalid(
            source, key, value,
            "volume in veld '{field}' moet tussen 0 en {max} m³ liggen, niet {value}",
            "volume in field '{field}' must be between 0 and {max} m³, not {value}",
            max=MAX_VOLUME_M3,
        )
    return number


def _polygon_geometry(area: Any, source: str) -> dict[str, Any]:
    if isinstance(area, str):
        try:
            area = json.loads(area)
        except json.JSONDecodeError as exc:
            raise _invalid(source, "project_area", area[:80], "projectgebied is geen geldige GeoJSON ({error})", "project area is not valid GeoJSON ({error})", error=exc.msg) from None
    if not isinstance(area, dict):
        raise _invalid(source, "project_area", area, "projectgebied moet een GeoJSON-object zijn", "project area must be a GeoJSON object")
    kind = area.get("type")
    if kind == "FeatureCollection":
        features = area.get("features") or []
        if len(features) != 1:
            raise _invalid(source, "project_area", f"{len(features)} features", "projectgebied moet precies één polygoon bevatten, niet {value}", "project area must contain exactly one polygon, not {value}")
        return _polygon_geometry({**features[0], "crs": area.get("crs", features[0].get("crs"))}, source)
    if kind == "Feature":
        geometry = dict(area.get("geometry") or {})
        if "crs" in area and area["crs"] is not None:
            geometry["crs"] = area["crs"]
        return _polygon_geometry(geometry, source)
    if kind not in ("Polygon", "MultiPolygon"):
        raise _invalid(source, "project_area", kind, "projectgebied moet een Polygon of MultiPolygon zijn, niet {value}", "project area must be a Polygon or MultiPolygon, not {value}")
    return area


def _declared_crs(geometry: dict[str, Any]) -> str | None:
    name = ((geometry.get("crs") or {}).get("properties") or {}).get("name", "")
    if "28992" in name:
        return RD_NEW
    if "4326" in name or "CRS84" in name:
        return WGS84
    return None


def _within(bounds: tuple[float, float, float, float], geom) -> bool:
    minx, miny, maxx, maxy = geom.bounds
    return minx >= bounds[0] and miny >= bounds[1] and maxx <= bounds[2] and maxy <= bounds[3]


@lru_cache(maxsize=1)
def project_area_limits() -> dict[str, Any]:
    """Return the plausibility limits of ``data/project_area.json`` (largest area, with its reason)."""
    return json.loads(PROJECT_AREA_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def rd_new_extent() -> tuple[float, float, float, float]:
    """Return the area of use of RD New (lon min, lat min, lon max, lat max) from PROJ's EPSG database.

    EPSG describes it as the Netherlands onshore, the Waddenzee, the Wadden
    Islands and the 12-mile offshore coastal zone.
    """
    from pyproj import CRS

    area = CRS.from_epsg(28992).area_of_use
    return (area.west, area.south, area.east, area.north)


def _check_plausible(polygon, source: str) -> None:
    """Raise ``InputError`` when an area in RD New lies outside RD New's area of use or is larger than the maximum.

    NOTE: no Netherlands land geometry with a licence that allows copying was
    available, so an area at sea inside the area of use is accepted. That
    includes the 12-mile zone and the open sea inside its longitude/latitude box.
    """
    from pyproj import Transformer
    from shapely import segmentize
    from shapely.ops import transform

    to_wgs84 = Transformer.from_crs(RD_NEW, WGS84, always_xy=True)
    polygon_wgs84 = transform(to_wgs84.transform, segmentize(polygon, SEGMENT_LENGTH_M))
    extent = rd_new_extent()
    if not _within(extent, polygon_wgs84):
        raise _invalid(
            source, "project_area", [round(v, 4) for v in polygon_wgs84.bounds],
            "projectgebied ligt buiten het geldigheidsgebied van RD New (lengte {west}–{east}, breedte {south}–{north}): "
            "begrenzing {value} in lengte, breedte; controleer de coördinaten",
            "project area lies outside the area of use of RD New (longitude {west}–{east}, latitude {south}–{north}): "
            "bounds {value} in longitude, latitude; check the coordinates",
            west=extent[0], south=extent[1], east=extent[2], north=extent[3],
        )
    limit_km2 = float(project_area_limits()["max_area_km2"]["value"])
    area_km2 = polygon.area / 1e6
    if area_km2 > limit_km2:
        raise _invalid(
            source, "project_area", f"{area_km2:.1f} km²",
            "projectgebied is {value}, groter dan de grens van {limit:g} km²; teken alleen het gebied van het werk "
            "of controleer de coördinaten (de grens staat in {file})",
            "project area is {value}, larger than the limit of {limit:g} km²; draw only the area of the works "
            "or check the coordinates (the limit is set in {file})",
            limit=limit_km2, file=PROJECT_AREA_FILE.name,
        )


def parse_area(area: Any, source: str = "tender") -> tuple[dict[str, Any], str]:
    """Parse and check a GeoJSON project area; return (Polygon in RD New as GeoJSON, CRS it was delivered in)."""
    from pyproj import Transformer
    from shapely.geometry import mapping, shape
    from shapely.ops import transform

    geometry = _polygon_geometry(area, source)
    try:
        polygon = shape({"type": geometry["type"], "coordinates": geometry.get("coordinates")})
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        raise _invalid(source, "project_area", str(geometry.get("coordinates"))[:80], "coördinaten van het projectgebied zijn ongeldig ({error})", "coordinates of the project area are invalid ({error})", error=exc) from None
    if polygon.is_empty or not polygon.is_valid:
        from shapely.validation import explain_validity

        raise _invalid(source, "project_area", explain_validity(polygon), "projectgebied is geen geldige polygoon: {value}", "project area is not a valid polygon: {value}")

    crs = _declared_crs(geometry)
    if crs is None:
        if _within(WGS84_NL_BOUNDS, polygon):
            crs = WGS84
        elif _within(RD_BOUNDS, polygon):
            crs = RD_NEW
    if crs == WGS84:
        to_rd = Transformer.from_crs(WGS84, RD_NEW, always_xy=True)
        polygon = transform(to_rd.transform, polygon)
    if crs is None or not _within(RD_BOUNDS, polygon):
        raise _invalid(
            source, "project_area", [round(v, 3) for v in polygon.bounds],
            "projectgebied ligt niet in Nederland (begrenzing {value}); geef RD New (EPSG:28992) of WGS84-coördinaten (lengte, breedte)",
            "project area is not in the Netherlands (bounds {value}); give RD New (EPSG:28992) or WGS84 coordinates (lon, lat)",
        )
    _check_plausible(polygon, source)
    return mapping(polygon) | {"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}}, crs


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)


def _resolve_file(path: str, base_dir: Path | None, source: str) -> str:
    candidate = Path(path)
    if not candidate.is_absolute() and base_dir is not None:
        candidate = base_dir / candidate
    if not candidate.is_file():
        raise _invalid(source, "inspection_files", path, "inspectiebestand '{value}' bestaat niet; controleer het pad", "inspection file '{value}' does not exist; check the path")
    return str(candidate.resolve())


def _parse_partijen(raw: Any, source: str) -> tuple[PartijSpec, ...]:
    partijen = []
    for index, item in enumerate(_as_list(raw)):
        record = f"partijen[{index}]"
        if not isinstance(item, dict) or not item.get("id") or not item.get("samples"):
            raise _invalid(source, record, item, "partij heeft een 'id' en een lijst 'samples' nodig", "partij needs an 'id' and a list of 'samples'")
        soil_type = item.get("soil_type")
        if soil_type is not None and soil_type not in SOIL_TYPE_GROUPS:
            raise _invalid(source, record, soil_type, "grondsoort '{value}' onbekend; kies uit {allowed}", "soil type '{value}' unknown; choose from {allowed}", allowed=", ".join(SOIL_TYPE_GROUPS))
        partijen.append(PartijSpec(str(item["id"]), tuple(str(s) for s in _as_list(item["samples"])), _parse_volume(item, "volume_m3", source), soil_type))
    return tuple(partijen)


def validate_tender(raw: dict[str, Any], source: str = "tender", base_dir: Path | None = None) -> TenderSpec:
    """Validate the tender as given by the trigger form, REST or a YAML file.

    Raises ``InputError`` naming the field and value on the first problem found.
    ``base_dir`` resolves relative inspection-file paths (the YAML file's folder).
    """
    reference = _required_text(raw, "tender_reference", source)
    if not REFERENCE_PATTERN.match(reference):
        raise _invalid(source, "tender_reference", reference, "kenmerk '{value}' mag alleen letters, cijfers, '.', '_' en '-' bevatten (2–64 tekens)", "reference '{value}' may only contain letters, digits, '.', '_' and '-' (2–64 characters)")
    works_start = _parse_date(raw, "works_start", source)
    works_end = _parse_date(raw, "works_end", source)
    if works_end < works_start:
        raise _invalid(source, "works_end", works_end.isoformat(), "einde werk ({value}) ligt vóór de start ({start})", "end of works ({value}) is before the start ({start})", start=works_start.isoformat())

    accepted = _as_list(raw.get("accepted_classes")) or ["achtergrondwaarde", "wonen"]
    for value in accepted:
        if value not in LAND_CLASSES:
            raise _invalid(source, "accepted_classes", value, "klasse '{value}' onbekend; kies uit {allowed}", "class '{value}' unknown; choose from {allowed}", allowed=", ".join(LAND_CLASSES))
    soil_types = _as_list(raw.get("needed_soil_types")) or ["zand"]
    for value in soil_types:
        if value not in SOIL_TYPE_GROUPS:
            raise _invalid(source, "needed_soil_types", value, "grondsoort '{value}' onbekend; kies uit {allowed}", "soil type '{value}' unknown; choose from {allowed}", allowed=", ".join(SOIL_TYPE_GROUPS))

    area_rd, crs = parse_area(raw.get("project_area"), source)
    files = tuple(_resolve_file(str(p), base_dir, source) for p in _as_list(raw.get("inspection_files")))
    known = {
        "tender_reference", "contracting_authority", "project_name", "project_area", "works_start", "works_end",
        "released_volume_m3", "needed_volume_m3", "accepted_classes", "needed_soil_types", "inspection_files",
        "partijen", "notifier", "bro_types",
    }
    return TenderSpec(
        reference=reference,
        contracting_authority=_required_text(raw, "contracting_authority", source),
        project_name=_required_text(raw, "project_name", source),
        area_rd=area_rd,
        area_crs_delivered=crs,
        works_start=works_start,
        works_end=works_end,
        released_volume_m3=_parse_volume(raw, "released_volume_m3", source),
        needed_volume_m3=_parse_volume(raw, "needed_volume_m3", source),
        accepted_classes=tuple(accepted),
        needed_soil_types=tuple(soil_types),
        inspection_files=files,
        partijen=_parse_partijen(raw.get("partijen"), source),
        notifier=str(raw.get("notifier") or raw.get("contracting_authority") or "").strip(),
        bro_types=tuple(_as_list(raw.get("bro_types")) or ("cpt", "bhrgt", "bhrp")),
        extra={k: v for k, v in raw.items() if k not in known},
    )


def load_tender_file(path: str | Path) -> TenderSpec:
    """Read and validate a tender YAML or JSON file."""
    import yaml

    path = Path(path)
    if path.is_dir():
        raise InputError(msg("dit is een map, geen tenderbestand", "this is a folder, not a tender file"), file=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(msg("tenderbestand niet gevonden", "tender file not found"), file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            msg("bestand is geen UTF-8-tekst (byte {offset}); sla het op als UTF-8", "file is not UTF-8 text (byte {offset}); save it as UTF-8", offset=exc.start),
            file=str(path),
        ) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "?"
        raise InputError(
            msg("geen geldige YAML op regel:kolom {where} ({error})", "not valid YAML at line:column {where} ({error})", where=where, error=exc.problem or exc.context),
            file=str(path),
        ) from None
    except (yaml.YAMLError, ValueError) as exc:
        # PyYAML raises ValueError for impossible dates such as 2027-02-30.
        raise InputError(msg("geen geldige YAML: {error}", "not valid YAML: {error}", error=str(exc).splitlines()[0]), file=str(path)) from None
    if not isinstance(raw, dict):
        raise InputError(msg("tenderbestand moet velden bevatten (sleutel: waarde)", "tender file must contain fields (key: value)"), file=str(path))
    return validate_tender(raw, source=str(path), base_dir=path.parent)
