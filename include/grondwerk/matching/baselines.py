"""Baselines computed next to the optimum: no coordination and greedy nearest match.

- no coordination: every lot goes to disposal (the nearest disposal site when sites are
  given) and every demand is served with primary sand;
- greedy: lots in order of availability (first period, then input order) go to the nearest
  feasible demand that still needs soil, direct only, while a delivery costs less than
  disposing of the tonne plus buying primary sand for it. Only the GREEDY_CANDIDATES nearest
  feasible demands of each lot are considered; the remainder is disposed of.
"""

from __future__ import annotations

import numpy as np

from grondwerk.matching import spatial
from grondwerk.matching.instance import Problem

GREEDY_CANDIDATES = 50
QUERY_CHUNK = 2_000


def _flow(kind: str, source: str, target: str, period: int, tonnes: float, km: float, cost: float) -> dict:
    return {"kind": kind, "from": source, "to": target, "period": int(period), "tonnes": float(tonnes), "km": float(km), "cost": float(cost)}


def no_coordination(pb: Problem) -> list[dict]:
    flows = []
    for i, ident in enumerate(pb.supply_ids):
        flows.append(_flow("disposal", ident, pb.s_disposal_site[i] or "disposal", pb.s_from[i], pb.s_tonnes[i], pb.s_disposal_km[i], pb.s_unmatched_cost[i]))
    for j, ident in enumerate(pb.demand_ids):
        flows.append(_flow("primary", pb.d_primary_site[j] or "primary", ident, pb.d_from[j], pb.d_tonnes[j], pb.d_primary_km[j], pb.d_unmet_cost[j]))
    return flows


def greedy(pb: Problem) -> list[dict]:
    n, m = len(pb.s_tonnes), len(pb.d_tonnes)
    cpt = pb.params["cost_per_tkm"]
    need = pb.d_tonnes.copy()
    candidates: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * n
    for soil in range(len(pb.soil_types)):
        supply = np.flatnonzero(pb.s_soil == soil)
        demand = np.flatnonzero((pb.d_soil_mask >> soil) & 1)
        if not len(supply) or not len(demand):
            continue
        k = min(len(demand), GREEDY_CANDIDATES * 3)
        # Query in chunks of lots: the neighbour table of a whole soil type at 100,000 lots would take hundreds of MB.
        for start in range(0, len(supply), QUERY_CHUNK):
            lots = supply[start : start + QUERY_CHUNK]
            _, index = spatial.nearest(pb.sx[lots], pb.sy[lots], pb.dx[demand], pb.dy[demand], k)
            index = demand[index]
            i = lots[:, None]
            ok = ((pb.d_class_mask[index] >> pb.s_class[i]) & 1).astype(bool)
            ok &= np.maximum(pb.s_from[i], pb.d_from[index]) <= np.minimum(pb.s_to[i], pb.d_to[index])
            ok &= np.cumsum(ok, axis=1) <= GREEDY_CANDIDATES
            for row, lot in enumerate(lots):
                candidates[lot] = index[row][ok[row]]
    flows = []
    order = np.lexsort((np.arange(n), pb.s_from))
    for i in order:
        left = pb.s_tonnes[i]
        for j in candidates[i]:
            if left <= 0:
                break
            if need[j] <= 0:
                continue
            km = float(np.hypot(pb.sx[i] - pb.dx[j], pb.sy[i] - pb.dy[j])) * pb.km_per_metre
            if cpt * km >= pb.s_unmatched_cost[i] + pb.d_unmet_cost[j]:
                break  # candidates are sorted by distance, so no later one is worth it either
            tonnes = min(left, need[j])
            flows.append(_flow("direct", pb.supply_ids[i], pb.demand_ids[j], max(pb.s_from[i], pb.d_from[j]), tonnes, km, cpt * km))
            left -= tonnes
            need[j] -= tonnes
        if left > 1e-9:
            flows.append(_flow("disposal", pb.supply_ids[i], pb.s_disposal_site[i] or "disposal", pb.s_from[i], left, pb.s_disposal_km[i], pb.s_unmatched_cost[i]))
    for j in range(m):
        if need[j] > 1e-9:
            flows.append(_flow("primary", pb.d_primary_site[j] or "primary", pb.demand_ids[j], pb.d_from[j], need[j], pb.d_primary_km[j], pb.d_unmet_cost[j]))
    return flows
