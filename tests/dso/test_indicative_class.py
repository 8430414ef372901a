"""Meldingen of soil with an indicatief class are held back: not submitted, counted, and reported with a Dutch reason."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from grondwerk.dossier import Dossier
from grondwerk.dso.builder import build_meldingen
from grondwerk.dso.stage import run_meldingen_stage
from grondwerk.errors import InputError

from dso_factories import flow, partij

TODAY = dt.date(2027, 1, 15)
MISSING = {"ontbrekende_stoffen": ["kwik", "PCB (som 7)"], "ontbrekende_bodemkenmerken": ["lutum"]}


def indicative(partij_id: str, quality_class: str, volume_m3: float):
    return partij(partij_id, quality_class, volume_m3, klasse_indicatief=True, analysepakket_volledig=False, **MISSING)


def by_partij(meldingen):
    return {(m["partij_id"], m["destination_id"]): m for m in meldingen}


def test_indicative_partij_melding_held(tender):
    partijen = [indicative("P1", "wonen", 900), partij("P2", "wonen", 900)]
    proposal = {"flows": [flow("P1", "D1", 1200), flow("P2", "D1", 1200)]}

    meldingen = by_partij(build_meldingen(tender, partijen, proposal, TODAY))

    held_melding = meldingen[("P1", "D1")]
    assert held_melding["status"] == "held"
    assert held_melding["klasse_indicatief"] is True
    assert held_melding["payload"] is None
    assert held_melding["reason_nl"] == (
        "klasse wonen van partij P1 is indicatief, want het analysepakket is onvolledig (ontbreekt: kwik, PCB (som 7), lutum); "
        "melding aangehouden tot de klasse vaststaat. Laat de ontbrekende stoffen analyseren en draai de classificatie opnieuw"
    )
    assert held_melding["reason_en"].startswith("class wonen of partij P1 is indicative because the analysis package is incomplete")
    assert meldingen[("P2", "D1")]["status"] == "to_send"
    assert meldingen[("P2", "D1")]["klasse_indicatief"] is False


def test_indicative_exemption_not_applied(tender):
    # 30 m³ achtergrondwaarde would be exempt, but the exemption rests on the class, which is not final.
    proposal = {"flows": [flow("P1", "D1", 40, function_class="achtergrondwaarde")]}

    (melding,) = build_meldingen(tender, [indicative("P1", "achtergrondwaarde", 30)], proposal, TODAY)

    assert melding["status"] == "held"
    assert melding["exemption"] is None


def test_indicative_partij_disposal_needs_no_melding(tender):
    proposal = {"flows": [flow("P1", "AVI", 100, kind="disposal", function_class=None)]}

    (melding,) = build_meldingen(tender, [indicative("P1", "wonen", 100)], proposal, TODAY)

    assert melding["status"] == "not_required"


def test_indicative_niet_toepasbaar_stays_blocked(tender):
    proposal = {"flows": [flow("P1", "D1", 100)]}

    (melding,) = build_meldingen(tender, [indicative("P1", "niet_toepasbaar", 100)], proposal, TODAY)

    assert melding["status"] == "blocked"


def test_depot_outflow_held_when_one_inflow_indicative(tender):
    partijen = [indicative("P1", "wonen", 500), partij("P2", "wonen", 500)]
    proposal = {"flows": [
        flow("P1", "DEP", 800, kind="depot", function_class="industrie"),
        flow("P2", "DEP", 800, kind="depot", function_class="industrie"),
        flow("DEP", "D2", 1600, function_class="industrie", period="2027-05"),
    ]}

    meldingen = by_partij(build_meldingen(tender, partijen, proposal, TODAY))

    assert meldingen[("DEP", "D2")]["status"] == "held"
    assert "van partij P1 is indicatief" in meldingen[("DEP", "D2")]["reason_nl"]
    assert meldingen[("P1", "DEP")]["status"] == "held"
    assert meldingen[("P2", "DEP")]["status"] == "to_send"


@pytest.mark.parametrize("value", ["true", 1, None])
def test_indicative_flag_must_be_boolean(tender, value):
    proposal = {"flows": [flow("P1", "D1", 100)]}

    with pytest.raises(InputError) as info:
        build_meldingen(tender, [partij("P1", "wonen", 100, klasse_indicatief=value)], proposal, TODAY)

    assert info.value.record == "P1"
    assert "klasse_indicatief van partij P1 moet true of false zijn" in str(info.value)


@pytest.fixture
def dossier(tmp_path, tender) -> Dossier:
    """A run folder with one indicatief and one final partij, each going to its own demand site."""
    dossier = Dossier(tmp_path / "KRW-2027-014" / "run1")
    (dossier.stage_dir("tender") / "tender.json").write_text(json.dumps(tender.to_json()), encoding="utf-8")
    partijen = [indicative("MM1", "wonen", 900), partij("MM2", "wonen", 900)]
    (dossier.stage_dir("classification") / "partijen.json").write_text(json.dumps(partijen), encoding="utf-8")
    proposal = {"flows": [flow("MM1", "D1", 1200), flow("MM2", "D2", 1200)]}
    (dossier.stage_dir("matching") / "proposal.json").write_text(json.dumps(proposal), encoding="utf-8")
    return dossier


def test_stage_holds_indicative_melding(dossier, tender, standin, api_key, tmp_path):
    server, base_url = standin

    result = run_meldingen_stage(tender, dossier, base_url, api_key, f"sqlite:///{tmp_path / 'store.db'}", today=TODAY)

    assert result.status == "warning"
    assert result.summary["counts"] == {"accepted": 1, "held": 1}
    assert result.summary["held_indicative"] == 1
    assert [v["bericht"]["locatie"]["omschrijving"] for v in server.state.submitted()] == ["Locatie D2"]
    (alert,) = result.summary["alerts"]
    assert alert["partij_id"] == "MM1"
    assert alert["status"] == "held"
    assert alert["message_nl"].startswith("partij MM1 naar Locatie D1: klasse wonen van partij MM1 is indicatief")
    assert "1 melding(en) aangehouden omdat de klasse indicatief is (analysepakket onvolledig)" in result.conclusion_nl
    assert "LET OP: partij MM1 naar Locatie D1: klasse wonen van partij MM1 is indicatief" in result.conclusion_nl
    written = {m["partij_id"]: m for m in json.loads((dossier.path / "09_meldingen" / "meldingen.json").read_text(encoding="utf-8"))}
    assert written["MM1"]["status"] == "held"
    assert "verzoeknummer" not in written["MM1"]
    assert written["MM2"]["outbox_status"] == "accepted"


def test_cli_build_counts_held(dossier, capsys):
    from grondwerk.cli import main

    assert main(["melding", "build", str(dossier.path), "--today", "2027-01-15"]) == 0

    printed = capsys.readouterr().out
    assert "aangehouden" in printed.splitlines()[1]
    assert "2 meldingen: 1 te verzenden, 0 vrijgesteld, 0 te laat, 0 geblokkeerd." in printed
    assert "1 aangehouden omdat de klasse indicatief is; die worden pas ingediend als de klasse vaststaat." in printed
