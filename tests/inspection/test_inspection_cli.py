"""``grondwerk inspection read`` through the command-line entry point."""

from __future__ import annotations

import csv
import io
import json

from grondwerk.cli import main


def test_read_prints_analyses_csv(sad_file, capsys):
    assert main(["inspection", "read", str(sad_file)]) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert len(rows) == 554
    assert "554 metingen gelezen" in captured.err
    assert "194 onder de rapportagegrens" in captured.err


def test_read_json_has_all_tables(fixtures_dir, capsys):
    assert main(["inspection", "read", str(fixtures_dir / "lab_export_semicolon.csv"), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["rows_in"] == 15
    assert len(document["analyses"]) == 9
    assert len(document["quarantine"]) == 6
    assert document["samples"][2]["lutum_pct"] is None


def test_read_quarantine_table(fixtures_dir, capsys):
    assert main(["inspection", "read", str(fixtures_dir / "lab_export_semicolon.csv"), "--table", "quarantine"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["source_record"] for row in rows] == ["line 9", "line 12", "line 13", "line 14", "line 15", "line 16"]


def test_invalid_file_exits_2_with_one_line(tmp_path, capsys):
    path = tmp_path / "x.xml"
    path.write_text("<a>", encoding="utf-8")
    assert main(["inspection", "read", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("ongeldige invoer:")
    assert str(path) in err[0]


def test_english_messages(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GRONDWERK_LANG", "en")
    assert main(["inspection", "read", str(tmp_path / "missing.csv")]) == 2
    assert "inspection file not found" in capsys.readouterr().err
