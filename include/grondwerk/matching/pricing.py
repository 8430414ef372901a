"""Candidate arcs for the sparse graph and pricing of the full graph by reduced cost.

With node potentials ``d`` (shortest-path distances in the residual graph of an
optimal flow), an arc u -> v has reduced cost ``c + d[u] - d[v]``. The flow is
optimal for the full graph when no arc of the full graph has a negative reduced
cost. Pricing finds every such arc without enumerating all pairs: a direct arc
i -> j prices out only when ``c_ij < alpha_i + beta_j`` (alpha = -d[supply],
beta = d[demand]), so after shifting alpha and beta to balance them, either the
supply or the demand end lies within a radius of ``2 * its potential / cost per
metre`` of the other. Depot arcs are priced exhaustively (depots are few).
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.spatial import cKDTree

from grondwerk.matching.network import NUM_CLASSES, ArcSet, Network

log = logging.getLogger(__name__)

CHUNK = 20_000
# Target number of candidate pairs per radius query batch. At 2 million, pricing on the synthetic 30k
# instance peaked about 340 MB higher than at 500,000 (bench/matching_bench.py, 2 cores).
HIT_BUDGET = 500_000


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
        demand_tree = cKDTree(np.column_stack([pb.dx[demand], pb.dy[demand]]))
        supply_tree = cKDTree(np.column_stack([pb.sx[supply], pb.sy[supply]]))
        for tree, targets, queries, from_supply in ((demand_tree, demand, supply, True), (supply_tree, supply, demand, False)):
            k = min(len(targets), nearest * 4)
            points = np.column_stack([pb.sx[queries], pb.sy[queries]]) if from_supply else np.column_stack([pb.dx[queries], pb.dy[queries]])
            _, index = tree.query(points, k=k, workers=-1)
            index = index.reshape(len(queries), k)
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


def initial_depot_arcs(net: Network, nearest: int) -> list[ArcSet]:
    """Return intake arcs from each lot and outflow arcs to each demand for its ``nearest`` accepting depots."""
    pb = net.problem
    if not net.K or not net.n:
        return []
    parts = []
    k_count = min(net.K, nearest)
    tree = cKDTree(np.column_stack([pb.kx, pb.ky]))
    _, near_s = tree.query(np.column_stack([pb.sx, pb.sy]), k=net.K, workers=-1)
    near_s = near_s.reshape(net.n, net.K)
    accepts = ((pb.k_class_mask[near_s] >> pb.s_class[:, None]) & 1).astype(bool)
    keep = accepts & (np.cumsum(accepts, axis=1) <= k_count)
    i_rep, col = np.nonzero(keep)
    k_sel = near_s[i_rep, col]
    for offset in range(net.P):
        p = pb.s_from[i_rep] + offset
        ok = p <= pb.s_to[i_rep]
        if ok.any():
            parts.append(net.intake_arcs(i_rep[ok], k_sel[ok], p[ok]))
    if net.m:
        _, near_d = tree.query(np.column_stack([pb.dx, pb.dy]), k=k_count, workers=-1)
        near_d = near_d.reshape(net.m, k_count)
        j_rep = np.repeat(np.arange(net.m), k_count)
        k_rep = near_d.ravel()
        parts.extend(_outflow_for_pairs(net, k_rep, j_rep))
    return parts


def _outflow_for_pairs(net: Network, k: np.ndarray, j: np.ndarray, d: np.ndarray | None = None, tol: float = 0.0) -> list[ArcSet]:
    """Expand depot-demand pairs into outflow arcs over compatible commodities and periods of the demand window.

    With potentials ``d``, keep only arcs whose reduced cost is below ``-tol``.
    """
    pb = net.problem
    parts = []
    for q in range(net.Q):
        soil, cls = divmod(q, NUM_CLASSES)
        fits = (((pb.d_soil_mask[j] >> soil) & 1) & ((pb.d_class_mask[j] >> cls) & 1)).astype(bool)
        if not fits.any():
            continue
        for offset in range(net.P):
            p = pb.d_from[j] + offset
            ok = fits & (p <= pb.d_to[j])
            if not ok.any():
                continue
            ok &= net.outflow[k, q, np.minimum(p, net.P + 1)] >= 0
            if not ok.any():
                continue
            arcs = net.outflow_arcs(k[ok], np.full(ok.sum(), q), p[ok], j[ok])
            if d is not None:
                rc = net.int_cost(arcs.cost) + d[arcs.tail] - d[arcs.head]
                neg = rc < -tol
                if not neg.any():
                    continue
                arcs = ArcSet(*(getattr(arcs, name)[neg] for name in ArcSet.__dataclass_fields__))
            parts.append(arcs)
    return parts


class _HitChunks:
    """Chunks of query indices whose expected ball-query hits stay near HIT_BUDGET, to bound memory.

    The first estimate assumes the targets are spread evenly over their bounding box, which is far off
    in cities. After each chunk, ``record`` rescales the estimate by the hits actually returned so far.
    """

    def __init__(self, active: np.ndarray, radii: np.ndarray, tree: cKDTree):
        self.active = active
        width, height = np.maximum(tree.maxes - tree.mins, 1.0)
        density = tree.n / (width * height)
        self.estimate = np.minimum(np.pi * radii[active] ** 2 * density, tree.n) + 1
        self.estimated = 0.0
        self.actual = 0.0

    def __iter__(self):
        start = 0
        while start < len(self.active):
            # Until hits are known, the first chunk takes a quarter of the budget in case the estimate is low.
            scale = self.actual / self.estimated if self.estimated else 4.0
            expected = np.cumsum(self.estimate[start:]) * max(scale, 1e-3)
            end = start + max(1, int(np.searchsorted(expected, HIT_BUDGET)))
            self.estimated += float(self.estimate[start:end].sum())
            yield self.active[start:end]
            start = end

    def record(self, hits: int) -> None:
        self.actual += hits


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


def price_direct(net: Network, d: np.ndarray, tol: float = 0.0, per_node: int | None = None) -> ArcSet | None:
    """Return feasible direct arcs whose reduced cost under potentials ``d`` is below ``-tol`` (int cost units).

    With a negative ``tol`` and ``per_node``, every arc with a negative reduced cost is returned, but of
    the arcs in the margin only those among the ``per_node`` lowest of their lot or their demand in each
    query batch. This bounds memory when the potentials are poor.
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
        demand_tree = cKDTree(np.column_stack([pb.dx[demand], pb.dy[demand]]))
        supply_tree = cKDTree(np.column_stack([pb.sx[supply], pb.sy[supply]]))
        for tree, targets, queries, radii, from_supply in (
            (demand_tree, demand, supply, r_supply, True),
            (supply_tree, supply, demand, r_demand, False),
        ):
            chunks = _HitChunks(np.flatnonzero(radii > 0), radii, tree)
            for chunk in chunks:
                rows = queries[chunk]
                points = np.column_stack([pb.sx[rows], pb.sy[rows]]) if from_supply else np.column_stack([pb.dx[rows], pb.dy[rows]])
                hits = tree.query_ball_point(points, radii[chunk], workers=-1, return_sorted=False)
                lengths = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
                chunks.record(int(lengths.sum()))
                if not lengths.sum():
                    continue
                other = targets[np.concatenate([np.asarray(h, dtype=np.int64) for h in hits if len(h)])]
                mine = np.repeat(rows, lengths)
                i, j = (mine, other) if from_supply else (other, mine)
                ok = _feasible_direct(net, i, j)
                i, j = i[ok], j[ok]
                cost = net.int_cost(pb.params["cost_per_tkm"] * net.km(pb.sx[i], pb.sy[i], pb.dx[j], pb.dy[j]))
                rc = cost + d[i] - d[net.n + j]
                keep = rc < -tol
                if per_node is not None and tol < 0:
                    # Arcs in the margin (0 <= rc < -tol) are optional. Keep those among the per_node lowest of
                    # their lot or of their demand in this batch, a superset of the lowest over all batches.
                    margin = np.flatnonzero(keep & (rc >= 0))
                    keep[margin] = False
                    for node in (i, j):
                        keep[margin[lowest_per_group(node[margin], rc[margin], per_node)]] = True
                pairs.append(net.direct_key(i[keep], j[keep]))
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
    if not net.K:
        return []
    # best[k, q, a, b] = max over periods p in [a, b] of d[stock(k, q, p, 0)]; -inf where no node exists.
    node_d = np.where(net.stock[:, :, :, 0] >= 0, d[np.maximum(net.stock[:, :, :, 0], 0)].astype(float), -np.inf)
    best = np.full((net.K, net.Q, net.P + 2, net.P + 2), -np.inf)
    for a in range(1, net.P + 1):
        running = np.full((net.K, net.Q), -np.inf)
        for b in range(a, net.P + 1):
            running = np.maximum(running, node_d[:, :, b])
            best[:, :, a, b] = running
    parts = []
    cpt = pb.params["cost_per_tkm"]
    for start in range(0, net.n, CHUNK):
        i = np.arange(start, min(net.n, start + CHUNK))
        km = net.km(pb.sx[i][:, None], pb.sy[i][:, None], pb.kx[None, :], pb.ky[None, :])
        cost = net.int_cost(cpt * km + pb.k_handling[None, :])
        bound = best[np.arange(net.K)[None, :], net.s_q[i][:, None], pb.s_from[i][:, None], pb.s_to[i][:, None]]
        rows, ks = np.nonzero(cost + d[i][:, None] - bound < -tol)
        if not len(rows):
            continue
        ii = i[rows]
        chunk_parts = []
        for offset in range(net.P):
            p = pb.s_from[ii] + offset
            ok = p <= pb.s_to[ii]
            ok &= net.stock[ks, net.s_q[ii], np.minimum(p, net.P + 1), 0] >= 0
            if not ok.any():
                continue
            arcs = net.intake_arcs(ii[ok], ks[ok], p[ok])
            neg = net.int_cost(arcs.cost) + d[arcs.tail] - d[arcs.head] < -tol
            if neg.any():
                chunk_parts.append(ArcSet(*(getattr(arcs, name)[neg] for name in ArcSet.__dataclass_fields__)))
        parts.extend(_limit_margin(net, chunk_parts, d, tol, "i", per_node))
    return parts


def price_outflow(net: Network, d: np.ndarray, tol: float = 0.0, per_node: int | None = None) -> list[ArcSet]:
    """Return the depot outflow -> demand arcs with a reduced cost below ``-tol``.

    ``per_node`` limits the arcs in a positive margin as in ``price_direct``, per demand and batch of demands.
    """
    pb = net.problem
    if not net.K or not net.m:
        return []
    node_d = np.where(net.outflow >= 0, d[np.maximum(net.outflow, 0)].astype(float), np.inf)
    # lowest[k, q, a, b] = min over p in [a, b] of d[outflow(k, q, p)].
    lowest = np.full((net.K, net.Q, net.P + 2, net.P + 2), np.inf)
    for a in range(1, net.P + 1):
        running = np.full((net.K, net.Q), np.inf)
        for b in range(a, net.P + 1):
            running = np.minimum(running, node_d[:, :, b])
            lowest[:, :, a, b] = running
    j_all = np.arange(net.m)
    signature = np.column_stack([pb.d_soil_mask, pb.d_class_mask, pb.d_from, pb.d_to])
    combos, inverse = np.unique(signature, axis=0, return_inverse=True)
    per_combo = np.full((len(combos), net.K), np.inf)
    for c, (soil_mask, class_mask, a, b) in enumerate(combos):
        for q in range(net.Q):
            soil, cls = divmod(q, NUM_CLASSES)
            if (soil_mask >> soil) & 1 and (class_mask >> cls) & 1:
                per_combo[c] = np.minimum(per_combo[c], lowest[:, q, a, b])
    parts = []
    cpt = pb.params["cost_per_tkm"]
    for start in range(0, net.m, CHUNK):
        j = j_all[start : start + CHUNK]
        km = net.km(pb.kx[None, :], pb.ky[None, :], pb.dx[j][:, None], pb.dy[j][:, None])
        cost = net.int_cost(cpt * km)
        rows, ks = np.nonzero(cost + per_combo[inverse.ravel()[j]] - d[net.n + j][:, None] < -tol)
        if len(rows):
            parts.extend(_limit_margin(net, _outflow_for_pairs(net, ks, j[rows], d=d, tol=tol), d, tol, "j", per_node))
    return parts
