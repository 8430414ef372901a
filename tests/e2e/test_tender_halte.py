"""The whole halte on the demo tender, as `make demo` runs it, with the dossier checked exactly."""

from __future__ import annotations

import json
import socket
from collections import Counter
from pathlib import Path

import pytest

from grondwerk.dossier import STAGES, sha256_file

pytestmark = pytest.mark.airflow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_demo(demo_dir: Path, session_dir: Path, review_answers: list[dict] | None = None) -> Path:
    from grondwerk.orchestration.cli_tender import run_tender
    from grondwerk.orchestration.standins import running_standins

    port = _free_port()
    with running_standins() as extra:
        extra.update({
            "AIRFLOW_HOME": str(session_dir / "e2e_airflow_home"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{session_dir / 'e2e_airflow_home' / 'airflow.db'}",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(session_dir / "e2e_airflow_home" / "passwords.json"),
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        })
        return run_tender(demo_dir / "tender.yaml", auto_review=True, timeout_s=900, extra_env=extra, review_answers=review_answers)


@pytest.fixture(scope="module")
def demo_dossier(demo_dir, session_dir) -> Path:
    return _run_demo(demo_dir, session_dir)


@pytest.fixture(scope="module")
def manifest(demo_dossier) -> dict:
    return json.loads((demo_dossier / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_lists_all_ten_stages_with_outputs(demo_dossier, manifest):
    assert list(STAGES) == sorted(manifest["stages"], key=lambda s: manifest["stages"][s]["order"])
    for stage, entry in manifest["stages"].items():
        assert entry["outputs"], f"stage {stage} recorded no output"
        for output in entry["outputs"]:
            assert sha256_file(demo_dossier / output["path"]) == output["sha256"], output["path"]
    assert manifest["stages"]["dossier"]["status"] == "ok"
    assert manifest["tender_reference"] == "KRW-2027-014"


def test_bro_and_inspection_counts(manifest):
    assert "4 BRO-objecten" in manifest["stages"]["bro"]["conclusion"]["nl"]
    inspection = manifest["stages"]["inspection"]["summary"]
    assert "554 analyses" in manifest["stages"]["inspection"]["conclusion"]["nl"]
    assert "194 onder de rapportagegrens" in manifest["stages"]["inspection"]["conclusion"]["nl"]
    assert inspection
    delivered = manifest["stages"]["inspection"]["inputs"]
    assert [Path(item["path"]).name for item in delivered] == ["SAD000000011742_sikb.xml"]
    assert delivered[0]["sha256"] == sha256_file(Path(delivered[0]["path"]))


def test_classes_of_the_real_samples(demo_dossier):
    partijen = json.loads((demo_dossier / "05_classification" / "partijen.json").read_text(encoding="utf-8"))
    by_sample = {tuple(p["samples"]): p["class"] for p in partijen}
    assert Counter(p["class"] for p in partijen) == {"industrie": 12, "niet_toepasbaar": 8, "wonen": 6, "achtergrondwaarde": 3}
    assert by_sample[("M03",)] == "achtergrondwaarde"
    assert by_sample[("M06",)] == "industrie"
    assert by_sample[("M07",)] == "niet_toepasbaar"
    assert by_sample[("1786305-1",)] == "wonen"
    assert by_sample[("SB01",)] == "achtergrondwaarde"


def test_ownership_clause_is_first_and_approved(demo_dossier):
    clauses = json.loads((demo_dossier / "06_clauses" / "round-1" / "clauses.json").read_text(encoding="utf-8"))
    assert clauses["clauses"][0]["id"] == "eigendom"
    html = (demo_dossier / "06_clauses" / "round-1" / "clauses.html").read_text(encoding="utf-8")
    assert "eigendom van Gemeente Krimpenerwaard (de opdrachtgever)" in html
    assert (demo_dossier / "06_clauses" / "round-1" / "clauses.docx").stat().st_size > 10_000
    decision = json.loads((demo_dossier / "07_review" / "decision.json").read_text(encoding="utf-8"))
    assert decision["decision"] == "approve"
    assert decision["responded_by"] == "demo-bodemteam"
    assert decision["sha256_approved"] == clauses["sha256"]


def test_match_proposal_is_optimal_and_accepted(demo_dossier):
    proposal = json.loads((demo_dossier / "08_matching" / "proposal.json").read_text(encoding="utf-8"))
    assert proposal["totals"]["gap"] == 0
    assert set(proposal["baselines"]) >= {"greedy", "no_coordination"}
    acceptance = json.loads((demo_dossier / "08_matching" / "acceptance.json").read_text(encoding="utf-8"))
    assert acceptance["decision"] == "accepted"


def test_meldingen_accepted_by_the_dso_standin(demo_dossier):
    meldingen = json.loads((demo_dossier / "09_meldingen" / "meldingen.json").read_text(encoding="utf-8"))
    receipts = json.loads((demo_dossier / "09_meldingen" / "receipts.json").read_text(encoding="utf-8"))
    to_send = [m for m in meldingen if m["status"] == "to_send"]
    assert to_send, "the demo tender should submit at least one melding"
    assert all(m["outbox_status"] == "accepted" for m in to_send)
    assert len(receipts) == len(to_send)
    assert all(r["verzoeknummer"] for r in receipts)
    assert len({r["key"] for r in receipts}) == len(receipts)


def test_closing_summary_is_dutch(demo_dossier):
    summary = (demo_dossier / "10_dossier" / "samenvatting.md").read_text(encoding="utf-8")
    assert summary.startswith("# Dossier KRW-2027-014: Herinrichting Spoorstraat Schoonhoven")
    # 19 of the 29 partijen were not analysed for the whole standard package, so their class is indicatief.
    assert "| 5 | classificatie | waarschuwing |" in summary
    assert "indicatief" in summary
    assert "| 4 | datakwaliteit | waarschuwing |" in summary


def test_request_changes_then_approve(demo_dir, session_dir, demo_dossier):
    """The soil team sends round 1 back with a new penalty; round 2 renders it and is approved."""
    dossier = _run_demo(demo_dir, session_dir, review_answers=[
        {"option": "Wijzigingen vragen", "comment": "Korting omhoog", "variables": {"boete_per_dag": 2500}},
        {"option": "Goedkeuren", "comment": "Akkoord"},
    ])
    assert dossier != demo_dossier
    round_1 = (dossier / "06_clauses" / "round-1" / "clauses.html").read_text(encoding="utf-8")
    round_2 = (dossier / "06_clauses" / "round-2" / "clauses.html").read_text(encoding="utf-8")
    assert "€ 2.500" in round_2
    assert "€ 1.000" in round_1
    assert round_1 != round_2
    decision = json.loads((dossier / "07_review" / "decision.json").read_text(encoding="utf-8"))
    assert decision["round"] == 2
    assert decision["decision"] == "approve"
    clauses_2 = json.loads((dossier / "06_clauses" / "round-2" / "clauses.json").read_text(encoding="utf-8"))
    assert decision["sha256_approved"] == clauses_2["sha256"]
    manifest = json.loads((dossier / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stages"]["dossier"]["status"] == "ok"
