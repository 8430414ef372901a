"""Time-expanded transport network of a matching problem, with the candidate arcs kept in a sparse graph.

Nodes: one per supply lot and per demand, a primary-sand source, a disposal
sink, and per depot, commodity (soil type x class) and period a chain of stock
nodes by age (0 .. max dwell) plus an outflow node. Arcs:

- supply -> demand (direct, when windows overlap and soil type and class fit);
- supply -> depot stock node of age 0 in a period of the lot's window (transport + handling);
- depot stock (period p, age a) -> stock (p + 1, a + 1), capacity = depot capacity, so stock
  older than the maximum dwell time cannot stay;
- depot stock -> depot outflow node of the same period -> demand (period in the demand window);
- supply -> disposal (unmatched) and primary -> demand (unmet), plus primary -> disposal at cost 0
  so the network is balanced.

The min-cost flow solver needs integer capacities and costs: flows are in units of
1/FLOW_SCALE tonne (10 kg) and costs in 1/cost_scale euro per tonne.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from grondwerk.matching.instance import Problem

log = logging.getLogger(__name__)

FLOW_SCALE = 100  # flow unit = 0.01 t
# Arc kinds, stored per arc so results and pricing can tell them apart.
DIRECT, INTAKE, OUTFLOW, CARRY, EXIT, DISPOSAL, PRIMARY, SLACK = range(8)
NUM_CLASSES = 3


@dataclass
class ArcSet:
    """Arcs as parallel arrays; ``key`` identifies a candidate arc in the full graph (-1 for fixed arcs)."""

    kind: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    cost: np.ndarray  # euro per tonne, float
    key: np.ndarray
    # Indices into supply / demand / depot / period, -1 where not applicable.
    i: np.ndarray
    j: np.ndarray
    k: np.ndarray
    p: np.ndarray

    @staticmethod
    def concat(parts: list["ArcSet"]) -> "ArcSet":
        return ArcSet(*(np.concatenate([getattr(part, name) for part in parts]) for name in ArcSet.__dataclass_fields__))

    def __len__(self) -> int:
        return len(self.kind)


def make_arcs(kind, tail, head, cap, cost, key, i=None, j=None, k=None, p=None) -> ArcSet:
    # Scalars broadcast; the arrays among the arguments set the number of arcs.
    lengths = {np.shape(v)[0] for v in (kind, tail, head, cap, cost, key, i, j, k, p) if v is not None and np.ndim(v) >= 1}
    size = lengths.pop() if lengths else 1

    def column(values, dtype=np.int64):
        if values is None:
            return np.full(size, -1, dtype=dtype)
        return np.broadcast_to(np.asarray(values, dtype=dtype), (size,)).copy()

    # Narrow types keep the arc arrays at 49 bytes per arc instead of 80. Node numbers and indices fit in
    # int32, while capacities (0.01 t units) and candidate keys need int64.
    return ArcSet(column(kind, np.int8), column(tail, np.int32), column(head, np.int32), column(cap), column(cost, float), column(key),
                  column(i, np.int32), column(j, np.int32), column(k, np.int32), column(p, np.int32))


class Network:
    """Node numbering, fixed arcs and arc-cost formulas of one problem."""

    def __init__(self, problem: Problem):
        self.problem = pb = problem
        self.n, self.m, self.K = len(pb.s_tonnes), len(pb.d_tonnes), len(pb.k_capacity)
        self.P = pb.periods
        self.Q = NUM_CLASSES * max(1, len(pb.soil_types))
        self.unit_km = pb.km_per_metre  # road km per straight-line metre
        self.s_units = np.rint(pb.s_tonnes * FLOW_SCALE).astype(np.int64)
        self.d_units = np.rint(pb.d_tonnes * FLOW_SCALE).astype(np.int64)
        self.s_q = pb.s_soil * NUM_CLASSES + pb.s_class
        self.primary = self.n + self.m
        self.disposal = self.primary + 1
        self._number_depot_nodes()
        self.cost_scale = self._choose_cost_scale()

    # -- nodes ---------------------------------------------------------------------------------
    def _number_depot_nodes(self) -> None:
        pb = self.problem
        max_dwell = int(pb.k_dwell.max()) if self.K else 0
        self.A = max_dwell + 1
        self.stock = np.full((self.K, self.Q, self.P + 2, self.A), -1, dtype=np.int64)
        self.outflow = np.full((self.K, self.Q, self.P + 2), -1, dtype=np.int64)
        present_q = np.unique(self.s_q) if self.n else np.zeros(0, dtype=np.int64)
        next_id = self.disposal + 1
        for k in range(self.K):
            dwell = int(pb.k_dwell[k])
            for q in present_q:
                if not (pb.k_class_mask[k] >> (q % NUM_CLASSES)) & 1:
                    continue
                for p in range(1, self.P + 1):
                    for age in range(0, min(dwell, p - 1) + 1):
                        self.stock[k, q, p, age] = next_id
                        next_id += 1
                    self.outflow[k, q, p] = next_id
                    next_id += 1
        self.num_nodes = next_id

    def supplies(self) -> np.ndarray:
        """Return the supply (positive) or demand (negative) of every node in flow units."""
        b = np.zeros(self.num_nodes, dtype=np.int64)
        b[: self.n] = self.s_units
        b[self.n : self.n + self.m] = -self.d_units
        b[self.primary] = self.d_units.sum()
        b[self.disposal] = -self.s_units.sum()
        return b

    def _choose_cost_scale(self) -> float:
        """Pick the largest power of ten that keeps every integer cost and the total objective inside int64."""
        pb = self.problem
        xs = np.concatenate([pb.sx, pb.dx, pb.kx, [0.0]])
        ys = np.concatenate([pb.sy, pb.dy, pb.ky, [0.0]])
        diagonal_km = float(np.hypot(xs.max() - xs.min(), ys.max() - ys.min())) * self.unit_km
        max_cost = pb.params["cost_per_tkm"] * diagonal_km * 2 + float(pb.k_handling.max(initial=0.0))
        max_cost += float(pb.s_unmatched_cost.max(initial=0.0)) + float(pb.d_unmet_cost.max(initial=0.0)) + 1.0
        total_units = float(self.s_units.sum() + self.d_units.sum()) + 1.0
        scale = 1e6
        # The cost-scaling solver's time grows with log(max cost), so costs are kept below about 1e5 units.
        # For euro costs of up to a few hundred euro per tonne that is a resolution of 0.001-0.01 euro per tonne.
        while scale > 1e-3 and (max_cost * scale > 1e5 or max_cost * scale * total_units > 1e18):
            scale /= 10
        return scale

    def int_cost(self, cost: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(cost) * self.cost_scale).astype(np.int64)

    # -- arc costs -------------------------------------------------------------------------------
    def km(self, x1, y1, x2, y2) -> np.ndarray:
        return np.hypot(np.asarray(x1) - x2, np.asarray(y1) - y2) * self.unit_km

    def direct_arcs(self, i: np.ndarray, j: np.ndarray) -> ArcSet:
        pb = self.problem
        cost = pb.params["cost_per_tkm"] * self.km(pb.sx[i], pb.sy[i], pb.dx[j], pb.dy[j])
        cap = np.minimum(self.s_units[i], self.d_units[j])
        period = np.maximum(pb.s_from[i], pb.d_from[j])
        return make_arcs(DIRECT, i, self.n + j, cap, cost, self.direct_key(i, j), i=i, j=j, p=period)

    def direct_key(self, i, j):
        return np.asarray(i, dtype=np.int64) * max(1, self.m) + j

    def intake_arcs(self, i: np.ndarray, k: np.ndarray, p: np.ndarray) -> ArcSet:
        pb = self.problem
        cost = pb.params["cost_per_tkm"] * self.km(pb.sx[i], pb.sy[i], pb.kx[k], pb.ky[k]) + pb.k_handling[k]
        head = self.stock[k, self.s_q[i], p, 0]
        return make_arcs(INTAKE, i, head, self.s_units[i], cost, self.intake_key(i, k, p), i=i, k=k, p=p)

    def intake_key(self, i, k, p):
        return (np.asarray(i, dtype=np.int64) * max(1, self.K) + k) * (self.P + 2) + p

    def outflow_arcs(self, k: np.ndarray, q: np.ndarray, p: np.ndarray, j: np.ndarray) -> ArcSet:
        pb = self.problem
        cost = pb.params["cost_per_tkm"] * self.km(pb.kx[k], pb.ky[k], pb.dx[j], pb.dy[j])
        tail = self.outflow[k, q, p]
        arcs = make_arcs(OUTFLOW, tail, self.n + j, self.d_units[j], cost, self.outflow_key(k, q, p, j), j=j, k=k, p=p)
        arcs.i = np.asarray(q, dtype=np.int64).copy()  # the commodity, kept for reporting
        return arcs

    def outflow_key(self, k, q, p, j):
        return ((np.asarray(k, dtype=np.int64) * self.Q + q) * (self.P + 2) + p) * max(1, self.m) + j

    def fixed_arcs(self) -> ArcSet:
        """Return the arcs that are always in the graph: disposal, primary, depot stock and exits."""
        pb = self.problem
        n, m = self.n, self.m
        parts = [
            make_arcs(DISPOSAL, np.arange(n), self.disposal, self.s_units, pb.s_unmatched_cost, -1, i=np.arange(n), p=pb.s_from),
            make_arcs(PRIMARY, self.primary, n + np.arange(m), self.d_units, pb.d_unmet_cost, -1, j=np.arange(m), p=pb.d_from),
            make_arcs(SLACK, [self.primary], [self.disposal], [self.d_units.sum()], [0.0], -1),
        ]
        big = int(self.s_units.sum())
        k_idx, q_idx, p_idx, a_idx = np.nonzero(self.stock >= 0)
        tails = self.stock[k_idx, q_idx, p_idx, a_idx]
        # Exit of stock of any age to the outflow node of its period.
        parts.append(make_arcs(EXIT, tails, self.outflow[k_idx, q_idx, p_idx], big, 0.0, -1, k=k_idx, p=p_idx))
        nxt = np.where(p_idx + 1 <= self.P, self.stock[k_idx, q_idx, np.minimum(p_idx + 1, self.P + 1), np.minimum(a_idx + 1, self.A - 1)], -1)
        carry = (a_idx + 1 < self.A) & (nxt >= 0)
        carry &= (a_idx + 1) <= pb.k_dwell[k_idx]
        cap = np.rint(pb.k_capacity[k_idx[carry]] * FLOW_SCALE).astype(np.int64)
        # A carry arc keeps its commodity in ``i``, so per-heap capacity rows can group the ages of one heap.
        parts.append(make_arcs(CARRY, tails[carry], nxt[carry], cap, 0.0, -1, i=q_idx[carry], k=k_idx[carry], p=p_idx[carry]))
        return ArcSet.concat(parts)
