"""The suite files in checks/ and their loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grondwerk import settings
from grondwerk.errors import InputError
from grondwerk.quality.suites import SEVERITIES, SUITE_NAMES, load_suite, load_suites


def test_every_suite_loads_with_version():
    suites = load_suites()
    assert sorted(suites) == sorted(SUITE_NAMES)
    for name, suite in suites.items():
        assert suite.name == name
        assert suite.version
        assert suite.valid_from
        assert suite.expectations


def test_every_expectation_has_severity_and_texts():
    for suite in load_suites().values():
        for spec in suite.expectations:
            assert spec.severity in SEVERITIES
            assert spec.description_nl and spec.description_en
            assert spec.fix_nl and spec.fix_en


def test_settings_fill_expectation_arguments():
    analyses = load_suite("analyses")
    raw = json.loads((settings.checks_dir() / "analyses.json").read_text(encoding="utf-8"))
    assert analyses.expectation("unit_allowed").kwargs["value_set"] == raw["settings"]["allowed_units"]["value"]
    assert analyses.expectation("no_duplicate_measurements").kwargs["column_list"] == ["investigation_id", "sample_id", "parameter_code", "condition"]


def test_unconfirmed_age_is_marked_in_data():
    raw = json.loads((settings.checks_dir() / "samples.json").read_text(encoding="utf-8"))
    age = raw["settings"]["max_investigation_age_years"]
    assert age["status"] == "UNCONFIRMED"
    assert load_suite("samples").expectation("investigation_recent").kwargs["max_value"] == age["value"]


def _write_suite(folder: Path, expectation: dict) -> None:
    suite = {
        "suite": "analyses", "version": "9", "valid_from": "2026-01-01", "dataset": "x.csv",
        "settings": {"units": {"value": ["mg/kg"]}},
        "expectations": [expectation],
    }
    (folder / "analyses.json").write_text(json.dumps(suite), encoding="utf-8")


EXPECTATION = {
    "id": "unit", "type": "expect_column_values_to_be_in_set", "kwargs": {"column": "unit", "value_set": "$units"},
    "severity": "critical", "scope": "row",
    "description": {"nl": "Eenheid", "en": "Unit"}, "fix": {"nl": "Herstel", "en": "Fix"},
}


def test_unknown_setting_is_rejected(tmp_path: Path):
    _write_suite(tmp_path, {**EXPECTATION, "kwargs": {"column": "unit", "value_set": "$nope"}})
    with pytest.raises(InputError) as error:
        load_suite("analyses", tmp_path)
    assert "$nope" in str(error.value)
    assert error.value.file == str(tmp_path / "analyses.json")


def test_unknown_severity_is_rejected(tmp_path: Path):
    _write_suite(tmp_path, {**EXPECTATION, "severity": "fatal"})
    with pytest.raises(InputError) as error:
        load_suite("analyses", tmp_path)
    assert "fatal" in str(error.value)


def test_missing_dutch_text_is_rejected(tmp_path: Path):
    _write_suite(tmp_path, {**EXPECTATION, "description": {"en": "Unit"}})
    with pytest.raises(InputError):
        load_suite("analyses", tmp_path)


def test_missing_suite_file_is_reported(tmp_path: Path):
    with pytest.raises(InputError) as error:
        load_suite("analyses", tmp_path)
    assert "ontbreekt" in str(error.value)


def test_invalid_json_names_line(tmp_path: Path):
    (tmp_path / "analyses.json").write_text('{"suite": "analyses",\n oops}', encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_suite("analyses", tmp_path)
    assert error.value.record == "line 2"
