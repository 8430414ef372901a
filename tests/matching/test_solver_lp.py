"""The solver's objective equals an independent path-based LP (scipy linprog) on small random instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from grondwerk.matching import solve

CLASSES = ("achtergrondwaarde", "wonen", "industrie")


def random_instance(seed: int, *, depots: int = 2, periods: int = 4, capacity_mode: str = "shared", sites: bool = False) -> dict:
    rng = np.random.default_rng(seed)
    n_supply, n_demand = int(rng.integers(4, 12)), int(rng.integers(3, 8))
    soils = ["zand", "klei"]

    def window():
        start = int(rng.integers(1, periods + 1))
        return start, int(rng.integers(start, periods + 1))

    supply = []
    for i in range(n_supply):
        start, end = window()
        supply.append({"id": f"s{i}", "x": float(rng.uniform(100_000, 140_000)), "y": float(rng.uniform(425_000, 455_000)),
                       "tonnes": float(rng.integers(50, 5000)), "class": CLASSES[int(rng.integers(0, 3))],
                       "soil_type": soils[int(rng.integers(0, 2))], "period_from": start, "period_to": end})
    demand = []
    for j in range(n_demand):
        start, end = window()
        accepted = [c for c in CLASSES if rng.random() < 0.7] or ["achtergrondwaarde"]
        demand.append({"id": f"d{j}", "x": float(rng.uniform(100_000, 140_000)), "y": float(rng.uniform(425_000, 455_000)),
                       "tonnes": float(rng.integers(50, 6000)), "accepted_classes": accepted,
                       "accepted_soil_types": soils if rng.random() < 0.2 else [soils[int(rng.integers(0, 2))]],
                       "period_from": start, "period_to": end})
    depot_list = [{"id": f"k{k}", "x": float(rng.uniform(100_000, 140_000)), "y": float(rng.uniform(425_000, 455_000)),
                   "capacity_tonnes": float(rng.integers(100, 3000)), "accepted_classes": list(CLASSES[: int(rng.integers(1, 4))]),
                   "handling_cost_per_tonne": float(rng.uniform(0.5, 3.0)), "max_dwell_periods": int(rng.integers(0, 3))}
                  for k in range(depots)]
    instance = {"supply": supply, "demand": demand, "depots": depot_list,
                "parameters": {"detour_factor": 1.3, "cost_per_tkm": 0.15, "co2_kg_per_tkm": 0.09, "unmatched_cost_per_tonne": 6.0,
                               "unmet_cost_per_tonne": 5.0, "periods": periods, "depot_capacity": capacity_mode}}
    if sites:
        instance["disposal_sites"] = [{"id": "stort", "x": 110_000.0, "y": 430_000.0}]
        instance["primary_sources"] = [{"id": "zandput", "x": 135_000.0, "y": 450_000.0}, {"id": "groeve", "x": 101_000.0, "y": 452_000.0}]
    return instance


def km(a: dict, b: dict, detour: float) -> float:
    return float(np.hypot(a["x"] - b["x"], a["y"] - b["y"])) * detour / 1000.0


def nearest_km(point: dict, sites: list[dict], detour: float) -> float:
    return min((km(point, site, detour) for site in sites), default=0.0)


def path_lp_optimum(instance: dict) -> float:
    """Solve the instance as a path LP: lot -> demand, lot -> depot (arrive p, leave q) -> demand, disposal, primary."""
    par = instance["parameters"]
    detour, cpt, periods = par["detour_factor"], par["cost_per_tkm"], par["periods"]
    supply, demand, depots = instance["supply"], instance["demand"], instance["depots"]
    disposal, primary = instance.get("disposal_sites", []), instance.get("primary_sources", [])
    columns = []  # (cost, lot or None, demand or None, [(capacity key, ...)])

    def fits(lot, need):
        return lot["class"] in need["accepted_classes"] and lot["soil_type"] in need["accepted_soil_types"]

    for i, lot in enumerate(supply):
        columns.append((par["unmatched_cost_per_tonne"] + cpt * nearest_km(lot, disposal, detour), i, None, []))
        for j, need in enumerate(demand):
            if not fits(lot, need):
                continue
            if max(lot["period_from"], need["period_from"]) <= min(lot["period_to"], need["period_to"]):
                columns.append((cpt * km(lot, need, detour), i, j, []))
            for k, depot in enumerate(depots):
                if lot["class"] not in depot["accepted_classes"]:
                    continue
                cost = cpt * (km(lot, depot, detour) + km(depot, need, detour)) + depot["handling_cost_per_tonne"]
                for arrive in range(lot["period_from"], lot["period_to"] + 1):
                    for leave in range(arrive, min(periods, arrive + depot["max_dwell_periods"]) + 1):
                        if not need["period_from"] <= leave <= need["period_to"]:
                            continue
                        if par["depot_capacity"] == "shared":
                            keys = [(k, p) for p in range(arrive, leave)]
                        else:
                            keys = [(k, lot["soil_type"], lot["class"], p) for p in range(arrive, leave)]
                        columns.append((cost, i, j, keys))
    for j, need in enumerate(demand):
        columns.append((par["unmet_cost_per_tonne"] + cpt * nearest_km(need, primary, detour), None, j, []))

    cap_keys = sorted({key for column in columns for key in column[3]}, key=str)
    cap_index = {key: row for row, key in enumerate(cap_keys)}
    a_eq = np.zeros((len(supply) + len(demand), len(columns)))
    a_ub = np.zeros((max(1, len(cap_keys)), len(columns)))
    for c, (_cost, i, j, keys) in enumerate(columns):
        if i is not None:
            a_eq[i, c] = 1
        if j is not None:
            a_eq[len(supply) + j, c] = 1
        for key in keys:
            a_ub[cap_index[key], c] = 1
    b_eq = [lot["tonnes"] for lot in supply] + [need["tonnes"] for need in demand]
    b_ub = [depots[key[0]]["capacity_tonnes"] for key in cap_keys] or [0.0]
    result = linprog([c[0] for c in columns], A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    assert result.status == 0, result.message
    return float(result.fun)


CASES = list(itertools.product(range(12), ["shared", "per_heap"]))


@pytest.mark.parametrize("seed,mode", CASES)
def test_objective_equals_path_lp(seed, mode):
    instance = random_instance(seed, capacity_mode=mode, sites=seed % 3 == 0, depots=seed % 4)
    result = solve(instance)
    expected = path_lp_optimum(instance)
    # Costs are rounded to the solver's cost unit per tonne before solving; allow that rounding and no more.
    tolerance = result["solver"]["cost_unit_euro_per_tonne"] * sum(lot["tonnes"] for lot in instance["supply"]) * 2 + 1e-6
    assert result["totals"]["cost"] == pytest.approx(expected, abs=tolerance)
    assert result["totals"]["gap"] == 0.0
    assert result["solver"]["certified_optimal"]


@pytest.mark.parametrize("seed", range(6))
def test_tight_depot_capacity_matches_lp(seed):
    instance = random_instance(100 + seed, depots=3, periods=6)
    for depot in instance["depots"]:
        depot["capacity_tonnes"] = 150.0
        depot["max_dwell_periods"] = 3
        depot["handling_cost_per_tonne"] = 0.1
    result = solve(instance)
    assert result["totals"]["cost"] == pytest.approx(path_lp_optimum(instance), abs=result["solver"]["cost_unit_euro_per_tonne"] * 1e5 + 1e-6)
    for row in result["depot_stock"]:
        assert row["tonnes"] <= 150.0 + 1e-6


# Seeds where the min-cost flow, which limits each span on its own, overfills a heap, so the LP with capacity rows runs.
# In 122 and 133 one soil-type part needs the LP and the other does not.
PER_HEAP_SEEDS = [106, 115, 118, 122, 133, 149, 153]


@pytest.mark.parametrize("seed", PER_HEAP_SEEDS)
def test_tight_heap_capacity_matches_lp(seed):
    instance = random_instance(seed, depots=3, periods=6, capacity_mode="per_heap")
    for depot in instance["depots"]:
        depot["capacity_tonnes"] = 150.0
        depot["max_dwell_periods"] = 3
        depot["handling_cost_per_tonne"] = 0.1
    result = solve(instance)
    assert result["totals"]["cost"] == pytest.approx(path_lp_optimum(instance), abs=result["solver"]["cost_unit_euro_per_tonne"] * 1e5 + 1e-6)
    assert result["totals"]["gap"] == 0.0
    assert "highs-lp-heap-capacity" in result["solver"]["method"].split("+")


def test_tight_heap_capacity_holds_stock():
    instance = random_instance(115, depots=3, periods=6, capacity_mode="per_heap")
    lots = {lot["id"]: lot for lot in instance["supply"]}
    for depot in instance["depots"]:
        depot["capacity_tonnes"] = 150.0
        depot["max_dwell_periods"] = 3
        depot["handling_cost_per_tonne"] = 0.1
    result = solve(instance)
    stock = {}
    for flow in result["flows"]:
        if flow["kind"] == "to_depot":
            lot = lots[flow["from"]]
            key = (flow["to"], lot["soil_type"], lot["class"])
            for period in range(flow["period"], instance["parameters"]["periods"] + 1):
                stock[key + (period,)] = stock.get(key + (period,), 0.0) + flow["tonnes"]
        elif flow["kind"] == "from_depot":
            key = (flow["from"], flow["soil_type"], flow["class"])
            for period in range(flow["period"], instance["parameters"]["periods"] + 1):
                stock[key + (period,)] = stock.get(key + (period,), 0.0) - flow["tonnes"]
    assert stock, "the instance should use a depot"
    assert max(stock.values()) <= 150.0 + 0.02
    assert min(stock.values()) >= -0.02


def test_flows_conserve_tonnes():
    instance = random_instance(7, depots=2)
    result = solve(instance)
    out_of = {lot["id"]: 0.0 for lot in instance["supply"]}
    into = {need["id"]: 0.0 for need in instance["demand"]}
    for flow in result["flows"]:
        if flow["from"] in out_of:
            out_of[flow["from"]] += flow["tonnes"]
        if flow["to"] in into:
            into[flow["to"]] += flow["tonnes"]
    for lot in instance["supply"]:
        assert out_of[lot["id"]] == pytest.approx(lot["tonnes"], abs=0.011)
    for need in instance["demand"]:
        assert into[need["id"]] == pytest.approx(need["tonnes"], abs=0.011)


def test_optimum_not_worse_than_baselines():
    for seed in range(5):
        result = solve(random_instance(seed, depots=2))
        for name in ("greedy", "no_coordination"):
            assert result["totals"]["cost"] <= result["baselines"][name]["cost"] + 1e-6
            assert result["savings"][name]["euro"] >= -1e-6


def bridge_instance(max_dwell: int) -> dict:
    """One lot in month 1, one demand in month 3, a depot between them."""
    return {
        "supply": [{"id": "a", "x": 100_000, "y": 400_000, "tonnes": 10, "class": "wonen", "soil_type": "zand", "period_from": 1, "period_to": 1}],
        "demand": [{"id": "b", "x": 100_000, "y": 402_000, "tonnes": 10, "accepted_classes": ["wonen"], "accepted_soil_types": ["zand"],
                    "period_from": 3, "period_to": 3}],
        "depots": [{"id": "k", "x": 100_000, "y": 401_000, "capacity_tonnes": 50, "accepted_classes": ["wonen"],
                    "handling_cost_per_tonne": 1, "max_dwell_periods": max_dwell}],
        "parameters": {"periods": 3},
    }


def test_depot_bridges_time_windows():
    result = solve(bridge_instance(2))
    kinds = sorted(flow["kind"] for flow in result["flows"])
    assert kinds == ["from_depot", "to_depot"]
    assert [row["end_of_period"] for row in result["depot_stock"]] == [1, 2]
    assert result["totals"]["matched_tonnes"] == 10.0


def test_dwell_limit_blocks_depot():
    result = solve(bridge_instance(1))
    kinds = sorted(flow["kind"] for flow in result["flows"])
    assert kinds == ["disposal", "primary"]
    assert result["totals"]["matched_tonnes"] == 0.0


def test_empty_instance():
    result = solve({"supply": [], "demand": [], "depots": []})
    assert result["flows"] == []
    assert result["totals"]["cost"] == 0.0
    assert result["totals"]["gap"] == 0.0


def test_shared_capacity_across_soil_parts_matches_lp(caplog):
    # Seed 125 has zand and klei heaps in one depot that the separately solved soil-type parts overfill together.
    instance = random_instance(125, depots=3, periods=6)
    for depot in instance["depots"]:
        depot["capacity_tonnes"] = 150.0
        depot["max_dwell_periods"] = 3
        depot["handling_cost_per_tonne"] = 0.1
    with caplog.at_level("INFO", logger="grondwerk.matching.solver"):
        result = solve(instance)
    assert any("whole problem" in record.getMessage() for record in caplog.records)
    assert not any("did not take" in record.getMessage() for record in caplog.records), "HiGHS rejected the simplex basis"
    assert result["solver"]["method"] == "highs-lp-shared-capacity"
    assert result["totals"]["cost"] == pytest.approx(path_lp_optimum(instance), abs=result["solver"]["cost_unit_euro_per_tonne"] * 1e5 + 1e-6)
    for row in result["depot_stock"]:
        assert row["tonnes"] <= 150.0 + 1e-6
