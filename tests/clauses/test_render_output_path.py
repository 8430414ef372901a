"""``grondwerk clauses render --out`` on a path that cannot be written: exit status 2 and one line."""

from __future__ import annotations

from grondwerk.cli import main


def test_out_below_a_file_exits_2(demo_dir, tmp_path, capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("", encoding="utf-8")
    out = blocker / "x.docx"

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
