"""``grondwerk match``: solve a matching instance from a JSON file or a synthetic instance, JSON out."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from grondwerk.errors import InputError
from grondwerk.i18n import msg, text
from grondwerk.outputs import check_writable, reject_unwritable

log = logging.getLogger(__name__)

MAX_INSTANCE_BYTES = 2 * 1024**3

# Synthetic instances are for trying the matcher and for benchmarks. 1,000,000 lots is ten times the largest
# benchmark (the Dutch yearly soil volume is about 100,000 lots of this family); 1,000 depots is twenty times
# its 50. Larger values only exhaust memory.
MAX_SYNTHETIC_LOTS = 1_000_000
MAX_SYNTHETIC_DEPOTS = 1_000


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "match",
        help=text("koppel vrijkomende grond en grondvraag in een regio optimaal (JSON in en uit)",
                  "match released soil and soil demand in a region optimally (JSON in and out)"),
        description=text(
            "Berekent de goedkoopste verdeling van partijen over vraaglocaties en depots, bewijst dat die optimaal is "
            "(gap 0) en vergelijkt met 'geen coördinatie' en 'dichtstbijzijnde match'. Zie docs/matching.md.",
            "Computes the cheapest allocation of lots to demand sites and depots, proves it optimal (gap 0) and "
            "compares it with 'no coordination' and 'nearest match'. See docs/matching.md.",
        ),
    )
    parser.add_argument("instance", nargs="?", type=Path, help=text("instantie als JSON-bestand", "instance as a JSON file"))
    parser.add_argument("--synthetic", type=int, metavar="N", help=text("genereer een synthetische NL-instantie met N partijen (N/2 vraaglocaties, 50 depots, 12 maanden)",
                                                                       "generate a synthetic Dutch instance with N lots (N/2 demand sites, 50 depots, 12 months)"))
    parser.add_argument("--seed", type=int, default=0, help=text("toevalszaad van de synthetische instantie (standaard 0)", "random seed of the synthetic instance (default 0)"))
    parser.add_argument("--depots", type=int, default=50, help=text("aantal depots in de synthetische instantie (standaard 50)", "number of depots in the synthetic instance (default 50)"))
    parser.add_argument("--out", type=Path, help=text("schrijf het resultaat naar dit bestand in plaats van stdout", "write the result to this file instead of stdout"))
    parser.add_argument("--write-instance", type=Path, metavar="FILE",
                        help=text("schrijf ook de (synthetische) instantie naar FILE", "also write the (synthetic) instance to FILE"))
    parser.add_argument("--no-flows", action="store_true", help=text("laat de lijst met stromen weg (alleen totalen)", "leave out the list of flows (totals only)"))
    parser.set_defaults(func=handle_match)


def _read_instance(path: Path) -> dict:
    if not path.is_file():
        raise InputError(msg("bestand {value} bestaat niet", "file {value} does not exist", value=path), file=str(path), value=str(path))
    size = path.stat().st_size
    if size > MAX_INSTANCE_BYTES:
        raise InputError(msg("bestand is {value} bytes, meer dan de grens van 2 GiB", "file is {value} bytes, more than the 2 GiB limit", value=size), file=str(path), value=size)
    from grondwerk.jsonfile import read_json

    return read_json(path, expect=dict)


def handle_match(args: argparse.Namespace) -> int:
    from grondwerk.matching import solve

    if (args.instance is None) == (args.synthetic is None):
        raise InputError(msg("geef een instantiebestand of --synthetic N, niet beide of geen van beide",
                             "give an instance file or --synthetic N, not both and not neither"), record="arguments")
    if args.synthetic is not None and not 2 <= args.synthetic <= MAX_SYNTHETIC_LOTS:
        raise InputError(msg("--synthetic moet tussen 2 en {limit} liggen, niet {value}", "--synthetic must lie between 2 and {limit}, not {value}",
                             value=args.synthetic, limit=MAX_SYNTHETIC_LOTS), record="--synthetic", value=args.synthetic)
    if args.synthetic is not None and not 0 <= args.depots <= MAX_SYNTHETIC_DEPOTS:
        raise InputError(msg("--depots moet tussen 0 en {limit} liggen, niet {value}", "--depots must lie between 0 and {limit}, not {value}",
                             value=args.depots, limit=MAX_SYNTHETIC_DEPOTS), record="--depots", value=args.depots)
    if args.synthetic is not None and args.seed < 0:
        raise InputError(msg("--seed moet 0 of groter zijn, niet {value}", "--seed must be 0 or more, not {value}", value=args.seed),
                         record="--seed", value=args.seed)
    if args.out:
        # Checked before the solve, so that the result of a long run is not lost at the end.
        check_writable(args.out, "--out")
    if args.synthetic is not None:
        from grondwerk.matching.synthetic import generate

        instance = generate(args.synthetic, seed=args.seed, n_depots=args.depots)
        source = f"synthetic N={args.synthetic} seed={args.seed}"
    else:
        instance = _read_instance(args.instance)
        source = str(args.instance)
    if args.write_instance:
        with reject_unwritable(args.write_instance, "--write-instance"):
            args.write_instance.write_text(json.dumps(instance, ensure_ascii=False), encoding="utf-8")
    log.info("Solving %s", source)
    result = solve(instance, source)
    if args.no_flows:
        result.pop("flows", None)
        result.pop("depot_stock", None)
    payload = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        with reject_unwritable(args.out, "--out"):
            args.out.write_text(payload + "\n", encoding="utf-8")
        totals = result["totals"]
        print(text("resultaat geschreven naar {out}: kosten {cost:.2f}, {tkm:.0f} tonkm, gap {gap}",
                   "result written to {out}: cost {cost:.2f}, {tkm:.0f} tonne-km, gap {gap}").format(
            out=args.out, cost=totals["cost"], tkm=totals["tonne_km"], gap=totals["gap"]), file=sys.stderr)
    else:
        sys.stdout.write(payload + "\n")
    return 0
