"""Rows of the long CSV that cannot be used: negative values, non-numbers and extra fields go to quarantine."""

from __future__ import annotations

import json

import pytest

from grondwerk.classification.longcsv import read_long_csv
from grondwerk.cli import main

# Rows 2 to 9 of the file; rows 3, 4, 5, 7 and 8 cannot be used.
LONG_CSV = (
    "sample_id;parameter;value;unit;limit_symbol\n"
    "A;zink;150;mg/kg;\n"
    "A;lood;-60;mg/kg;\n"
    "A;cadmium;<-0,2;mg/kg;\n"
    "A;koper;-1,5;mg/kg;\n"
    "A;lutum;25;%;\n"
    "A;nikkel;NaN;mg/kg;\n"
    "A;kwik;inf;mg/kg;\n"
    "B;lood;40;mg/kg;;extra\n"
)


@pytest.fixture
def long_csv(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text(LONG_CSV, encoding="utf-8")
    return path


def reasons_by_row(quarantine, language="nl"):
    return dict(zip(quarantine["source_record"], quarantine[f"reason_{language}"]))


def test_row_counts_add_up(long_csv):
    analyses, quarantine = read_long_csv(long_csv)

    assert len(analyses) == 2
    assert len(quarantine) == 6
    assert len(analyses) + len(quarantine) == LONG_CSV.count("\n") - 1


def test_negative_values_quarantined(long_csv):
    analyses, quarantine = read_long_csv(long_csv)
    reasons = reasons_by_row(quarantine)

    assert (analyses["value"] >= 0).all()
    assert reasons["regel 3"] == (
        "value_not_negative: waarde '-60' van 'lood' is negatief; gehalten zijn 0 of groter. "
        "Controleer de negatieve waarde bij het lab."
    )
    assert "'<-0,2' van 'cadmium'" in reasons["regel 4"]
    assert "'-1,5' van 'koper'" in reasons["regel 5"]
    assert set(quarantine["source_file"]) == {str(long_csv)}


def test_negative_value_reason_in_english(long_csv):
    _, quarantine = read_long_csv(long_csv)

    assert reasons_by_row(quarantine, "en")["regel 3"].startswith("value_not_negative: value '-60' of 'lood' is negative")


def test_nan_and_infinity_are_not_numbers(long_csv):
    _, quarantine = read_long_csv(long_csv)
    reasons = reasons_by_row(quarantine)

    assert reasons["regel 7"] == "waarde 'NaN' is geen getal"
    assert reasons["regel 8"] == "waarde 'inf' is geen getal"


def test_extra_field_quarantined(long_csv):
    _, quarantine = read_long_csv(long_csv)
    row = quarantine[quarantine["source_record"] == "regel 9"].iloc[0]

    assert row["reason_nl"].startswith("regel heeft 1 veld(en) meer dan de kop")
    assert row["raw"] == "B;lood;40;mg/kg;;extra"


def test_cli_names_row_and_value(long_csv, capsys):
    status = main(["classify", str(long_csv), "--format", "json"])
    captured = capsys.readouterr()
    records = json.loads(captured.out)

    assert status == 0
    assert [record["sample_id"] for record in records] == ["A"]
    assert f"{long_csv}: regel 3: in quarantaine: value_not_negative: waarde '-60' van 'lood' is negatief" in captured.err
    assert "8 regels gelezen: 2 analyseregels, 6 in quarantaine" in captured.err


def test_cli_messages_in_english(long_csv, capsys, monkeypatch):
    monkeypatch.setenv("GRONDWERK_LANG", "en")

    assert main(["classify", str(long_csv)]) == 0
    err = capsys.readouterr().err
    assert f"{long_csv}: regel 3: quarantined: value_not_negative: value '-60' of 'lood' is negative" in err
    assert "8 rows read: 2 analysis rows, 6 quarantined" in err
