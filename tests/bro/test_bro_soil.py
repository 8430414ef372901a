"""Soil-type groups from BRO soil names and NEN 5104 codes, driven by the versioned data file."""

from __future__ import annotations

import pytest

from grondwerk.bro.soil import group_of_bro_name, group_of_nen5104_code, soil_group_table, soil_group_version


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("sterkSiltigeKlei", "klei"),
        ("zandigeKlei", "klei"),
        ("kleiigZand", "zand"),
        ("siltigZandMetGrind", "zand"),
        ("sterkZandigeKleiMetGrind", "klei"),
        ("zwakZandigGrind", "grind"),
        ("kleiigVeen", "veen"),
        ("mineraalarmVeen", "veen"),
        ("zwakZandigeLeem", "leem"),
        ("sterkZandigSilt", "leem"),
        ("puin", "overig"),
        ("mergelSiltig", "overig"),
        ("", "overig"),
        (None, "overig"),
    ],
)
def test_bro_name_group(name, group):
    assert group_of_bro_name(name) == group


@pytest.mark.parametrize(("code", "group"), [("Kz3h3", "klei"), ("Zg1", "zand"), ("V", "veen"), ("Lz1", "leem"), ("G", "grind"), ("NBE", "overig"), ("", "overig")])
def test_nen5104_code_group(code, group):
    assert group_of_nen5104_code(code) == group


def test_data_file_carries_source_and_version():
    table = soil_group_table()
    assert table["sources"]
    assert table["version"]
    assert soil_group_version() == f"soil_type_groups@{table['version']}"
    assert set(table["main_nouns"].values()) | {table["default_group"]} == {"zand", "klei", "leem", "veen", "grind", "overig"}
