"""Upper bound on the tonnes of a matching instance: reject with exit status 2 instead of overflowing the solver."""

from __future__ import annotations

import copy
import json

import pytest

from grondwerk.cli import main
from grondwerk.errors import InputError
from grondwerk.matching.instance import load_problem, max_tonnes
from grondwerk.tender import MAX_VOLUME_M3

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
