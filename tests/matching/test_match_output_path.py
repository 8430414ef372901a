"""``grondwerk match --out`` and ``--write-instance`` on paths that cannot be written: exit status 2 and one line, before solving."""

from __future__ import annotations

import pytest

from grondwerk.cli import main


@pytest.mark.parametrize("option", ["--out", "--write-instance"])
def test_path_below_a_file_exits_2(tmp_path, capsys, option):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("", encoding="utf-8")
    target = blocker / "result.json"

    status = main(["match", "--synthetic", "10", "--no-flows", option, str(target)])

    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1
    assert f"{option}: kan niet schrijven naar {target}: een deel van het pad is een bestand, geen map" in err


def test_out_is_a_folder_exits_2(tmp_path, capsys):
    status = main(["match", "--synthetic", "10", "--no-flows", "--out", str(tmp_path)])

    assert status == 2
    assert f"kan niet schrijven naar {tmp_path}: dit is een map, geen bestand" in capsys.readouterr().err


def test_out_in_missing_folder_exits_2(tmp_path, capsys):
    target = tmp_path / "missing" / "result.json"

    status = main(["match", "--synthetic", "10", "--no-flows", "--out", str(target)])

    assert status == 2
    assert f"kan niet schrijven naar {target}: de map bestaat niet" in capsys.readouterr().err


def test_unwritable_out_checked_before_solve(tmp_path, capsys, monkeypatch):
    import grondwerk.matching

    def fail_solve(*args, **kwargs):
        raise AssertionError("solve ran although --out cannot be written")

    monkeypatch.setattr(grondwerk.matching, "solve", fail_solve)
    target = tmp_path / "missing" / "result.json"

    status = main(["match", "--synthetic", "10", "--no-flows", "--out", str(target)])

    assert status == 2
    assert f"kan niet schrijven naar {target}: de map bestaat niet" in capsys.readouterr().err


def test_out_check_leaves_no_empty_file(tmp_path, capsys):
    instance = tmp_path / "instance.json"
    instance.write_text('{"supply": [{"id": "lot-1", "x": 1e12, "y": 450000, "tonnes": 5}], "demand": []}', encoding="utf-8")
    target = tmp_path / "result.json"

    status = main(["match", str(instance), "--out", str(target)])

    assert status == 2
    assert "supply[lot-1].x" in capsys.readouterr().err
    assert not target.exists()


def test_out_check_keeps_existing_file(tmp_path, capsys):
    instance = tmp_path / "instance.json"
    instance.write_text('{"supply": [{"id": "lot-1", "x": 1e12, "y": 450000, "tonnes": 5}], "demand": []}', encoding="utf-8")
    target = tmp_path / "result.json"
    target.write_text("earlier result\n", encoding="utf-8")

    assert main(["match", str(instance), "--out", str(target)]) == 2
    assert target.read_text(encoding="utf-8") == "earlier result\n"
