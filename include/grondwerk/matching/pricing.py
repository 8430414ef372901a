"""Candidate arcs for the sparse graph and pricing of the full graph by reduced cost.

With node potentials ``d`` (optimal duals of the sparse graph, from the network
simplex or the LP), an arc u -> v has reduced cost ``c + d[u] - d[v]``. The flow is
optimal for the full graph when no arc of the full graph has a negative reduced
cost. Pricing finds every such arc without enumerating all pairs: a direct arc
i -> j prices out only when ``c_ij < alpha_i + beta_j`` (alpha = -d[supply],
beta = d[demand]), so after shifting alpha and beta to balance them, either the
supply or the demand end lies within a radius of ``2 * its potential / cost per
metre`` of the other. A compiled scan finds those pairs from both sides, each
query looking only at the grid cells of the other side that its radius reaches.
Depot arcs are priced exhaustively (depots are few).
"""

from __future__ import annotations

import logging

import numpy as np
from numba import njit

from grondwerk.matching import spatial
from grondwerk.matching.network import NUM_CLASSES, ArcSet, Network

log = logging.getLogger(__name__)

# Lots or demands per block of the lot x depot and demand x depot cost tables in depot pricing.
CHUNK = 4_000


def _feasible_direct(net: Network, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    pb = net.problem
    ok = ((pb.d_class_mask[j] >> pb.s_class[i]) & 1).astype(bool)
    ok &= ((pb.d_soil_mask[j] >> pb.s_soil[i]) & 1).astype(bool)
    ok &= np.maximum(pb.s_from[i], pb.d_from[j]) <= np.minimum(pb.s_to[i], pb.d_to[j])
    return ok


def _soil_groups(net: Network):
    """Yield (soil index, supply indices of that soil, demand indices accepting it)."""
    pb = net.problem
    for soil in range(len(pb.soil_types)):
        supply = np.flatnonzero(pb.s_soil == soil)
        demand = np.flatnonzero((pb.d_soil_mask >> soil) & 1)
        if len(supply) and len(demand):
            yield soil, supply, demand


def initial_direct(net: Network, nearest: int) -> tuple[np.ndarray, np.ndarray]:
    """Return feasible direct pairs among the ``nearest`` neighbours of each lot and of each demand (4x over-queried)."""
    pb = net.problem
    pairs_i, pairs_j = [], []
    for _soil, supply, demand in _soil_groups(net):
        for targets, queries, from_supply in ((demand, supply, True), (supply, demand, False)):
            k = min(len(targets), nearest * 4)
            if from_supply:
                _, index = spatial.nearest(pb.sx[queries], pb.sy[queries], pb.dx[targets], pb.dy[targets], k)
            else:
                _, index = spatial.nearest(pb.dx[queries], pb.dy[queries], pb.sx[targets], pb.sy[targets], k)
            other = targets[index]
            mine = np.repeat(queries, k).reshape(len(queries), k)
            i, j = (mine, other) if from_supply else (other, mine)
            ok = _feasible_direct(net, i.ravel(), j.ravel()).reshape(i.shape)
            keep = ok & (np.cumsum(ok, axis=1) <= nearest)
            pairs_i.append(i[keep])
            pairs_j.append(j[keep])
    if not pairs_i:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(pairs_i), np.concatenate(pairs_j)


def _can_arrive(net: Network, i: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Return where lot ``i`` can go to depot ``k``: the depot takes its class and keeps soil past its window."""
    return net.arrival[k, net.s_q[i], net.problem.s_to[i]] >= 0


def initial_depot_arcs(net: Network, nearest: int) -> list[ArcSet]:
    """Return intake arcs from each lot and outflow arcs to each demand for its ``nearest`` usable depots."""
    pb = net.problem
    if not net.K or not net.n:
        return []
    parts = []
    _, near_s = spatial.nearest(pb.sx, pb.sy, pb.kx, pb.ky, net.K)
    lots = np.repeat(np.arange(net.n), net.K).reshape(net.n, net.K)
    usable = _can_arrive(net, lots.ravel(), near_s.ravel()).reshape(net.n, net.K)
    keep = usable & (np.cumsum(usable, axis=1) <= nearest)
    if keep.any():
        parts.append(net.intake_arcs(lots[keep], near_s[keep]))
    if net.m:
        k_count = min(net.K, nearest)
        _, near_d = spatial.nearest(pb.dx, pb.dy, pb.kx, pb.ky, k_count)
        parts.extend(_outflow_for_pairs(net, near_d.ravel(), np.repeat(np.arange(net.m), k_count)))
    return parts


def _outflow_for_pairs(net: Network, k: np.ndarray, j: np.ndarray, d: np.ndarray | None = None, tol: float = 0.0) -> list[ArcSet]:
    """Expand depot-demand pairs into outflow arcs over the commodities the demand accepts.

    With potentials ``d``, keep only arcs whose reduced cost is below ``-tol``.
    """
    pb = net.problem
    parts = []
    for q in range(net.Q):
        soil, cls = divmod(q, NUM_CLASSES)
        ok = (((pb.d_soil_mask[j] >> soil) & 1) & ((pb.d_class_mask[j] >> cls) & 1)).astype(bool)
        ok &= net.outflow[k, q, pb.d_from[j]] >= 0
        if not ok.any():
            continue
        arcs = net.outflow_arcs(k[ok], np.full(int(ok.sum()), q), j[ok])
        if d is not None:
            rc = net.int_cost(arcs.cost) + d[arcs.tail] - d[arcs.head]
            negative = rc < -tol
            if not negative.any():
                continue
            arcs = ArcSet(*(getattr(arcs, name)[negative] for name in ArcSet.__dataclass_fields__))
        parts.append(arcs)
    return parts


def lowest_per_group(group: np.ndarray, value: np.ndarray, limit: int) -> np.ndarray:
    """Return a mask of the ``limit`` entries with the lowest ``value`` in each ``group`` (ties by position)."""
    order = np.lexsort((value, group))
    grouped = group[order]
    rank = np.arange(len(order)) - np.searchsorted(grouped, grouped, side="left")
    mask = np.zeros(len(group), dtype=bool)
    mask[order[rank < limit]] = True
    return mask


def _limit_margin(net: Network, parts: list[ArcSet], d: np.ndarray, tol: float, owner: str, per_node: int | None) -> list[ArcSet]:
    """Keep every arc of ``parts`` with a negative reduced cost and, of the arcs in the margin, the ``per_node`` lowest per ``owner``."""
    if per_node is None or tol >= 0 or not parts:
        return parts
    arcs = ArcSet.concat(parts)
    rc = net.int_cost(arcs.cost) + d[arcs.tail] - d[arcs.head]
    keep = rc < 0
    margin = np.flatnonzero(~keep)
    keep[margin[lowest_per_group(getattr(arcs, owner)[margin], rc[margin], per_node)]] = True
    return [ArcSet(*(getattr(arcs, name)[keep] for name in ArcSet.__dataclass_fields__))]


@njit(cache=True, nogil=True)
def _scan_direct(queries, radii, targets, from_supply, sx, sy, dx, dy, s_class, s_from, s_to, d_class_mask, d_from, d_to,
                 d, n, cost_per_tkm, km_per_metre, cost_scale, tol, per_node,
                 origin_x, origin_y, cell, columns, rows, cell_start, cell_items):
    """Return (lots, demands) of the feasible direct arcs with reduced cost below ``-tol`` that lie within each query's radius.

    ``targets`` are on a grid (``spatial.Grid``), so each query visits only the cells its radius reaches.
    Within a cell the targets come in descending order of their own share of the reduced-cost bound
    (beta = d[demand] for demands, alpha = -d[lot] for lots). An arc needs cost < alpha + beta - tol, and
    its cost is at least the cost of the cell's nearest point, so the scan of a cell stops at the first
    target that cannot reach that. Reduced costs use the same integer rounding as ``Network.int_cost``.
    With ``per_node`` >= 0, arcs in the margin (reduced cost >= 0) are kept only among the ``per_node``
    lowest of their query node.
    """
    unit = cost_per_tkm * km_per_metre * cost_scale  # integer cost units per straight-line metre
    count = 0
    out_i = np.empty(1024, dtype=np.int64)
    out_j = np.empty(1024, dtype=np.int64)
    margin_rc = np.empty(len(targets), dtype=np.int64)
    margin_other = np.empty(len(targets), dtype=np.int64)
    for position in range(len(queries)):
        radius = radii[position]
        if not radius > 0:
            continue
        query = queries[position]
        x = sx[query] if from_supply else dx[query]
        y = sy[query] if from_supply else dy[query]
        first_column = max(int((x - radius - origin_x) // cell), 0)
        last_column = min(int((x + radius - origin_x) // cell), columns - 1)
        first_row = max(int((y - radius - origin_y) // cell), 0)
        last_row = min(int((y + radius - origin_y) // cell), rows - 1)
        margins = 0
        own = -d[query] if from_supply else d[n + query]
        for row in range(first_row, last_row + 1):
            low_y = origin_y + row * cell
            gap_y = max(low_y - y, 0.0, y - (low_y + cell))
            for column in range(first_column, last_column + 1):
                low_x = origin_x + column * cell
                gap_x = max(low_x - x, 0.0, x - (low_x + cell))
                # The cost to the cell's nearest point, less one unit for the rounding of costs to integers.
                reach = unit * np.hypot(gap_x, gap_y) - 1.0
                slot = row * columns + column
                for item in range(cell_start[slot], cell_start[slot + 1]):
                    other = targets[cell_items[item]]
                    if own + (d[n + other] if from_supply else -d[other]) - tol <= reach:
                        break
                    i = query if from_supply else other
                    j = other if from_supply else query
                    if not (d_class_mask[j] >> s_class[i]) & 1:
                        continue
                    if max(s_from[i], d_from[j]) > min(s_to[i], d_to[j]):
                        continue
                    metres = np.hypot(sx[i] - dx[j], sy[i] - dy[j])
                    if metres > radius:
                        continue
                    cost = np.int64(np.rint(cost_per_tkm * (metres * km_per_metre) * cost_scale))
                    rc = cost + d[i] - d[n + j]
                    if not rc < -tol:
                        continue
                    if per_node >= 0 and rc >= 0:
                        margin_rc[margins] = rc
                        margin_other[margins] = other
                        margins += 1
                        continue
                    if count == len(out_i):
                        out_i = np.concatenate((out_i, np.empty(len(out_i), dtype=np.int64)))
                        out_j = np.concatenate((out_j, np.empty(len(out_j), dtype=np.int64)))
                    out_i[count] = i
                    out_j[count] = j
                    count += 1
        if margins:
            keep = np.argsort(margin_rc[:margins], kind="mergesort")[:per_node]
            for chosen in keep:
                other = margin_other[chosen]
                if count == len(out_i):
                    out_i = np.concatenate((out_i, np.empty(len(out_i), dtype=np.int64)))
                    out_j = np.concatenate((out_j, np.empty(len(out_j), dtype=np.int64)))
                out_i[count] = query if from_supply else other
                out_j[count] = other if from_supply else query
                count += 1
    return out_i[:count], out_j[:count]


def price_direct(net: Network, d: np.ndarray, tol: float = 0.0, per_node: int | None = None) -> ArcSet | None:
    """Return feasible direct arcs whose reduced cost under potentials ``d`` is below ``-tol`` (int cost units).

    With a negative ``tol`` and ``per_node``, every arc with a negative reduced cost is returned, but of
    the arcs in the margin only those among the ``per_node`` lowest of the lot or demand whose radius
    query found them. This bounds memory when the potentials are poor.
    """
    pb = net.problem
    unit = net.cost_scale * pb.params["cost_per_tkm"] * net.unit_km  # integer cost per straight-line metre
    found = []
    for _soil, supply, demand in _soil_groups(net):
        alpha = -d[supply].astype(float)
        beta = d[net.n + demand].astype(float)
        shift = (np.median(beta) - np.median(alpha)) / 2.0
        alpha += shift
        beta -= shift
        # An arc with c < alpha + beta also has c < alpha + max(beta), so each radius is the smaller of both bounds.
        # The slack adds 2 units for the rounding of costs to integers and, for a negative ``tol``, the margin -tol.
        slack = 2.0 + max(0.0, -tol)
        r_supply = (np.minimum(2.0 * alpha, alpha + beta.max()) + slack) / unit
        r_demand = (np.minimum(2.0 * beta, beta + alpha.max()) + slack) / unit
        pairs = []
        limit = per_node if per_node is not None and tol < 0 else -1
        for targets, queries, radii, from_supply in ((demand, supply, r_supply, True), (supply, demand, r_demand, False)):
            positive = radii[radii > 0]
            if not len(positive):
                continue
            tx, ty = (pb.dx[targets], pb.dy[targets]) if from_supply else (pb.sx[targets], pb.sy[targets])
            # Cells of a quarter of the median radius keep the visited area close to the query's disc, and
            # they are large enough that the loop over cells costs little. When the radii are small, the cells
            # follow the targets' average density instead.
            density_cell = np.sqrt(max(np.ptp(tx), 1.0) * max(np.ptp(ty), 1.0) * spatial.TARGETS_PER_CELL / len(targets))
            share = d[net.n + targets] if from_supply else -d[targets]
            grid = spatial.Grid(tx, ty, cell=max(density_cell, float(np.median(positive)) / 4.0), descending=share.astype(float))
            found_i, found_j = _scan_direct(
                queries, radii, targets, from_supply, pb.sx, pb.sy, pb.dx, pb.dy,
                pb.s_class, pb.s_from, pb.s_to, pb.d_class_mask, pb.d_from, pb.d_to,
                d, net.n, float(pb.params["cost_per_tkm"]), float(net.unit_km), float(net.cost_scale), float(tol), limit,
                grid.origin_x, grid.origin_y, grid.cell, grid.columns, grid.rows, grid.cell_start, grid.cell_items,
            )
            pairs.append(net.direct_key(found_i, found_j))
        if pairs:
            found.append(np.concatenate(pairs))
    if not found:
        return None
    # Both sides' queries can find the same pair, so keep each key once.
    keys = np.unique(np.concatenate(found))
    if not len(keys):
        return None
    i, j = np.divmod(keys, max(1, net.m))
    return net.direct_arcs(i, j)


def price_intake(net: Network, d: np.ndarray, tol: float = 0.0, per_node: int | None = None) -> list[ArcSet]:
    """Return the supply -> depot intake arcs with a reduced cost below ``-tol``.

    ``per_node`` limits the arcs in a positive margin as in ``price_direct``, per lot and batch of lots.
    """
    pb = net.problem
    if not net.K or not net.n:
        return []
    parts = []
    cpt = pb.params["cost_per_tkm"]
    depots = np.arange(net.K)[None, :]
    for start in range(0, net.n, CHUNK):
        i = np.arange(start, min(net.n, start + CHUNK))
        head = net.arrival[depots, net.s_q[i][:, None], pb.s_to[i][:, None]]
        km = net.km(pb.sx[i][:, None], pb.sy[i][:, None], pb.kx[None, :], pb.ky[None, :])
        cost = net.int_cost(cpt * km + pb.k_handling[None, :])
        rc = cost + d[i][:, None] - np.where(head >= 0, d[np.maximum(head, 0)], -np.inf)
        rows, ks = np.nonzero(rc < -tol)
        if len(rows):
            parts.extend(_limit_margin(net, [net.intake_arcs(i[rows], ks)], d, tol, "i", per_node))
    return parts


def price_outflow(net: Network, d: np.ndarray, tol: float = 0.0, per_node: int | None = None) -> list[ArcSet]:
    """Return the depot outflow -> demand arcs with a reduced cost below ``-tol``.

    ``per_node`` limits the arcs in a positive margin as in ``price_direct``, per demand and batch of demands.
    """
    pb = net.problem
    if not net.K or not net.m:
        return []
    # lowest[k, c] = min over commodities q that demand signature c accepts of d[departure(k, q, first period)].
    node_d = np.where(net.outflow >= 0, d[np.maximum(net.outflow, 0)].astype(float), np.inf)
    signature = np.column_stack([pb.d_soil_mask, pb.d_class_mask, pb.d_from])
    combos, inverse = np.unique(signature, axis=0, return_inverse=True)
    lowest = np.full((len(combos), net.K), np.inf)
    for c, (soil_mask, class_mask, first) in enumerate(combos):
        for q in range(net.Q):
            soil, cls = divmod(q, NUM_CLASSES)
            if (soil_mask >> soil) & 1 and (class_mask >> cls) & 1:
                lowest[c] = np.minimum(lowest[c], node_d[:, q, first])
    parts = []
    cpt = pb.params["cost_per_tkm"]
    inverse = inverse.ravel()
    for start in range(0, net.m, CHUNK):
        j = np.arange(start, min(net.m, start + CHUNK))
        km = net.km(pb.kx[None, :], pb.ky[None, :], pb.dx[j][:, None], pb.dy[j][:, None])
        cost = net.int_cost(cpt * km)
        rows, ks = np.nonzero(cost + lowest[inverse[j]] - d[net.n + j][:, None] < -tol)
        if len(rows):
            parts.extend(_limit_margin(net, _outflow_for_pairs(net, ks, j[rows], d=d, tol=tol), d, tol, "j", per_node))
    return parts
