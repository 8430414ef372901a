"""Stage 08: publish the demo tender into the example region, match, write the proposal, record acceptance."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from grondwerk.db import get_engine
from grondwerk.errors import InputError
from grondwerk.matching import store
from grondwerk.matching.stage import format_nl, record_match_acceptance, run_matching_stage, tonnes_of


def test_stage_writes_proposal(demo_tender, classified_dossier, store_url):
    result = run_matching_stage(demo_tender, classified_dossier, store_url)
    assert result.status == "ok"
    folder = classified_dossier.stage_dir("matching")
    proposal = json.loads((folder / "proposal.json").read_text(encoding="utf-8"))
    assert proposal["totals"]["gap"] == 0.0
    assert set(proposal["baselines"]) == {"greedy", "no_coordination"}
    for flow in proposal["flows"]:
        assert flow["to_kind"] in ("demand", "depot", "disposal")
        assert {"from", "to", "to_name", "period", "tonnes", "km"} <= set(flow)
    published = {row["lot_id"] for row in proposal["tender"]["published_supply"]}
    assert published == {"KRW-2027-014/P1", "KRW-2027-014/P2"}
    assert [p["partij_id"] for p in proposal["tender"]["not_applicable"]] == ["P3"]
    shipped = sum(f["tonnes"] for f in proposal["flows"] if f["from"] in published)
    assert shipped == pytest.approx(tonnes_of(900, "zand") + tonnes_of(600, "klei"), abs=0.02)
    assert proposal["co2_basis"]["scope"] == "well-to-wheel"
    assert "besparing" in result.conclusion_nl
    assert "tonkm t.o.v. geen coördinatie" in result.conclusion_nl
    assert result.versions["matching_parameters"]
    geojson = json.loads((folder / "proposal.geojson").read_text(encoding="utf-8"))
    kinds = {feature["properties"]["kind"] for feature in geojson["features"]}
    assert {"supply", "demand", "depot", "flow"} <= kinds
    lon, lat = next(f for f in geojson["features"] if f["properties"]["id"] == "KRW-2027-014/P1")["geometry"]["coordinates"]
    assert 4.8 < lon < 5.0
    assert 51.9 < lat < 52.0


def test_stage_rerun_has_no_duplicates(demo_tender, classified_dossier, store_url):
    first = run_matching_stage(demo_tender, classified_dossier, store_url)
    second = run_matching_stage(demo_tender, classified_dossier, store_url)
    engine = get_engine(store_url)
    with engine.connect() as connection:
        lots = connection.execute(select(func.count()).select_from(store.supply_table)).scalar_one()
        proposals = connection.execute(select(func.count()).select_from(store.proposal_table)).scalar_one()
    assert lots == 5 + 2
    assert proposals == 1
    assert first.summary["region_totals"] == second.summary["region_totals"]


def test_acceptance_recorded(demo_tender, classified_dossier, store_url):
    run_matching_stage(demo_tender, classified_dossier, store_url)
    path = record_match_acceptance(classified_dossier, "Accepteren", "akkoord", "bodemteam1", "2027-02-01T10:00:00+00:00", store_url=store_url)
    acceptance = json.loads(path.read_text(encoding="utf-8"))
    assert acceptance["decision"] == "accepted"
    assert store.latest_proposal(get_engine(store_url))["status"] == "accepted"


def test_acceptance_rejects_unknown_decision(demo_tender, classified_dossier, store_url):
    run_matching_stage(demo_tender, classified_dossier, store_url)
    with pytest.raises(InputError):
        record_match_acceptance(classified_dossier, "misschien", "", "x", "2027-02-01T10:00:00+00:00", store_url=store_url)


def test_missing_partijen_is_input_error(demo_tender, tmp_path, store_url):
    from grondwerk.dossier import Dossier

    dossier = Dossier.for_run(demo_tender.reference, "leeg", root=tmp_path / "d")
    with pytest.raises(InputError) as info:
        run_matching_stage(demo_tender, dossier, store_url)
    assert "partijen.json" in str(info.value)


def test_dutch_number_format():
    assert format_nl(1800) == "1.800"
    assert format_nl(1234.5, 1) == "1.234,5"


def test_indicative_partij_published_and_marked(demo_tender, classified_dossier, store_url):
    partijen = json.loads((classified_dossier.stage_dir("classification") / "partijen.json").read_text(encoding="utf-8"))
    partijen[1] |= {"klasse_indicatief": True, "ontbrekende_stoffen": ["kwik"], "ontbrekende_bodemkenmerken": []}
    (classified_dossier.stage_dir("classification") / "partijen.json").write_text(json.dumps(partijen), encoding="utf-8")

    result = run_matching_stage(demo_tender, classified_dossier, store_url)

    proposal = json.loads((classified_dossier.stage_dir("matching") / "proposal.json").read_text(encoding="utf-8"))
    marks = {row["lot_id"]: row["klasse_indicatief"] for row in proposal["tender"]["published_supply"]}
    assert marks == {"KRW-2027-014/P1": False, "KRW-2027-014/P2": True}
    assert result.summary["indicative_lots"] == ["KRW-2027-014/P2"]
    assert "Let op: 1 partij (P2) aangeboden met een indicatieve klasse, want het analysepakket is onvolledig" in result.conclusion_nl
    assert "Note: 1 partij (P2) offered with an indicative class" in result.conclusion_en
    with get_engine(store_url).connect() as connection:
        stored = connection.execute(select(store.supply_table.c.quality_class, store.supply_table.c.klasse_indicatief)
                                    .where(store.supply_table.c.lot_id == "KRW-2027-014/P2")).one()
    assert stored.quality_class == "wonen"
    assert stored.klasse_indicatief is True


def test_final_classes_get_no_indicative_note(demo_tender, classified_dossier, store_url):
    result = run_matching_stage(demo_tender, classified_dossier, store_url)

    assert result.summary["indicative_lots"] == []
    assert "indicatieve klasse" not in result.conclusion_nl


def test_indicative_flag_must_be_boolean(demo_tender, classified_dossier, store_url):
    path = classified_dossier.stage_dir("classification") / "partijen.json"
    partijen = json.loads(path.read_text(encoding="utf-8"))
    partijen[0]["klasse_indicatief"] = "ja"
    path.write_text(json.dumps(partijen), encoding="utf-8")

    with pytest.raises(InputError) as info:
        run_matching_stage(demo_tender, classified_dossier, store_url)

    assert info.value.record == "[0]"
    assert "klasse_indicatief van partij P1 moet true of false zijn, niet 'ja'" in str(info.value)
