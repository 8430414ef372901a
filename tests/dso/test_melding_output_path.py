"""``grondwerk melding build --out`` on a path that cannot be written: exit status 2 and one line."""

from __future__ import annotations

import json

from grondwerk.cli import main
from grondwerk.dossier import Dossier

from dso_factories import flow, partij


def write_run(root, tender) -> Dossier:
    """Write a run folder with the tender, one partij and a proposal that sends it to a demand site."""
    dossier = Dossier(root / "KRW-2027-014" / "run1")
    (dossier.stage_dir("tender") / "tender.json").write_text(json.dumps(tender.to_json()), encoding="utf-8")
    (dossier.stage_dir("classification") / "partijen.json").write_text(json.dumps([partij("MM1", "achtergrondwaarde", 900)]), encoding="utf-8")
    proposal = {"flows": [flow("MM1", "D1", 1200, function_class="achtergrondwaarde")]}
    (dossier.stage_dir("matching") / "proposal.json").write_text(json.dumps(proposal), encoding="utf-8")
    return dossier


def test_out_below_a_file_exits_2(tender, tmp_path, capsys):
    dossier = write_run(tmp_path, tender)
    blocker = tmp_path / "notes.txt"
    blocker.write_text("", encoding="utf-8")
    out = blocker / "meldingen"

    status = main(["melding", "build", str(dossier.path), "--out", str(out), "--today", "2027-01-15"])

    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1
    assert f"--out: kan niet schrijven naar {out}: een deel van het pad is een bestand, geen map" in err
    assert not out.exists()
