"""Review rounds in the dossier: changes, decisions, the frozen approval and the destination annex."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from grondwerk.clauses.docx_writer import docx_text
from grondwerk.clauses.stage import record_review_decision, render_destination_annex, run_clauses_stage
from grondwerk.dossier import sha256_file
from grondwerk.errors import InputError

from .conftest import build_dossier, scenario_proposal

T0 = dt.datetime(2027, 1, 10, 9, 0, tzinfo=dt.timezone.utc)


def _record(dossier, round_no: int) -> dict:
    return json.loads((dossier.path / "06_clauses" / f"round-{round_no}" / "clauses.json").read_text(encoding="utf-8"))


def test_rerun_of_round_gives_same_files(tender, make_dossier):
    dossier = make_dossier("no_match")
    run_clauses_stage(tender, dossier)
    round_dir = dossier.path / "06_clauses" / "round-1"
    first = {name: sha256_file(round_dir / name) for name in ("clauses.html", "clauses.json")}
    first_docx = docx_text(round_dir / "clauses.docx")

    run_clauses_stage(tender, dossier)

    assert {name: sha256_file(round_dir / name) for name in ("clauses.html", "clauses.json")} == first
    assert docx_text(round_dir / "clauses.docx") == first_docx
    assert sorted(path.name for path in round_dir.iterdir()) == ["clauses.docx", "clauses.html", "clauses.json"]


def test_sha256_is_hash_of_html(tender, make_dossier):
    dossier = make_dossier("no_match")
    result = run_clauses_stage(tender, dossier)

    assert _record(dossier, 1)["sha256"] == sha256_file(dossier.path / "06_clauses" / "round-1" / "clauses.html")
    assert result.summary["sha256"] == _record(dossier, 1)["sha256"]


def test_changes_round_applies_variant_and_variable(tender, make_dossier):
    dossier = make_dossier("no_match")
    run_clauses_stage(tender, dossier, round_no=1)
    changes = {"comment": "Aannemer meldt zelf; hogere korting.", "variants": {"meldingen": "aannemer"}, "variables": {"boete_per_dag": 2500}}

    result = run_clauses_stage(tender, dossier, round_no=2, changes=changes)

    record = _record(dossier, 2)
    html = (dossier.path / "06_clauses" / "round-2" / "clauses.html").read_text(encoding="utf-8")
    assert result.summary["variants"]["meldingen"] == "aannemer"
    assert record["changes"] == changes
    assert record["overrides"] == {"variants": {"meldingen": "aannemer"}, "variables": {"boete_per_dag": 2500}}
    assert record["previous_sha256"] == _record(dossier, 1)["sha256"]
    assert record["sha256"] != _record(dossier, 1)["sha256"]
    assert "€ 2.500" in html
    assert "De aannemer dient de meldingen" in html
    meldingen = next(clause for clause in record["clauses"] if clause["id"] == "meldingen")
    assert meldingen["triggered_by"][0]["fact"] == "reviewer_choice"


def test_later_round_keeps_earlier_changes(tender, make_dossier):
    dossier = make_dossier("no_match")
    run_clauses_stage(tender, dossier, round_no=1)
    run_clauses_stage(tender, dossier, round_no=2, changes={"comment": "a", "variants": {"meldingen": "aannemer"}, "variables": {}})

    run_clauses_stage(tender, dossier, round_no=3, changes={"comment": "b", "variants": {}, "variables": {"depot_naam": "Depot De Wetering"}})

    record = _record(dossier, 3)
    assert record["overrides"] == {"variants": {"meldingen": "aannemer"}, "variables": {"depot_naam": "Depot De Wetering"}}
    html = (dossier.path / "06_clauses" / "round-3" / "clauses.html").read_text(encoding="utf-8")
    assert "depot Depot De Wetering" in html


@pytest.mark.parametrize(
    ("changes", "record"),
    [
        ({"variants": {"meldingen": "gemeente"}}, "variants.meldingen"),
        ({"variants": {"bestemming": "match"}}, "variants.bestemming"),
        ({"variants": {"niet_toepasbaar": "standaard"}}, "variants"),
        ({"variants": {"onbekend": "x"}}, "variants"),
        ({"variables": {"boete_per_dag": -5}}, "variables.boete_per_dag"),
        ({"variables": {"boete_per_dag": "veel"}}, "variables.boete_per_dag"),
        ({"variables": {"boete_per_dag": True}}, "variables.boete_per_dag"),
        ({"variables": {"co2_rapportage": "jaar"}}, "variables.co2_rapportage"),
        ({"variables": {"depot_naam": "regel\nnieuw"}}, "variables.depot_naam"),
        ({"variables": {"korting": 5}}, "variables"),
        ({"variants": ["meldingen"]}, "variants"),
        ({"variables": "boete_per_dag=5"}, "variables"),
    ],
)
def test_invalid_changes_are_rejected(changes, record, tender, make_dossier):
    dossier = make_dossier("no_match")
    run_clauses_stage(tender, dossier, round_no=1)

    with pytest.raises(InputError) as raised:
        run_clauses_stage(tender, dossier, round_no=2, changes={"comment": "x", **changes})

    assert raised.value.record == record
    assert not (dossier.path / "06_clauses" / "round-2").exists()


def test_round_two_needs_round_one(tender, make_dossier):
    dossier = make_dossier("no_match")

    with pytest.raises(InputError, match="ronde 1 ontbreekt"):
        run_clauses_stage(tender, dossier, round_no=2, changes={"comment": "x"})


def test_missing_partijen_file_is_input_error(tender, tmp_path):
    from grondwerk.dossier import Dossier

    with pytest.raises(InputError) as raised:
        run_clauses_stage(tender, Dossier(tmp_path / "leeg"))

    assert raised.value.file.endswith("05_classification/partijen.json")


def test_unknown_class_in_partijen_is_input_error(tender, make_dossier):
    dossier = make_dossier("no_match")
    path = dossier.path / "05_classification" / "partijen.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"wonen"', '"klasse_a"', 1), encoding="utf-8")

    with pytest.raises(InputError) as raised:
        run_clauses_stage(tender, dossier)

    assert raised.value.record == "[0]"
    assert raised.value.value == "klasse_a"


def test_approve_freezes_round_and_hash(tender, make_dossier):
    dossier = make_dossier("mixed_with_depot")
    run_clauses_stage(tender, dossier, round_no=1)
    sha = _record(dossier, 1)["sha256"]

    result = record_review_decision(dossier, 1, "approve", "", "bodem.anna", "2027-01-10T09:00:00+00:00")
    dossier.record_stage("review", result, started=T0, finished=T0)

    decision = json.loads((dossier.path / "07_review" / "decision.json").read_text(encoding="utf-8"))
    assert decision == {
        "round": 1, "decision": "approve", "comment": "", "responded_by": "bodem.anna",
        "responded_at": "2027-01-10T09:00:00+00:00", "sha256_approved": sha, "sha256_reviewed": sha,
    }
    assert sha256_file(dossier.path / "07_review" / "approved" / "clauses.html") == sha
    manifest = json.loads((dossier.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stages"]["review"]["summary"]["sha256_approved"] == sha
    assert manifest["versions"]["clauses_sha256_approved"] == sha
    assert result.status == "ok"


def test_reject_stops_with_reason(tender, make_dossier):
    dossier = make_dossier("no_match")
    run_clauses_stage(tender, dossier, round_no=1)

    result = record_review_decision(dossier, 1, "reject", "Werk wordt opnieuw ontworpen.", "bodem.anna", "2027-01-10T09:00:00+00:00")

    decision = json.loads((dossier.path / "07_review" / "decision.json").read_text(encoding="utf-8"))
    assert result.status == "stopped"
    assert decision["sha256_approved"] is None
    assert "Werk wordt opnieuw ontworpen." in result.conclusion_nl
    assert not (dossier.path / "07_review" / "approved").exists()


def test_approve_refuses_edited_html(tender, make_dossier):
    dossier = make_dossier("no_match")
    run_clauses_stage(tender, dossier, round_no=1)
    html = dossier.path / "06_clauses" / "round-1" / "clauses.html"
    html.write_text(html.read_text(encoding="utf-8").replace("blijven eigendom", "worden eigendom van de aannemer"), encoding="utf-8")

    with pytest.raises(InputError, match="gewijzigd"):
        record_review_decision(dossier, 1, "approve", "", "bodem.anna", "2027-01-10T09:00:00+00:00")


def test_unknown_decision_is_rejected(tender, make_dossier):
    dossier = make_dossier("no_match")
    run_clauses_stage(tender, dossier, round_no=1)

    with pytest.raises(InputError):
        record_review_decision(dossier, 1, "Goedkeuren", "", "bodem.anna", "")


def test_proposal_in_dossier_selects_match_variant(tender, tmp_path):
    with_match = build_dossier(tmp_path / "a", "clean_with_match")
    without = build_dossier(tmp_path / "b", "clean_with_match", with_proposal=False)

    assert run_clauses_stage(tender, with_match).summary["variants"]["bestemming"] == "match"
    assert run_clauses_stage(tender, without).summary["variants"]["bestemming"] == "geen_match"


def test_destination_annex_renders_match(tender, make_dossier):
    dossier = make_dossier("mixed_with_depot", with_proposal=False)
    (dossier.stage_dir("matching") / "other.json").write_text("{}", encoding="utf-8")
    run_clauses_stage(tender, dossier, round_no=1)
    run_clauses_stage(tender, dossier, round_no=2, changes={"comment": "x", "variants": {}, "variables": {"registratie_werkdagen": 3}})
    record_review_decision(dossier, 2, "approve", "", "bodem.anna", "2027-01-10T09:00:00+00:00")

    outputs = render_destination_annex(tender, dossier, scenario_proposal("mixed_with_depot"))

    assert [path.name for path in outputs] == ["bestemmingsbijlage.html", "bestemmingsbijlage.docx", "bestemmingsbijlage.json"]
    assert (dossier.path / "08_matching" / "other.json").is_file()
    annex = json.loads(outputs[2].read_text(encoding="utf-8"))
    assert [(c["id"], c["variant"], c["number"]) for c in annex["clauses"]] == [("bestemming", "match", 2), ("depot", "uit_match", 6)]
    html = outputs[0].read_text(encoding="utf-8")
    assert "Gronddepot Lopikerkapel" in html
    assert "Industrieweg 3, 3411 Lopik" in html
    assert "1.280,0" in html
    assert annex["variables"]["registratie_werkdagen"] == 3
    lines = docx_text(outputs[1])
    assert lines[0] == "Bestemmingsbijlage grond en baggerspecie"
    assert "P2 | Gronddepot Lopikerkapel | Depot (BRL SIKB 9335) | Industrieweg 3, 3411 Lopik | 2027-04-01 t/m 2027-09-30 | 960,0 | 14,2" in lines


def test_destination_annex_needs_flows(tender, make_dossier):
    dossier = make_dossier("no_match")

    with pytest.raises(InputError):
        render_destination_annex(tender, dossier, {"flows": [], "totals": {}})


def test_flow_with_unknown_kind_is_rejected(tender, make_dossier):
    dossier = make_dossier("no_match")
    proposal = {"flows": [{"from": "P1", "to": "X", "to_kind": "stort", "tonnes": 5, "km": 1}]}

    with pytest.raises(InputError) as raised:
        run_clauses_stage(tender, dossier, proposal=proposal)

    assert raised.value.record == "flows[0]"


def test_matching_stage_proposal_shape(tender, make_dossier):
    """The matching stage names lots "<reference>/<partij>", lists region flows and this tender's flows, and gives months."""
    dossier = make_dossier("mixed_with_depot", with_proposal=False)
    own = {"from": "KRW-2027-014/P1", "to": "D-7", "kind": "direct", "to_kind": "demand", "to_name": "Dijk Lekdijk",
           "period": 0, "month": "2027-03", "tonnes": 1280.0, "km": 7.4, "cost": 9472.0}
    to_depot = {"from": "KRW-2027-014/P2", "to": "DEP-1", "kind": "to_depot", "to_kind": "depot", "to_name": "Depot Lopik",
                "period": 1, "month": "2027-04", "tonnes": 960.0, "km": 14.2, "cost": 13632.0}
    incoming = {"from": "GEM-UTR-2027-3/P4", "to": "KRW-2027-014/vraag", "kind": "direct", "to_kind": "demand", "to_name": "Eigen vraag",
                "period": 0, "month": "2027-03", "tonnes": 840.0, "km": 11.0, "cost": 9240.0}
    foreign = {"from": "GEM-UTR-2027-3/P5", "to": "D-9", "kind": "direct", "to_kind": "demand", "to_name": "Elders",
               "period": 2, "month": "2027-05", "tonnes": 100.0, "km": 3.0, "cost": 300.0}
    proposal = {"flows": [own, to_depot, incoming, foreign], "tender_flows": [own, to_depot, incoming], "totals": {}, "status": "proposed"}

    result = run_clauses_stage(tender, dossier, proposal=proposal)

    record = _record(dossier, 1)
    html = (dossier.path / "06_clauses" / "round-1" / "clauses.html").read_text(encoding="utf-8")
    assert result.summary["variants"]["bestemming"] == "match"
    assert result.summary["variants"]["depot"] == "uit_match"
    assert "<tr><td>P1</td><td>Dijk Lekdijk</td><td>Toepassing</td><td>bestemming D-7 in het matchvoorstel</td><td>maart 2027</td>" in html
    assert "Depot Lopik" in html
    assert "Eigen vraag" not in html
    assert "Elders" not in html
    assert record["facts"]["has_depot_flow"] is True


def test_bill_sums_monthly_flows_per_destination(tender, make_dossier):
    dossier = make_dossier("clean_with_match", with_proposal=False)
    flows = [
        {"from": "P1", "to": "D-7", "to_kind": "demand", "to_name": "Dijk Lekdijk", "month": "2027-03", "tonnes": 500.0, "km": 7.4},
        {"from": "P1", "to": "D-7", "to_kind": "demand", "to_name": "Dijk Lekdijk", "month": "2027-04", "tonnes": 620.0, "km": 7.4},
        {"from": "P2", "to": "D-8", "to_kind": "demand", "to_name": "Wijk Vlist", "month": "2027-03", "tonnes": 1760.0, "km": 3.1},
    ]

    run_clauses_stage(tender, dossier, proposal={"flows": flows})

    bill = _record(dossier, 1)["bill_of_quantities"]
    transport = [item for item in bill if item["description"].startswith("Transport van partij P1")]
    assert len(transport) == 1
    assert transport[0]["quantity"] == 1120.0
    assert transport[0]["description"] == "Transport van partij P1 naar Dijk Lekdijk (7,4 km)"
