"""Benchmark of the exact matcher on the synthetic Dutch family (N lots, N/2 demands, 50 depots, 12 months).

Run one size per process so peak memory (ru_maxrss) belongs to that size alone:

    .venv/bin/python bench/matching_bench.py 10000 --seed 1

Prints one JSON line: generation time, solve time (optimiser only), total time of
``solve`` (optimiser + both baselines + output), peak RSS, gap, rounds, arcs and the
greedy / optimal objective ratio.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of supply lots")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--depots", type=int, default=50)
    parser.add_argument("--depot-capacity", choices=("per_heap", "shared"), default="per_heap")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(relativeCreated)8.0f ms %(message)s")

    from grondwerk.matching import solve
    from grondwerk.matching.synthetic import generate

    started = time.perf_counter()
    instance = generate(args.n, seed=args.seed, n_depots=args.depots, depot_capacity=args.depot_capacity)
    generated = time.perf_counter()
    result = solve(instance)
    finished = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    rounds = result["solver"]["rounds"]
    print(json.dumps({
        "n_supply": args.n, "n_demand": len(instance["demand"]), "depots": args.depots, "seed": args.seed,
        "depot_capacity": args.depot_capacity,
        "generate_s": round(generated - started, 2),
        "solver_s": result["solver"]["seconds"],
        "solve_total_s": round(finished - generated, 2),
        "peak_rss_mb": round(peak_mb),
        # CPU seconds of the whole process; on a shared machine this is steadier than wall time.
        "process_cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "gap": result["totals"]["gap"],
        "certified": result["solver"]["certified_optimal"],
        "method": result["solver"]["method"],
        "rounds": len(rounds),
        "final_arcs": rounds[-1]["arcs"],
        "greedy_over_optimal": result["baselines"]["greedy"]["cost_ratio_to_optimal"],
        "no_coordination_over_optimal": result["baselines"]["no_coordination"]["cost_ratio_to_optimal"],
        "reuse_optimal_pct": round(100 * result["totals"]["matched_tonnes"] / sum(s["tonnes"] for s in instance["supply"]), 2),
        "reuse_greedy_pct": round(100 * result["baselines"]["greedy"]["matched_tonnes"] / sum(s["tonnes"] for s in instance["supply"]), 2),
        "python": platform.python_version(),
    }))


if __name__ == "__main__":
    main()
