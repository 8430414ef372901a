"""Negative values in a lab export (CSV and XLSX) go to quarantine under the rule ``value_not_negative``."""

from __future__ import annotations

import pytest
from grondwerk.cli import main
from grondwerk.inspection import read_inspection

EXPORT = (
    "monster;parameter;waarde;eenheid\n"
    "A1;Lood;-27;mg/kg ds\n"
    "A1;Zink;<-5;mg/kg ds\n"
    "A1;Koper;12;mg/kg ds\n"
    "A1;Nikkel;0;mg/kg ds\n"
)


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text(EXPORT, encoding="utf-8")
    return path


def reasons(data) -> dict[str, str]:
    return dict(zip(data.quarantine.source_record, data.quarantine.reason_nl))


def test_negative_values_quarantined(export):
    data = read_inspection(export)

    assert reasons(data) == {
        "line 2": "value_not_negative: waarde '-27' van 'Lood' is negatief; gehalten zijn 0 of groter. "
                  "Controleer de negatieve waarde bij het lab.",
        "line 3": "value_not_negative: waarde '<-5' van 'Zink' is negatief; gehalten zijn 0 of groter. "
                  "Controleer de negatieve waarde bij het lab.",
    }
    assert sorted(data.analyses.parameter_code) == ["Cu", "Ni"]
    assert (data.analyses.value >= 0).all()


def test_negative_value_counts_add_up(export):
    summary = read_inspection(export).summary

    assert summary["rows_in"] == 4
    assert summary["rows_out"] == 2
    assert summary["rows_quarantined"] == 2
    assert summary["rows_in"] == summary["rows_out"] + summary["rows_quarantined"]


def test_negative_value_reason_in_english(export):
    data = read_inspection(export)

    reason = dict(zip(data.quarantine.source_record, data.quarantine.reason_en))["line 2"]
    assert reason.startswith("value_not_negative: value '-27' of 'Lood' is negative")


def test_negative_numeric_xlsx_cell_quarantined(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Resultaten"
    sheet.append(["monster", "parameter", "waarde", "eenheid"])
    sheet.append(["A1", "Lood", -27.0, "mg/kg ds"])
    sheet.append(["A1", "Koper", 12.0, "mg/kg ds"])
    path = tmp_path / "lab.xlsx"
    workbook.save(path)

    data = read_inspection(path)

    assert list(data.quarantine.source_record) == ["Resultaten row 2"]
    assert data.quarantine.reason_nl.iloc[0].startswith("value_not_negative: waarde '-27' van 'Lood' is negatief")
    assert list(data.analyses.parameter_code) == ["Cu"]


def test_classify_skips_negative_lead(export, capsys):
    assert main(["classify", str(export), "--format", "json", "--explain"]) == 0

    captured = capsys.readouterr()
    assert "-27" not in captured.out
    assert f"{export}: line 2: in quarantaine: value_not_negative: waarde '-27' van 'Lood' is negatief" in captured.err
    assert "4 regels gelezen: 2 analyseregels, 2 in quarantaine" in captured.err
