"""``grondwerk bro read`` and ``grondwerk bro search`` through the real command-line entry point."""

from __future__ import annotations

import json

from grondwerk.cli import main


def test_read_json(fixtures_dir, capsys):
    assert main(["bro", "read", str(fixtures_dir / "BHR000000175723.xml")]) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["locations"][0]["object_id"] == "BHR000000175723"
    assert output["locations"][0]["ground_level_nap_m"] == -1.04
    assert [layer["soil_type_group"] for layer in output["layers"]] == ["klei", "klei", "veen", "veen"]


def test_read_csv(fixtures_dir, capsys):
    assert main(["bro", "read", str(fixtures_dir / "example_bore.gef"), "--format", "csv"]) == 0
    locations, layers = capsys.readouterr().out.split("\n\n")
    assert locations.splitlines()[0].startswith("object_id,object_type,x_rd_m,y_rd_m")
    assert locations.splitlines()[1].startswith("B25D0598,gef-bore,115300.0,480250.0")
    assert len(layers.strip().splitlines()) == 103


def test_read_refused_exit_2_one_line(fixtures_dir, capsys):
    assert main(["bro", "read", str(fixtures_dir / "unsupported-version.xml")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("ongeldige invoer: ")
    assert "dscpt/2.0" in error
    assert len(error.strip().splitlines()) == 1


def test_read_missing_column_void_json_nulls(fixtures_dir, capsys, tmp_path):
    path = tmp_path / "nocoord.gef"
    path.write_text(
        "#GEFID= 1, 1, 0\n#TESTID= S9\n#COLUMNINFO= 1, m, l, 1\n#COLUMNINFO= 2, MPa, qc, 2\n"
        "#PROCEDURECODE= GEF-CPT-Report, 1, 1, 0\n#XYID =\n#EOH=\n0.0 1.0\n",
        encoding="utf-8",
    )
    assert main(["bro", "read", str(path)]) == 0
    row = json.loads(capsys.readouterr().out)["locations"][0]
    assert row["x_rd_m"] is None
    assert row["location_flag"] == "xy_missing;ground_level_unknown"


def test_search_against_standin(demo_cassettes, standin_factory, capsys):
    _, base_url = standin_factory(demo_cassettes)
    argv = ["bro", "search", "--bbox", "117400,439600,118700,440450", "--types", "cpt,bhrp", "--base-url", base_url, "--timeout", "5"]
    assert main(argv) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["results"]["cpt"]["bro_ids"] == ["CPT000000005925", "CPT000000115243"]
    assert output["results"]["bhrp"]["bro_ids"] == ["BHR000000175723"]


def test_search_bad_input_exit_2(capsys):
    assert main(["bro", "search", "--bbox", "4.8,51.9,4.9,52.0"]) == 2
    assert "WGS84" in capsys.readouterr().err
    assert main(["bro", "search", "--bbox", "117400,439600,118700,440450", "--types", "gmw"]) == 2
    assert "gmw" in capsys.readouterr().err


def test_read_error_in_english(fixtures_dir, capsys, monkeypatch):
    monkeypatch.setenv("GRONDWERK_LANG", "en")
    assert main(["bro", "read", str(fixtures_dir / "SFR000000000243.xml")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("invalid input: ")
    assert "soil face research (SFR) is not read by Grondwerk" in error
