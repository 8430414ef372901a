"""Stage 9 against the stand-in, and ``grondwerk melding build``."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from grondwerk.dossier import Dossier
from grondwerk.dso.outbox import RetryPolicy
from grondwerk.dso.stage import run_meldingen_stage
from grondwerk.dso.standin import FaultConfig

from dso_factories import flow, partij

TODAY = dt.date(2027, 1, 15)


@pytest.fixture
def dossier(tmp_path, tender) -> Dossier:
    """A run folder with the tender, two partijen and a proposal with a demand site, a depot and disposal."""
    dossier = Dossier(tmp_path / "KRW-2027-014" / "run1")
    (dossier.stage_dir("tender") / "tender.json").write_text(json.dumps(tender.to_json()), encoding="utf-8")
    classification = dossier.stage_dir("classification")
    partijen = [partij("MM1", "achtergrondwaarde", 900), partij("MM2", "wonen", 900), partij("MM3", "achtergrondwaarde", 30)]
    (classification / "partijen.json").write_text(json.dumps(partijen), encoding="utf-8")
    (classification / "report.html").write_text("<html><body>Klassificatie</body></html>", encoding="utf-8")
    proposal = {"flows": [
        flow("MM1", "D1", 1200, function_class="achtergrondwaarde"),
        flow("MM2", "DEP", 1200, kind="depot", function_class="industrie", x=108_000, y=446_000),
        flow("DEP", "D2", 1200, function_class="industrie", period="2027-05", x=109_000, y=445_000),
        flow("MM3", "D3", 40, function_class="achtergrondwaarde"),
        flow("MM1", "AVI", 10, kind="disposal", function_class=None),
    ]}
    (dossier.stage_dir("matching") / "proposal.json").write_text(json.dumps(proposal), encoding="utf-8")
    return dossier


def test_stage_submits_and_writes_receipts(dossier, tender, faulty_standin, api_key, tmp_path):
    server, base_url = faulty_standin(FaultConfig(rate=0.3, hang_s=0.4, slow_s=0.05, seed=11))
    fast = RetryPolicy(max_attempts=40, base_delay_s=0.005, max_delay_s=0.05)
    result = run_meldingen_stage(tender, dossier, base_url, api_key, f"sqlite:///{tmp_path / 'store.db'}", today=TODAY, timeout_s=0.25, policy=fast)
    assert result.status == "ok"
    assert result.summary["submitted"] == 3
    assert result.summary["counts"] == {"accepted": 3, "exempt": 1, "not_required": 1}
    assert "3 melding(en) ingediend bij Omgevingsdienst Midden-Holland" in result.conclusion_nl
    for number in result.summary["verzoeknummers"]:
        assert number in result.conclusion_nl
    assert result.versions["melding_rules"]

    folder = dossier.path / "09_meldingen"
    meldingen = json.loads((folder / "meldingen.json").read_text(encoding="utf-8"))
    receipts = json.loads((folder / "receipts.json").read_text(encoding="utf-8"))
    assert len(meldingen) == 5
    assert sorted(r["verzoeknummer"] for r in receipts) == sorted(result.summary["verzoeknummers"])
    assert all(r["submitted_payload"]["bevoegdGezag"]["naam"] == "Gemeente Krimpenerwaard" for r in receipts)
    assert all(r["receipt"]["ingediend"] for r in receipts)
    assert len(server.state.submitted()) == 3
    assert all(len(v["bijlagen"]) == 1 for v in server.state.submitted())


def test_stage_rerun_submits_nothing_new(dossier, tender, standin, api_key, tmp_path):
    server, base_url = standin
    store = f"sqlite:///{tmp_path / 'store.db'}"
    first = run_meldingen_stage(tender, dossier, base_url, api_key, store, today=TODAY)
    second = run_meldingen_stage(tender, dossier, base_url, api_key, store, today=TODAY)
    assert second.summary["verzoeknummers"] == first.summary["verzoeknummers"]
    assert second.summary["outbox"]["kept"] == 3
    assert len(server.state.submitted()) == 3


def test_stage_skips_late_melding(dossier, tender, standin, api_key, tmp_path):
    server, base_url = standin
    result = run_meldingen_stage(tender, dossier, base_url, api_key, f"sqlite:///{tmp_path / 'store.db'}", today=dt.date(2027, 2, 25))
    assert result.status == "warning"
    late = [alert for alert in result.summary["alerts"] if alert["status"] == "late"]
    assert {alert["partij_id"] for alert in late} == {"MM1", "MM2"}
    assert all("2027-02-22" in alert["message_nl"] for alert in late)
    assert "Locatie D1" in result.conclusion_nl
    # Only the depot outflow, which starts in May, is still on time.
    assert [v["bericht"]["locatie"]["omschrijving"] for v in server.state.submitted()] == ["Locatie D2"]


def test_stage_without_proposal_is_input_error(tmp_path, tender, standin, api_key):
    from grondwerk.errors import InputError

    dossier = Dossier(tmp_path / "empty")
    with pytest.raises(InputError) as info:
        run_meldingen_stage(tender, dossier, standin[1], api_key, f"sqlite:///{tmp_path / 'store.db'}", today=TODAY)
    assert "partijen.json" in str(info.value)


def test_cli_build_prints_and_writes(dossier, tmp_path, capsys):
    from grondwerk.cli import main

    out = tmp_path / "out"
    assert main(["melding", "build", str(dossier.path), "--out", str(out), "--today", "2027-01-15"]) == 0
    printed = capsys.readouterr().out
    assert "5 meldingen: 3 te verzenden, 1 vrijgesteld, 0 te laat, 0 geblokkeerd." in printed
    assert "uiterlijk 2027-02-22" in printed
    written = json.loads((out / "meldingen.json").read_text(encoding="utf-8"))
    assert len(written) == 5
    assert not (dossier.path / "09_meldingen").exists()


def test_cli_build_bad_date_exits_2(dossier, capsys):
    from grondwerk.cli import main

    assert main(["melding", "build", str(dossier.path), "--today", "15-01-2027"]) == 2
    assert "15-01-2027" in capsys.readouterr().err


def test_cli_build_not_a_run_exits_2(tmp_path, capsys):
    from grondwerk.cli import main

    assert main(["melding", "build", str(tmp_path)]) == 2
    assert "01_tender/tender.json" in capsys.readouterr().err


def test_stage_reads_regional_proposal(tmp_path, tender, standin, api_key):
    """The proposal written by the matching stage (regional flows, lot ids "<tender>/<partij>", sites in the GeoJSON)."""
    from grondwerk.matching.stage import run_matching_stage

    server, base_url = standin
    dossier = Dossier(tmp_path / "KRW-2027-014" / "regional")
    partijen = [partij("MM1", "achtergrondwaarde", 600), partij("MM2", "wonen", 700), partij("MM3", "industrie", 500)]
    (dossier.stage_dir("classification") / "partijen.json").write_text(json.dumps(partijen), encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'store.db'}"
    run_matching_stage(tender, dossier, store)
    proposal = json.loads((dossier.path / "08_matching" / "proposal.json").read_text(encoding="utf-8"))
    own_outflows = {(f["from"], f["to"]) for f in proposal["tender_flows"] if f["from"].startswith("KRW-2027-014/") and f["to_kind"] in ("demand", "depot")}

    result = run_meldingen_stage(tender, dossier, base_url, api_key, store, today=TODAY)
    meldingen = json.loads((dossier.path / "09_meldingen" / "meldingen.json").read_text(encoding="utf-8"))
    sent = {(f"KRW-2027-014/{m['partij_id']}", m["destination_id"]) for m in meldingen if m.get("outbox_status") == "accepted"}
    assert own_outflows
    assert sent == own_outflows
    assert len(server.state.submitted()) == len(own_outflows)
    assert all(m["bodemfunctieklasse"] for m in meldingen if m["status"] == "to_send")
    assert all(m["status"] == "external" for m in meldingen if m["destination_id"] == "KRW-2027-014/vraag")
    assert result.status == "ok"


def test_stage_blocks_melding_without_bevoegd_gezag(dossier, tender, api_key, tmp_path):
    from grondwerk.dso.standin import start_standin

    routing = tmp_path / "routing.json"
    routing.write_text(json.dumps({"areas": [{"id": "far", "bbox_rd": [0, 289000, 1000, 290000], "bevoegd_gezag": {"naam": "X", "oin": "0" * 20}, "behandeldienst": None, "conceptverzoek_toegestaan": False}]}), encoding="utf-8")
    server, base_url = start_standin(api_key=api_key, routing_file=routing)
    try:
        result = run_meldingen_stage(tender, dossier, base_url, api_key, f"sqlite:///{tmp_path / 'store.db'}", today=TODAY)
    finally:
        server.shutdown()
        server.server_close()
    assert result.status == "warning"
    assert result.summary["counts"]["blocked"] == 3
    assert server.state.verzoeken == {}
    assert all("Verzoeksroutering" in alert["message_nl"] for alert in result.summary["alerts"])
