import datetime as dt
import json

import pytest

from grondwerk.dossier import STAGES, Dossier, StageResult, safe_run_id, sha256_file

T0 = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.timezone.utc)


def test_stage_dirs_follow_stage_order(tmp_path):
    dossier = Dossier(tmp_path / "d")
    assert dossier.stage_dir("tender").name == "01_tender"
    assert dossier.stage_dir("dossier").name == "10_dossier"
    assert len(STAGES) == 10


def test_record_stage_lists_outputs_with_hashes(tmp_path):
    dossier = Dossier(tmp_path / "d")
    folder = dossier.stage_dir("bro")
    (folder / "layers.csv").write_text("a,b\n1,2\n")
    (folder / "objects").mkdir()
    (folder / "objects" / "CPT1.xml").write_text("<x/>")
    entry = dossier.record_stage("bro", StageResult({"objects": 1}, "een object", "one object", [folder / "layers.csv", folder / "objects"]), started=T0, finished=T0)
    assert [o["path"] for o in entry["outputs"]] == ["02_bro/layers.csv", "02_bro/objects/CPT1.xml"]
    assert entry["outputs"][0]["sha256"] == sha256_file(folder / "layers.csv")
    manifest = json.loads((dossier.path / "manifest.json").read_text())
    assert manifest["stages"]["bro"]["summary"] == {"objects": 1}
    assert manifest["stages"]["bro"]["conclusion"] == {"nl": "een object", "en": "one object"}


def test_rerun_replaces_stage_entry_and_clears_folder(tmp_path):
    dossier = Dossier(tmp_path / "d")
    first = dossier.stage_dir("quality", clean=True)
    (first / "old.json").write_text("{}")
    dossier.record_stage("quality", StageResult({}, "a", "a", [first / "old.json"]), started=T0, finished=T0)
    again = dossier.stage_dir("quality", clean=True)
    assert not (again / "old.json").exists()
    (again / "new.json").write_text("{}")
    dossier.record_stage("quality", StageResult({}, "b", "b", [again / "new.json"]), started=T0, finished=T0)
    manifest = dossier.read_manifest()
    assert list(manifest["stages"]) == ["quality"]
    assert [o["path"] for o in manifest["stages"]["quality"]["outputs"]] == ["04_quality/new.json"]


def test_unknown_stage_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown stage"):
        Dossier(tmp_path).record_stage("invoice", StageResult({}, "", ""), started=T0, finished=T0)


def test_run_id_becomes_safe_folder_name(tmp_path):
    assert safe_run_id("manual__2026-12-04T12:00:00+00:00") == "manual__2026-12-04T12_00_00_00_00"
    assert Dossier.for_run("KRW-1", "a/b", root=tmp_path).path == tmp_path / "KRW-1" / "a_b"
