"""Lab-export reader (CSV and XLSX) on fixture files made for these tests."""

from __future__ import annotations

import csv
import math

import pytest
from grondwerk.errors import InputError
from grondwerk.inspection import detect_format, read_inspection
from grondwerk.inspection.labexport import parse_number, split_value
from hypothesis import given
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def semicolon(fixtures_dir):
    return read_inspection(fixtures_dir / "lab_export_semicolon.csv")


def _row(data, sample, parameter):
    rows = data.analyses[(data.analyses.sample_id == sample) & (data.analyses.parameter_code == parameter)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_semicolon_counts_add_up(semicolon):
    summary = semicolon.summary
    assert summary["format"] == "lab-csv"
    assert summary["investigation_id"] == "LAB-2026-0412"
    assert summary["rows_in"] == 15
    assert summary["rows_out"] == 9
    assert summary["rows_quarantined"] == 6
    assert summary["below_limit"] == 4


def test_thousands_dot_and_decimal_comma(semicolon):
    zinc = _row(semicolon, "MM01", "Zn")
    assert zinc.value == 1234.5
    assert zinc.unit == "mg/kg"
    assert zinc.condition == "dg"


def test_limit_symbol_inside_value(semicolon):
    pak = _row(semicolon, "MM01", "sPAK10")
    assert pak.limit_symbol == "<"
    assert pak.value == 0.35
    copper = _row(semicolon, "MM02", "Cu")
    assert copper.limit_symbol == "<"
    assert copper.value == 5.0


def test_micrograms_normalised_with_conversion(semicolon):
    pcb = _row(semicolon, "MM01", "PCB28")
    assert pcb.value == pytest.approx(0.001)
    assert pcb.unit == "mg/kg"
    assert pcb.value_delivered == 1.0
    assert pcb.unit_delivered == "µg/kg ds"
    assert pcb.conversion == "ug/kg -> mg/kg x 0.001"
    assert pcb.limit_symbol == "<"
    assert pcb.cas_number == "7012-37-5"


def test_lab_parameter_names_resolved(semicolon):
    assert _row(semicolon, "MM01", "sPCB7").value == pytest.approx(0.01332)
    oil = _row(semicolon, "MM02", "minrlole")
    assert oil.condition == "C10C40dg"
    lutum = _row(semicolon, "MM01", "KGF")
    assert lutum.condition == "Dk0002"
    assert lutum.unit == "%"


def test_mixed_sample_from_subsample_column(semicolon):
    lead = _row(semicolon, "MM01", "Pb")
    assert lead.sample_type == "mengmonster"
    assert lead.combined_samples == "B01-1;B02-1;B03-1"
    assert lead.top_m_bgl == 0.0
    assert lead.bottom_m_bgl == 0.5
    assert lead.lab == "Lab Oost"
    assert lead.analysis_date == "2026-03-12"


QUARANTINE_REASONS = [
    ("line 9", "dubbele regel, gelijk aan line 2"),
    ("line 12", "waarde 'n.b.' is geen getal"),
    ("line 13", "parameter 'Chloroform' is onbekend"),
    ("line 14", "concentratie in water"),
    ("line 15", "monster zonder resultaten"),
    ("line 16", "monsternummer ontbreekt"),
]


@pytest.mark.parametrize(("record", "reason"), QUARANTINE_REASONS)
def test_bad_rows_quarantined_with_reason(semicolon, record, reason):
    rows = semicolon.quarantine[semicolon.quarantine.source_record == record]
    assert len(rows) == 1
    assert reason in rows.iloc[0].reason_nl
    assert rows.iloc[0].reason_en
    assert rows.iloc[0].raw


def test_sample_without_results_listed(semicolon):
    samples = semicolon.samples.set_index("sample_id")
    assert bool(samples.loc["MM03", "analysed"]) is False
    assert bool(samples.loc["MM01", "analysed"]) is True
    assert samples.loc["MM01", "lutum_pct"] == 5.4
    assert samples.loc["MM01", "organic_matter_pct"] == 6.0
    assert math.isnan(samples.loc["MM02", "lutum_pct"])


def test_comma_separated_with_decimal_point(fixtures_dir):
    data = read_inspection(fixtures_dir / "lab_export_comma.csv")
    assert data.summary["rows_in"] == 4
    assert data.summary["rows_quarantined"] == 0
    assert _row(data, "S1", "Pb").value == 1234.5
    cadmium = _row(data, "S1", "Cd")
    assert cadmium.limit_symbol == "<"
    assert cadmium.value == 0.35
    assert _row(data, "S1", "PCB52").value == pytest.approx(0.0025)
    assert data.summary["investigation_id"] == "lab_export_comma"


def test_xlsx_reads_like_csv(fixtures_dir, semicolon, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Resultaten"
    with open(fixtures_dir / "lab_export_semicolon.csv", encoding="utf-8", newline="") as handle:
        for index, row in enumerate(csv.reader(handle, delimiter=";")):
            cells = list(row)
            # Plain numbers become numeric cells as a lab's spreadsheet stores them.
            if index and cells[8].replace(",", "").isdigit():
                cells[8] = float(cells[8].replace(",", "."))
            sheet.append(cells)
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    assert detect_format(path) == "lab-xlsx"
    data = read_inspection(path)
    assert data.summary["rows_in"] == semicolon.summary["rows_in"]
    assert data.summary["rows_quarantined"] == semicolon.summary["rows_quarantined"]
    columns = ["sample_id", "parameter_code", "value", "unit", "limit_symbol", "condition"]
    assert data.analyses[columns].equals(semicolon.analyses[columns])
    assert data.quarantine.source_record.tolist()[0] == "Resultaten row 9"


def test_windows_1252_export(tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes("monster;parameter;waarde;eenheid\nA1;Lood;12,5;µg/kg ds\n".encode("cp1252"))
    data = read_inspection(path)
    assert _row(data, "A1", "Pb").value == pytest.approx(0.0125)


def test_water_unit_accepted_for_groundwater(tmp_path):
    path = tmp_path / "gw.csv"
    path.write_text("monster;matrix;parameter;waarde;eenheid\nPB1-1;grondwater;Zink;<20;µg/l\n", encoding="utf-8")
    data = read_inspection(path)
    zinc = _row(data, "PB1-1", "Zn")
    assert zinc.unit == "ug/l"
    assert zinc.limit_symbol == "<"


def test_missing_columns_rejected(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("monster;stof\nA;Lood\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_inspection(path)
    assert "value, unit" in str(error.value)
    assert error.value.record == "header"


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("1.234,5", True, 1234.5),
        ("0,35", True, 0.35),
        ("1.234.567", True, 1234567.0),
        ("1,234.5", False, 1234.5),
        ("0.35", False, 0.35),
        ("12", True, 12.0),
    ],
)
def test_parse_number(text, decimal_comma, expected):
    assert parse_number(text, decimal_comma) == expected


@pytest.mark.parametrize(("cell", "expected"), [("<0,35", (0.35, "<")), ("> 10", (10.0, ">")), ("=5", (5.0, "")), (7, (7.0, ""))])
def test_split_value(cell, expected):
    assert split_value(cell, True) == expected


def test_split_value_rejects_text():
    with pytest.raises(ValueError):
        split_value("n.b.", True)


@given(st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False, allow_infinity=False))
def test_parse_number_round_trip(number):
    english = f"{number:,.3f}"
    dutch = english.replace(",", "_").replace(".", ",").replace("_", ".")
    assert parse_number(dutch, decimal_comma=True) == float(number)
    assert parse_number(english, decimal_comma=False) == float(number)
