"""Flows of soil whose class is indicatief: marked by solve, in the stage and regional proposals and their GeoJSON."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from grondwerk.db import get_engine
from grondwerk.errors import InputError
from grondwerk.matching import solve, store
from grondwerk.matching.stage import format_nl, run_matching_stage, run_regional_match

# A lot of another tender in the example region; the optimum sends it through depot Bergambacht.
OTHER_LOT = "VOORBEELD-LEKKERKERK-03/P1"
DEPOT = "VOORBEELD-DEPOT-BERGAMBACHT"


def lot(ident, x, tonnes, *, indicative=None, soil="zand", start=1, end=1):
    item = {"id": ident, "x": x, "y": 440000, "tonnes": tonnes, "class": "achtergrondwaarde", "soil_type": soil, "period_from": start, "period_to": end}
    if indicative is not None:
        item["klasse_indicatief"] = indicative
    return item


def demand(ident, x, tonnes, *, start=1, end=1):
    return {"id": ident, "x": x, "y": 440000, "tonnes": tonnes, "accepted_classes": ["achtergrondwaarde"], "accepted_soil_types": ["zand"],
            "period_from": start, "period_to": end}


def depot_instance(lots):
    """Return an instance whose lots can reach their demands only through one depot (the windows do not overlap)."""
    return {
        "supply": lots,
        "demand": [demand("D1", 101000, 100, start=2, end=2), demand("D2", 101200, 100, start=5, end=5)],
        "depots": [{"id": "K1", "x": 100500, "y": 440000, "capacity_tonnes": 1000, "accepted_classes": ["achtergrondwaarde"],
                    "handling_cost_per_tonne": 1.0, "max_dwell_periods": 6}],
        "parameters": {"periods": 6},
    }


def marks(result):
    return {(flow["kind"], flow["from"], flow["to"]): flow["klasse_indicatief"] for flow in result["flows"]}


def test_lot_flows_marked():
    instance = {
        "supply": [lot("S1", 100000, 100, indicative=True), lot("S2", 100100, 50, indicative=True, soil="veen"), lot("S3", 100200, 100)],
        "demand": [demand("D1", 101000, 200)],
        "parameters": {"periods": 1},
    }

    result = solve(instance)

    assert marks(result) == {("direct", "S1", "D1"): True, ("direct", "S3", "D1"): False, ("disposal", "S2", "disposal"): True}
    assert result["klasse_indicatief"] == {"lots": ["S1", "S2"], "tonnes": 150.0, "reuse_tonnes": 100.0, "depot_outflow_tonnes": 0.0}


def test_unflagged_instance_has_no_marks():
    instance = {"supply": [lot("S1", 100000, 100)], "demand": [demand("D1", 101000, 100)], "parameters": {"periods": 1}}

    result = solve(instance)

    assert [flow["klasse_indicatief"] for flow in result["flows"]] == [False]
    assert result["klasse_indicatief"] == {"lots": [], "tonnes": 0.0, "reuse_tonnes": 0.0, "depot_outflow_tonnes": 0.0}


def test_depot_outflow_follows_heap_period():
    # S1 arrives in period 1 and can only serve D1 (leaving in 2); S2 arrives in 3 and can only serve D2 (leaving in 5).
    result = solve(depot_instance([lot("S1", 100000, 100, indicative=True), lot("S2", 100100, 100, start=3, end=3)]))

    assert marks(result) == {("to_depot", "S1", "K1"): True, ("from_depot", "K1", "D1"): True,
                             ("to_depot", "S2", "K1"): False, ("from_depot", "K1", "D2"): False}
    assert result["klasse_indicatief"]["tonnes"] == 100.0
    assert result["klasse_indicatief"]["depot_outflow_tonnes"] == 100.0


def test_depot_outflow_mixed_arrival_marked():
    # Both lots arrive in period 1, so the heap cannot tell their soil apart and both outflows may contain S1's.
    result = solve(depot_instance([lot("S1", 100000, 100, indicative=True), lot("S2", 100100, 100)]))

    assert marks(result)[("to_depot", "S2", "K1")] is False
    assert marks(result)[("from_depot", "K1", "D1")] is True
    assert marks(result)[("from_depot", "K1", "D2")] is True
    assert result["klasse_indicatief"]["depot_outflow_tonnes"] == 200.0


def test_non_boolean_flag_rejected():
    instance = {"supply": [lot("S1", 100000, 100, indicative="ja")], "demand": [demand("D1", 101000, 100)], "parameters": {"periods": 1}}

    with pytest.raises(InputError) as info:
        solve(instance, "regio.json")

    assert info.value.record == "supply[S1].klasse_indicatief"
    assert info.value.file == "regio.json"
    assert "'ja' is geen true of false" in str(info.value)


def publish_region_with_indicative_lot(store_url, region_file):
    """Publish the example region with another tender's lot marked indicatief, as that tender's stage would."""
    data = json.loads(region_file.read_text(encoding="utf-8"))
    supply = [row | {"klasse_indicatief": row["lot_id"] == OTHER_LOT} for row in data["supply"]]
    store.publish(get_engine(store_url), supply=supply, demand=data["demand"], depots=data["depots"], sites=data["sites"])
    return {row["lot_id"]: row for row in data["supply"]}


def test_stage_marks_other_tenders_lot(demo_tender, classified_dossier, store_url, region_file):
    lots = publish_region_with_indicative_lot(store_url, region_file)
    other_tonnes = lots[OTHER_LOT]["tonnes"]

    result = run_matching_stage(demo_tender, classified_dossier, store_url)

    folder = classified_dossier.stage_dir("matching")
    proposal = json.loads((folder / "proposal.json").read_text(encoding="utf-8"))
    marked = [flow for flow in proposal["flows"] if flow["klasse_indicatief"]]
    assert {(flow["kind"], flow["from"]) for flow in marked} == {("to_depot", OTHER_LOT), ("from_depot", DEPOT)}
    # The depot's wonen heap contains only soil of lots that are not indicatief.
    outflows = {flow["class"]: flow["klasse_indicatief"] for flow in proposal["flows"] if flow["kind"] == "from_depot"}
    assert outflows == {"achtergrondwaarde": True, "wonen": False}
    assert proposal["klasse_indicatief"]["lots"] == [OTHER_LOT]
    assert proposal["klasse_indicatief"]["tonnes"] == other_tonnes
    assert all(row["klasse_indicatief"] is False for row in proposal["tender"]["published_supply"])
    assert (f"Let op: het voorstel verplaatst {format_nl(other_tonnes)} t grond met een indicatieve klasse uit 1 partij in de regio, "
            f"waarvan {format_nl(other_tonnes)} t naar hergebruik of depot") in result.conclusion_nl
    assert f"Note: the proposal moves {other_tonnes:,.0f} t of soil with an indicative class" in result.conclusion_en

    geojson = json.loads((folder / "proposal.geojson").read_text(encoding="utf-8"))
    lot_marks = {f["properties"]["id"]: f["properties"]["klasse_indicatief"] for f in geojson["features"] if f["properties"]["kind"] == "supply"}
    assert lot_marks[OTHER_LOT] is True
    assert sum(lot_marks.values()) == 1
    marked_flows = [(f["properties"]["flow_kind"], f["properties"]["from"]) for f in geojson["features"]
                    if f["properties"]["kind"] == "flow" and f["properties"]["klasse_indicatief"]]
    assert sorted(marked_flows) == [("from_depot", DEPOT), ("to_depot", OTHER_LOT)]


def test_stage_marks_own_indicative_partij(demo_tender, classified_dossier, store_url):
    path = classified_dossier.stage_dir("classification") / "partijen.json"
    partijen = json.loads(path.read_text(encoding="utf-8"))
    partijen[1]["klasse_indicatief"] = True
    path.write_text(json.dumps(partijen), encoding="utf-8")

    result = run_matching_stage(demo_tender, classified_dossier, store_url)

    proposal = json.loads((classified_dossier.stage_dir("matching") / "proposal.json").read_text(encoding="utf-8"))
    own_lot = f"{demo_tender.reference}/P2"
    moved = sum(flow["tonnes"] for flow in proposal["flows"] if flow["from"] == own_lot)
    assert moved > 0
    assert all(flow["klasse_indicatief"] for flow in proposal["flows"] if flow["from"] == own_lot)
    assert proposal["klasse_indicatief"]["tonnes"] == pytest.approx(moved)
    assert "Let op: 1 partij (P2) aangeboden met een indicatieve klasse" in result.conclusion_nl
    assert f"Het voorstel verplaatst {format_nl(moved)} t grond met een indicatieve klasse uit 1 partij in de regio" in result.conclusion_nl


def test_regional_proposal_marks_flows(tmp_path, store_url, region_file):
    lots = publish_region_with_indicative_lot(store_url, region_file)
    other_tonnes = lots[OTHER_LOT]["tonnes"]

    summary = run_regional_match(tmp_path / "out", "REGIO/test", store_url)

    proposal = json.loads((tmp_path / "out" / "proposal.json").read_text(encoding="utf-8"))
    assert {(flow["kind"], flow["from"]) for flow in proposal["flows"] if flow["klasse_indicatief"]} == {("to_depot", OTHER_LOT), ("from_depot", DEPOT)}
    assert summary["klasse_indicatief"]["tonnes"] == other_tonnes
    assert f"Let op: het voorstel verplaatst {format_nl(other_tonnes)} t grond met een indicatieve klasse" in summary["summary_nl"]
    assert proposal["summary_nl"] == summary["summary_nl"]
    assert proposal["summary_en"].startswith("Regional proposal: ")

    geojson = json.loads((tmp_path / "out" / "proposal.geojson").read_text(encoding="utf-8"))
    marked = [f["properties"]["from"] for f in geojson["features"] if f["properties"]["kind"] == "flow" and f["properties"]["klasse_indicatief"]]
    assert sorted(marked) == sorted([OTHER_LOT, DEPOT])

    engine = get_engine(store_url)
    with engine.connect() as connection:
        rows = connection.execute(select(store.flow_table.c.from_id, store.flow_table.c.klasse_indicatief)
                                  .where(store.flow_table.c.proposal_id == "REGIO/test")).all()
    assert sorted(row.from_id for row in rows if row.klasse_indicatief) == sorted([OTHER_LOT, DEPOT])
    stored_summary = json.loads(store.latest_proposal(engine)["summary_json"])
    assert stored_summary["klasse_indicatief"]["tonnes"] == other_tonnes


def test_regional_summary_without_indicative_soil(tmp_path, store_url):
    summary = run_regional_match(tmp_path / "out", "REGIO/test", store_url)

    assert summary["summary_nl"].startswith("Regionaal voorstel: ")
    assert "indicatieve klasse" not in summary["summary_nl"]
    assert summary["klasse_indicatief"]["tonnes"] == 0.0
