"""``grondwerk clauses render`` on the demo tender and on scenario files."""

from __future__ import annotations

import json

from grondwerk.cli import main
from grondwerk.clauses.docx_writer import docx_text

from .conftest import SCENARIOS


def test_render_demo_tender_without_partijen(demo_dir, tmp_path, capsys):
    status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(tmp_path / "out")])

    output = capsys.readouterr().out
    record = json.loads((tmp_path / "out" / "clauses.json").read_text(encoding="utf-8"))
    assert status == 0
    assert "Artikel 1. Eigendom van vrijkomende grond en baggerspecie [eigendom: standaard]" in output
    assert "partijkeuring" in output
    assert record["clauses"][0]["id"] == "eigendom"
    assert record["facts"]["has_unclassified"] is True
    assert {clause["id"]: clause["variant"] for clause in record["clauses"]}["kwaliteit"] == "nog_niet_geclassificeerd"
    assert docx_text(tmp_path / "out" / "clauses.docx")[0] == "Bestekteksten grond en baggerspecie"


def test_render_with_partijen_proposal_and_choices(demo_dir, tmp_path):
    scenario = SCENARIOS / "mixed_with_depot"
    status = main([
        "clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(tmp_path / "out"),
        "--partijen", str(scenario / "partijen.json"), "--proposal", str(scenario / "proposal.json"),
        "--variant", "meldingen=aannemer", "--set", "boete_per_dag=2500", "--set", "depot_naam=Depot Lopik",
    ])

    record = json.loads((tmp_path / "out" / "clauses.json").read_text(encoding="utf-8"))
    assert status == 0
    assert record["variables"]["boete_per_dag"] == 2500
    assert record["variables"]["depot_naam"] == "Depot Lopik"
    assert {clause["id"]: clause["variant"] for clause in record["clauses"]}["meldingen"] == "aannemer"


def test_invalid_variant_exits_2_with_one_line(demo_dir, tmp_path, capsys):
    status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(tmp_path / "out"), "--variant", "bestemming=match"])

    error = capsys.readouterr().err.strip()
    assert status == 2
    assert len(error.splitlines()) == 1
    assert "bestemming" in error
    assert "nog geen geaccepteerd matchvoorstel" in error


def test_missing_partijen_file_exits_2(demo_dir, tmp_path, capsys):
    status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(tmp_path / "out"), "--partijen", str(tmp_path / "geen.json")])

    assert status == 2
    assert "geen.json" in capsys.readouterr().err


def test_set_without_value_exits_2(demo_dir, tmp_path, capsys):
    status = main(["clauses", "render", str(demo_dir / "tender.yaml"), "--out", str(tmp_path / "out"), "--set", "boete_per_dag"])

    assert status == 2
    assert "NAAM=WAARDE" in capsys.readouterr().err
