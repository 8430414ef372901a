"""Benchmark: classify synthetic samples with 30 substances each and report samples per second.

Usage: .venv/bin/python bench/classification_bench.py [--samples 100000] [--seed 7]

Each sample has 13 single substances (metals, barium, antimony, mineral oil),
the 10 PAK and 7 PCB components (30 analysis rows) plus lutum and organic
matter. Values are log-normal around the background values; 30 % are
reported as '<'. Every sample is its own partij, as in the stage default.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd

from grondwerk.classification.engine import classify
from grondwerk.classification.norms import default_norms

SINGLE = ["arseen", "barium", "cadmium", "chroom", "kobalt", "koper", "kwik", "lood", "molybdeen", "nikkel", "zink", "antimoon", "minerale_olie"]
TYPICAL = {"arseen": 12, "barium": 60, "cadmium": 0.4, "chroom": 35, "kobalt": 8, "koper": 30, "kwik": 0.15, "lood": 60,
           "molybdeen": 1.2, "nikkel": 25, "zink": 120, "antimoon": 2, "minerale_olie": 80}


def synthetic(samples: int, seed: int) -> pd.DataFrame:
    norms = default_norms()
    rng = np.random.default_rng(seed)
    codes, typical = [], []
    for substance in SINGLE:
        codes.append(norms.substances[substance].sikb_code)
        typical.append(TYPICAL[substance])
    for component in norms.components.values():
        codes.append(component.sikb_code)
        typical.append(0.15 if component.sum_id == "pak10" else 0.002)
    n_params = len(codes)
    sample_ids = np.repeat(np.array([f"S{i:06d}" for i in range(samples)], dtype=object), n_params + 2)
    parameter = np.tile(np.array(codes + ["korrelgrootteFractie", "OSTOF"], dtype=object), samples)
    values = rng.lognormal(mean=0.0, sigma=0.8, size=(samples, n_params)) * np.array(typical)
    lutum = rng.uniform(1, 40, size=(samples, 1))
    organic = rng.uniform(0.5, 20, size=(samples, 1))
    value = np.hstack([values, lutum, organic]).ravel()
    below = rng.random(size=(samples, n_params)) < 0.3
    symbol = np.where(np.hstack([below, np.zeros((samples, 2), dtype=bool)]).ravel(), "<", "")
    unit = np.tile(np.array(["mg/kg"] * n_params + ["%", "%"], dtype=object), samples)
    condition = np.tile(np.array(["dg"] * n_params + ["Dk0002", "dg"], dtype=object), samples)
    condition = np.where(parameter == "minrlole", "C10C40dg", condition)
    return pd.DataFrame({"sample_id": sample_ids, "parameter_code": parameter, "value": value, "unit": unit,
                         "limit_symbol": symbol, "condition": condition})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    frame = synthetic(args.samples, args.seed)
    start, start_cpu = time.perf_counter(), time.process_time()
    result = classify(frame, explain=False)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    counts = result.counts()
    # Wall time depends on other load on the machine; CPU time of this process is reported beside it.
    print(f"samples={args.samples} analysis_rows={len(frame)} wall_seconds={elapsed:.2f} cpu_seconds={cpu:.2f} "
          f"samples_per_second_wall={args.samples / elapsed:.0f} samples_per_second_cpu={args.samples / cpu:.0f}")
    print(f"classes={counts} not_tested_rows={len(result.ignored)}")
    print(f"python={platform.python_version()} pandas={pd.__version__} numpy={np.__version__} machine={platform.machine()}")


if __name__ == "__main__":
    main()
