"""Splitting a matching problem by soil type gives the optimum of the whole."""

from __future__ import annotations

import pytest

from grondwerk.matching import solve, solver
from grondwerk.matching.decompose import soil_components
from grondwerk.matching.instance import load_problem
from grondwerk.matching.synthetic import generate


def test_demand_accepting_two_soils_joins_them():
    instance = generate(60, seed=3, n_depots=2)
    soils = sorted({lot["soil_type"] for lot in instance["supply"]})
    assert len(soil_components(load_problem(instance))) == len(soils)
    instance["demand"][0]["accepted_soil_types"] = soils[:2]
    parts = soil_components(load_problem(instance))
    assert len(parts) == len(soils) - 1
    problem = load_problem(instance)
    joined = [mask for mask in parts if bin(mask).count("1") == 2]
    assert joined == [(1 << problem.soil_types.index(soils[0])) | (1 << problem.soil_types.index(soils[1]))]


@pytest.mark.parametrize("seed", range(3))
def test_threads_do_not_change_the_optimum(seed, monkeypatch):
    instance = generate(400, seed=seed, n_depots=5)
    monkeypatch.setenv("GRONDWERK_MATCHING_THREADS", "1")
    single_thread = solve(instance)
    monkeypatch.setenv("GRONDWERK_MATCHING_THREADS", "2")
    # Small instances stay on one thread, so lower the threshold to make the parts really run side by side.
    monkeypatch.setattr(solver, "PARALLEL_MIN_LOTS", 0)
    two_threads = solve(instance)
    assert single_thread["totals"]["cost"] == pytest.approx(two_threads["totals"]["cost"], rel=1e-12)
    assert single_thread["totals"]["gap"] == 0.0
    assert two_threads["totals"]["gap"] == 0.0
    assert len(single_thread["solver"]["parts"]) == len({lot["soil_type"] for lot in instance["supply"]})


def test_parts_report_their_soil_types():
    result = solve(generate(200, seed=5, n_depots=3))
    reported = sorted(soil for part in result["solver"]["parts"] for soil in part["soil_types"])
    assert reported == sorted({lot["soil_type"] for lot in generate(200, seed=5, n_depots=3)["supply"]})
    assert sum(part["lots"] for part in result["solver"]["parts"]) == 200
