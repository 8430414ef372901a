"""Readers of BRO XML (CPT, BHR-GT, BHR-P, BHR-G) and GEF files into tidy tables.

``read_bro_file(path)`` returns two pandas DataFrames:

- locations: one row per object. ``x_rd_m``/``y_rd_m`` are RD New
  (EPSG:28992) metres, ``lat_wgs84``/``lon_wgs84`` WGS84 (EPSG:4326) degrees
  computed with pyproj, ``ground_level_nap_m`` metres relative to NAP,
  ``date`` the field date as delivered (ISO ``YYYY-MM-DD`` or ``YYYY-MM``).
  ``location_flag`` is empty, or names why the position is missing or assumed.
- layers: one row per described layer. ``top_m_bgl``/``bottom_m_bgl`` are
  metres below ground level, ``top_m_nap``/``bottom_m_nap`` metres relative to
  NAP (empty when the ground level is unknown), ``soil_name`` as delivered and
  ``soil_type_group`` one of zand, klei, leem, veen, grind, overig.

A file that cannot be read raises ``InputError`` with the file and the reason.
BRO namespaces are matched by family and major version (``dscpt/1.x`` on any
``broservices.nl`` host, with or without prefixes), never by exact string.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grondwerk.errors import InputError
from grondwerk.i18n import msg

log = logging.getLogger(__name__)

LOCATION_COLUMNS = [
    "object_id",
    "object_type",
    "x_rd_m",
    "y_rd_m",
    "lat_wgs84",
    "lon_wgs84",
    "ground_level_nap_m",
    "date",
    "source_file",
]
LAYER_COLUMNS = ["object_id", "top_m_bgl", "bottom_m_bgl", "top_m_nap", "bottom_m_nap", "soil_name", "soil_type_group"]
OBJECT_TYPE_NAMES_NL = {
    "cpt": ("sondering", "sonderingen"),
    "bhrgt": ("geotechnische boring", "geotechnische boringen"),
    "bhrp": ("bodemkundige boring", "bodemkundige boringen"),
    "bhrg": ("geologische boring", "geologische boringen"),
    "gef-cpt": ("GEF-sondering", "GEF-sonderingen"),
    "gef-bore": ("GEF-boring", "GEF-boringen"),
}
OBJECT_TYPE_NAMES_EN = {
    "cpt": ("CPT", "CPTs"),
    "bhrgt": ("geotechnical borehole", "geotechnical boreholes"),
    "bhrp": ("pedological borehole", "pedological boreholes"),
    "bhrg": ("geological borehole", "geological boreholes"),
    "gef-cpt": ("GEF CPT", "GEF CPTs"),
    "gef-bore": ("GEF borehole", "GEF boreholes"),
}

# A BRO namespace: http(s)://<host>.broservices.nl/xsd/<family>/<major>.<minor>
BRO_NAMESPACE = re.compile(r"^https?://[A-Za-z0-9.-]*broservices\.nl/xsd/([a-z-]+)/(\d+)\.(\d+)$")
RD_CRS_CODES = ("28992",)
GEOGRAPHIC_CRS_CODES = ("4258", "4326")


class DeregisteredObjectError(InputError):
    """The BRO object is deregistered (``registrationHistory/deregistered`` is ``ja``)."""


@dataclass(frozen=True)
class XmlFormat:
    """Field-to-path table of one BRO object type.

    Paths are ``/``-separated element local names relative to the object
    element (``CPT_O``, ``BHR_GT_O``, a registration report, ...); ``//``
    means any depth. The first path that yields a value wins.
    """

    object_type: str
    label: str
    families: dict[str, tuple[int, ...]]  # namespace family -> supported major versions
    id_paths: tuple[str, ...]
    location_paths: tuple[str, ...]
    ground_level_path: str
    vertical_datum_path: str
    date_paths: tuple[str, ...]
    deregistered_path: str
    layer_log_paths: tuple[str, ...]  # element that contains the layers; the first one found is used
    layer_paths: tuple[str, ...]  # layer elements below that element
    top_path: str
    bottom_path: str
    soil_name_paths: tuple[str, ...]


COMMON_ID_PATHS = ("broId",)
COMMON_LOCATION_PATHS = ("deliveredLocation//pos",)
COMMON_GROUND_LEVEL = "deliveredVerticalPosition/offset"
COMMON_VERTICAL_DATUM = "deliveredVerticalPosition/verticalDatum"
COMMON_DEREGISTERED = "registrationHistory/deregistered"

XML_FORMATS: tuple[XmlFormat, ...] = (
    XmlFormat(
        object_type="cpt",
        label="CPT",
        families={"dscpt": (1,), "iscpt": (1,)},
        id_paths=COMMON_ID_PATHS,
        location_paths=COMMON_LOCATION_PATHS,
        ground_level_path=COMMON_GROUND_LEVEL,
        vertical_datum_path=COMMON_VERTICAL_DATUM,
        date_paths=(
            "conePenetrometerSurvey//phenomenonTime//timePosition",
            "researchReportDate/date",
            "researchReportDate/yearMonth",
        ),
        deregistered_path=COMMON_DEREGISTERED,
        # A CPT measures cone resistance and describes no soil layers.
        layer_log_paths=(),
        layer_paths=(),
        top_path="",
        bottom_path="",
        soil_name_paths=(),
    ),
    XmlFormat(
        object_type="bhrgt",
        label="BHR-GT",
        families={"dsbhr-gt": (1, 2), "isbhr-gt": (1, 2)},
        id_paths=COMMON_ID_PATHS,
        location_paths=COMMON_LOCATION_PATHS,
        ground_level_path=COMMON_GROUND_LEVEL,
        vertical_datum_path=COMMON_VERTICAL_DATUM,
        date_paths=("boring/boringStartDate/date", "boring/boringStartDate/yearMonth", "researchReportDate/date"),
        deregistered_path=COMMON_DEREGISTERED,
        layer_log_paths=("boreholeSampleDescription/descriptiveBoreholeLog",),
        layer_paths=("layer",),
        top_path="upperBoundary",
        bottom_path="lowerBoundary",
        # A layer is described as soil, special material (e.g. puin) or rock.
        soil_name_paths=("soil/geotechnicalSoilName", "specialMaterial", "rock/rockType", "soil/soilNameNEN5104"),
    ),
    XmlFormat(
        object_type="bhrp",
        label="BHR-P",
        families={"dsbhr": (2,), "isbhr": (2,)},
        id_paths=COMMON_ID_PATHS,
        location_paths=COMMON_LOCATION_PATHS,
        ground_level_path=COMMON_GROUND_LEVEL,
        vertical_datum_path=COMMON_VERTICAL_DATUM,
        date_paths=("boring/boringStartDate/date", "boring/boringStartDate/yearMonth", "researchReportDate/date", "researchReportDate/yearMonth"),
        deregistered_path=COMMON_DEREGISTERED,
        layer_log_paths=("boreholeSampleDescription/result",),
        layer_paths=("soilLayer",),
        top_path="upperBoundary",
        bottom_path="lowerBoundary",
        # A soil layer may have two layer components; the first one names the layer.
        soil_name_paths=("layerComponent/soilType/standardSoilName", "layerComponent/specialMaterial", "specialMaterial"),
    ),
    XmlFormat(
        object_type="bhrg",
        label="BHR-G",
        families={"dsbhrg": (2, 3), "isbhrg": (2, 3)},
        id_paths=COMMON_ID_PATHS,
        location_paths=COMMON_LOCATION_PATHS,
        ground_level_path=COMMON_GROUND_LEVEL,
        vertical_datum_path=COMMON_VERTICAL_DATUM,
        date_paths=(
            "boring/Boring/boringStartDate/date",
            "boring/Boring/boringStartDate/yearMonth",
            "boring/boringStartDate/date",
            "boring/boringStartDate/yearMonth",
            "researchReportDate/date",
            "researchReportDate/yearMonth",
        ),
        deregistered_path=COMMON_DEREGISTERED,
        # BHR-G 3.x wraps each property in an object element of the same name
        # with a capital (descriptiveBoreholeLog/DescriptiveBoreholeLog).
        layer_log_paths=(
            "boreholeSampleDescription/BoreholeSampleDescription/descriptiveBoreholeLog/DescriptiveBoreholeLog",
            "boreholeSampleDescription/descriptiveBoreholeLog",
        ),
        layer_paths=("layer/Layer", "layer"),
        top_path="upperBoundary",
        bottom_path="lowerBoundary",
        soil_name_paths=("soil/soilNameNEN5104", "specialMaterial"),
    ),
)
# BRO families that exist but have no reader here: reason shown to the user.
UNSUPPORTED_FAMILIES = {
    "dssfr": ("bodemkundig wandonderzoek (SFR)", "soil face research (SFR)"),
    "issfr": ("bodemkundig wandonderzoek (SFR)", "soil face research (SFR)"),
    "dsgmw": ("grondwatermonitoringput (GMW)", "groundwater monitoring well (GMW)"),
    "dsgld": ("grondwaterstandonderzoek (GLD)", "groundwater level dossier (GLD)"),
    "dsgar": ("grondwatersamenstellingsonderzoek (GAR)", "groundwater analysis report (GAR)"),
    "dssad": ("milieuhygiënisch bodemonderzoek (SAD); lees het met 'grondwerk inspection'", "soil contamination investigation (SAD); read it with 'grondwerk inspection'"),
}


def _xpath_for(path: str) -> str:
    """Turn ``a/b//c`` into a namespace-agnostic XPath on local names."""
    parts = []
    for index, step in enumerate(path.split("/")):
        if step == "":
            parts.append("")  # '//' becomes a descendant step
            continue
        parts.append("*" if step == "*" else f"*[local-name()='{step}']")
    return "/".join(parts)


@functools.lru_cache(maxsize=256)
def _compiled(path: str):
    from lxml import etree

    return etree.XPath(_xpath_for(path))


def _find_all(element, path: str) -> list:
    return _compiled(path)(element)


def _find_text(element, paths: tuple[str, ...] | str) -> str | None:
    for path in (paths,) if isinstance(paths, str) else paths:
        for found in _find_all(element, path):
            value = (found.text or "").strip()
            if value:
                return value
    return None


def local_name(element) -> str:
    from lxml import etree

    return etree.QName(element).localname


def namespace_family(namespace: str | None) -> tuple[str, int, int] | None:
    """Return ``(family, major, minor)`` of a BRO namespace URI, or None for anything else."""
    match = BRO_NAMESPACE.match(namespace or "")
    if not match:
        return None
    return match.group(1), int(match.group(2)), int(match.group(3))


@functools.lru_cache(maxsize=1)
def _rd_to_wgs84():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)


@functools.lru_cache(maxsize=4)
def _geographic_to_rd(code: str):
    from pyproj import Transformer

    return Transformer.from_crs(f"EPSG:{code}", "EPSG:28992", always_xy=True)


def rd_to_wgs84(x_rd_m: float, y_rd_m: float) -> tuple[float, float]:
    """Return ``(lat, lon)`` in WGS84 degrees of an RD New point (metres)."""
    lon, lat = _rd_to_wgs84().transform(x_rd_m, y_rd_m)
    return lat, lon


def _parse_float(value: str | None, *, source: str, record: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise InputError(
            msg(
                "waarde '{value}' is geen getal; corrigeer het bestand",
                "value '{value}' is not a number; correct the file",
                value=value,
            ),
            file=source,
            record=record,
            value=value,
        ) from None


def _srs_code(element) -> str | None:
    for node in [element, *element.iterancestors()]:
        srs = node.get("srsName")
        if srs:
            match = re.search(r"EPSG::?(\d+)$", srs) or re.search(r"EPSG/\d+/(\d+)$", srs)
            return match.group(1) if match else srs
    return None


def _location(obj, spec: XmlFormat, source: str) -> tuple[float, float]:
    """Return the delivered location of ``obj`` in RD New metres."""
    for path in spec.location_paths:
        for pos in _find_all(obj, path):
            text = (pos.text or "").split()
            if len(text) < 2:
                continue
            first = _parse_float(text[0], source=source, record=path)
            second = _parse_float(text[1], source=source, record=path)
            code = _srs_code(pos)
            if code in RD_CRS_CODES or code is None:
                # NOTE: a position without srsName is taken as RD New, the CRS
                # every BRO delivery in the test data uses for deliveredLocation.
                return first, second
            if code in GEOGRAPHIC_CRS_CODES:
                # EPSG:4258 and EPSG:4326 list latitude first.
                return _geographic_to_rd(code).transform(second, first)
            raise InputError(
                msg(
                    "locatie in coördinatenstelsel {crs} wordt niet ondersteund; lever RD New (EPSG:28992) of ETRS89 (EPSG:4258)",
                    "location in coordinate reference system {crs} is not supported; deliver RD New (EPSG:28992) or ETRS89 (EPSG:4258)",
                    crs=code,
                ),
                file=source,
                record=path,
                value=code,
            )
    raise InputError(
        msg(
            "het {label}-object bevat geen locatie (deliveredLocation); zonder locatie kan het niet in het projectgebied geplaatst worden",
            "the {label} object contains no location (deliveredLocation), so it cannot be placed in the project area",
            label=spec.label,
        ),
        file=source,
    )


def _identify(root, source: str) -> XmlFormat:
    """Return the format of ``root`` or raise ``InputError`` saying why the document is not a readable BRO object."""
    from lxml import etree

    name = local_name(root)
    family = namespace_family(etree.QName(root).namespace)
    if family is None:
        raise InputError(
            msg(
                "'{root}' zonder BRO-namespace is geen BRO-document (verwacht een dispatchDataResponse of registrationRequest van broservices.nl)",
                "'{root}' without a BRO namespace is not a BRO document (expected a dispatchDataResponse or registrationRequest of broservices.nl)",
                root=name,
            ),
            file=source,
            value=etree.QName(root).namespace,
        )
    family_name, major, minor = family
    if family_name in UNSUPPORTED_FAMILIES:
        nl, en = UNSUPPORTED_FAMILIES[family_name]
        raise InputError(
            msg("BRO-objecttype {name_nl} wordt niet gelezen door Grondwerk", "BRO object type {name_en} is not read by Grondwerk", name_nl=nl, name_en=en),
            file=source,
            value=family_name,
        )
    for spec in XML_FORMATS:
        if family_name in spec.families:
            if major not in spec.families[family_name]:
                supported = ", ".join(f"{family_name}/{v}.x" for v in spec.families[family_name])
                raise InputError(
                    msg(
                        "{label}-versie {family}/{major}.{minor} wordt niet ondersteund (wel: {supported})",
                        "{label} version {family}/{major}.{minor} is not supported (supported: {supported})",
                        label=spec.label,
                        family=family_name,
                        major=major,
                        minor=minor,
                        supported=supported,
                    ),
                    file=source,
                    value=f"{family_name}/{major}.{minor}",
                )
            return spec
    raise InputError(
        msg(
            "onbekende BRO-namespace {family}/{major}.{minor}; Grondwerk leest CPT, BHR-GT, BHR-P en BHR-G",
            "unknown BRO namespace {family}/{major}.{minor}; Grondwerk reads CPT, BHR-GT, BHR-P and BHR-G",
            family=family_name,
            major=major,
            minor=minor,
        ),
        file=source,
        value=family_name,
    )


def _object_element(root, spec: XmlFormat, source: str):
    name = local_name(root)
    if name == "dispatchDataResponse":
        response_type = _find_text(root, "responseType")
        if response_type == "rejection":
            reason = _find_text(root, ("rejectionReason", "//rejectionReason")) or "-"
            raise InputError(
                msg("de BRO wees het verzoek af: {reason}", "the BRO rejected the request: {reason}", reason=reason),
                file=source,
                value=reason,
            )
    for path in ("dispatchDocument/*", "sourceDocument/*"):
        found = _find_all(root, path)
        if found:
            return found[0]
    raise InputError(
        msg(
            "het {label}-document bevat geen object (dispatchDocument of sourceDocument is leeg)",
            "the {label} document contains no object (dispatchDocument or sourceDocument is empty)",
            label=spec.label,
        ),
        file=source,
        record=name,
    )


def object_summary(root, source: str) -> dict[str, Any]:
    """Return type, BRO id, RD and WGS84 location and deregistration flag of a parsed BRO object.

    Unlike ``read_bro_xml`` this accepts deregistered objects; the stand-in
    server uses it to index its cassettes.
    """
    spec = _identify(root, source)
    obj = _object_element(root, spec, source)
    bro_id = _find_text(obj, spec.id_paths) or Path(source).stem
    x_rd_m, y_rd_m = _location(obj, spec, source)
    lat, lon = rd_to_wgs84(x_rd_m, y_rd_m)
    return {
        "object_type": spec.object_type,
        "bro_id": bro_id,
        "x_rd_m": x_rd_m,
        "y_rd_m": y_rd_m,
        "lat_wgs84": lat,
        "lon_wgs84": lon,
        "deregistered": (_find_text(obj, spec.deregistered_path) or "").lower() == "ja",
    }


def read_bro_xml(root, source: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read one parsed BRO XML document into location and layer records."""
    from grondwerk.bro.soil import group_of_bro_name

    spec = _identify(root, source)
    obj = _object_element(root, spec, source)

    if (_find_text(obj, spec.deregistered_path) or "").lower() == "ja":
        bro_id = _find_text(obj, spec.id_paths) or Path(source).stem
        raise DeregisteredObjectError(
            msg("BRO-object {id} is uitgeschreven en wordt overgeslagen", "BRO object {id} is deregistered and is skipped", id=bro_id),
            file=source,
            value=bro_id,
        )

    object_id = _find_text(obj, spec.id_paths) or _find_text(root, "requestReference") or Path(source).stem
    x_rd_m, y_rd_m = _location(obj, spec, source)
    lat, lon = rd_to_wgs84(x_rd_m, y_rd_m)
    datum = (_find_text(obj, spec.vertical_datum_path) or "").upper()
    offset = _parse_float(_find_text(obj, spec.ground_level_path), source=source, record=spec.ground_level_path)
    ground_level = offset if datum == "NAP" else None
    location = {
        "object_id": object_id,
        "object_type": spec.object_type,
        "x_rd_m": x_rd_m,
        "y_rd_m": y_rd_m,
        "lat_wgs84": lat,
        "lon_wgs84": lon,
        "ground_level_nap_m": ground_level,
        # A date-time such as a CPT's phenomenonTime is cut to its date.
        "date": (_find_text(obj, spec.date_paths) or "").split("T")[0],
        "source_file": str(source),
        "location_flag": "" if ground_level is not None else "ground_level_unknown",
        # Not a table column: the stage reports how many borehole descriptions were not read.
        "descriptions_not_read": 0,
    }

    layers: list[dict[str, Any]] = []
    logs = next((found for path in spec.layer_log_paths if (found := _find_all(obj, path))), [])
    if len(logs) > 1:
        # A BHR-GT may hold a field and a laboratory description of the same
        # core; reading both would count every depth twice.
        log.info("%s: %s borehole descriptions of %s; the first one is read", source, len(logs), object_id)
        location["descriptions_not_read"] = len(logs) - 1
    if logs:
        layer_elements = next((found for path in spec.layer_paths if (found := _find_all(logs[0], path))), [])
        for index, layer in enumerate(layer_elements):
            record = f"layer[{index + 1}]"
            top = _parse_float(_find_text(layer, spec.top_path), source=source, record=record)
            bottom = _parse_float(_find_text(layer, spec.bottom_path), source=source, record=record)
            if top is None or bottom is None:
                raise InputError(
                    msg(
                        "laag zonder boven- of ondergrens; corrigeer de laagbeschrijving",
                        "layer without upper or lower boundary; correct the layer description",
                    ),
                    file=source,
                    record=record,
                )
            soil_name = _find_text(layer, spec.soil_name_paths) or ""
            layers.append(_layer(object_id, top, bottom, ground_level, soil_name, group_of_bro_name(soil_name)))
    return [location], layers


def _layer(object_id: str, top: float, bottom: float, ground_level: float | None, soil_name: str, group: str) -> dict[str, Any]:
    return {
        "object_id": object_id,
        "top_m_bgl": top,
        "bottom_m_bgl": bottom,
        "top_m_nap": round(ground_level - top, 4) if ground_level is not None else None,
        "bottom_m_nap": round(ground_level - bottom, 4) if ground_level is not None else None,
        "soil_name": soil_name,
        "soil_type_group": group,
    }


def _sniff(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.lstrip(b'"').upper().startswith(b"#GEFID"):
        return "gef"
    if text.startswith(b"<"):
        return "xml"
    if text.startswith(b"{") or text.startswith(b"["):
        return "json"
    if text.upper().startswith(b'"ALGEMENE GEGEVENS'):
        return "dino-csv"
    return "unknown"


def read_bro_records(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read a BRO XML or GEF file into location and layer records (lists of dicts)."""
    from grondwerk.bro import gef
    from grondwerk.bro.xmlsafe import parse_xml_file

    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError(msg("bestand bestaat niet", "file does not exist"), file=source)
    with open(path, "rb") as handle:
        head = handle.read(512)
    kind = _sniff(head)
    if kind == "gef":
        return gef.read_gef_file(path)
    if kind == "xml":
        return read_bro_xml(parse_xml_file(path), source)
    if kind == "json":
        raise InputError(
            msg(
                "JSON-bestanden worden niet gelezen; gebruik de XML die de BRO levert (/objects/{{broId}})",
                "JSON files are not read; use the XML the BRO delivers (/objects/{{broId}})",
            ),
            file=source,
        )
    if kind == "dino-csv":
        raise InputError(
            msg(
                "CSV-export van DINOloket wordt niet gelezen; gebruik de GEF-BORE- of BRO-XML-versie van dezelfde boring",
                "DINOloket CSV exports are not read; use the GEF-BORE or BRO XML version of the same borehole",
            ),
            file=source,
        )
    raise InputError(
        msg(
            "onbekend bestandsformaat; Grondwerk leest BRO-XML (CPT, BHR-GT, BHR-P, BHR-G) en GEF (GEF-CPT, GEF-BORE)",
            "unknown file format; Grondwerk reads BRO XML (CPT, BHR-GT, BHR-P, BHR-G) and GEF (GEF-CPT, GEF-BORE)",
        ),
        file=source,
        value=head[:40].decode("utf-8", "replace"),
    )


def read_bro_file(path: Path):
    """Read a BRO XML or GEF file into ``(locations_df, layers_df)`` (see the module docstring for columns)."""
    import pandas as pd

    locations, layers = read_bro_records(Path(path))
    return (
        pd.DataFrame(locations, columns=[*LOCATION_COLUMNS, "location_flag"]),
        pd.DataFrame(layers, columns=LAYER_COLUMNS),
    )
