"""The network simplex against OR-Tools' min-cost flow on random graphs, cold and with arcs added between solves."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.graph.python import min_cost_flow

from grondwerk.matching.simplex import NetworkSimplex, SolverError


def random_graph(seed: int):
    rng = np.random.default_rng(seed)
    nodes = int(rng.integers(2, 40))
    arcs = int(rng.integers(1, 200))
    tail = rng.integers(0, nodes, arcs)
    head = rng.integers(0, nodes, arcs)
    keep = tail != head
    tail, head = tail[keep], head[keep]
    cap = rng.integers(0, 25, len(tail))
    cost = rng.integers(-10, 40, len(tail))
    # Supplies from a random feasible flow, so every instance has a solution.
    feasible = rng.integers(0, cap + 1)
    supplies = np.zeros(nodes, dtype=np.int64)
    np.add.at(supplies, tail, feasible)
    np.add.at(supplies, head, -feasible)
    return supplies, tail, head, cap, cost


def or_tools_optimum(supplies, tail, head, cap, cost) -> int:
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(tail, head, cap, cost)
    solver.set_nodes_supplies(np.arange(len(supplies)), supplies)
    assert solver.solve() == solver.OPTIMAL
    return int(solver.optimal_cost())


def assert_optimal_flow(simplex: NetworkSimplex, supplies, tail, head, cap, cost):
    flow = simplex.arc_flow
    assert (flow >= 0).all()
    assert (flow <= cap).all()
    balance = np.zeros(len(supplies), dtype=np.int64)
    np.add.at(balance, tail, flow)
    np.add.at(balance, head, -flow)
    assert (balance == supplies).all()
    reduced = cost + simplex.potentials[tail] - simplex.potentials[head]
    assert ((reduced >= 0) | (flow == cap)).all(), "an arc with room left has a negative reduced cost"
    assert ((reduced <= 0) | (flow == 0)).all(), "an arc with flow has a positive reduced cost"
    assert_tree_lists(simplex)


def assert_tree_lists(simplex: NetworkSimplex):
    """Check the preorder lists against the parent pointers: one cycle from the root, each subtree one run."""
    root = simplex.root
    thread, rev_thread, last, parent = simplex.thread, simplex.rev_thread, simplex.last, simplex.parent
    order = [root]
    while thread[order[-1]] != root:
        order.append(int(thread[order[-1]]))
        assert len(order) <= root + 1, "the thread does not return to the root"
    assert sorted(order) == list(range(root + 1)), "the thread misses nodes or visits one twice"
    assert all(rev_thread[thread[u]] == u for u in order)
    position = {u: k for k, u in enumerate(order)}
    for u in order:
        run = order[position[u] : position[int(last[u])] + 1]
        descendants = set()
        for v in order:
            w = v
            while w != -1 and w != u:
                w = int(parent[w])
            if w == u:
                descendants.add(v)
        assert set(run) == descendants, f"the run from node {u} to last[{u}] is not its subtree"
    for u in range(root):
        arc = simplex.pred[u]
        assert simplex.state[arc] == 0, "a tree node hangs from an arc outside the tree"
        assert {int(simplex.tail[arc]), int(simplex.head[arc])} == {u, int(parent[u])}


@pytest.mark.parametrize("seed", range(150))
def test_cold_solve_matches_or_tools(seed):
    supplies, tail, head, cap, cost = random_graph(seed)
    simplex = NetworkSimplex(supplies, max_cost=40)
    simplex.add_arcs(tail, head, cap, cost)
    simplex.solve()
    assert simplex.objective() == or_tools_optimum(supplies, tail, head, cap, cost)
    assert_optimal_flow(simplex, supplies, tail, head, cap, cost)


@pytest.mark.parametrize("seed", range(150))
def test_warm_solve_after_adding_arcs(seed):
    supplies, tail, head, cap, cost = random_graph(1000 + seed)
    simplex = NetworkSimplex(supplies, max_cost=40)
    cut = len(tail) // 3
    simplex.add_arcs(tail[:cut], head[:cut], cap[:cut], cost[:cut])
    try:
        simplex.solve()
    except SolverError:
        pass  # the first third alone may not route every supply; the basis stays valid
    simplex.add_arcs(tail[cut:], head[cut:], cap[cut:], cost[cut:])
    simplex.solve()
    assert simplex.objective() == or_tools_optimum(supplies, tail, head, cap, cost)
    assert_optimal_flow(simplex, supplies, tail, head, cap, cost)


def test_unroutable_supply_raises():
    simplex = NetworkSimplex(np.array([5, -5, 0]), max_cost=10)
    simplex.add_arcs([0], [2], [5], [1])
    with pytest.raises(SolverError, match="artificial arcs"):
        simplex.solve()


def test_cost_above_bound_rejected():
    simplex = NetworkSimplex(np.array([1, -1]), max_cost=10)
    with pytest.raises(ValueError, match="exceeds the bound"):
        simplex.add_arcs([0], [1], [1], [11])


def test_root_arc_costs_model_an_outside_route():
    # Node 0 supplies 4 and node 1 needs 6: the root arcs buy 2 from outside at 7 each, the arc carries 4 at 1 each.
    simplex = NetworkSimplex(np.array([4, -6]), max_cost=10, root_cost=np.array([3, 7]))
    simplex.add_arcs([0], [1], [10], [1])
    simplex.solve()
    assert simplex.arc_flow.tolist() == [4]
    assert simplex.root_flow.tolist() == [0, 2]
    assert simplex.objective() == 4 * 1 + 2 * 7
