"""``grondwerk match --out`` and ``--write-instance`` on paths that cannot be written: exit status 2 and one line."""

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
