"""Property test: for random analyses tables, the quarantine keeps every row exactly once and passes only valid rows."""

from __future__ import annotations

import itertools

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grondwerk.errors import DataQualityError
from grondwerk.quality.stage import run_quality_stage
from grondwerk.quality.suites import load_suite

from quality_rows import analysis, clean_samples

RUN_NUMBERS = itertools.count()
ROW = st.tuples(
    st.sampled_from(["M1-1", "M2-1"]),
    st.sampled_from(["Pb", "Zn", "Cu", "lutum"]),
    st.one_of(st.none(), st.floats(min_value=-10, max_value=200, allow_nan=False).map(lambda value: round(value, 2))),
    st.sampled_from(["mg/kg", "%", "kg/ha", "ug/l"]),
    st.sampled_from(["", "<", ">", "~"]),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=25))
def test_random_tables_split_cleanly(rows, make_dossier, demo_tender, tmp_path):
    allowed_units = set(load_suite("analyses").settings["allowed_units"])
    analyses = [analysis(sample_id, parameter, value, unit=unit, limit_symbol=symbol) for sample_id, parameter, value, unit, symbol in rows]
    dossier = make_dossier(analyses, clean_samples(), run_id=f"prop-{next(RUN_NUMBERS)}")
    try:
        result = run_quality_stage(demo_tender, dossier, store_url=f"sqlite:///{tmp_path / 'store.db'}")
        summary = result.summary
    except DataQualityError as error:
        # A stop is expected when no row is valid; the files are written before it and checked below.
        assert "no_valid_analyses" in str(error)
        summary = None

    folder = dossier.path / "04_quality"
    valid = pd.read_csv(folder / "analyses_valid.csv", dtype=str, keep_default_na=False)
    quarantine = pd.read_csv(folder / "quarantine.csv", dtype=str, keep_default_na=False)
    assert len(valid) + len(quarantine) == len(rows)
    if summary is not None:
        assert summary["rows_in"] == summary["rows_out"] + summary["rows_quarantined"]

    values = pd.to_numeric(valid["value"])
    assert values.notna().all()
    assert (values >= 0).all()
    assert set(valid["unit"]) <= allowed_units
    assert set(valid["limit_symbol"]) <= {"", "<", ">"}
    assert (values[valid["unit"] == "%"] <= 100).all()
    assert not valid.duplicated(["investigation_id", "sample_id", "parameter_code", "condition"]).any()
