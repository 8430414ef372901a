"""Exact regional matching: min-cost flow on a sparse graph, certified against the full graph.

Each round solves the sparse graph with OR-Tools ``SimpleMinCostFlow`` (integer
units), computes node potentials by Bellman-Ford on the residual graph, and
prices the full graph (every feasible supply-demand pair and every depot arc).
Arcs with negative reduced cost join the graph and the round repeats. When none
remain, the flow is optimal for the full graph and the dual bound equals the
objective, so ``gap`` is 0.

A depot's capacity limits the summed stock of all its heaps (``shared``) or of
each heap over all ages (``per_heap``). Min-cost flow gives every age of every
heap the whole capacity, which is a relaxation of both. When the stock of a
depot or heap exceeds its capacity in some period, the rounds switch to a
HiGHS LP with one capacity row per group and period, priced the same way with
the LP duals.
"""

from __future__ import annotations

import logging
import os
import sys
import time

import numpy as np

from grondwerk.matching import pricing
from grondwerk.matching.network import CARRY, DIRECT, FLOW_SCALE, INTAKE, OUTFLOW, ArcSet, Network
from grondwerk.matching.instance import Problem

log = logging.getLogger(__name__)

INITIAL_NEAREST = 10
INITIAL_DEPOTS = 3
MAX_ROUNDS = 60
# In the first rounds, pricing also adds arcs whose reduced cost is below this fraction of the median
# disposal / primary-sand cost per tonne, although they do not price out yet. The potentials of the
# first sparse graph are far from the final ones, and many of these arcs would price out in later
# rounds. On the synthetic 10k instance this cut the rounds, and so the full min-cost flow solves,
# from 5 to 3 (bench/matching_bench.py, docs/benchmarks.md).
ANTICIPATE_FRACTION = 0.1
ANTICIPATE_ROUNDS = 2
# Of the arcs that do not price out yet, each lot and each demand selects at most this many (lowest reduced
# cost first), so the graph stays small when the first potentials are poor, as on the synthetic 100k instance.
ANTICIPATE_PER_NODE = 5


def _anticipation_margin(net: Network) -> float:
    """Return the reduced-cost margin in integer cost units below which pricing adds arcs in early rounds."""
    pb = net.problem
    penalty = np.concatenate([pb.s_unmatched_cost, pb.d_unmet_cost])
    if not len(penalty):
        return 0.0
    return float(ANTICIPATE_FRACTION * np.median(penalty) * net.cost_scale)


def _split_candidates(net: Network, new: ArcSet, potentials: np.ndarray, tol: float) -> tuple[int, ArcSet]:
    """Return the number of arcs in ``new`` that price out and the arcs to add.

    Arcs that price out (reduced cost below ``-tol``) are all added. Of the others, each lot and each
    demand keeps its ANTICIPATE_PER_NODE arcs with the lowest reduced cost. Candidates are direct,
    intake and outflow arcs, never carry arcs, so no capacity dual enters their reduced cost.
    """
    d = np.asarray(potentials)
    rc = net.int_cost(new.cost) + d[new.tail] - d[new.head]
    negative = rc < -tol
    keep = negative.copy()
    lot = np.where(np.isin(new.kind, (DIRECT, INTAKE)), new.i, -1)
    demand = np.where(np.isin(new.kind, (DIRECT, OUTFLOW)), new.j, -1)
    for owner in (lot, demand):
        candidate = np.flatnonzero(~negative & (owner >= 0))
        keep[candidate[pricing.lowest_per_group(owner[candidate], rc[candidate], ANTICIPATE_PER_NODE)]] = True
    return int(negative.sum()), _select(new, keep)


class SolverError(RuntimeError):
    """The solver did not return an optimal flow (an internal error, not bad input)."""


def residual_potentials(num_nodes: int, arcs: ArcSet, cost: np.ndarray, flow: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Return potentials d with c + d[u] - d[v] >= 0 on every residual arc (Bellman-Ford, vectorised per pass)."""
    forward = flow < arcs.cap
    backward = flow > 0
    tail = np.concatenate([arcs.tail[forward], arcs.head[backward]])
    head = np.concatenate([arcs.head[forward], arcs.tail[backward]])
    weight = np.concatenate([cost[forward], -cost[backward]])
    order = np.argsort(head, kind="stable")
    tail, head, weight = tail[order], head[order], weight[order]
    heads, starts = np.unique(head, return_index=True)
    d = np.zeros(num_nodes, dtype=np.int64) if start is None else np.minimum(start, 0).astype(np.int64)
    for passes in range(num_nodes + 1):
        best = np.minimum.reduceat(d[tail] + weight, starts)
        improved = best < d[heads]
        if not improved.any():
            log.debug("Potentials converged after %s Bellman-Ford passes", passes)
            return d
        d[heads[improved]] = best[improved]
    raise SolverError("negative cycle in the residual graph: the flow is not optimal")


def _solve_min_cost_flow(net: Network, arcs: ArcSet, cost_int: np.ndarray, supplies: np.ndarray) -> tuple[np.ndarray, int]:
    from ortools.graph.python import min_cost_flow

    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(arcs.tail, arcs.head, arcs.cap, cost_int)
    mcf.set_nodes_supplies(np.arange(net.num_nodes), supplies)
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise SolverError(f"min-cost flow returned status {status}")
    return mcf.flows(np.arange(len(arcs))), int(mcf.optimal_cost())


class CapacityGroups:
    """The stock limits of the depots: one group per depot and period (``shared``) or per heap and period (``per_heap``).

    The stock of a group is the summed flow on its carry arcs, over all ages and, with ``shared``, all heaps.
    Min-cost flow limits each carry arc (one age of one heap) on its own, which is a relaxation of both modes.
    """

    def __init__(self, net: Network, per_heap: bool):
        self.net = net
        self.per_heap = per_heap
        heaps = net.Q if per_heap else 1
        self.count = net.K * heaps * (net.P + 2)
        self.capacity = np.repeat(np.rint(net.problem.k_capacity * FLOW_SCALE), heaps * (net.P + 2))

    def of(self, arcs: ArcSet) -> np.ndarray:
        """Return the group of each carry arc in ``arcs`` (only valid where ``arcs.kind == CARRY``)."""
        heap = arcs.k * self.net.Q + arcs.i if self.per_heap else arcs.k
        return heap * (self.net.P + 2) + arcs.p

    def stock(self, arcs: ArcSet, flow: np.ndarray) -> np.ndarray:
        """Return the stock of every group in flow units."""
        carry = arcs.kind == CARRY
        return np.bincount(self.of(arcs)[carry], weights=flow[carry], minlength=self.count)


def _quiet_highs(highspy):
    """Create a Highs object without its start-up banner, which HiGHS writes to file descriptor 1 (stdout)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
            highs.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return highs


class CapacityLP:
    """The sparse graph as a HiGHS LP with one stock-capacity row per capacity group.

    Columns added in later rounds keep the previous basis, so each round re-solves warm.
    """

    def __init__(self, net: Network, groups: CapacityGroups, arcs: ArcSet, cost_int: np.ndarray, supplies: np.ndarray):
        import highspy

        self.net = net
        self.groups = groups
        self.highs = _quiet_highs(highspy)
        self.num_cap_rows = groups.count
        capacity = groups.capacity
        self.highs.addRows(
            net.num_nodes + self.num_cap_rows,
            np.concatenate([supplies.astype(float), np.full(self.num_cap_rows, -highspy.kHighsInf)]),
            np.concatenate([supplies.astype(float), capacity]),
            0, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0),
        )
        self.add(arcs, cost_int)

    def add(self, arcs: ArcSet, cost_int: np.ndarray) -> None:
        """Add ``arcs`` as columns: +1 in the tail row, -1 in the head row, +1 in the capacity row of carry arcs."""
        count = len(arcs)
        carry = arcs.kind == CARRY
        cap_row = self.net.num_nodes + np.where(carry, self.groups.of(arcs), 0)
        per_column = np.where(carry, 3, 2)
        starts = np.concatenate([[0], np.cumsum(per_column)[:-1]]).astype(np.int32)
        index = np.zeros(int(per_column.sum()), dtype=np.int32)
        value = np.zeros(len(index))
        index[starts] = arcs.tail
        value[starts] = 1.0
        index[starts + 1] = arcs.head
        value[starts + 1] = -1.0
        third = starts[carry] + 2
        index[third] = cap_row[carry]
        value[third] = 1.0
        self.highs.addCols(count, cost_int.astype(float), np.zeros(count), arcs.cap.astype(float), len(index), starts, index, value)

    def solve(self) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
        """Return flow, objective, node potentials and capacity-row duals (one per group, <= 0), all float."""
        import highspy

        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError(f"HiGHS returned {self.highs.modelStatusToString(status)}")
        solution = self.highs.getSolution()
        duals = np.asarray(solution.row_dual)
        # HiGHS reduced costs are c - A^T y, so for arc u->v rc = c - y_u + y_v; d = -y gives rc = c + d_u - d_v.
        d = -duals[: self.net.num_nodes]
        capacity_duals = duals[self.net.num_nodes :]
        return np.asarray(solution.col_value), float(self.highs.getInfo().objective_function_value), d, capacity_duals


def solve_problem(problem: Problem) -> dict:
    """Solve ``problem`` exactly; return flows per arc and the certificate (rounds, gap, timings)."""
    started = time.perf_counter()
    net = Network(problem)
    supplies = net.supplies()
    arcs = _initial_graph(net)
    log.info("Matching %s lots, %s demands, %s depots over %s periods: %s nodes, %s initial arcs",
             net.n, net.m, net.K, net.P, net.num_nodes, len(arcs))
    groups = CapacityGroups(net, per_heap=problem.params.get("depot_capacity", "shared") == "per_heap")
    use_lp = False
    lp = None
    potentials = None
    capacity_duals = None
    rounds = []
    for round_number in range(1, MAX_ROUNDS + 1):
        cost_int = net.int_cost(arcs.cost)
        if not use_lp:
            flow, objective = _solve_min_cost_flow(net, arcs, cost_int, supplies)
            over = groups.stock(arcs, flow) > groups.capacity
            if over.any():
                log.info("Depot capacity exceeded in %s %s; switching to the LP with capacity rows",
                         int(over.sum()), "heap-periods" if groups.per_heap else "depot-periods")
                use_lp = True
        if use_lp:
            if lp is None:
                lp = CapacityLP(net, groups, arcs, cost_int, supplies)
            flow, objective, potentials, capacity_duals = lp.solve()
        else:
            log.info("Round %s: min-cost flow solved, %.1f s since start", round_number, time.perf_counter() - started)
            potentials = residual_potentials(net.num_nodes, arcs, cost_int, flow, potentials)
        log.info("Round %s: potentials computed, %.1f s since start", round_number, time.perf_counter() - started)

        # LP duals are floats, so a reduced cost must be clearly negative to count. Integer potentials need no slack.
        tol = 1e-6 * max(1.0, float(np.abs(cost_int).max(initial=1))) if use_lp else 0.0
        margin = _anticipation_margin(net) if round_number <= ANTICIPATE_ROUNDS else 0.0
        new = _price_full_graph(net, potentials, tol - margin, arcs)
        priced_out = 0
        if new is not None:
            priced_out, new = _split_candidates(net, new, potentials, tol)
        added = len(new) if priced_out else 0
        bound = _dual_bound(net, groups, arcs, cost_int, supplies, potentials, new, capacity_duals if use_lp else None)
        gap = max(0.0, (objective - bound) / max(abs(objective), 1.0))
        rounds.append({"round": round_number, "arcs": len(arcs), "priced_out": priced_out, "added": added,
                       "objective_units": objective, "dual_bound_units": bound, "gap": gap})
        log.info("Round %s: %s arcs, objective %s, dual bound %s, %s arcs priced out, %s arcs added",
                 round_number, len(arcs), objective, bound, priced_out, added)
        if not priced_out:
            break
        arcs = ArcSet.concat([arcs, new])
        if lp is not None:
            lp.add(new, net.int_cost(new.cost))
    else:
        log.warning("Stopped after %s rounds with gap %s; the flow may not be optimal", MAX_ROUNDS, rounds[-1]["gap"])
    if use_lp:
        flow = np.rint(flow).astype(np.int64)
    final = rounds[-1]
    certified = final["priced_out"] == 0
    return {
        "network": net,
        "arcs": arcs,
        "flow": flow,
        "rounds": rounds,
        "gap": final["gap"],
        "certified": certified,
        "method": _method_name(use_lp, groups),
        "seconds": time.perf_counter() - started,
    }


def _select(arcs: ArcSet, mask: np.ndarray) -> ArcSet:
    return ArcSet(*(getattr(arcs, name)[mask] for name in ArcSet.__dataclass_fields__))


def _initial_graph(net: Network) -> ArcSet:
    """Return the fixed arcs plus the nearest direct and depot candidates."""
    parts = [net.fixed_arcs()]
    i, j = pricing.initial_direct(net, INITIAL_NEAREST)
    if len(i):
        parts.append(net.direct_arcs(i, j))
    parts.extend(pricing.initial_depot_arcs(net, INITIAL_DEPOTS))
    return _unique_arcs(ArcSet.concat(parts))


def _price_full_graph(net: Network, potentials: np.ndarray, tol: float, arcs: ArcSet) -> ArcSet | None:
    """Return the arcs of the full graph that are not in ``arcs`` and have a reduced cost below ``-tol``."""
    new_parts = []
    # Pricing keeps twice the final number per node, because arcs already in the graph also take places there
    # and are dropped only afterwards.
    direct = pricing.price_direct(net, potentials, tol, per_node=2 * ANTICIPATE_PER_NODE)
    if direct is not None:
        new_parts.append(direct)
    new_parts.extend(pricing.price_intake(net, potentials, tol, per_node=2 * ANTICIPATE_PER_NODE))
    new_parts.extend(pricing.price_outflow(net, potentials, tol, per_node=2 * ANTICIPATE_PER_NODE))
    if not new_parts:
        return None
    return _drop_known(ArcSet.concat(new_parts), arcs)


def _unique_arcs(arcs: ArcSet) -> ArcSet:
    keyed = arcs.key >= 0
    # Candidate keys are unique per kind; fixed arcs (key -1) are all kept.
    combined = arcs.kind.astype(np.int64) * (1 << 58) + np.where(keyed, arcs.key, 0)
    _, first = np.unique(combined[keyed], return_index=True)
    keep = np.concatenate([np.flatnonzero(~keyed), np.flatnonzero(keyed)[first]])
    keep.sort()
    return ArcSet(*(getattr(arcs, name)[keep] for name in ArcSet.__dataclass_fields__))


def _drop_known(new: ArcSet, arcs: ArcSet) -> ArcSet | None:
    """Return the arcs of ``new`` that are not in ``arcs``, each candidate key once."""
    keyed = arcs.key >= 0
    known = np.sort(arcs.kind[keyed].astype(np.int64) * (1 << 58) + arcs.key[keyed])
    candidate = new.kind.astype(np.int64) * (1 << 58) + new.key
    if len(known):
        position = np.minimum(np.searchsorted(known, candidate), len(known) - 1)
        keep = known[position] != candidate
    else:
        keep = np.ones(len(candidate), dtype=bool)
    _, first = np.unique(candidate[keep], return_index=True)
    index = np.flatnonzero(keep)[first]
    if not len(index):
        return None
    return ArcSet(*(getattr(new, name)[index] for name in ArcSet.__dataclass_fields__))


def _method_name(use_lp: bool, groups: CapacityGroups) -> str:
    if not use_lp:
        return "min-cost-flow"
    return "highs-lp-heap-capacity" if groups.per_heap else "highs-lp-shared-capacity"


def _dual_bound(net, groups, arcs, cost_int, supplies, potentials, new, capacity_duals=None) -> float:
    """Return the dual bound of the full graph: sum b*y + sum g*w - sum cap*max(0, -rc), with y = -d.

    ``w`` are the duals of the capacity rows (LP phase only; ``g`` the capacities). Arcs outside the
    graph contribute only where their reduced cost is negative, and pricing returns all of those in
    ``new``. The bound is valid for any potentials, and equals the objective at an optimum.
    """
    d = np.asarray(potentials, dtype=float)
    total = -float(np.dot(supplies.astype(float), d))
    rc = cost_int + d[arcs.tail] - d[arcs.head]
    if capacity_duals is not None:
        total += float(np.dot(groups.capacity, capacity_duals))
        carry = arcs.kind == CARRY
        rc = rc.astype(float)
        rc[carry] -= capacity_duals[groups.of(arcs)[carry]]
    total -= float(np.dot(arcs.cap.astype(float), np.maximum(0.0, -rc)))
    if new is not None:
        rc_new = net.int_cost(new.cost) + d[new.tail] - d[new.head]
        total -= float(np.dot(new.cap.astype(float), np.maximum(0.0, -rc_new)))
    return total
