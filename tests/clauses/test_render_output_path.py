"""``grondwerk clauses render --out`` takes a folder. A new path named like a file, or one that cannot be written, exits with status 2."""

from __future__ import annotations

import pytest

from grondwerk.cli import main


def test_out_below_a_file_exits_2(demo_dir, tmp_path, capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("", encoding="utf-8")
    out = blocker / "clauses"

    status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(out)])

    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1
    assert f"kan niet schrijven naar {out}: een deel van het pad is een bestand, geen map" in err
    assert "kies met --out een pad waar u mag schrijven" in err


def test_out_is_an_existing_file_exits_2(demo_dir, tmp_path, capsys):
    out = tmp_path / "clauses.docx"
    out.write_text("", encoding="utf-8")

    status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(out)])

    assert status == 2
    assert f"kan niet schrijven naar {out}: er staat al een bestand met deze naam" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["x.docx", "x.html", "bestek.JSON"])
def test_out_with_file_suffix_exits_2(demo_dir, tmp_path, capsys, name):
    out = tmp_path / name

    status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(out)])

    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1
    assert f"--out: {out} eindigt op {out.suffix}, maar --out is de map waarin clauses.html, clauses.docx en clauses.json komen" in err
    assert f"geef een map, bijvoorbeeld {out.with_suffix('')}" in err
    assert not out.exists()


def test_existing_folder_with_suffix_is_used(demo_dir, tmp_path, capsys):
    out = tmp_path / "x.docx"
    out.mkdir()

    status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(out)])

    assert status == 0
    assert sorted(path.name for path in out.iterdir()) == ["clauses.docx", "clauses.html", "clauses.json"]


def test_out_folder_without_suffix_is_created(demo_dir, tmp_path, capsys):
    out = tmp_path / "nieuw" / "bestek"

    assert main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(out)]) == 0
    assert (out / "clauses.docx").is_file()
