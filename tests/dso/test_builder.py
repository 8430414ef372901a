"""Melding builder: one melding per partij and destination, with deadline, exemptions and blocks."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from grondwerk.dso.builder import build_meldingen, idempotency_key
from grondwerk.dso.standin import validate_indienbericht
from grondwerk.errors import InputError

from dso_factories import flow, partij

TODAY = dt.date(2027, 1, 15)


def by_destination(meldingen):
    return {(m["partij_id"], m["destination_id"]): m for m in meldingen}


def test_key_is_sha256_of_ids():
    expected = hashlib.sha256(b"KRW-2027-014\x1fP1\x1fD1").hexdigest()
    assert idempotency_key("KRW-2027-014", "P1", "D1") == expected
    assert idempotency_key("KRW-2027-014", "P1", "D2") != expected


def test_one_melding_per_partij_and_destination(tender):
    partijen = [partij("P1", "wonen", 900), partij("P2", "achtergrondwaarde", 900)]
    proposal = {"flows": [flow("P1", "D1", 600), flow("P1", "D2", 600), flow("P2", "D1", 1200)]}
    meldingen = build_meldingen(tender, partijen, proposal, TODAY)
    assert sorted(by_destination(meldingen)) == [("P1", "D1"), ("P1", "D2"), ("P2", "D1")]
    assert all(m["status"] == "to_send" for m in meldingen)
    assert by_destination(meldingen)[("P1", "D1")]["key"] == idempotency_key(tender.reference, "P1", "D1")


def test_partij_volume_shared_by_tonnes(tender):
    proposal = {"flows": [flow("P1", "D1", 300), flow("P1", "D2", 900)]}
    meldingen = by_destination(build_meldingen(tender, [partij("P1", "wonen", 800)], proposal, TODAY))
    assert meldingen[("P1", "D1")]["volume_m3"] == 200.0
    assert meldingen[("P1", "D2")]["volume_m3"] == 600.0


def test_monthly_flows_merge_into_one_melding(tender):
    proposal = {"flows": [flow("P1", "D1", 100, period="2027-04"), flow("P1", "D1", 100, period="2027-03")]}
    (melding,) = build_meldingen(tender, [partij("P1", "wonen", 200)], proposal, TODAY)
    assert melding["volume_m3"] == 200.0
    assert melding["start_date"] == "2027-03-01"
    assert melding["end_date"] == "2027-04-30"
    assert melding["deadline"] == "2027-02-22"
    answers = {q["code"]: q["antwoord"] for q in melding["payload"]["vragen"]}
    assert answers["hoeveelheid_m3"] == 200.0
    assert answers["duur_dagen"] == 61


def test_rebuild_gives_identical_meldingen(tender):
    partijen = [partij("P1", "wonen", 900)]
    proposal = {"flows": [flow("P1", "D1", 600)]}
    assert build_meldingen(tender, partijen, proposal, TODAY) == build_meldingen(tender, partijen, proposal, TODAY)


def test_small_background_volume_is_exempt(tender):
    # Source: leeuwarden.nl, at most 50 m3 of achtergrondwaarde soil with a milieuverklaring.
    proposal = {"flows": [flow("P1", "D1", 40, function_class="achtergrondwaarde")]}
    (melding,) = build_meldingen(tender, [partij("P1", "achtergrondwaarde", 40)], proposal, TODAY)
    assert melding["status"] == "exempt"
    assert melding["exemption"]["rule_id"] == "background_quality_small_volume"
    assert melding["payload"] is None


def test_exemption_uses_total_at_destination(tender):
    # Two lots of 30 m3 to one destination make 60 m3, above the 50 m3 exemption.
    partijen = [partij("P1", "achtergrondwaarde", 30), partij("P2", "achtergrondwaarde", 30)]
    proposal = {"flows": [flow("P1", "D1", 45, function_class="achtergrondwaarde"), flow("P2", "D1", 45, function_class="achtergrondwaarde")]}
    meldingen = build_meldingen(tender, partijen, proposal, TODAY)
    assert [m["status"] for m in meldingen] == ["to_send", "to_send"]
    assert meldingen[0]["destination_volume_m3"] == 60.0


def test_small_wonen_volume_is_not_exempt(tender):
    # Source: cumela.nl, wonen and industrie always need a melding.
    proposal = {"flows": [flow("P1", "D1", 10)]}
    (melding,) = build_meldingen(tender, [partij("P1", "wonen", 5)], proposal, TODAY)
    assert melding["status"] == "to_send"


def test_late_melding_names_deadline(tender):
    proposal = {"flows": [flow("P1", "D1", 100)]}
    (melding,) = build_meldingen(tender, [partij("P1", "wonen", 100)], proposal, dt.date(2027, 2, 23))
    assert melding["status"] == "late"
    assert melding["deadline"] == "2027-02-22"
    assert "2027-02-22" in melding["reason_nl"]
    assert "P1" in melding["reason_nl"]
    assert "Locatie D1" in melding["reason_nl"]


def test_deadline_day_itself_is_on_time(tender):
    proposal = {"flows": [flow("P1", "D1", 100)]}
    (melding,) = build_meldingen(tender, [partij("P1", "wonen", 100)], proposal, dt.date(2027, 2, 22))
    assert melding["status"] == "to_send"


def test_cleaned_soil_gets_four_weeks(tender):
    proposal = {"flows": [flow("P1", "D1", 100)]}
    (melding,) = build_meldingen(tender, [partij("P1", "wonen", 100, cleaned=True)], proposal, dt.date(2027, 2, 10))
    assert melding["deadline"] == "2027-02-01"
    assert melding["deadline_rule"] == "cleaned_soil_brl7500"
    assert melding["status"] == "late"


def test_deep_lake_gets_four_weeks(tender):
    proposal = {"flows": [flow("P1", "D1", 100, to_deep_lake=True)]}
    (melding,) = build_meldingen(tender, [partij("P1", "wonen", 100)], proposal, TODAY)
    assert melding["deadline"] == "2027-02-01"
    assert melding["deadline_rule"] == "deep_lake_filling"


def test_disposal_needs_no_melding(tender):
    proposal = {"flows": [flow("P1", "S1", 100, kind="disposal", function_class=None)]}
    (melding,) = build_meldingen(tender, [partij("P1", "industrie", 100)], proposal, TODAY)
    assert melding["status"] == "not_required"


@pytest.mark.parametrize(
    ("quality_class", "extra", "reason_part"),
    [
        ("niet_toepasbaar", {}, "niet_toepasbaar"),
        ("industrie", {}, "past niet bij bodemfunctieklasse wonen"),
        ("wonen", {"function_class": None}, "bodemfunctieklasse"),
        ("wonen", {"x": None}, "locatie"),
    ],
)
def test_incomplete_or_unfit_melding_is_blocked(tender, quality_class, extra, reason_part):
    proposal = {"flows": [flow("P1", "D1", 100, **extra)]}
    (melding,) = build_meldingen(tender, [partij("P1", quality_class, 100)], proposal, TODAY)
    assert melding["status"] == "blocked"
    assert reason_part in melding["reason_nl"]


def test_depot_melding_has_storage(tender):
    proposal = {"flows": [
        flow("P1", "DEP", 1000, kind="depot", function_class="industrie", period="2027-03-01/2027-12-31"),
        flow("DEP", "D9", 1000, function_class="industrie", period="2027-11"),
    ]}
    meldingen = by_destination(build_meldingen(tender, [partij("P1", "wonen", 700)], proposal, TODAY))
    storage = meldingen[("P1", "DEP")]["storage"]
    assert storage["kind"] == "tijdelijk_landbodem"
    assert storage["final_destination_required"] is True
    assert storage["final_destination"] == "Locatie D9"
    onward = meldingen[("DEP", "D9")]
    assert onward["herkomst_partijen"] == ["P1"]
    assert onward["class"] == "wonen"
    assert onward["volume_m3"] == 700.0
    assert validate_indienbericht(meldingen[("P1", "DEP")]["payload"] | {"bevoegdGezag": {"oin": "0" * 20, "naam": "X"}}) == []


def test_long_storage_is_blocked(tender):
    proposal = {"flows": [flow("P1", "DEP", 100, kind="depot", function_class="industrie", to_storage_kind="kortdurend", to_storage_months=9), flow("DEP", "D1", 100)]}
    meldingen = by_destination(build_meldingen(tender, [partij("P1", "wonen", 100)], proposal, TODAY))
    assert meldingen[("P1", "DEP")]["status"] == "blocked"
    assert "langer dan 6" in meldingen[("P1", "DEP")]["reason_nl"]


def test_solver_proposal_shape_is_read(tender):
    # The matching solver writes "kind" and a month index; the sites come from its instance.
    proposal = {
        "flows": [
            {"kind": "direct", "from": "P1", "to": "D1", "period": 1, "tonnes": 500.0, "km": 3.1},
            {"kind": "primary", "from": "quarry", "to": "D1", "period": 1, "tonnes": 100.0, "km": 40.0},
        ],
        "instance": {"demands": [{"id": "D1", "name": "Sportpark", "x": 118200, "y": 439900, "accepted_classes": ["achtergrondwaarde", "wonen"]}]},
    }
    (melding,) = build_meldingen(tender, [partij("P1", "wonen", 400)], proposal, TODAY)
    assert melding["status"] == "to_send"
    assert melding["destination_name"] == "Sportpark"
    assert melding["bodemfunctieklasse"] == "wonen"
    assert melding["bodemfunctieklasse_derived"] is True
    assert melding["start_date"] == "2027-04-01"
    assert melding["payload"]["locatie"]["geometrie"]["coordinates"] == [118200.0, 439900.0]


def test_unknown_partij_raises_input_error(tender):
    with pytest.raises(InputError) as info:
        build_meldingen(tender, [partij("P1", "wonen", 100)], {"flows": [flow("P7", "D1", 100)]}, TODAY)
    assert "P7" in str(info.value)


def test_bad_period_raises_input_error(tender):
    with pytest.raises(InputError) as info:
        build_meldingen(tender, [partij("P1", "wonen", 100)], {"flows": [flow("P1", "D1", 100, period="maart")]}, TODAY)
    assert "maart" in str(info.value)
