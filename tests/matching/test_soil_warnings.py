"""Soil types outside the project's list, or on one side of the market only: a warning in the output, no rejection."""

from __future__ import annotations

import copy
import json
import logging

from grondwerk.cli import main
from grondwerk.matching import solve
from grondwerk.matching.instance import load_problem
from grondwerk.tender import SOIL_TYPE_GROUPS

INSTANCE = {
    "supply": [{"id": "lot-1", "x": 100_000, "y": 450_000, "tonnes": 1000, "class": "wonen", "soil_type": "zand"}],
    "demand": [{"id": "site-1", "x": 101_000, "y": 451_000, "tonnes": 800, "accepted_classes": ["wonen"], "accepted_soil_types": ["zand"]}],
}


def instance_with_soils(supply_soils: list[str], demand_soils: list[list[str]]) -> dict:
    instance = copy.deepcopy(INSTANCE)
    lot, site = instance["supply"][0], instance["demand"][0]
    instance["supply"] = [lot | {"id": f"lot-{n}", "soil_type": soil} for n, soil in enumerate(supply_soils, 1)]
    instance["demand"] = [site | {"id": f"site-{n}", "accepted_soil_types": soils} for n, soils in enumerate(demand_soils, 1)]
    return instance


def warnings_of(instance: dict) -> list[str]:
    return [str(warning) for warning in load_problem(instance, "instance.json").warnings]


def test_vocabulary_soils_give_no_warning():
    instance = instance_with_soils(list(SOIL_TYPE_GROUPS), [list(SOIL_TYPE_GROUPS)])

    assert warnings_of(instance) == []


def test_soil_type_case_and_spaces_ignored():
    instance = instance_with_soils([" Zand "], [["ZAND"]])

    assert warnings_of(instance) == []


def test_unknown_soil_type_warned_not_rejected():
    instance = instance_with_soils(["kaas", "zand"], [["kaas", "zand"]])

    problem = load_problem(instance, "instance.json")

    assert problem.soil_types == ["kaas", "zand"]
    warnings = [str(warning) for warning in problem.warnings]
    assert len(warnings) == 1
    assert warnings[0].startswith("grondsoort 'kaas' staat niet in de lijst van het project (zand, klei, leem, veen, grind, gemengd, overig)")
    assert "gebruikt door supply[lot-1], demand[site-1]" in warnings[0]


def test_unknown_soil_type_logged_once(caplog):
    instance = instance_with_soils(["kaas", "kaas", "zand"], [["kaas"], ["kaas", "zand"]])

    with caplog.at_level(logging.WARNING, logger="grondwerk.matching.instance"):
        load_problem(instance, "instance.json")

    records = [record.getMessage() for record in caplog.records if "'kaas'" in record.getMessage()]
    assert len(records) == 1
    assert "soil type 'kaas' is not in the project's list" in records[0]
    assert "supply[lot-1], supply[lot-2], demand[site-1], demand[site-2]" in records[0]


def test_supply_soil_without_demand_warned():
    instance = instance_with_soils(["zand", "veen"], [["zand"]])

    warnings = warnings_of(instance)

    assert warnings == ["grondsoort 'veen' van supply[lot-2] wordt door geen enkele vraaglocatie geaccepteerd; "
                        "deze grond kan nooit gematcht worden en gaat naar afvoer"]


def test_demand_soil_without_supply_warned():
    instance = instance_with_soils(["zand"], [["zand"], ["zand", "grind"], ["grind"]])

    warnings = warnings_of(instance)

    assert len(warnings) == 1
    assert warnings[0].startswith("grondsoort 'grind' wordt geaccepteerd door demand[site-2], demand[site-3], maar geen partij in het aanbod (supply) heeft deze grondsoort")


def test_misspelled_soil_gives_three_warnings():
    instance = instance_with_soils(["zandd"], [["zand"]])

    warnings = warnings_of(instance)

    assert len(warnings) == 3
    assert warnings[0].startswith("grondsoort 'zandd' staat niet in de lijst van het project")
    assert warnings[1].startswith("grondsoort 'zandd' van supply[lot-1] wordt door geen enkele vraaglocatie geaccepteerd")
    assert warnings[2].startswith("grondsoort 'zand' wordt geaccepteerd door demand[site-1], maar geen partij in het aanbod (supply)")


def test_many_records_named_in_part():
    instance = instance_with_soils(["kaas"] * 12, [["kaas"]])

    warnings = warnings_of(instance)

    assert len(warnings) == 1
    assert "gebruikt door supply[lot-1], supply[lot-2], supply[lot-3], supply[lot-4], supply[lot-5] en 8 andere" in warnings[0]
    assert "supply[lot-6]" not in warnings[0]


def test_warning_in_english(monkeypatch):
    monkeypatch.setenv("GRONDWERK_LANG", "en")
    instance = instance_with_soils(["zand", "veen"], [["zand"]])

    assert warnings_of(instance) == ["soil type 'veen' of supply[lot-2] is accepted by no demand site; this soil can never be matched and goes to disposal"]


def test_solve_output_lists_warnings():
    result = solve(instance_with_soils(["kaas"], [["kaas"]]), "instance.json")

    assert len(result["warnings"]) == 1
    assert "grondsoort 'kaas'" in result["warnings"][0]
    assert result["totals"]["matched_tonnes"] == 800.0


def test_solve_output_has_empty_warnings():
    assert solve(copy.deepcopy(INSTANCE), "instance.json")["warnings"] == []


def test_cli_output_lists_warnings(tmp_path, capsys):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(instance_with_soils(["kaas"], [["kaas"]])), encoding="utf-8")

    assert main(["match", str(path), "--no-flows"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["warnings"]) == 1
    assert result["warnings"][0].startswith("grondsoort 'kaas' staat niet in de lijst van het project")
