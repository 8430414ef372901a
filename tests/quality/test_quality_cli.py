"""``grondwerk quality`` subcommands, run through the real parser and handlers."""

from __future__ import annotations

import json

import pytest

from grondwerk.cli import DutchArgumentParser
from grondwerk.errors import InputError
from grondwerk.quality import cli

from quality_rows import clean_analyses, clean_samples


def parse(argv: list[str]):
    parser = DutchArgumentParser(prog="grondwerk")
    cli.register(parser.add_subparsers(dest="command", parser_class=DutchArgumentParser))
    return parser.parse_args(argv)


def test_suites_lists_versions(capsys):
    args = parse(["quality", "suites"])
    assert args.func(args) == 0
    output = capsys.readouterr().out
    assert "analyses\t1.0.0 (2026-12-04)\t03_inspection/analyses.csv" in output
    assert "  unit_allowed\tcritical/row\tDe eenheid is een bekende eenheid." in output


def test_check_writes_stage_and_manifest(make_dossier, store_url, capsys):
    dossier = make_dossier(clean_analyses(), clean_samples())
    args = parse(["quality", "check", str(dossier.path), "--store-url", store_url])
    assert args.func(args) == 0
    assert "status: ok" in capsys.readouterr().out
    manifest = json.loads((dossier.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["stages"]["quality"]["summary"]["rows_out"] == 6


def test_check_rejects_folder_without_tender(tmp_path):
    args = parse(["quality", "check", str(tmp_path)])
    with pytest.raises(InputError) as error:
        args.func(args)
    assert "01_tender/tender.json ontbreekt" in str(error.value)
