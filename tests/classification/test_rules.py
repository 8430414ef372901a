"""Hand-computed cases, each isolating one rule of the Regeling bodemkwaliteit classification.

Expected numbers are worked out by hand in the comments from the rule
(standard soil 25 % lutum, 10 % organic matter; G_std = G × (A + 25B + 10C) / (A + B·L + C·H)).
"""

from __future__ import annotations

import pandas as pd
import pytest

from grondwerk.classification.engine import classify
from grondwerk.classification.norms import default_norms

STANDARD = {"lutum": 25.0, "organische stof": 10.0}


def frame(rows, soil=STANDARD, sample="S1"):
    """Build an analyses table from (parameter, value, unit, limit_symbol[, condition]) rows plus lutum/OS rows."""
    records = []
    for row in rows:
        parameter, value, unit, symbol = row[:4]
        condition = row[4] if len(row) > 4 else ""
        records.append({"sample_id": sample, "parameter_code": parameter, "value": value, "unit": unit, "limit_symbol": symbol, "condition": condition})
    for parameter, value in (soil or {}).items():
        if value is not None:
            records.append({"sample_id": sample, "parameter_code": parameter, "value": value, "unit": "%", "limit_symbol": "", "condition": ""})
    return pd.DataFrame(records)


def one(rows, soil=STANDARD):
    result = classify(frame(rows, soil))
    assert len(result.samples) == 1
    return result.samples[0]


def line(record, name):
    matches = [item for item in record["explanation"] if item["stof"] == name]
    assert matches, f"{name} not in explanation"
    return matches[0]


# --- soil-type correction -------------------------------------------------


@pytest.mark.parametrize(
    "substance, unit_value, soil, expected",
    [
        # lood A=50 B=1 C=1: 100 × 85 / (50 + 10 + 5) = 130.769231
        ("lood", 100, {"lutum": 10, "organische stof": 5}, 130.769231),
        # zink A=50 B=3 C=1.5: 60 × (50 + 75 + 15) / (50 + 15 + 4.5) = 60 × 140 / 69.5 = 120.863309
        ("zink", 60, {"lutum": 5, "organische stof": 3}, 120.863309),
        # cadmium A=0.4 B=0.007 C=0.021: 0.3 × 0.785 / (0.4 + 0.105 + 0.084) = 0.3 × 0.785 / 0.589 = 0.399830
        ("cadmium", 0.3, {"lutum": 15, "organische stof": 4}, 0.399830),
        # kwik A=0.2 B=0.0034 C=0.0017: 0.1 × 0.302 / (0.2 + 0.068 + 0.0136) = 0.1 × 0.302 / 0.2816 = 0.107244
        ("kwik", 0.1, {"lutum": 20, "organische stof": 8}, 0.107244),
        # nikkel A=10 B=1 C=0: 20 × 35 / (10 + 10) = 35
        ("nikkel", 20, {"lutum": 10, "organische stof": 1}, 35.0),
        # koper A=15 B=0.6 C=0.6 above standard soil: 42 × 36 / (15 + 18 + 9) = 36
        ("koper", 42, {"lutum": 30, "organische stof": 15}, 36.0),
        # molybdeen A=1 B=0 C=0: no correction
        ("molybdeen", 1.2, {"lutum": 3, "organische stof": 3}, 1.2),
        # arseen A=15 B=0.4 C=0.4: 19 × 29 / (15 + 2 + 2) = 29
        ("arseen", 19, {"lutum": 5, "organische stof": 5}, 29.0),
        # minerale olie (organic, C=1): 50 × 10 / 5 = 100
        ("minerale olie", 50, {"lutum": 25, "organische stof": 5}, 100.0),
    ],
)
def test_correction_formula(substance, unit_value, soil, expected):
    record = one([(substance, unit_value, "mg/kg", "")], soil)
    assert line(record, substance)["gestandaardiseerd_mg_per_kg"] == pytest.approx(expected, rel=1e-5)


def test_clamp_inorganic_lutum_minimum():
    # lutum 0.5 counts as 2: 100 × 85 / (50 + 2 + 10) = 137.096774
    record = one([("lood", 100, "mg/kg", "")], {"lutum": 0.5, "organische stof": 10})
    assert line(record, "lood")["gestandaardiseerd_mg_per_kg"] == pytest.approx(137.096774, rel=1e-6)
    assert line(record, "lood")["lutum_used"] == 2.0


def test_clamp_inorganic_organic_matter_minimum():
    # organic matter 1 counts as 2: 100 × 85 / (50 + 25 + 2) = 110.389610
    record = one([("lood", 100, "mg/kg", "")], {"lutum": 25, "organische stof": 1})
    assert line(record, "lood")["gestandaardiseerd_mg_per_kg"] == pytest.approx(110.389610, rel=1e-6)


def test_clamp_organic_maximum():
    # organic matter 40 counts as 30: 300 × 10 / 30 = 100
    record = one([("minerale olie", 300, "mg/kg", "")], {"lutum": 25, "organische stof": 40})
    assert line(record, "minerale olie")["gestandaardiseerd_mg_per_kg"] == pytest.approx(100.0)


def test_clamp_organic_minimum():
    # organic matter 1 counts as 2: 30 × 10 / 2 = 150
    record = one([("minerale olie", 30, "mg/kg", "")], {"lutum": 25, "organische stof": 1})
    assert line(record, "minerale olie")["gestandaardiseerd_mg_per_kg"] == pytest.approx(150.0)


def test_clamp_pak_minimum_ten():
    # PAK bounds 10–30: organic matter 5 counts as 10, so no correction
    record = one([("PAK (som 10)", 1.2, "mg/kg", "")], {"lutum": 25, "organische stof": 5})
    assert line(record, "PAK (som 10)")["gestandaardiseerd_mg_per_kg"] == pytest.approx(1.2)


def test_clamp_pak_maximum_thirty():
    # organic matter 35 counts as 30: 9 × 10 / 30 = 3
    record = one([("PAK (som 10)", 9, "mg/kg", "")], {"lutum": 25, "organische stof": 35})
    assert line(record, "PAK (som 10)")["gestandaardiseerd_mg_per_kg"] == pytest.approx(3.0)


def test_pcb_uses_organic_bounds():
    # PCB is an organic compound (bounds 2–30): 0.01 × 10 / 5 = 0.02
    record = one([("PCB (som 7)", 0.01, "mg/kg", "")], {"lutum": 25, "organische stof": 5})
    assert line(record, "PCB (som 7)")["gestandaardiseerd_mg_per_kg"] == pytest.approx(0.02)


def test_missing_soil_properties_use_lower_bounds():
    # no lutum or organic matter: bounds 2 and 2 give 100 × 85 / 54 = 157.407407
    record = one([("lood", 100, "mg/kg", "")], soil=None)
    explanation = line(record, "lood")
    assert explanation["gestandaardiseerd_mg_per_kg"] == pytest.approx(157.407407, rel=1e-6)
    assert explanation["lutum_missing"] is True


# --- values below the reporting limit ------------------------------------------


def test_below_required_limit_is_compliant():
    # Cd < 0.2 with required RG 0.2: compliant even where 0.7 × 0.2 would standardise above AW
    record = one([("cadmium", 0.2, "mg/kg", "<")], {"lutum": 1, "organische stof": 1})
    assert record["class"] == "achtergrondwaarde"
    assert line(record, "cadmium")["oordeel"].startswith("< RG")


def test_below_lower_limit_is_compliant():
    record = one([("cadmium", 0.1, "mg/kg", "<")])
    assert line(record, "cadmium")["gebruikt_mg_per_kg"] == pytest.approx(0.07)
    assert record["elevated_substances"] == 0


def test_raised_limit_counts_seven_tenths():
    # Pb < 80 with required RG 10: 0.7 × 80 = 56 > AW 50, the only substance, so wonen
    record = one([("lood", 80, "mg/kg", "<")])
    assert line(record, "lood")["gebruikt_mg_per_kg"] == pytest.approx(56.0)
    assert record["class"] == "wonen"


def test_raised_limit_below_aw():
    # Pb < 60: 0.7 × 60 = 42 ≤ 50
    record = one([("lood", 60, "mg/kg", "<")])
    assert record["class"] == "achtergrondwaarde"
    assert not line(record, "lood")["oordeel"].startswith("< RG")


def test_numeric_below_limit_as_reported():
    record = one([("lood", 5, "mg/kg", "")])
    assert line(record, "lood")["gebruikt_mg_per_kg"] == pytest.approx(5.0)
    assert line(record, "lood")["oordeel"] == "≤ achtergrondwaarde"


def test_no_required_limit_uses_seven_tenths():
    # tin has no required RG: < 10 counts as 7 > AW 6.5, so wonen
    record = one([("tin", 10, "mg/kg", "<")])
    assert line(record, "tin")["gebruikt_mg_per_kg"] == pytest.approx(7.0)
    assert record["class"] == "wonen"


PAK = ["naftaleen", "fenantreen", "antraceen", "fluorantheen", "chryseen", "benzo(a)antraceen", "benzo(a)pyreen", "benzo(k)fluorantheen", "indeno(1,2,3-cd)pyreen", "benzo(ghi)peryleen"]
PCB = ["PCB 28", "PCB 52", "PCB 101", "PCB 118", "PCB 138", "PCB 153", "PCB 180"]


def test_sum_all_components_below_limit_compliant():
    record = one([(name, 0.05, "mg/kg", "<") for name in PAK])
    explanation = line(record, "PAK (som 10)")
    assert explanation["gebruikt_mg_per_kg"] == pytest.approx(0.35)  # 10 × 0.7 × 0.05
    assert explanation["oordeel"].startswith("< RG")


def test_sum_mixed_components_below_aw():
    # 9 × 0.035 + 1.0 = 1.315 ≤ 1.5
    rows = [(name, 0.05, "mg/kg", "<") for name in PAK[:-1]] + [(PAK[-1], 1.0, "mg/kg", "")]
    record = one(rows)
    assert line(record, "PAK (som 10)")["gebruikt_mg_per_kg"] == pytest.approx(1.315)
    assert record["class"] == "achtergrondwaarde"


def test_sum_mixed_components_above_aw():
    # 9 × 0.035 + 1.2 = 1.515 > 1.5
    rows = [(name, 0.05, "mg/kg", "<") for name in PAK[:-1]] + [(PAK[-1], 1.2, "mg/kg", "")]
    record = one(rows)
    assert line(record, "PAK (som 10)")["gebruikt_mg_per_kg"] == pytest.approx(1.515)
    assert record["class"] == "wonen"


def test_pcb_sum_of_seven():
    # 7 × 0.005 = 0.035: > AW 0.02 and ≤ wonen 0.04
    record = one([(name, 5, "µg/kg", "") for name in PCB])
    assert line(record, "PCB (som 7)")["gebruikt_mg_per_kg"] == pytest.approx(0.035)
    assert record["class"] == "wonen"


def test_delivered_sum_used_without_components():
    record = one([("sPAK10", 5, "mg/kg", "")])
    assert line(record, "PAK (som 10)")["gebruikt_mg_per_kg"] == pytest.approx(5.0)
    assert record["class"] == "wonen"


def test_components_preferred_over_delivered_sum():
    rows = [(name, 0.1, "mg/kg", "") for name in PAK] + [("sPAK10", 50, "mg/kg", "")]
    record = one(rows)
    assert line(record, "PAK (som 10)")["gebruikt_mg_per_kg"] == pytest.approx(1.0)
    assert record["class"] == "achtergrondwaarde"


def test_incomplete_sum_fills_missing_components():
    # 5 × 0.2 + 5 missing × 0.7 × 0.05 = 1.175
    record = one([(name, 0.2, "mg/kg", "") for name in PAK[:5]])
    explanation = line(record, "PAK (som 10)")
    assert explanation["gebruikt_mg_per_kg"] == pytest.approx(1.175)
    assert "5 van 10" in explanation["source"]


# --- units and rows not tested ------------------------------------------------


def test_unit_microgram_per_kilogram():
    record = one([("lood", 60000, "µg/kg", "")])
    assert line(record, "lood")["gemeten_mg_per_kg"] == pytest.approx(60.0)


def test_unit_gram_per_kilogram():
    record = one([("zink", 0.15, "g/kg", "")])
    assert line(record, "zink")["gemeten_mg_per_kg"] == pytest.approx(150.0)


def test_groundwater_unit_not_tested():
    result = classify(frame([("lood", 60, "mg/kg", ""), ("zink", 12, "ug/l", "")]))
    assert len(result.ignored) == 1
    assert "massafractie" in result.ignored.iloc[0]["reason_nl"]
    assert result.rows_in == 4  # 2 analyses + lutum + organische stof


def test_mineral_oil_fraction_not_tested():
    rows = [("minrlole", 100, "mg/kg", "", "C10C40dg"), ("minrlole", 300, "mg/kg", "", "C12C22dg")]
    result = classify(frame(rows))
    assert len(result.ignored) == 1
    assert line(result.samples[0], "minerale olie")["gemeten_mg_per_kg"] == pytest.approx(100.0)


# --- class boundaries (a value equal to the limit is within it) ---------------


@pytest.mark.parametrize(
    "value, expected",
    [(50, "achtergrondwaarde"), (50.001, "wonen"), (210, "wonen"), (210.01, "industrie"), (530, "industrie"), (530.01, "niet_toepasbaar")],
)
def test_lead_boundaries(value, expected):
    assert one([("lood", value, "mg/kg", "")])["class"] == expected


def test_intervention_flag_lead():
    record = one([("lood", 531, "mg/kg", "")])
    assert record["intervention_exceeded"] is True
    assert line(record, "lood")["oordeel"].startswith("> interventiewaarde")


def test_above_industrie_below_intervention():
    # Cd 5 > industrie 4.3 but ≤ interventiewaarde 13
    record = one([("cadmium", 5, "mg/kg", "")])
    assert record["class"] == "niet_toepasbaar"
    assert record["intervention_exceeded"] is False


def test_antimony_without_intervention_value():
    record = one([("antimoon", 30, "mg/kg", "")])
    assert record["class"] == "niet_toepasbaar"
    assert record["intervention_exceeded"] is False


def test_mineral_oil_wonen_equals_aw():
    # minerale olie: AW = wonen = 190, so 200 is industrie
    assert one([("minerale olie", 200, "mg/kg", "")])["class"] == "industrie"


# --- achtergrondwaarde rule -----------------------------------------------------

CLEAN = [("cadmium", 0.3, "mg/kg", ""), ("kobalt", 5, "mg/kg", ""), ("kwik", 0.05, "mg/kg", ""), ("molybdeen", 1.0, "mg/kg", ""),
         ("arseen", 10, "mg/kg", ""), ("chroom", 30, "mg/kg", ""), ("antimoon", 1, "mg/kg", ""), ("tin", 2, "mg/kg", ""),
         ("vanadium", 30, "mg/kg", ""), ("PAK (som 10)", 0.5, "mg/kg", ""), ("PCB (som 7)", 0.005, "mg/kg", ""),
         ("minerale olie", 50, "mg/kg", ""), ("nikkel", 20, "mg/kg", "")]
# Three substances above AW, each within 2 × AW and within wonen (lood 60, koper 45, zink 150).
ELEVATED = [("lood", 60, "mg/kg", ""), ("koper", 45, "mg/kg", ""), ("zink", 150, "mg/kg", "")]


def test_single_substance_not_tolerated():
    # X = 1 gives Y = 0
    record = one([("lood", 60, "mg/kg", "")])
    assert record["allowed_elevated"] == 0
    assert record["class"] == "wonen"


def test_two_measured_one_tolerated():
    record = one([("lood", 60, "mg/kg", ""), ("zink", 100, "mg/kg", "")])
    assert record["allowed_elevated"] == 1
    assert record["class"] == "achtergrondwaarde"
    assert record["tolerated"] == ["lood"]


def test_two_measured_two_elevated():
    record = one([("lood", 60, "mg/kg", ""), ("zink", 150, "mg/kg", "")])
    assert record["class"] == "wonen"
    assert sorted(record["decisive"]) == ["lood", "zink"]


def test_six_measured_two_elevated_is_wonen():
    rows = ELEVATED[:2] + CLEAN[:4]
    record = one(rows)
    assert record["measured_substances"] == 6
    assert record["allowed_elevated"] == 1
    assert record["class"] == "wonen"


def test_seven_measured_two_elevated_is_aw():
    rows = ELEVATED[:2] + CLEAN[:5]
    record = one(rows)
    assert record["measured_substances"] == 7
    assert record["allowed_elevated"] == 2
    assert record["class"] == "achtergrondwaarde"


def test_fifteen_measured_three_elevated_is_wonen():
    rows = ELEVATED + CLEAN[:12]
    record = one(rows)
    assert record["measured_substances"] == 15
    assert record["class"] == "wonen"


def test_sixteen_measured_three_elevated_is_aw():
    rows = ELEVATED + CLEAN
    record = one(rows)
    assert record["measured_substances"] == 16
    assert record["allowed_elevated"] == 3
    assert record["class"] == "achtergrondwaarde"


@pytest.mark.parametrize("measured, allowed", [(0, 0), (1, 0), (2, 1), (6, 1), (7, 2), (15, 2), (16, 3), (26, 3), (27, 4), (36, 4), (37, 5), (60, 5)])
def test_allowed_elevated_steps(measured, allowed):
    assert default_norms().max_elevated(measured) == allowed


def test_tolerance_at_twice_aw():
    # Pb 100 = 2 × AW is tolerated
    assert one([("lood", 100, "mg/kg", ""), ("zink", 100, "mg/kg", "")])["class"] == "achtergrondwaarde"


def test_tolerance_above_twice_aw():
    # Pb 100.5 > 2 × AW: the rule fails and lood (≤ wonen) makes it wonen
    assert one([("lood", 100.5, "mg/kg", ""), ("zink", 100, "mg/kg", "")])["class"] == "wonen"


def test_tolerance_limited_by_wonen():
    # Cu 60 ≤ 2 × AW (80) but > wonen 54: not tolerated, Cu is industrie
    record = one([("koper", 60, "mg/kg", ""), ("zink", 100, "mg/kg", "")])
    assert record["class"] == "industrie"
    assert record["decisive"] == ["koper"]


def test_nickel_only_twice_aw():
    # Ni 60 > wonen 39 but ≤ 2 × AW (70): tolerated for nikkel
    record = one([("nikkel", 60, "mg/kg", ""), ("zink", 100, "mg/kg", "")], {"lutum": 25, "organische stof": 10})
    assert record["class"] == "achtergrondwaarde"
    assert record["tolerated"] == ["nikkel"]


def test_nickel_above_twice_aw():
    record = one([("nikkel", 71, "mg/kg", ""), ("zink", 100, "mg/kg", "")])
    assert record["class"] == "industrie"


def test_compliant_substance_counts_as_measured():
    # Cd < RG still counts for X: X = 2, Y = 1
    record = one([("lood", 60, "mg/kg", ""), ("cadmium", 0.2, "mg/kg", "<")])
    assert record["measured_substances"] == 2
    assert record["class"] == "achtergrondwaarde"


def test_barium_not_toetsbaar():
    record = one([("lood", 60, "mg/kg", ""), ("barium", 500, "mg/kg", "")])
    assert record["measured_substances"] == 1
    assert record["class"] == "wonen"
    assert line(record, "barium")["oordeel"].startswith("geen toetsingswaarde")


# --- partij means -----------------------------------------------------------------


def two_samples(rows_1, rows_2, soil_1=STANDARD, soil_2=STANDARD):
    data = pd.concat([frame(rows_1, soil_1, "S1"), frame(rows_2, soil_2, "S2")], ignore_index=True)
    return classify(data, partijen={"P": {"samples": ["S1", "S2"], "volume_m3": 100.0}})


def test_partij_mean_of_samples():
    result = two_samples([("lood", 40, "mg/kg", "")], [("lood", 80, "mg/kg", "")])
    partij = result.partijen[0]
    assert line(partij, "lood")["gestandaardiseerd_mg_per_kg"] == pytest.approx(60.0)
    assert partij["class"] == "wonen"
    assert {s["sample_id"]: s["class"] for s in result.samples} == {"S1": "achtergrondwaarde", "S2": "wonen"}


def test_partij_mean_after_standardisation():
    # S1: 100 × 85 / 65 = 130.769231; S2: 100; mean 115.384615
    result = two_samples([("lood", 100, "mg/kg", "")], [("lood", 100, "mg/kg", "")], {"lutum": 10, "organische stof": 5})
    assert line(result.partijen[0], "lood")["gestandaardiseerd_mg_per_kg"] == pytest.approx(115.384615, rel=1e-6)


def test_partij_compliant_needs_all_samples():
    # (0.7 × 0.2 + 0.3) / 2 = 0.22, tested as a number
    result = two_samples([("cadmium", 0.2, "mg/kg", "<")], [("cadmium", 0.3, "mg/kg", "")])
    explanation = line(result.partijen[0], "cadmium")
    assert explanation["gestandaardiseerd_mg_per_kg"] == pytest.approx(0.22)
    assert not explanation["oordeel"].startswith("< RG")


# --- waterbodem and PFAS --------------------------------------------------------


@pytest.mark.parametrize("value, land, water", [(300, "industrie", "A"), (600, "industrie", "B"), (2100, "niet_toepasbaar", "niet_toepasbaar")])
def test_waterbodem_classes_zinc(value, land, water):
    record = one([("zink", value, "mg/kg", "")])
    assert record["class"] == land
    assert record["class_waterbodem"] == water


def test_pfas_sum_linear_branched():
    # PFOS: 1.0 + 0.7 × 0.5 = 1.35 µg/kg ≤ 1.4
    record = one([("lood", 20, "mg/kg", ""), ("L-PFOS", 1.0, "µg/kg", ""), ("br-PFOS", 0.5, "µg/kg", "<")])
    assert record["pfas"]["class"] == "achtergrondwaarde"
    assert record["pfas"]["substances"][0]["waarde_ug_per_kg"] == pytest.approx(1.35)
    assert record["measured_substances"] == 1  # PFAS do not count for X


def test_pfas_above_background():
    # 1.1 + 0.35 = 1.45 > 1.4
    record = one([("L-PFOS", 1.1, "µg/kg", ""), ("br-PFOS", 0.5, "µg/kg", "<")])
    assert record["pfas"]["class"] == "wonen"


def test_duplicate_measurements_averaged():
    # two lead results in one sample: mean (40 + 80) / 2 = 60
    record = one([("lood", 40, "mg/kg", ""), ("lood", 80, "mg/kg", "")])
    assert line(record, "lood")["gemeten_mg_per_kg"] == pytest.approx(60.0)
    assert record["class"] == "wonen"


def test_incomplete_sum_beside_complete_sample():
    # S1 has all 10 PAK (10 × 0.1 = 1.0); S2 has 3 (3 × 0.2 + 7 × 0.035 = 0.845)
    data = pd.concat([
        frame([(name, 0.1, "mg/kg", "") for name in PAK], STANDARD, "S1"),
        frame([(name, 0.2, "mg/kg", "") for name in PAK[:3]], STANDARD, "S2"),
    ], ignore_index=True)
    samples = {record["sample_id"]: record for record in classify(data).samples}
    assert line(samples["S1"], "PAK (som 10)")["gebruikt_mg_per_kg"] == pytest.approx(1.0)
    assert line(samples["S2"], "PAK (som 10)")["gebruikt_mg_per_kg"] == pytest.approx(0.845)


def test_sad_limit_symbol_lt():
    # BRO SAD writes '<' as LT: Pb LT 80 counts as 56
    record = one([("lood", 80, "mg/kg", "LT")])
    assert line(record, "lood")["gebruikt_mg_per_kg"] == pytest.approx(56.0)
