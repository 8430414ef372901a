"""Deadline, exemption and storage rules of ``melding_rules.json``, each with the source it rests on."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from grondwerk.dso.rules import RULES_FILE, MeldingRules, load_rules

START = dt.date(2027, 3, 1)


@pytest.fixture
def rules() -> MeldingRules:
    return load_rules()


def test_rules_file_has_sources(rules):
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    assert data["version"]
    assert data["valid_from"] == "2024-01-01"
    for rule in [*data["deadlines"].values(), *data["exemptions"]]:
        assert rule["sources"], rule
        for source in rule["sources"]:
            assert source in data["sources"], source


def test_deadline_one_week_before_start(rules):
    # Source: bouwmagazine.nl, leeuwarden.nl, ruddrenthe.nl, cumela.nl (one calendar week, since 2024-01-01).
    deadline = rules.deadline(START)
    assert deadline.date == dt.date(2027, 2, 22)
    assert deadline.days_before_start == 7
    assert deadline.rule_id == "default"
    assert "cumela" in deadline.sources


def test_deadline_four_weeks_for_cleaned_soil(rules):
    # Source: bouwmagazine.nl (gereinigde grond, BRL SIKB 7500).
    deadline = rules.deadline(START, cleaned_soil=True)
    assert deadline.date == dt.date(2027, 2, 1)
    assert deadline.rule_id == "cleaned_soil_brl7500"


def test_deadline_four_weeks_for_deep_lake(rules):
    # Source: bouwmagazine.nl (opvullen van een diepe plas).
    deadline = rules.deadline(START, deep_lake=True)
    assert deadline.date == dt.date(2027, 2, 1)
    assert deadline.rule_id == "deep_lake_filling"


def test_deadline_crosses_year_boundary(rules):
    assert rules.deadline(dt.date(2027, 1, 3)).date == dt.date(2026, 12, 27)


@pytest.mark.parametrize(
    ("volume_m3", "exempt"),
    [(10.0, True), (50.0, True), (50.01, False), (500.0, False)],
)
def test_background_exemption_up_to_50_m3(rules, volume_m3, exempt):
    # Source: leeuwarden.nl ("maximaal 50 m3 grond die aan de achtergrondwaarde voldoet", with a milieuverklaring).
    result = rules.exemption(quality_class="achtergrondwaarde", destination_volume_m3=volume_m3, notifier_kind="opdrachtgever", has_verklaring=True)
    assert (result is not None) is exempt
    if exempt:
        assert result.rule_id == "background_quality_small_volume"


def test_background_exemption_needs_verklaring(rules):
    result = rules.exemption(quality_class="achtergrondwaarde", destination_volume_m3=20, notifier_kind="opdrachtgever", has_verklaring=False)
    assert result is None


def test_strict_reading_excludes_exactly_50_m3():
    # The old Bbk art. 42 lid 8 wrote "minder dan 50 m3"; max_inclusive=false selects that reading.
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    data["exemptions"][0]["max_inclusive"] = False
    strict = MeldingRules(data)
    assert strict.exemption(quality_class="achtergrondwaarde", destination_volume_m3=50, notifier_kind="opdrachtgever", has_verklaring=True) is None
    assert strict.exemption(quality_class="achtergrondwaarde", destination_volume_m3=49.9, notifier_kind="opdrachtgever", has_verklaring=True) is not None


@pytest.mark.parametrize("quality_class", ["wonen", "industrie"])
def test_wonen_and_industrie_always_need_melding(rules, quality_class):
    # Source: cumela.nl ("klasse wonen en industrie altijd melden"), even below every volume limit.
    for notifier_kind, flags in (("opdrachtgever", frozenset()), ("particulier", frozenset({"same_agricultural_business"}))):
        result = rules.exemption(quality_class=quality_class, destination_volume_m3=1, notifier_kind=notifier_kind, has_verklaring=True, destination_flags=flags)
        assert result is None


def test_private_person_exemption_up_to_25_m3(rules):
    # Source: leeuwarden.nl (particulier tot 25 m3).
    exempt = rules.exemption(quality_class="achtergrondwaarde", destination_volume_m3=25, notifier_kind="particulier", has_verklaring=False)
    not_exempt = rules.exemption(quality_class="achtergrondwaarde", destination_volume_m3=26, notifier_kind="particulier", has_verklaring=False)
    assert exempt is not None
    assert exempt.rule_id == "private_person_small_volume"
    assert not_exempt is None


def test_same_agricultural_business_exemption(rules):
    # Source: leeuwarden.nl and Bbk art. 42 lid 8 (binnen hetzelfde landbouwbedrijf).
    result = rules.exemption(quality_class="achtergrondwaarde", destination_volume_m3=5000, notifier_kind="opdrachtgever", has_verklaring=False, destination_flags=frozenset({"same_agricultural_business"}))
    assert result is not None
    assert result.rule_id == "same_agricultural_business"


def test_return_after_removal_up_to_25_m3(rules):
    # Source: Stb. 2024, 330 (Bal art. 3.48o lid 3).
    flags = frozenset({"return_after_temporary_removal"})
    assert rules.exemption(quality_class="achtergrondwaarde", destination_volume_m3=25, notifier_kind="opdrachtgever", has_verklaring=False, destination_flags=flags).rule_id == "return_after_temporary_removal"
    assert rules.exemption(quality_class="achtergrondwaarde", destination_volume_m3=60, notifier_kind="opdrachtgever", has_verklaring=False, destination_flags=flags) is None


@pytest.mark.parametrize(
    ("kind", "months", "allowed", "final_destination_required"),
    [
        ("kortdurend", 6, True, False),
        ("kortdurend", 7, False, True),
        ("tijdelijk_landbodem", 36, True, True),
        ("tijdelijk_landbodem", 37, False, True),
        ("tijdelijk_oppervlaktewater", 120, True, True),
        ("weilanddepot", 40, False, True),
        ("tijdelijk_landbodem", 3, True, False),
    ],
)
def test_storage_limits(rules, kind, months, allowed, final_destination_required):
    # Source: Bbk art. 35 h/i and bodemplus FAQ (opslagduren); Bal equivalents unconfirmed.
    check = rules.storage(kind, months)
    assert check.allowed is allowed
    assert check.final_destination_required is final_destination_required


def test_storage_during_removal_needs_no_melding(rules):
    check = rules.storage("tijdelijke_uitname", 18)
    assert check.allowed is True
    assert check.melding_required is False


@pytest.mark.parametrize(
    ("quality_class", "function_class", "fits"),
    [("achtergrondwaarde", "achtergrondwaarde", True), ("wonen", "achtergrondwaarde", False), ("wonen", "industrie", True), ("industrie", "wonen", False), ("niet_toepasbaar", "industrie", False)],
)
def test_class_fits_bodemfunctieklasse(rules, quality_class, function_class, fits):
    assert rules.class_fits(quality_class, function_class) is fits
