"""``solve(instance)``: the optimal proposal with totals, baselines and savings, as JSON-ready dicts."""

from __future__ import annotations

import logging
import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.matching import baselines
from grondwerk.matching.instance import Problem, default_parameters, load_problem
from grondwerk.matching.network import DIRECT, DISPOSAL, FLOW_SCALE, INTAKE, OUTFLOW, PRIMARY, SPAN
from grondwerk.matching.solver import CapacityGroups, solve_problem

log = logging.getLogger(__name__)

KIND_NAMES = {DIRECT: "direct", INTAKE: "to_depot", OUTFLOW: "from_depot", DISPOSAL: "disposal", PRIMARY: "primary"}
# Flows that deliver reused soil to a demand.
DELIVERY_KINDS = ("direct", "from_depot")


def totals(flows: list[dict], pb: Problem) -> dict[str, float]:
    """Sum cost, tonne-km, CO2, matched tonnes and loaded truck trips over ``flows``."""
    payload = pb.params["payload_tonnes"]
    result = {"cost": 0.0, "tonne_km": 0.0, "co2_kg": 0.0, "matched_tonnes": 0.0, "unmatched_tonnes": 0.0, "unmet_tonnes": 0.0, "truck_movements": 0}
    for flow in flows:
        tonne_km = flow["tonnes"] * flow["km"]
        result["cost"] += flow["tonnes"] * flow["cost"]
        result["tonne_km"] += tonne_km
        if flow["km"] > 0:
            result["truck_movements"] += math.ceil(flow["tonnes"] / payload - 1e-9)
        if flow["kind"] in DELIVERY_KINDS:
            result["matched_tonnes"] += flow["tonnes"]
        elif flow["kind"] == "disposal":
            result["unmatched_tonnes"] += flow["tonnes"]
        elif flow["kind"] == "primary":
            result["unmet_tonnes"] += flow["tonnes"]
    result["co2_kg"] = result["tonne_km"] * pb.params["co2_kg_per_tkm"]
    return {key: (round(value, 6) if isinstance(value, float) else value) for key, value in result.items()}


def _savings(optimal: dict, baseline: dict) -> dict[str, float]:
    saving = {}
    for key, name in (("tonne_km", "tonne_km"), ("truck_movements", "truck_movements"), ("co2_kg", "co2_kg"), ("cost", "euro")):
        saving[name] = round(baseline[key] - optimal[key], 6)
        saving[name + "_pct"] = round(100.0 * (baseline[key] - optimal[key]) / baseline[key], 3) if baseline[key] else 0.0
    return saving


def indicative_lots(instance: dict[str, Any], source: str | None = None) -> np.ndarray:
    """Return, per supply lot in input order, its ``klasse_indicatief`` flag (false when absent).

    Raises ``InputError`` when a flag is not a JSON boolean.
    """
    flags = []
    for item in instance["supply"]:
        value = item.get("klasse_indicatief", False)
        if not isinstance(value, bool):
            record = f"supply[{item['id']}].klasse_indicatief"
            raise InputError(msg("'{value}' is geen true of false; geef true als de klasse indicatief is, anders false",
                                 "'{value}' is not true or false; give true when the class is indicatief, otherwise false", value=value),
                             file=source, record=record, value=value)
        flags.append(value)
    return np.asarray(flags, dtype=bool)


def _indicative_arcs(solved: dict, indicative: np.ndarray) -> np.ndarray:
    """Return, per arc, whether it moves soil whose class is indicatief.

    Arcs leaving an indicatief lot (direct, to a depot, to disposal) are marked. A depot heap mixes the
    soil that arrives in one period, so the solver's flows cannot tell which lot's soil leaves it. An
    outflow is therefore marked when a span with flow joins its departure to an arrival that took in
    soil from an indicatief lot: that outflow may contain such soil.
    """
    net, arcs, flow = solved["network"], solved["arcs"], solved["flow"]
    marked = np.zeros(len(arcs), dtype=bool)
    if not indicative.any():
        return marked
    from_lot = np.isin(arcs.kind, (DIRECT, INTAKE, DISPOSAL))
    marked[from_lot] = indicative[arcs.i[from_lot].astype(np.int64)]

    def heap_period(k: np.ndarray, q: np.ndarray, p: np.ndarray) -> np.ndarray:
        # One number per (depot, commodity, period); periods run 0 .. P + 1 on the depot nodes.
        return (k.astype(np.int64) * net.Q + q.astype(np.int64)) * (net.P + 2) + p.astype(np.int64)

    intake = (arcs.kind == INTAKE) & (flow > 0) & marked
    arrivals = heap_period(arcs.k[intake], net.s_q[arcs.i[intake].astype(np.int64)], arcs.p[intake])
    # A span keeps its commodity in ``i``, its arrival period in ``p`` and its departure period in ``j``.
    spans = np.flatnonzero((arcs.kind == SPAN) & (flow > 0))
    fed = spans[np.isin(heap_period(arcs.k[spans], arcs.i[spans], arcs.p[spans]), arrivals)]
    departures = heap_period(arcs.k[fed], arcs.i[fed], arcs.j[fed])
    # An outflow keeps its commodity in ``i`` and its departure period in ``p``.
    outflow = arcs.kind == OUTFLOW
    marked[outflow] = np.isin(heap_period(arcs.k[outflow], arcs.i[outflow], arcs.p[outflow]), departures)
    return marked


def _indicative_totals(pb: Problem, flows: list[dict], indicative: np.ndarray) -> dict[str, Any]:
    """Sum the tonnes that leave indicatief lots, all of them and those going to reuse (directly or through a depot)."""
    leaving = [flow for flow in flows if flow["kind"] in ("direct", "to_depot", "disposal") and flow["klasse_indicatief"]]
    outflows = [flow for flow in flows if flow["kind"] == "from_depot" and flow["klasse_indicatief"]]
    return {
        "lots": [pb.supply_ids[i] for i in np.flatnonzero(indicative)],
        "tonnes": round(sum((flow["tonnes"] for flow in leaving), 0.0), 6),
        "reuse_tonnes": round(sum((flow["tonnes"] for flow in leaving if flow["kind"] != "disposal"), 0.0), 6),
        "depot_outflow_tonnes": round(sum((flow["tonnes"] for flow in outflows), 0.0), 6),
    }


def _optimal_flows(pb: Problem, solved: dict, indicative_arc: np.ndarray) -> tuple[list[dict], list[dict]]:
    net, arcs, flow = solved["network"], solved["arcs"], solved["flow"]
    used = np.flatnonzero(flow > 0)
    flows = []
    for a in used:
        kind = KIND_NAMES.get(int(arcs.kind[a]))
        if kind is None:
            continue
        tonnes = flow[a] / FLOW_SCALE
        i, j, k, p = int(arcs.i[a]), int(arcs.j[a]), int(arcs.k[a]), int(arcs.p[a])
        if kind == "direct":
            source, target, km = pb.supply_ids[i], pb.demand_ids[j], net.km(pb.sx[i], pb.sy[i], pb.dx[j], pb.dy[j])
        elif kind == "to_depot":
            source, target, km = pb.supply_ids[i], pb.depot_ids[k], net.km(pb.sx[i], pb.sy[i], pb.kx[k], pb.ky[k])
        elif kind == "from_depot":
            source, target, km = pb.depot_ids[k], pb.demand_ids[j], net.km(pb.kx[k], pb.ky[k], pb.dx[j], pb.dy[j])
        elif kind == "disposal":
            source, target, km = pb.supply_ids[i], pb.s_disposal_site[i] or "disposal", pb.s_disposal_km[i]
        else:
            source, target, km = pb.d_primary_site[j] or "primary", pb.demand_ids[j], pb.d_primary_km[j]
        flows.append({"kind": kind, "from": source, "to": target, "period": p, "tonnes": float(tonnes), "km": round(float(km), 6), "cost": float(arcs.cost[a]),
                      "klasse_indicatief": bool(indicative_arc[a])})
        if kind == "from_depot":
            soil, cls = divmod(i, 3)
            flows[-1]["soil_type"] = pb.soil_types[soil]
            flows[-1]["class"] = ("achtergrondwaarde", "wonen", "industrie")[cls]
    # Stock per depot at the end of each period: the spans that keep soil there, over all heaps.
    groups = CapacityGroups(net, per_heap=False)
    units = groups.stock(arcs, flow)
    stock = [{"depot": pb.depot_ids[int(g) // (net.P + 2)], "end_of_period": int(g) % (net.P + 2), "tonnes": float(units[g]) / FLOW_SCALE}
             for g in np.flatnonzero(units > 0)]
    flows.sort(key=lambda f: (f["period"], f["kind"], f["from"], f["to"]))
    return flows, stock


def solve(instance: dict[str, Any], source: str | None = None, *, keep_baseline_flows: bool = False) -> dict[str, Any]:
    """Return the optimal allocation of ``instance`` with totals, the two baselines and the savings against both.

    ``keep_baseline_flows`` adds each baseline's flows under ``baselines[name]["flows"]``. Supply lots may
    carry ``klasse_indicatief``; each optimal flow gets that mark (see ``_indicative_arcs``) and the result's
    ``klasse_indicatief`` sums the tonnes of such soil.

    Raises ``InputError`` for an invalid instance. ``totals.gap`` is the relative gap between the
    objective and the dual bound of the full graph; it is 0 when no arc prices out.
    """
    pb = load_problem(instance, source)
    indicative = indicative_lots(instance, source)
    # The baselines need no optimum, so they run on a thread of their own while the solver works. On the
    # synthetic 100k instance the greedy baseline takes about 3 s, and the solver leaves one core idle for
    # longer than that while its largest part finishes.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="matching-baselines") as pool:
        baseline_runs = {name: pool.submit(flows_of, pb) for name, flows_of in
                         (("no_coordination", baselines.no_coordination), ("greedy", baselines.greedy))}
        solved = solve_problem(pb)
        flows, stock = _optimal_flows(pb, solved, _indicative_arcs(solved, indicative))
        baseline_results = {name: run.result() for name, run in baseline_runs.items()}
    optimal = totals(flows, pb)
    optimal["gap"] = solved["gap"]
    base = {}
    for name, baseline_flows in baseline_results.items():
        base[name] = totals(baseline_flows, pb)
        base[name]["gap"] = None
        if keep_baseline_flows:
            base[name]["flows"] = [flow | {"cost": round(flow["cost"] * flow["tonnes"], 6)} for flow in baseline_flows]
    for name in base:
        base[name]["cost_ratio_to_optimal"] = round(base[name]["cost"] / optimal["cost"], 6) if optimal["cost"] else None
    sources = default_parameters()["sources"]
    return {
        # Each flow's cost is its total in euro (tonnes x cost per tonne).
        "flows": [flow | {"cost": round(flow["cost"] * flow["tonnes"], 6)} for flow in flows],
        "depot_stock": stock,
        "totals": optimal,
        "baselines": base,
        "savings": {name: _savings(optimal, base[name]) for name in base},
        "klasse_indicatief": _indicative_totals(pb, flows, indicative),
        # Soil types outside the project's list or used by one side only, in the user's language.
        "warnings": [str(warning) for warning in pb.warnings],
        "parameters": pb.params,
        "co2_basis": {
            "co2_kg_per_tkm": pb.params["co2_kg_per_tkm"],
            "scope": sources["co2_kg_per_tkm"]["scope"],
            "per": sources["co2_kg_per_tkm"]["per"],
            "source": sources["co2_kg_per_tkm"]["basis"],
            "confidence": sources["co2_kg_per_tkm"]["confidence"],
        },
        "solver": {
            "method": solved["method"],
            "rounds": solved["rounds"],
            "parts": solved["parts"],
            "certified_optimal": solved["certified"],
            "seconds": round(solved["seconds"], 3),
            "flow_unit_tonnes": 1.0 / FLOW_SCALE,
            "cost_unit_euro_per_tonne": 1.0 / solved["network"].cost_scale,
            "rounding": "tonnes are rounded to 0.01 t and arc costs to cost_unit_euro_per_tonne before solving; "
                        "totals are recomputed from the unrounded costs",
        },
        "parameters_version": default_parameters()["version"],
    }
