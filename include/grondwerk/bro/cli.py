"""``grondwerk bro read`` and ``grondwerk bro search``."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

from grondwerk.errors import InputError
from grondwerk.i18n import msg, text

BASE_URL_ENV = "GRONDWERK_BRO_URL"


def register(subparsers) -> None:
    bro = subparsers.add_parser("bro", help=text("BRO-gegevens zoeken en lezen", "search and read BRO data"))
    commands = bro.add_subparsers(dest="bro_command", metavar=text("opdracht", "command"), parser_class=type(bro))

    read = commands.add_parser(
        "read",
        help=text("lees een BRO-XML- of GEF-bestand naar locaties en lagen", "read a BRO XML or GEF file into locations and layers"),
    )
    read.add_argument("file", type=Path, help=text("pad naar het bestand", "path of the file"))
    read.add_argument(
        "--format",
        choices=("json", "csv"),
        default="json",
        help=text("uitvoerformaat (standaard json)", "output format (default json)"),
    )
    read.set_defaults(func=read_command)

    search = commands.add_parser(
        "search",
        help=text("zoek BRO-objecten in een rechthoek (RD New, meter)", "search BRO objects in a box (RD New, metres)"),
    )
    search.add_argument(
        "--bbox",
        required=True,
        help=text("xmin,ymin,xmax,ymax in RD New-meters (EPSG:28992)", "xmin,ymin,xmax,ymax in RD New metres (EPSG:28992)"),
    )
    search.add_argument(
        "--types",
        default="cpt,bhrgt,bhrp",
        help=text("objecttypen, komma-gescheiden: cpt, bhrgt, bhrp, bhrg (standaard cpt,bhrgt,bhrp)", "object types, comma-separated: cpt, bhrgt, bhrp, bhrg (default cpt,bhrgt,bhrp)"),
    )
    search.add_argument(
        "--base-url",
        default=None,
        help=text(
            f"basis-URL van de BRO-services (standaard ${BASE_URL_ENV} of de publieke BRO)",
            f"base URL of the BRO services (default ${BASE_URL_ENV} or the public BRO)",
        ),
    )
    search.add_argument("--timeout", type=float, default=30.0, help=text("time-out per verzoek in seconden", "timeout per request in seconds"))
    search.add_argument("--max-results", type=int, default=None, help=text("maximum aantal resultaten per zoekvraag (standaard 2000)", "maximum results per search request (default 2000)"))
    search.set_defaults(func=search_command)

    def show_help(args) -> int:
        bro.print_help()
        return 2

    bro.set_defaults(func=show_help)


def _json_value(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def read_command(args) -> int:
    from grondwerk.bro.readers import read_bro_file

    locations, layers = read_bro_file(args.file)
    if args.format == "csv":
        sys.stdout.write(locations.to_csv(index=False))
        sys.stdout.write("\n")
        sys.stdout.write(layers.to_csv(index=False))
        return 0
    payload = {
        "locations": [{key: _json_value(value) for key, value in row.items()} for row in locations.astype(object).to_dict("records")],
        "layers": [{key: _json_value(value) for key, value in row.items()} for row in layers.astype(object).to_dict("records")],
    }
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
    return 0


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """Parse ``xmin,ymin,xmax,ymax`` (RD New metres); raises ``InputError`` when invalid."""
    from grondwerk.bro.gef import RD_BOUNDS

    try:
        parts = [float(part) for part in value.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise InputError(
            msg(
                "--bbox '{value}' is ongeldig; geef xmin,ymin,xmax,ymax in RD New-meters met xmin < xmax en ymin < ymax, bijv. 117400,439600,118700,440450",
                "--bbox '{value}' is invalid; give xmin,ymin,xmax,ymax in RD New metres with xmin < xmax and ymin < ymax, e.g. 117400,439600,118700,440450",
                value=value,
            ),
            record="--bbox",
            value=value,
        )
    xmin, ymin, xmax, ymax = parts
    if xmin < RD_BOUNDS[0] or ymin < RD_BOUNDS[1] or xmax > RD_BOUNDS[2] or ymax > RD_BOUNDS[3]:
        raise InputError(
            msg(
                "--bbox '{value}' ligt buiten Nederland in RD New (x 0–300000, y 289000–629000); zijn het misschien WGS84-graden?",
                "--bbox '{value}' lies outside the Netherlands in RD New (x 0–300000, y 289000–629000); are these WGS84 degrees?",
                value=value,
            ),
            record="--bbox",
            value=value,
        )
    return xmin, ymin, xmax, ymax


def search_command(args) -> int:
    from shapely.geometry import box

    from grondwerk.bro.client import BroClient
    from grondwerk.bro.services import DEFAULT_BASE_URL, DEFAULT_MAX_RESULTS, SERVICES

    bbox = parse_bbox(args.bbox)
    types = [item.strip() for item in args.types.split(",") if item.strip()]
    unknown = [item for item in types if item not in SERVICES]
    if unknown or not types:
        raise InputError(
            msg(
                "--types '{value}' bevat onbekende typen {unknown}; kies uit {choices}",
                "--types '{value}' contains unknown types {unknown}; choose from {choices}",
                value=args.types,
                unknown=", ".join(unknown) or "-",
                choices=", ".join(SERVICES),
            ),
            record="--types",
            value=args.types,
        )
    base_url = args.base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    client = BroClient(base_url, timeout=args.timeout, max_results=args.max_results or DEFAULT_MAX_RESULTS)
    polygon = box(*bbox)
    output = {"base_url": base_url, "bbox_rd": list(bbox), "results": {}}
    for object_type in types:
        result = client.search(object_type, polygon)
        output["results"][object_type] = {
            "bro_ids": result.bro_ids,
            "deregistered_skipped": len(result.deregistered),
            "tiles": result.tiles,
            "requests": result.requests,
        }
    json.dump(output, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
