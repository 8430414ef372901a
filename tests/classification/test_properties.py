"""Property tests: raising a measured value never improves the class."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grondwerk.classification.engine import LAND_CLASSES, WATER_CLASSES, classify

SUBSTANCES = ["lood", "zink", "koper", "nikkel", "cadmium", "kwik", "kobalt", "molybdeen", "arseen", "chroom", "PAK (som 10)", "PCB (som 7)", "minerale olie", "antimoon"]
SCALE = {"lood": 300, "zink": 500, "koper": 120, "nikkel": 80, "cadmium": 3, "kwik": 2, "kobalt": 60, "molybdeen": 100, "arseen": 50,
         "chroom": 150, "PAK (som 10)": 20, "PCB (som 7)": 0.3, "minerale olie": 800, "antimoon": 20}

measurement = st.tuples(st.sampled_from(SUBSTANCES), st.floats(min_value=0.0, max_value=1.5), st.booleans())
sample = st.fixed_dictionaries({
    "rows": st.lists(measurement, min_size=1, max_size=14, unique_by=lambda item: item[0]),
    "lutum": st.one_of(st.none(), st.floats(min_value=0.5, max_value=60)),
    "organic": st.one_of(st.none(), st.floats(min_value=0.5, max_value=40)),
})


def build(spec, raised_index=None, factor=1.0):
    records = []
    for index, (substance, fraction, below) in enumerate(spec["rows"]):
        value = fraction * SCALE[substance]
        symbol = "<" if below else ""
        if index == raised_index:
            value *= factor
        records.append({"sample_id": "S", "parameter_code": substance, "value": value, "unit": "mg/kg", "limit_symbol": symbol})
    if spec["lutum"] is not None:
        records.append({"sample_id": "S", "parameter_code": "lutum", "value": spec["lutum"], "unit": "%", "limit_symbol": ""})
    if spec["organic"] is not None:
        records.append({"sample_id": "S", "parameter_code": "organische stof", "value": spec["organic"], "unit": "%", "limit_symbol": ""})
    return pd.DataFrame(records)


def ranks(frame):
    record = classify(frame, explain=False).partijen[0]
    return LAND_CLASSES.index(record["class"]), WATER_CLASSES.index(record["class_waterbodem"]), record["intervention_exceeded"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=sample, pick=st.integers(min_value=0, max_value=13), factor=st.floats(min_value=1.0, max_value=20.0))
def test_raising_a_value_never_improves_class(spec, pick, factor):
    index = pick % len(spec["rows"])
    before = ranks(build(spec))
    after = ranks(build(spec, index, factor))
    assert after[0] >= before[0]
    assert after[1] >= before[1]
    assert after[2] >= before[2]
