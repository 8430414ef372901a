"""Rounds of the exact matcher: anticipated arcs change the rounds and keep the certified optimum."""

from __future__ import annotations

import numpy as np
import pytest

from grondwerk.matching import pricing, solve, solver
from grondwerk.matching.instance import load_problem
from grondwerk.matching.network import DIRECT, ArcSet, Network
from grondwerk.matching.synthetic import generate


@pytest.fixture(scope="module")
def instance() -> dict:
    return generate(800, seed=3, n_depots=8)


def objective_and_rounds(instance: dict) -> tuple[int, list[dict]]:
    """Return the objective in integer cost units, which alternative optima share, and the rounds."""
    result = solve(instance)
    assert result["totals"]["gap"] == 0.0
    assert result["solver"]["certified_optimal"]
    rounds = result["solver"]["rounds"]
    return rounds[-1]["objective_units"], rounds


def test_anticipation_keeps_optimum(instance, monkeypatch):
    with_margin, rounds_with = objective_and_rounds(instance)
    monkeypatch.setattr(solver, "ANTICIPATE_FRACTION", 0.0)
    without_margin, rounds_without = objective_and_rounds(instance)
    assert with_margin == without_margin
    assert len(rounds_with) <= len(rounds_without)


def test_rounds_record_priced_out_and_added(instance):
    _, rounds = objective_and_rounds(instance)
    assert rounds[-1]["priced_out"] == 0
    assert rounds[-1]["added"] == 0
    for row in rounds[:-1]:
        assert row["priced_out"] > 0
        assert row["added"] >= row["priced_out"]


def test_split_keeps_best_per_node(instance):
    net = Network(load_problem(instance))
    i = np.repeat(np.arange(8), 8)
    j = np.tile(np.arange(8), 8)
    arcs = net.direct_arcs(i, j)
    rc = net.int_cost(arcs.cost) - net.int_cost(arcs.cost).min()
    # Potentials 0 on lots and the cheapest arc cost on demands make the cheapest arcs reduced-cost 0, none negative.
    potentials = np.zeros(net.num_nodes, dtype=np.int64)
    potentials[net.n + np.arange(net.m)] = net.int_cost(arcs.cost).min()
    priced_out, selected = solver._split_candidates(net, arcs, potentials, 0.0)
    limit = solver.ANTICIPATE_PER_NODE
    best = set()
    for owner in (i, j):
        for node in range(8):
            members = sorted(np.flatnonzero(owner == node), key=lambda a: (rc[a], a))
            best.update(int(a) for a in members[:limit])
    assert priced_out == 0
    assert np.all(selected.kind == DIRECT)
    assert sorted(selected.key.tolist()) == sorted(arcs.key[sorted(best)].tolist())
    assert len(selected) < len(arcs)


def test_intake_margin_limited_per_lot(instance):
    net = Network(load_problem(instance))
    potentials = np.zeros(net.num_nodes, dtype=np.int64)
    # With every potential 0, an intake arc's reduced cost is its cost, so a margin above the largest cost takes all.
    margin = float(net.int_cost(np.array([1e6]))[0])
    everything = ArcSet.concat(pricing.price_intake(net, potentials, -margin))
    limited = ArcSet.concat(pricing.price_intake(net, potentials, -margin, per_node=2))
    assert len(everything) > 2 * net.n
    assert np.bincount(limited.i, minlength=net.n).max() == 2
    best = {}
    for lot, cost in zip(everything.i.tolist(), net.int_cost(everything.cost).tolist()):
        best.setdefault(lot, []).append(cost)
    for lot, cost in zip(limited.i.tolist(), net.int_cost(limited.cost).tolist()):
        assert cost <= sorted(best[lot])[1]
