"""The BRO REST services Grondwerk uses: paths, namespaces and element names per object type.

Source: public BRO client code against ``https://publiek.broservices.nl``
(characteristics search ``POST {path}/characteristics/searches`` and object
download ``GET {path}/objects/{broId}``), and the dispatch files in
``tests/fixtures/bro``.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BASE_URL = "https://publiek.broservices.nl"
BROCOMMON_NS = "http://www.broservices.nl/xsd/brocommon/3.0"
GML_NS = "http://www.opengis.net/gml/3.2"
# NOTE: the cap of the characteristics search is 2,000 documents according to
# public client code; the BRO documentation pages were not available here.
DEFAULT_MAX_RESULTS = 2000


@dataclass(frozen=True)
class BroService:
    """One BRO object type as served by the public REST API."""

    object_type: str  # cpt | bhrgt | bhrp | bhrg
    path: str  # e.g. /sr/cpt/v1
    namespace: str  # namespace of the dispatch (ds*) messages
    characteristics_element: str  # e.g. CPT_C


SERVICES: dict[str, BroService] = {
    "cpt": BroService("cpt", "/sr/cpt/v1", "http://www.broservices.nl/xsd/dscpt/1.1", "CPT_C"),
    "bhrgt": BroService("bhrgt", "/sr/bhrgt/v2", "http://www.broservices.nl/xsd/dsbhr-gt/2.1", "BHR_GT_C"),
    "bhrp": BroService("bhrp", "/sr/bhrp/v2", "http://www.broservices.nl/xsd/dsbhr/2.0", "BHR_C"),
    "bhrg": BroService("bhrg", "/sr/bhrg/v3", "http://www.broservices.nl/xsd/dsbhrg/3.1", "BHR_G_C"),
}


def service_for_path(path: str) -> tuple[BroService, str] | None:
    """Return the service whose path prefixes ``path`` and the rest of the path, or None."""
    for service in SERVICES.values():
        if path == service.path or path.startswith(service.path + "/"):
            return service, path[len(service.path) :]
    return None
