"""``grondwerk clauses render --out`` takes a folder. A new path named like a file, or one that cannot be written, exits with status 2."""

from __future__ import annotations

import os

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


def test_out_name_too_long_exits_2(demo_dir, tmp_path, capsys):
    out = tmp_path / ("a" * 300 + ".docx")

    status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(out)])

    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1
    assert f"--out: kan niet schrijven naar {out}: de naam is te lang" in err


def test_unwritable_out_checked_before_render(demo_dir, tmp_path, capsys, monkeypatch):
    import grondwerk.clauses.render

    def fail_render(*args, **kwargs):
        raise AssertionError("render_clauses ran although --out cannot be written")

    monkeypatch.setattr(grondwerk.clauses.render, "render_clauses", fail_render)
    out = tmp_path / "bestek"
    (out / "clauses.html").mkdir(parents=True)

    status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(out)])

    assert status == 2
    assert f"kan niet schrijven naar {out / 'clauses.html'}: dit is een map, geen bestand" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_out_in_folder_without_access_exits_2(demo_dir, tmp_path, capsys):
    parent = tmp_path / "geen-toegang"
    parent.mkdir()
    parent.chmod(0o400)
    out = parent / "bestek.docx"
    try:
        status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(out)])
    finally:
        parent.chmod(0o700)

    assert status == 2
    assert f"kan niet schrijven naar {out}: geen schrijfrechten" in capsys.readouterr().err


def test_out_check_leaves_no_folder(demo_dir, tmp_path, capsys):
    out = tmp_path / "nieuw" / "bestek"

    status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(out), "--partijen", str(tmp_path / "geen.json")])

    assert status == 2
    assert "geen.json" in capsys.readouterr().err
    assert not (tmp_path / "nieuw").exists()


def test_out_check_keeps_existing_files(demo_dir, tmp_path, capsys):
    out = tmp_path / "bestek"
    out.mkdir()
    (out / "clauses.html").write_text("earlier clauses\n", encoding="utf-8")

    status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(out), "--partijen", str(tmp_path / "geen.json")])

    assert status == 2
    assert sorted(path.name for path in out.iterdir()) == ["clauses.html"]
    assert (out / "clauses.html").read_text(encoding="utf-8") == "earlier clauses\n"
