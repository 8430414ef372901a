"""Task callables of the regional_matching DAG, run without Airflow on a private store."""

from __future__ import annotations

import json

from grondwerk.db import get_engine
from grondwerk.matching import store
from grondwerk.orchestration.matching_tasks import match_region_task, record_region_acceptance_task


def test_region_match_and_acceptance(monkeypatch, tmp_path, store_url):
    monkeypatch.setenv("GRONDWERK_VAR_DIR", str(tmp_path / "var"))
    summary = match_region_task("asset_triggered__2027-03-01T00:00:00+00:00", store_url)
    assert summary["proposal_id"].startswith("REGIO/")
    assert summary["totals"]["gap"] == 0.0
    proposal = json.loads(open(summary["path"], encoding="utf-8").read())
    assert proposal["status"] == "proposed"
    assert all("month" in flow for flow in proposal["flows"])

    answer = {"chosen_options": ["Afwijzen"], "params_input": {"comment": "depot Lopik is vol"},
              "responded_by_user": {"id": "u1", "name": "bodemteam1"}, "responded_at": "2027-03-02T09:00:00+00:00"}
    result = record_region_acceptance_task(summary["proposal_id"], answer, store_url)
    assert result["decision"] == "rejected"
    latest = store.latest_proposal(get_engine(store_url))
    assert latest["status"] == "rejected"
    assert latest["decision_comment"] == "depot Lopik is vol"
