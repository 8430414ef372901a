"""Time-expanded transport network of a matching problem, with the candidate arcs kept in a sparse graph.

Nodes: one per supply lot and per demand, a primary-sand source, a disposal
sink, and per depot heap (depot x commodity, a commodity being soil type x
class) an arrival node and a departure node per period. Arcs:

- supply -> demand (direct, when windows overlap and soil type and class fit);
- supply -> arrival node of its heap in the last period of the lot's window (transport + handling);
- span: arrival (period p) -> departure (period p'), for 1 <= p' - p <= the depot's maximum dwell
  time; the soil is in stock in periods p .. p' - 1;
- departure node (period p') -> demand whose window starts in p';
- supply -> disposal (unmatched) and primary -> demand (unmet), plus primary -> disposal at cost 0
  so the network is balanced.

A depot only pays off to bridge time: where the windows of a lot and a demand
overlap, the direct arc is never dearer than a trip through a depot (straight
lines obey the triangle inequality and handling costs are not negative). A
lot that goes through a depot therefore arrives, without loss, in the last
period of its window and leaves in the first period of the demand's window:
any other choice costs the same and keeps the soil in stock for a superset of
these periods, so it never helps against a capacity limit either. This keeps
one intake arc per lot and depot and one outflow arc per demand, depot and
commodity.

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
DIRECT, INTAKE, OUTFLOW, SPAN, DISPOSAL, PRIMARY, SLACK = range(7)
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

    def __init__(self, problem: Problem, cost_scale: float | None = None):
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
        chosen = self._choose_cost_scale()
        # Parts of one problem are solved with the cost unit of the whole, so their objectives add up.
        self.cost_scale = chosen if cost_scale is None else cost_scale

    # -- nodes ---------------------------------------------------------------------------------
    def _number_depot_nodes(self) -> None:
        """Number an arrival node for periods 1 .. P-1 and a departure node for periods 2 .. P of every heap in use."""
        pb = self.problem
        self.arrival = np.full((self.K, self.Q, self.P + 2), -1, dtype=np.int64)
        self.outflow = np.full((self.K, self.Q, self.P + 2), -1, dtype=np.int64)
        present_q = np.unique(self.s_q) if self.n else np.zeros(0, dtype=np.int64)
        next_id = self.disposal + 1
        for k in range(self.K):
            if int(pb.k_dwell[k]) < 1:
                continue
            for q in present_q:
                if not (pb.k_class_mask[k] >> (q % NUM_CLASSES)) & 1:
                    continue
                self.arrival[k, q, 1 : self.P] = np.arange(next_id, next_id + self.P - 1)
                next_id += self.P - 1
                self.outflow[k, q, 2 : self.P + 1] = np.arange(next_id, next_id + self.P - 1)
                next_id += self.P - 1
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
        # The points of the instance only: their diagonal bounds every arc's length. (An extra point at (0, 0)
        # made the cost unit 10 times coarser than needed for a regional instance.)
        xs = np.concatenate([pb.sx, pb.dx, pb.kx]) if self.n + self.m + self.K else np.zeros(1)
        ys = np.concatenate([pb.sy, pb.dy, pb.ky]) if self.n + self.m + self.K else np.zeros(1)
        diagonal_km = float(np.hypot(xs.max() - xs.min(), ys.max() - ys.min())) * self.unit_km
        max_cost = pb.params["cost_per_tkm"] * diagonal_km * 2 + float(pb.k_handling.max(initial=0.0))
        max_cost += float(pb.s_unmatched_cost.max(initial=0.0)) + float(pb.d_unmet_cost.max(initial=0.0)) + 1.0
        total_units = float(self.s_units.sum() + self.d_units.sum()) + 1.0
        self.max_cost_euro = max_cost
        scale = 1e6
        # Costs are kept below about 1e5 units, a limit kept from the cost-scaling solver used before. For euro
        # costs of up to a few hundred euro per tonne that is a resolution of 0.001-0.01 euro per tonne.
        # NOTE: the network simplex would allow finer units, but the float64 dual bound is untested with them.
        while scale > 1e-3 and (max_cost * scale > 1e5 or max_cost * scale * total_units > 1e18):
            scale /= 10
        return scale

    @property
    def max_int_cost(self) -> int:
        """Upper bound on the integer cost of any arc of the full graph."""
        return int(np.ceil(self.max_cost_euro * self.cost_scale)) + 1

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

    def intake_arcs(self, i: np.ndarray, k: np.ndarray) -> ArcSet:
        """Return lot -> depot arcs, arriving in the last period of each lot's window (the caller checks the node exists)."""
        pb = self.problem
        p = pb.s_to[i]
        cost = pb.params["cost_per_tkm"] * self.km(pb.sx[i], pb.sy[i], pb.kx[k], pb.ky[k]) + pb.k_handling[k]
        head = self.arrival[k, self.s_q[i], p]
        return make_arcs(INTAKE, i, head, self.s_units[i], cost, self.intake_key(i, k), i=i, k=k, p=p)

    def intake_key(self, i, k):
        return np.asarray(i, dtype=np.int64) * max(1, self.K) + k

    def outflow_arcs(self, k: np.ndarray, q: np.ndarray, j: np.ndarray) -> ArcSet:
        """Return depot -> demand arcs, leaving in the first period of each demand's window."""
        pb = self.problem
        p = pb.d_from[j]
        cost = pb.params["cost_per_tkm"] * self.km(pb.kx[k], pb.ky[k], pb.dx[j], pb.dy[j])
        tail = self.outflow[k, q, p]
        arcs = make_arcs(OUTFLOW, tail, self.n + j, self.d_units[j], cost, self.outflow_key(k, q, j), j=j, k=k, p=p)
        arcs.i = np.asarray(q, dtype=np.int32).copy()  # the commodity, kept for reporting
        return arcs

    def outflow_key(self, k, q, j):
        return (np.asarray(k, dtype=np.int64) * self.Q + q) * max(1, self.m) + j

    def fixed_arcs(self) -> ArcSet:
        """Return the arcs that are always in the graph: disposal, primary, slack and the depot spans."""
        pb = self.problem
        n, m = self.n, self.m
        parts = [
            make_arcs(DISPOSAL, np.arange(n), self.disposal, self.s_units, pb.s_unmatched_cost, -1, i=np.arange(n), p=pb.s_from),
            make_arcs(PRIMARY, self.primary, n + np.arange(m), self.d_units, pb.d_unmet_cost, -1, j=np.arange(m), p=pb.d_from),
            make_arcs(SLACK, [self.primary], [self.disposal], [self.d_units.sum()], [0.0], -1),
        ]
        # Spans from each arrival node to the departure nodes within the depot's dwell time. A span's flow is
        # stock in every period it covers, so one span can carry at most the capacity (a relaxation that the
        # solver completes with capacity rows where the summed stock exceeds it).
        k_idx, q_idx, p_idx = np.nonzero(self.arrival >= 0)
        for length in range(1, int(pb.k_dwell.max(initial=0)) + 1):
            leave = p_idx + length
            ok = (leave <= self.P) & (length <= pb.k_dwell[k_idx])
            if not ok.any():
                continue
            k_ok, q_ok, p_ok = k_idx[ok], q_idx[ok], p_idx[ok]
            cap = np.rint(pb.k_capacity[k_ok] * FLOW_SCALE).astype(np.int64)
            # A span keeps its commodity in ``i`` and its departure period in ``j``, so capacity rows can
            # group the heaps of one depot and the periods the span covers.
            parts.append(make_arcs(SPAN, self.arrival[k_ok, q_ok, p_ok], self.outflow[k_ok, q_ok, leave[ok]], cap, 0.0, -1,
                                   i=q_ok, j=leave[ok], k=k_ok, p=p_ok))
        return ArcSet.concat(parts)
