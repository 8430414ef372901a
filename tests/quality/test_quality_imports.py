"""Importing the quality modules stays cheap: Great Expectations loads only when suites run."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["grondwerk.quality.stage", "grondwerk.quality.dashboard", "grondwerk.quality.cli"])
def test_import_does_not_load_gx(module):
    probe = f"import sys, {module}; print('great_expectations' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120).stdout.strip()
    assert output == "False"


def test_dashboard_queries_do_not_load_pandas():
    probe = "import sys, grondwerk.quality.dashboard; print('pandas' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120).stdout.strip()
    assert output == "False"
