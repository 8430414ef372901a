"""The soil team's summary of a match: disposal tonnes and the tender-versus-region trade-off, on the example region."""

from __future__ import annotations

import json

import pytest

from grondwerk.matching.stage import format_nl, run_matching_stage, tonnes_of

ZAND_CLEAN = {"partij_id": "P1", "samples": ["MM1"], "class": "achtergrondwaarde", "decisive": [], "intervention_exceeded": False,
              "pfas": None, "volume_m3": 900.0, "soil_type": "zand"}
# No demand in the example region accepts veen, so this lot can only go to disposal.
VEEN_INDUSTRIE = {"partij_id": "P4", "samples": ["MM5"], "class": "industrie", "decisive": ["zink"], "intervention_exceeded": False,
                  "pfas": None, "volume_m3": 200.0, "soil_type": "veen"}
KLEI_WONEN = {"partij_id": "P2", "samples": ["MM3"], "class": "wonen", "decisive": ["lood"], "intervention_exceeded": False,
              "pfas": None, "volume_m3": 600.0, "soil_type": "klei"}


def run_with(dossier, store_url, tender, partijen):
    (dossier.stage_dir("classification") / "partijen.json").write_text(json.dumps(partijen), encoding="utf-8")
    result = run_matching_stage(tender, dossier, store_url)
    proposal = json.loads((dossier.stage_dir("matching") / "proposal.json").read_text(encoding="utf-8"))
    return result, proposal


def test_summary_names_not_applicable_disposal(demo_tender, classified_dossier, store_url):
    result = run_matching_stage(demo_tender, classified_dossier, store_url)
    excluded = format_nl(tonnes_of(300, "zand"))

    assert f"; afvoer (storten of reinigen) {excluded} t: {excluded} t van 1 niet toepasbare partij naar een erkende verwerker buiten de match;" in result.conclusion_nl
    assert result.conclusion_nl.startswith("1.800 m³ in 3 partijen: hergebruik ")


def test_summary_names_match_disposal(demo_tender, classified_dossier, store_url):
    result, proposal = run_with(classified_dossier, store_url, demo_tender, [ZAND_CLEAN, VEEN_INDUSTRIE])
    disposal = [f for f in proposal["tender_flows"] if f["to_kind"] == "disposal"]
    veen_t = tonnes_of(200, "veen")

    assert [f["from"] for f in disposal] == [f"{demo_tender.reference}/P4"]
    assert sum(f["tonnes"] for f in disposal) == pytest.approx(veen_t)
    assert (
        f"; afvoer (storten of reinigen) {format_nl(veen_t)} t: {format_nl(veen_t)} t zonder afnemer naar "
        "Grondreiniging en stort (voorbeeld), Botlek;"
    ) in result.conclusion_nl
    assert "Grondreiniging" not in result.conclusion_nl.split("; afvoer")[0]


def test_summary_explains_tradeoff_with_figures(demo_tender, classified_dossier, store_url):
    result = run_matching_stage(demo_tender, classified_dossier, store_url)
    proposal = json.loads((classified_dossier.stage_dir("matching") / "proposal.json").read_text(encoding="utf-8"))
    own = proposal["tender"]["totals"]["cost"]
    greedy = proposal["tender"]["baselines"]["greedy"]["cost"]
    region = proposal["savings"]["greedy"]

    # The example region sends this tender's clean zand to Gouda and fills its demand from elsewhere.
    assert own > greedy
    assert region["euro"] > 0
    assert (
        f"Afweging: voor deze aanbesteding kost de regionale verdeling € {format_nl(own)}, € {format_nl(own - greedy)} "
        f"({format_nl(100 * (own - greedy) / greedy, 1)} %) meer dan de dichtstbijzijnde match (€ {format_nl(greedy)})"
    ) in result.conclusion_nl
    assert f"De regio als geheel is € {format_nl(region['euro'])} ({format_nl(region['euro_pct'], 1)} %) goedkoper" in result.conclusion_nl
    assert "omdat eigen grond die de eigen vraag had kunnen vullen (1.350 t zand) naar andere projecten gaat" in result.conclusion_nl
    assert "Trade-off: for this tender the regional allocation costs" in result.conclusion_en
    assert result.conclusion_nl.endswith("Voorbeeldregio, geen echte projecten.")


def test_summary_without_tradeoff(demo_tender, classified_dossier, store_url):
    # Klei goes to the same dijk under both allocations, so the tender pays nothing extra.
    result, proposal = run_with(classified_dossier, store_url, demo_tender, [KLEI_WONEN])

    assert proposal["tender"]["totals"]["cost"] <= proposal["tender"]["baselines"]["greedy"]["cost"]
    assert "Afweging" not in result.conclusion_nl
    assert "Trade-off" not in result.conclusion_en
    assert "; geen afvoer naar stort of verwerker;" in result.conclusion_nl
    assert result.conclusion_nl.startswith("600 m³ in 1 partij: hergebruik ")
