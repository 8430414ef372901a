"""``grondwerk classify FILE | head``: a reader that closes the pipe early ends the command quietly with exit status 0."""

from __future__ import annotations

import subprocess
import sys

import pytest

SAMPLES = 1000


@pytest.fixture
def long_csv(tmp_path):
    # At 200 bytes or more of output per sample this is several times a 64 KiB Linux pipe buffer, so the writer meets the closed pipe.
    path = tmp_path / "many.csv"
    lines = ["sample_id,parameter,value,unit"] + [f"S{index},lood,{index % 300},mg/kg" for index in range(SAMPLES)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_closed_pipe_exits_0(long_csv, output_format):
    process = subprocess.Popen(
        [sys.executable, "-m", "grondwerk.cli", "classify", str(long_csv), "--format", output_format],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    first_line = process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read().decode("utf-8")
    status = process.wait(timeout=120)
    process.stderr.close()

    assert first_line
    assert status == 0, err
    assert "BrokenPipeError" not in err
    assert "interne fout" not in err
    assert f"{SAMPLES} regels gelezen: {SAMPLES} analyseregels, 0 in quarantaine" in err
