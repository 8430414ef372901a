"""Exact regional matching: min-cost flow on a sparse graph, certified against the full graph.

The problem is split into independent soil-type parts (``decompose``), solved
side by side on threads. Each part runs column generation: the network simplex
(``simplex``) solves the sparse graph, its node potentials price the full graph
(every feasible supply-demand pair and every depot arc), arcs with a negative
reduced cost join the graph, and the simplex continues from its last basis.
When no arc prices out, the flow is optimal for the full graph and the dual
bound equals the objective, so ``gap`` is 0.

A depot's capacity limits the summed stock of all its heaps (``shared``) or of
each heap (``per_heap``) in every period. The min-cost flow limits each span
on its own, which is a relaxation of both. When the stock of a depot or heap
exceeds its capacity in some period, the rounds switch to a HiGHS LP with one
capacity row per group and period, priced the same way with the LP duals.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.matching import pricing
from grondwerk.matching.network import DIRECT, DISPOSAL, FLOW_SCALE, INTAKE, OUTFLOW, PRIMARY, SLACK, SPAN, ArcSet, Network
from grondwerk.matching.instance import Problem
from grondwerk.matching.decompose import Part, soil_components
from grondwerk.matching.simplex import TREE, UPPER, NetworkSimplex, SolverError

log = logging.getLogger(__name__)

INITIAL_NEAREST = 30
INITIAL_DEPOTS = 3
MAX_ROUNDS = 60
# In the first rounds, pricing also adds arcs whose reduced cost is below this fraction of the median
# disposal / primary-sand cost per tonne, although they do not price out yet. The potentials of the
# first sparse graph are far from the final ones, and many of these arcs would price out in later
# rounds. With the OR-Tools solver that re-solved every round from scratch, this cut the rounds on the
# synthetic 10k instance from 5 to 3 (bench/matching_bench.py, docs/benchmarks.md).
ANTICIPATE_FRACTION = 0.1
ANTICIPATE_ROUNDS = 2
# Of the arcs that do not price out yet, each lot and each demand selects at most this many (lowest reduced
# cost first), so the graph stays small when the first potentials are poor, as on the synthetic 100k instance.
ANTICIPATE_PER_NODE = 5
# Parts run on several threads only when the largest part has at least this many lots. On the synthetic
# 10k instance (largest part 4,523 lots) a second thread saved no measurable time but raised the peak
# memory by about 30 MB, from 273 to 302 MB (bench/matching_bench.py, 2 cores).
PARALLEL_MIN_LOTS = 10_000
# In the LP phase a round adds at most this many priced-out arcs per lot and per demand (the most negative).
# Any violated column lets column generation progress, and HiGHS slows down with every column: with many equal
# costs, adding all of them gave one LP of 560,000 columns that took 112 s at 2,000 lots.
LP_ADD_PER_NODE = 10


def _anticipation_margin(net: Network) -> float:
    """Return the reduced-cost margin in integer cost units below which pricing adds arcs in early rounds."""
    pb = net.problem
    penalty = np.concatenate([pb.s_unmatched_cost, pb.d_unmet_cost])
    if not len(penalty):
        return 0.0
    return float(ANTICIPATE_FRACTION * np.median(penalty) * net.cost_scale)


def _split_candidates(net: Network, new: ArcSet, potentials: np.ndarray, tol: float, per_node: int | None = None) -> tuple[int, ArcSet]:
    """Return the number of arcs in ``new`` that price out and the arcs to add.

    Arcs that price out (reduced cost below ``-tol``) are all added, or with ``per_node`` only the
    ``per_node`` most negative per lot and per demand. Of the others, each lot and each demand keeps its
    ANTICIPATE_PER_NODE arcs with the lowest reduced cost. Candidates are direct, intake and outflow
    arcs, never spans, so no capacity dual enters their reduced cost.
    """
    d = np.asarray(potentials)
    rc = net.int_cost(new.cost) + d[new.tail] - d[new.head]
    negative = rc < -tol
    lot = np.where(np.isin(new.kind, (DIRECT, INTAKE)), new.i, -1)
    demand = np.where(np.isin(new.kind, (DIRECT, OUTFLOW)), new.j, -1)
    if per_node is None:
        keep = negative.copy()
    else:
        keep = np.zeros(len(new), dtype=bool)
        for owner in (lot, demand):
            candidate = np.flatnonzero(negative & (owner >= 0))
            keep[candidate[pricing.lowest_per_group(owner[candidate], rc[candidate], per_node)]] = True
    for owner in (lot, demand):
        candidate = np.flatnonzero(~negative & (owner >= 0))
        keep[candidate[pricing.lowest_per_group(owner[candidate], rc[candidate], ANTICIPATE_PER_NODE)]] = True
    return int(negative.sum()), _select(new, keep)


class CapacityGroups:
    """The stock limits of the depots: one group per depot and period (``shared``) or per heap and period (``per_heap``).

    The stock of a group is the summed flow of the spans that cover its period, over all heaps with
    ``shared``. Min-cost flow limits each span on its own, which is a relaxation of both modes.
    """

    def __init__(self, net: Network, per_heap: bool):
        self.net = net
        self.per_heap = per_heap
        heaps = net.Q if per_heap else 1
        self.count = net.K * heaps * (net.P + 2)
        self.capacity = np.repeat(np.rint(net.problem.k_capacity * FLOW_SCALE), heaps * (net.P + 2))

    def cover(self, arcs: ArcSet) -> tuple[np.ndarray, np.ndarray]:
        """Return (arc, group) pairs: every span in ``arcs`` with every group whose period it keeps soil in stock."""
        span = np.flatnonzero(arcs.kind == SPAN)
        # A span arrives in period p (field p) and departs in period p' (field j): stock in p .. p' - 1.
        length = (arcs.j[span] - arcs.p[span]).astype(np.int64)
        arc = np.repeat(span, length)
        offset = np.arange(len(arc)) - np.repeat(np.cumsum(length) - length, length)
        period = arcs.p[arc] + offset
        heap = arcs.k[arc].astype(np.int64) * self.net.Q + arcs.i[arc] if self.per_heap else arcs.k[arc].astype(np.int64)
        return arc, heap * (self.net.P + 2) + period

    def stock(self, arcs: ArcSet, flow: np.ndarray) -> np.ndarray:
        """Return the stock of every group in flow units."""
        # Only spans with flow add stock. Covering every span would list spans x periods pairs, which runs
        # to hundreds of millions with a long horizon and dwell time.
        used = np.flatnonzero((arcs.kind == SPAN) & (flow > 0))
        arc, group = self.cover(_select(arcs, used))
        return np.bincount(group, weights=flow[used][arc], minlength=self.count)


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
        """Add ``arcs`` as columns: +1 in the tail row, -1 in the head row, +1 in the capacity row of each period a span covers."""
        count = len(arcs)
        arc, group = self.groups.cover(arcs)
        per_column = 2 + np.bincount(arc, minlength=count)
        starts = np.concatenate([[0], np.cumsum(per_column)[:-1]]).astype(np.int32)
        index = np.zeros(int(per_column.sum()), dtype=np.int32)
        value = np.zeros(len(index))
        index[starts] = arcs.tail
        value[starts] = 1.0
        index[starts + 1] = arcs.head
        value[starts + 1] = -1.0
        # ``cover`` lists the groups of each span together and in arc order, so a running rank places them.
        rank = np.arange(len(arc)) - np.searchsorted(arc, arc, side="left")
        index[starts[arc] + 2 + rank] = self.net.num_nodes + group
        value[starts[arc] + 2 + rank] = 1.0
        self.highs.addCols(count, cost_int.astype(float), np.zeros(count), arcs.cap.astype(float), len(index), starts, index, value)

    def start_from_tree(self, state: np.ndarray, artificial_nodes: np.ndarray) -> None:
        """Give HiGHS the network simplex's optimal tree as its first basis.

        ``state`` is the simplex state of each column. Tree arcs are basic. Where the tree hangs a node
        from the root by an artificial arc, that node's row is basic instead. The tree's root stands for both
        the primary and the disposal node, so the slack arc between them and the primary row are basic. The
        capacity rows are basic too. The basis is then dual feasible, and the dual simplex only has to
        repair the capacity rows that the flow overfills.
        """
        import highspy

        status = highspy.HighsBasisStatus
        basis = highspy.HighsBasis()
        columns = np.where(state == TREE, 1, np.where(state == UPPER, 2, 0))
        as_status = (status.kLower, status.kBasic, status.kUpper)
        basis.col_status = [as_status[value] for value in columns.tolist()]
        rows = np.zeros(self.net.num_nodes + self.num_cap_rows, dtype=np.int64)
        rows[artificial_nodes] = 1
        rows[self.net.primary] = 1
        rows[self.net.num_nodes :] = 1
        basis.row_status = [as_status[value] for value in rows.tolist()]
        basis.valid = True
        if self.highs.setBasis(basis) != highspy.HighsStatus.kOk:
            log.warning("HiGHS did not take the network simplex basis; the LP starts cold")

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
    """Solve ``problem`` exactly; return flows per arc and the certificate (rounds, gap, timings).

    The problem is split by soil type (``decompose``), and the parts are solved on up to ``threads()``
    threads because the network simplex and the pricing scan release the GIL. With shared depot capacity,
    the parts are solved without capacity rows, and a depot that the merged parts overfill sends the whole
    problem through one solve with capacity rows.
    """
    started = time.perf_counter()
    workers = threads()
    masks = soil_components(problem)
    whole = Network(problem)
    if not masks:
        result = _solve_single(problem, whole.cost_scale)
        return result | {"parts": [_part_summary(problem, 0, problem.s_tonnes.size, problem.d_tonnes.size, result)],
                         "seconds": time.perf_counter() - started}
    parts = [Part(problem, mask) for mask in masks]
    if len(parts) == 1:
        return _merge(whole, parts, [_solve_single(parts[0].problem, whole.cost_scale)]) | {"seconds": time.perf_counter() - started}
    log.info("Matching in %s soil-type parts: %s", len(parts),
             ", ".join(f"{len(part.supply)} lots / {len(part.demand)} demands" for part in parts))
    groups = CapacityGroups(whole, per_heap=problem.params.get("depot_capacity", "shared") == "per_heap")
    # A heap belongs to one part, so per-heap limits can be met part by part. A shared limit spans parts:
    # a part's own LP would be wasted when the merged stock overflows anyway.
    allow_lp = groups.per_heap
    workers = min(workers, len(parts)) if len(parts[0].supply) >= PARALLEL_MIN_LOTS else 1
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="matching-part") as pool:
            solved = list(pool.map(lambda part: _solve_single(part.problem, whole.cost_scale, allow_lp), parts))
    else:
        solved = [_solve_single(part.problem, whole.cost_scale, allow_lp) for part in parts]
    merged = _merge(whole, parts, solved)
    if not groups.per_heap and (groups.stock(merged["arcs"], merged["flow"]) > groups.capacity).any():
        log.info("The parts together overfill a depot's shared capacity; solving the whole problem at once")
        together = Part(problem, sum(masks))
        merged = _merge(whole, [together], [_solve_single(together.problem, whole.cost_scale)])
    return merged | {"seconds": time.perf_counter() - started}


def threads() -> int:
    """Return the number of threads for the parts: ``GRONDWERK_MATCHING_THREADS``, else the usable cores."""
    configured = os.environ.get("GRONDWERK_MATCHING_THREADS")
    if configured:
        if not configured.strip().isdigit() or int(configured) < 1:
            raise InputError(msg("GRONDWERK_MATCHING_THREADS is '{value}'; geef een geheel getal van minstens 1",
                                 "GRONDWERK_MATCHING_THREADS is '{value}'; give an integer of at least 1", value=configured),
                             record="GRONDWERK_MATCHING_THREADS", value=configured)
        return int(configured)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def _merge(whole: Network, parts: list[Part], solved: list[dict]) -> dict:
    """Join the parts' flows into one result over the whole problem's lot and demand indices."""
    arcs = ArcSet.concat([part.to_whole(result["arcs"]) for part, result in zip(parts, solved)])
    flow = np.concatenate([result["flow"] for result in solved])
    rounds = []
    for number in range(1, max(len(result["rounds"]) for result in solved) + 1):
        # A part that finished earlier counts with its last round.
        at = [result["rounds"][min(number, len(result["rounds"])) - 1] for result in solved]
        row = {"round": number}
        for key in ("arcs", "priced_out", "added", "objective_units", "dual_bound_units"):
            row[key] = sum(entry[key] for entry in at)
        row["priced_out"] = sum(entry["priced_out"] for entry, result in zip(at, solved) if number <= len(result["rounds"]))
        row["added"] = sum(entry["added"] for entry, result in zip(at, solved) if number <= len(result["rounds"]))
        row["gap"] = max(0.0, (row["objective_units"] - row["dual_bound_units"]) / max(abs(row["objective_units"]), 1.0))
        rounds.append(row)
    methods = sorted({result["method"] for result in solved})
    return {
        "network": whole,
        "arcs": arcs,
        "flow": flow,
        "rounds": rounds,
        "gap": rounds[-1]["gap"],
        "certified": all(result["certified"] for result in solved),
        "method": "+".join(methods),
        "parts": [_part_summary(whole.problem, part.mask, len(part.supply), len(part.demand), result) for part, result in zip(parts, solved)],
    }


def _part_summary(problem: Problem, mask: int, lots: int, demands: int, result: dict) -> dict:
    return {"soil_types": [name for soil, name in enumerate(problem.soil_types) if (mask >> soil) & 1],
            "lots": lots, "demands": demands, "rounds": len(result["rounds"]), "method": result["method"],
            "pivots": result.get("pivots"), "seconds": round(result["seconds"], 3)}


# Disposal, primary sand and the slack between them are the root arcs of the network simplex: the root
# stands for both the disposal sink and the primary-sand source, which the free slack arc joins anyway.
ROOT_KINDS = (DISPOSAL, PRIMARY, SLACK)


def _root_simplex(net: Network) -> NetworkSimplex:
    """Create the network simplex for ``net`` with disposal and primary sand as the root arcs of lots and demands."""
    supplies = net.supplies()
    supplies[[net.primary, net.disposal]] = 0
    root_cost = np.zeros(net.num_nodes, dtype=np.int64)
    root_cost[: net.n] = net.int_cost(net.problem.s_unmatched_cost)
    root_cost[net.n : net.n + net.m] = net.int_cost(net.problem.d_unmet_cost)
    # Rooting the tree at the hub of disposal and primary sand keeps the many lots and demands that hang
    # from it out of the subtrees that pivots move. On the zand part of the synthetic 30k instance the first
    # solve took 1.8 s instead of 2.3 s with real primary and disposal nodes under an artificial root.
    return NetworkSimplex(supplies, net.max_int_cost, root_cost)


def _simplex_solution(net: Network, simplex: NetworkSimplex, arcs: ArcSet) -> tuple[np.ndarray, int, np.ndarray]:
    """Return flow on ``arcs``, objective and potentials of ``net``'s nodes from the root-arc network simplex."""
    flow = np.zeros(len(arcs), dtype=np.int64)
    rooted = np.isin(arcs.kind, ROOT_KINDS)
    flow[~rooted] = simplex.arc_flow
    root_flow = simplex.root_flow
    disposal = np.flatnonzero(arcs.kind == DISPOSAL)
    primary = np.flatnonzero(arcs.kind == PRIMARY)
    flow[disposal] = root_flow[arcs.i[disposal]]
    flow[primary] = root_flow[net.n + arcs.j[primary]]
    flow[arcs.kind == SLACK] = int(net.d_units.sum()) - int(flow[primary].sum())
    potentials = simplex.potentials.copy()
    potentials[[net.primary, net.disposal]] = 0  # the root's potential
    return flow, simplex.objective(), potentials


def _simplex_status(net: Network, simplex: NetworkSimplex, arcs: ArcSet) -> np.ndarray:
    """Return the simplex state (TREE, LOWER or UPPER) of every arc in ``arcs``; the slack arc counts as TREE."""
    state = np.empty(len(arcs), dtype=np.int64)
    rooted = np.isin(arcs.kind, ROOT_KINDS)
    state[~rooted] = simplex.state[simplex.num_nodes : simplex.num_arcs]
    root_state = simplex.state[: simplex.num_nodes]
    disposal = np.flatnonzero(arcs.kind == DISPOSAL)
    primary = np.flatnonzero(arcs.kind == PRIMARY)
    state[disposal] = root_state[arcs.i[disposal]]
    state[primary] = root_state[net.n + arcs.j[primary]]
    state[arcs.kind == SLACK] = TREE
    return state


def _artificial_nodes(net: Network, simplex: NetworkSimplex) -> np.ndarray:
    """Return the nodes that hang from the root by an artificial arc, other than the primary and disposal nodes."""
    artificial = (simplex.state[: simplex.num_nodes] == TREE) & (simplex.cost[: simplex.num_nodes] == simplex.artificial_cost)
    artificial[[net.primary, net.disposal]] = False
    return np.flatnonzero(artificial)


def _solve_single(problem: Problem, cost_scale: float, allow_lp: bool = True) -> dict:
    """Solve one part by column generation: network simplex rounds, then HiGHS if a depot capacity binds.

    With ``allow_lp`` false, depot capacities are left to the caller and the network simplex decides.
    """
    started = time.perf_counter()
    net = Network(problem, cost_scale)
    supplies = net.supplies()
    arcs = _initial_graph(net)
    log.info("Matching %s lots, %s demands, %s depots over %s periods: %s nodes, %s initial arcs",
             net.n, net.m, net.K, net.P, net.num_nodes, len(arcs))
    groups = CapacityGroups(net, per_heap=problem.params.get("depot_capacity", "shared") == "per_heap")
    use_lp = False
    lp = None
    simplex = _root_simplex(net)
    pending = _select(arcs, ~np.isin(arcs.kind, ROOT_KINDS))
    potentials = None
    capacity_duals = None
    rounds = []
    for round_number in range(1, MAX_ROUNDS + 1):
        cost_int = net.int_cost(arcs.cost)
        if not use_lp:
            simplex.add_arcs(pending.tail, pending.head, pending.cap, net.int_cost(pending.cost))
            pivots = simplex.solve()
            flow, objective, potentials = _simplex_solution(net, simplex, arcs)
            log.info("Round %s: network simplex took %s pivots, %.1f s since start", round_number, pivots, time.perf_counter() - started)
            over = groups.stock(arcs, flow) > groups.capacity
            if allow_lp and over.any():
                log.info("Depot capacity exceeded in %s %s; switching to the LP with capacity rows",
                         int(over.sum()), "heap-periods" if groups.per_heap else "depot-periods")
                use_lp = True
                # The LP starts from the tree, the arcs that carry flow and the cheapest few per lot and
                # demand, and pricing brings back the others it needs. On the synthetic 10k instance with
                # shared capacity the first LP solve took 1.3 s this way, against 62 s from this column set
                # without the tree as basis and 100 s from every arc of the sparse graph.
                status = _simplex_status(net, simplex, arcs)
                start = _lp_start_columns(net, arcs, flow, potentials, status == TREE)
                arcs, status = _select(arcs, start), status[start]
                cost_int = net.int_cost(arcs.cost)
        if use_lp:
            if lp is None:
                lp = CapacityLP(net, groups, arcs, cost_int, supplies)
                lp.start_from_tree(status, _artificial_nodes(net, simplex))
            flow, objective, potentials, capacity_duals = lp.solve()
            log.info("Round %s: LP solved, %.1f s since start", round_number, time.perf_counter() - started)

        # LP duals are floats, so a reduced cost must be clearly negative to count. Integer potentials need no slack.
        tol = 1e-6 * max(1.0, float(np.abs(cost_int).max(initial=1))) if use_lp else 0.0
        margin = _anticipation_margin(net) if round_number <= ANTICIPATE_ROUNDS else 0.0
        new = _price_full_graph(net, potentials, tol - margin, arcs)
        priced_out = 0
        if new is not None:
            priced_out, new = _split_candidates(net, new, potentials, tol, LP_ADD_PER_NODE if use_lp else None)
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
        pending = new
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
        "pivots": simplex.pivots,
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


def _lp_start_columns(net: Network, arcs: ArcSet, flow: np.ndarray, potentials: np.ndarray, tree: np.ndarray) -> np.ndarray:
    """Return a mask of the arcs the LP starts with: fixed arcs, tree arcs, arcs with flow, and per lot and demand the cheapest few by reduced cost."""
    keep = (arcs.key < 0) | (flow > 0) | tree
    rc = net.int_cost(arcs.cost) + potentials[arcs.tail] - potentials[arcs.head]
    lot = np.where(np.isin(arcs.kind, (DIRECT, INTAKE)), arcs.i, -1)
    demand = np.where(np.isin(arcs.kind, (DIRECT, OUTFLOW)), arcs.j, -1)
    for owner in (lot, demand):
        candidate = np.flatnonzero(~keep & (owner >= 0))
        keep[candidate[pricing.lowest_per_group(owner[candidate], rc[candidate], ANTICIPATE_PER_NODE)]] = True
    return keep


def _method_name(use_lp: bool, groups: CapacityGroups) -> str:
    if not use_lp:
        return "network-simplex"
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
        arc, group = groups.cover(arcs)
        rc = rc.astype(float) - np.bincount(arc, weights=capacity_duals[group], minlength=len(arcs))
    total -= float(np.dot(arcs.cap.astype(float), np.maximum(0.0, -rc)))
    if new is not None:
        rc_new = net.int_cost(new.cost) + d[new.tail] - d[new.head]
        total -= float(np.dot(new.cap.astype(float), np.maximum(0.0, -rc_new)))
    return total
