"""Benchmark: parse time of the shared CPT and BHR-GT XML files, Grondwerk's reader against pygef.

Usage: ``.venv/bin/python bench/bro_parse_vs_pygef.py [--repeat N]`` (pygef 0.14.1, MIT,
installed in the venv for this benchmark only). Prints a Markdown table: median
wall time per file over N runs for each reader and the ratio pygef / Grondwerk.

The readers do different amounts of work. Grondwerk reads the location and the
layer descriptions and skips the CPT measurement table; pygef parses the CPT
measurement table into a polars DataFrame. For BHR-GT both read the layers.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

# CPT and BHR-GT dispatch files under the shared data folder bro/.
FILES = {
    "cpt": (
        "ArtesiaWater_brodata/CPT000000005925.xml",
        "ArtesiaWater_brodata/CPT000000115243.xml",
        "Deltares_GEOLib-Plus/CPT000000179101.xml",
        "Deltares_GEOLib-Plus/cpt_with_water.xml",
        "bedrock-engineer_bro-xml-parser-ts/CPT000000179849.xml",
        "bedrock-engineer_bro-xml-parser-ts/example.xml",
        "cemsbv_pygef/CPT000000155283.xml",
        "viktor-platform_bro/response_CPT000000053405.xml",
    ),
    "bhrgt": (
        "ArtesiaWater_brodata/BHR000000353924.xml",
        "Deltares-research_geost/bhrgt_bro_with_samples.xml",
        "bedrock-engineer_bro-xml-parser-ts/BHR000000347577.xml",
        "bedrock-engineer_bro-xml-parser-ts/BHR000000431542.xml",
        "cemsbv_pygef/BHR000000336600.xml",
    ),
}


def _median_seconds(function, path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="runs per file and reader (default 20)")
    args = parser.parse_args(argv)

    import pygef

    from grondwerk.bro.readers import read_bro_file
    from grondwerk.settings import shared_data_dir

    shared = shared_data_dir()
    if shared is None:
        print("shared data folder not found", file=sys.stderr)
        return 2
    bro_dir = shared / "bro"
    pygef_readers = {"cpt": pygef.read_cpt, "bhrgt": pygef.read_bore}

    # Warm-up: imports, pyproj transformer and compiled XPaths are built once.
    read_bro_file(bro_dir / FILES["cpt"][0])
    pygef.read_cpt(bro_dir / FILES["cpt"][0])

    print(f"Python {platform.python_version()}, pygef {pygef.__version__}, {args.repeat} runs per file, median wall time\n")
    print("| file | bytes | Grondwerk ms | pygef ms | pygef / Grondwerk |")
    print("|---|---|---|---|---|")
    ratios = []
    for kind, names in FILES.items():
        for name in names:
            path = bro_dir / name
            ours = _median_seconds(read_bro_file, path, args.repeat)
            try:
                theirs = _median_seconds(pygef_readers[kind], path, args.repeat)
            except Exception as exc:  # noqa: BLE001 - report pygef's failure in the table
                print(f"| {name} | {path.stat().st_size} | {ours * 1000:.2f} | fails: {type(exc).__name__} | – |")
                continue
            ratios.append(theirs / ours)
            print(f"| {name} | {path.stat().st_size} | {ours * 1000:.2f} | {theirs * 1000:.2f} | {theirs / ours:.1f} |")
    if ratios:
        print(f"\nGeometric mean of the ratio over {len(ratios)} files: {statistics.geometric_mean(ratios):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
