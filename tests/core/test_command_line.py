import subprocess
import sys
from pathlib import Path

import yaml

GRONDWERK = [sys.executable, "-m", "grondwerk.cli"]


def run(*args: str, env_lang: str = "nl") -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ, GRONDWERK_LANG=env_lang)
    return subprocess.run([*GRONDWERK, *args], capture_output=True, text=True, timeout=120, env=env)


def test_help_is_dutch_by_default():
    result = run("--help")
    assert result.returncode == 0
    assert "grondhalte voor openbare aanbestedingen" in result.stdout
    for command in ("tender", "demo", "bro", "inspection", "quality", "classify", "clauses", "match", "melding"):
        assert command in result.stdout


def test_help_in_english():
    result = run("--help", env_lang="en")
    assert "soil halte for public tenders" in result.stdout


def test_invalid_tender_exits_2_with_one_line(tmp_path, demo_dir):
    raw = yaml.safe_load((demo_dir / "tender.yaml").read_text())
    raw["works_end"] = "2027-01-01"
    raw["inspection_files"] = [str(demo_dir / p) for p in raw["inspection_files"]]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw))
    result = run("tender", "run", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == f"ongeldige invoer: {bad}: works_end: einde werk (2027-01-01) ligt vóór de start (2027-03-01)"


def test_missing_tender_file_exits_2(tmp_path):
    result = run("tender", "run", str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert "tenderbestand niet gevonden" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_option_exits_2():
    result = run("tender", "run", "--no-such-option", "x.yaml")
    assert result.returncode == 2
    assert "fout" in result.stderr


def test_bro_read_of_demo_object(demo_dir):
    result = run("bro", "read", str(Path(demo_dir) / "bro" / "CPT000000005925.xml"), "--format", "csv")
    assert result.returncode == 0
    assert "CPT000000005925" in result.stdout
