"""Bounds on a matching instance (tonnes, periods, costs, RD New coordinates): exit status 2 instead of a solver overflow."""

from __future__ import annotations

import copy
import json

import pytest

from grondwerk.cli import main
from grondwerk.errors import InputError
from grondwerk.matching.instance import default_parameters, instance_limits, load_problem, max_tonnes
from grondwerk.matching.synthetic import generate
from grondwerk.tender import MAX_VOLUME_M3, RD_BOUNDS

INSTANCE = {
    "supply": [{"id": "lot-1", "x": 100_000, "y": 450_000, "tonnes": 1000, "class": "wonen", "soil_type": "zand"}],
    "demand": [{"id": "site-1", "x": 101_000, "y": 451_000, "tonnes": 800, "accepted_classes": ["wonen"], "accepted_soil_types": ["zand"]}],
    "depots": [{"id": "depot-1", "x": 100_500, "y": 450_500, "capacity_tonnes": 5000, "accepted_classes": ["wonen"],
                "handling_cost_per_tonne": 2, "max_dwell_periods": 3}],
}


def instance_with(key, field, value):
    instance = copy.deepcopy(INSTANCE)
    instance[key][0][field] = value
    return instance


def test_max_tonnes_follows_tender_volume_cap():
    # Densest soil type in data/density.json is grind, 1.7 t/m³.
    assert max_tonnes() == pytest.approx(MAX_VOLUME_M3 * 1.7)


@pytest.mark.parametrize(
    ("key", "field", "record"),
    [
        ("supply", "tonnes", "supply[lot-1].tonnes"),
        ("demand", "tonnes", "demand[site-1].tonnes"),
        ("depots", "capacity_tonnes", "depots[depot-1].capacity_tonnes"),
    ],
)
def test_tonnes_above_limit_rejected(key, field, record):
    with pytest.raises(InputError) as info:
        load_problem(instance_with(key, field, 1e300), "instance.json")

    assert info.value.record == record
    assert info.value.value == 1e300
    assert "meer dan de grens van 170000000 t" in str(info.value)


def test_tonnes_at_limit_accepted():
    problem = load_problem(instance_with("supply", "tonnes", max_tonnes()), "instance.json")

    assert problem.s_tonnes[0] == max_tonnes()


def test_integer_too_large_for_float_rejected():
    with pytest.raises(InputError) as info:
        load_problem(instance_with("supply", "tonnes", 10**400), "instance.json")

    assert info.value.record == "supply[lot-1].tonnes"
    assert "eindig getal" in str(info.value)


def test_cli_huge_tonnes_exit_2(tmp_path, capsys):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(instance_with("supply", "tonnes", 1e300)), encoding="utf-8")

    assert main(["match", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"{path}: supply[lot-1].tonnes: 1e+300 t is meer dan de grens" in err
    assert "controleer de eenheid (ton, niet kilogram)" in err


def test_cli_huge_tonnes_message_in_english(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GRONDWERK_LANG", "en")
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(instance_with("demand", "tonnes", 1e300)), encoding="utf-8")

    assert main(["match", str(path)]) == 2
    assert "1e+300 t is more than the limit of 170000000 t; check the unit (tonnes, not kilograms)" in capsys.readouterr().err


def instance_with_parameter(name, value):
    instance = copy.deepcopy(INSTANCE)
    instance["parameters"] = {name: value}
    return instance


@pytest.mark.parametrize(
    ("instance", "record", "message"),
    [
        (instance_with_parameter("periods", 1e300), "parameters.periods", "1e+300 perioden is meer dan de grens van 120 perioden"),
        (instance_with_parameter("periods", 121), "parameters.periods", "121 perioden is meer dan de grens van 120 perioden"),
        (instance_with("depots", "max_dwell_periods", 1e300), "depots[depot-1].max_dwell_periods", "1e+300 perioden is meer dan de grens van 120"),
        (instance_with("depots", "handling_cost_per_tonne", 1e300), "depots[depot-1].handling_cost_per_tonne",
         "1e+300 euro per ton is meer dan de grens van 1000 euro per ton"),
        (instance_with_parameter("cost_per_tkm", 1e300), "parameters.cost_per_tkm", "1e+300 euro per tonkm is meer dan de grens van 10 euro per tonkm"),
        (instance_with_parameter("cost_per_tkm", 15), "parameters.cost_per_tkm", "15.0 euro per tonkm is meer dan de grens van 10"),
        (instance_with_parameter("unmatched_cost_per_tonne", 1e300), "parameters.unmatched_cost_per_tonne", "meer dan de grens van 1000 euro per ton"),
        (instance_with_parameter("unmet_cost_per_tonne", 1125), "parameters.unmet_cost_per_tonne", "1125.0 euro per ton is meer dan de grens van 1000"),
        (instance_with_parameter("detour_factor", 1e300), "parameters.detour_factor", "omrijfactor 1e+300 is groter dan de grens van 3"),
    ],
)
def test_value_above_policy_limit_rejected(instance, record, message):
    with pytest.raises(InputError) as info:
        load_problem(instance, "instance.json")

    assert info.value.record == record
    assert message in str(info.value)


def test_values_at_policy_limits_accepted():
    limits = {name: limit["value"] for name, limit in instance_limits().items() if isinstance(limit, dict)}
    instance = copy.deepcopy(INSTANCE)
    instance["parameters"] = {"periods": limits["max_periods"], "cost_per_tkm": limits["max_cost_per_tkm"],
                              "detour_factor": limits["max_detour_factor"], "unmatched_cost_per_tonne": limits["max_cost_per_tonne"],
                              "unmet_cost_per_tonne": limits["max_cost_per_tonne"]}
    instance["depots"][0] |= {"handling_cost_per_tonne": limits["max_cost_per_tonne"], "max_dwell_periods": limits["max_periods"]}

    problem = load_problem(instance, "instance.json")

    assert problem.periods == 120
    assert problem.k_dwell[0] == 120
    assert problem.k_handling[0] == 1000.0


def test_policy_limits_carry_reason():
    for name in ("max_periods", "max_cost_per_tkm", "max_cost_per_tonne", "max_detour_factor"):
        limit = instance_limits()[name]
        assert limit["status"] == "policy", name
        assert limit["reason"], name
        assert limit["applies_to"], name


@pytest.mark.parametrize(
    ("key", "axis", "value", "record"),
    [
        ("supply", "x", 1e12, "supply[lot-1].x"),
        ("supply", "x", -1, "supply[lot-1].x"),
        ("demand", "y", 288_999, "demand[site-1].y"),
        ("demand", "y", 52.1, "demand[site-1].y"),
        ("depots", "x", 300_001, "depots[depot-1].x"),
        ("depots", "y", "veel", "depots[depot-1].y"),
    ],
)
def test_coordinate_outside_rd_grid_rejected(key, axis, value, record):
    with pytest.raises(InputError) as info:
        load_problem(instance_with(key, axis, value), "instance.json")

    assert info.value.record == record
    assert info.value.value == value
    assert f"is geen geldige RD New-{axis}" in str(info.value)


def test_far_disposal_site_rejected():
    instance = copy.deepcopy(INSTANCE)
    instance["disposal_sites"] = [{"id": "stort", "x": 1e200, "y": 450_000}]

    with pytest.raises(InputError) as info:
        load_problem(instance, "instance.json")

    assert info.value.record == "disposal_sites[stort].x"
    assert "geef een getal van 0 tot en met 300000 meter (EPSG:28992)" in str(info.value)


def test_coordinates_on_rd_grid_edge_accepted():
    instance = instance_with("supply", "x", RD_BOUNDS[0])
    instance["supply"][0]["y"] = RD_BOUNDS[1]
    instance["demand"][0] |= {"x": RD_BOUNDS[2], "y": RD_BOUNDS[3]}

    problem = load_problem(instance, "instance.json")

    assert (problem.sx[0], problem.sy[0]) == (RD_BOUNDS[0], RD_BOUNDS[1])
    assert (problem.dx[0], problem.dy[0]) == (RD_BOUNDS[2], RD_BOUNDS[3])


@pytest.mark.parametrize(("size", "seed"), [(100, 1), (1000, 1), (10_000, 0)])
def test_synthetic_points_inside_rd_grid(size, seed):
    # These sizes and seeds drew Gaussian points outside the grid before the generator clipped them.
    instance = generate(size, seed=seed)

    for key in ("supply", "demand", "depots"):
        for item in instance[key]:
            assert RD_BOUNDS[0] <= item["x"] <= RD_BOUNDS[2], item
            assert RD_BOUNDS[1] <= item["y"] <= RD_BOUNDS[3], item


@pytest.mark.parametrize(
    ("key", "field", "value", "record"),
    [
        ("parameters", "periods", 1e300, "parameters.periods"),
        ("depots", "max_dwell_periods", 1e300, "depots[depot-1].max_dwell_periods"),
        ("depots", "handling_cost_per_tonne", 1e300, "depots[depot-1].handling_cost_per_tonne"),
        ("parameters", "cost_per_tkm", 1e300, "parameters.cost_per_tkm"),
        ("supply", "x", 1e12, "supply[lot-1].x"),
    ],
)
def test_cli_absurd_value_exit_2(tmp_path, capsys, key, field, value, record):
    instance = instance_with_parameter(field, value) if key == "parameters" else instance_with(key, field, value)
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(instance), encoding="utf-8")

    assert main(["match", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith(f"ongeldige invoer: {path}: {record}: ")


def _tiny_instance() -> dict:
    return {
        "supply": [{"id": "s1", "x": 120_000.0, "y": 440_000.0, "tonnes": 100.0, "class": "wonen", "soil_type": "zand", "period_from": 1, "period_to": 2}],
        "demand": [{"id": "d1", "x": 121_000.0, "y": 441_000.0, "tonnes": 80.0, "accepted_classes": ["wonen"],
                    "accepted_soil_types": ["zand"], "period_from": 1, "period_to": 3}],
        "parameters": {"periods": 3},
    }


@pytest.mark.parametrize("path,value,record", [
    (("supply", 0, "tonnes"), True, "supply[s1].tonnes"),
    (("supply", 0, "period_from"), 1.5, "supply[s1]"),
    (("demand", 0, "period_to"), "3", "demand[d1]"),
    (("supply", 0, "soil_type"), "", "supply[s1].soil_type"),
    (("supply", 0, "soil_type"), None, "supply[s1].soil_type"),
    (("supply", 0, "id"), {"a": 1}, "supply[0].id"),
    (("supply", 0, "id"), " ", "supply[0].id"),
])
def test_ambiguous_values_rejected(path, value, record):
    instance = _tiny_instance()
    instance[path[0]][path[1]][path[2]] = value
    with pytest.raises(InputError) as raised:
        load_problem(instance)
    assert raised.value.record == record


def test_whole_float_period_accepted():
    instance = _tiny_instance()
    instance["supply"][0]["period_to"] = 2.0
    assert load_problem(instance).s_to.tolist() == [2]


@pytest.mark.parametrize("arguments", [
    ["--synthetic", "1000000001"],
    ["--synthetic", "10", "--seed", "-1"],
    ["--synthetic", "10", "--depots", "-1"],
    ["--synthetic", "10", "--depots", "100000"],
])
def test_synthetic_bounds_exit_2(arguments, capsys):
    assert main(["match", *arguments]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_bad_thread_count_exits_2(monkeypatch, capsys):
    monkeypatch.setenv("GRONDWERK_MATCHING_THREADS", "abc")
    assert main(["match", "--synthetic", "20"]) == 2
    assert "GRONDWERK_MATCHING_THREADS" in capsys.readouterr().err


def test_unknown_parameter_suggests_nearest():
    with pytest.raises(InputError) as info:
        load_problem(instance_with_parameter("cost_per_tk", 0.2), "instance.json")

    assert info.value.file == "instance.json"
    assert info.value.record == "parameters.cost_per_tk"
    assert info.value.value == "cost_per_tk"
    assert "onbekende parameter 'cost_per_tk'" in str(info.value)
    assert "bedoelt u 'cost_per_tkm'?" in str(info.value)


def test_unknown_parameter_lists_known_keys():
    with pytest.raises(InputError) as info:
        load_problem(instance_with_parameter("kleur", "blauw"), "instance.json")

    message = str(info.value)
    assert "onbekende parameter 'kleur'" in message
    assert "bedoelt u" not in message
    for key in default_parameters()["parameters"]:
        assert key in message


def test_cli_unknown_parameter_exit_2(tmp_path, capsys):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(instance_with_parameter("payload_tonne", 25)), encoding="utf-8")

    assert main(["match", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith(f"ongeldige invoer: {path}: parameters.payload_tonne: onbekende parameter 'payload_tonne'")
    assert "bedoelt u 'payload_tonnes'?" in err


def test_every_default_parameter_accepted():
    instance = copy.deepcopy(INSTANCE)
    instance["parameters"] = dict(default_parameters()["parameters"])

    problem = load_problem(instance, "instance.json")

    assert set(instance["parameters"]) <= set(problem.params)


def test_synthetic_parameters_accepted():
    for depot_capacity in ("shared", "per_heap"):
        instance = generate(20, seed=3, depot_capacity=depot_capacity)

        problem = load_problem(instance, "synthetic")

        assert problem.params["depot_capacity"] == depot_capacity


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("co2_kg_per_tkm", 1e30, "1e+30 kg CO2 per tonkm is meer dan de grens van 2 kg CO2 per tonkm"),
        ("co2_kg_per_tkm", 90, "90.0 kg CO2 per tonkm is meer dan de grens van 2"),
        ("payload_tonnes", 1e-30, "laadvermogen 1e-30 t is minder dan de ondergrens van 1 t"),
        ("payload_tonnes", 0, "laadvermogen 0.0 t is minder dan de ondergrens van 1 t"),
        ("payload_tonnes", 20000, "laadvermogen 20000.0 t is meer dan de grens van 60 t"),
        ("payload_tonnes", 1e30, "laadvermogen 1e+30 t is meer dan de grens van 60 t"),
    ],
)
def test_payload_co2_outside_limits_rejected(name, value, message):
    with pytest.raises(InputError) as info:
        load_problem(instance_with_parameter(name, value), "instance.json")

    assert info.value.record == f"parameters.{name}"
    assert info.value.file == "instance.json"
    assert message in str(info.value)


def test_negative_co2_rejected():
    with pytest.raises(InputError) as info:
        load_problem(instance_with_parameter("co2_kg_per_tkm", -0.09), "instance.json")

    assert info.value.record == "parameters.co2_kg_per_tkm"


@pytest.mark.parametrize(
    ("name", "limit"),
    [("payload_tonnes", "min_payload_tonnes"), ("payload_tonnes", "max_payload_tonnes"), ("co2_kg_per_tkm", "max_co2_kg_per_tkm")],
)
def test_payload_co2_at_limits_accepted(name, limit):
    value = instance_limits()[limit]["value"]

    problem = load_problem(instance_with_parameter(name, value), "instance.json")

    assert problem.params[name] == value


def test_zero_co2_accepted():
    assert load_problem(instance_with_parameter("co2_kg_per_tkm", 0), "instance.json").params["co2_kg_per_tkm"] == 0.0


def test_payload_co2_limits_carry_reason():
    for name in ("min_payload_tonnes", "max_payload_tonnes", "max_co2_kg_per_tkm"):
        limit = instance_limits()[name]
        assert limit["status"] == "policy", name
        assert limit["reason"], name
        assert limit["unit"], name
        assert limit["applies_to"] == [f"parameters.{name.split('_', 1)[1]}"], name


@pytest.mark.parametrize(("name", "value"), [("co2_kg_per_tkm", 1e30), ("payload_tonnes", 1e-30)])
def test_cli_payload_co2_out_of_range_exit_2(tmp_path, capsys, name, value):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(instance_with_parameter(name, value)), encoding="utf-8")

    assert main(["match", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith(f"ongeldige invoer: {path}: parameters.{name}: ")
