"""``grondwerk match`` on files and synthetic instances, and its exit status on bad input."""

from __future__ import annotations

import json

from grondwerk.cli import main


def test_synthetic_to_file(tmp_path):
    out = tmp_path / "result.json"
    instance_path = tmp_path / "instance.json"
    assert main(["match", "--synthetic", "200", "--seed", "3", "--out", str(out), "--write-instance", str(instance_path)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["totals"]["gap"] == 0.0
    assert result["baselines"]["greedy"]["cost"] >= result["totals"]["cost"]
    assert main(["match", str(instance_path), "--out", str(tmp_path / "again.json")]) == 0
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert again["totals"] == result["totals"]


def test_stdout_is_pure_json(capsys):
    assert main(["match", "--synthetic", "30", "--seed", "1", "--no-flows"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "flows" not in result
    assert result["totals"]["gap"] == 0.0


def test_bad_json_exit_2(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_text("{ not json", encoding="utf-8")
    assert main(["match", str(path)]) == 2
    assert "broken.json" in capsys.readouterr().err


def test_bad_value_names_record(tmp_path, capsys):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps({"supply": [{"id": "lot-7", "x": 100_000, "y": 450_000, "tonnes": "veel", "class": "wonen", "soil_type": "zand"}], "demand": []}), encoding="utf-8")
    assert main(["match", str(path)]) == 2
    err = capsys.readouterr().err
    assert "supply[lot-7].tonnes" in err
    assert "veel" in err


def test_file_and_synthetic_together_exit_2(tmp_path):
    assert main(["match", str(tmp_path / "x.json"), "--synthetic", "10"]) == 2
