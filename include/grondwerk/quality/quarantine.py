"""Split the analyses table into valid rows and quarantined rows with their reasons.

Rows in = rows out + rows quarantined, always: every row of ``analyses.csv``
ends up in exactly one of the two outputs. A row fails when a critical
row-level expectation lists it. It also fails when its sample failed a
critical row-level check of the samples suite (for example lutum above 100 %),
because the soil-type correction of every measurement of that sample depends
on the sample's lutum and organic matter.

Duplicates of the key ``(investigation_id, sample_id, parameter_code,
condition)`` are handled by content. When all rows of a group have the same
value, unit and limit symbol, the first row stays and the others are
quarantined as copies. When they differ, the whole group is quarantined,
because the data does not show which value applies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd

from grondwerk.quality.validate import ExpectationOutcome, SuiteOutcome

QUARANTINE_COLUMNS = ("source_file", "source_record", "reason_nl", "reason_en", "raw", "stage", "checks")
DUPLICATE_TYPE = "expect_compound_columns_to_be_unique"
DUPLICATE_CONTENT = ("value", "unit", "limit_symbol")


@dataclass
class Reason:
    check_id: str
    nl: str
    en: str


@dataclass
class Split:
    """The outcome of quarantining: valid rows, quarantined rows and the counts per check."""

    valid: pd.DataFrame
    quarantine: pd.DataFrame
    rows_in: int
    rows_out: int
    rows_quarantined: int
    per_check: dict[str, int] = field(default_factory=dict)


def _columns_of(outcome: ExpectationOutcome) -> list[str]:
    kwargs = outcome.spec.kwargs
    if "column" in kwargs:
        return [kwargs["column"]]
    if "column_list" in kwargs:
        return list(kwargs["column_list"])
    return [kwargs[key] for key in ("column_A", "column_B") if key in kwargs]


def _values_text(raw: pd.DataFrame, index: int, columns: list[str]) -> str:
    return ", ".join(f"{column}='{raw.at[index, column]}'" for column in columns if column in raw.columns)


def _row_reason(outcome: ExpectationOutcome, raw: pd.DataFrame, index: int) -> Reason:
    values = _values_text(raw, index, _columns_of(outcome))
    spec = outcome.spec
    return Reason(
        spec.id,
        f"{spec.id}: niet voldaan aan '{spec.description_nl}' ({values}). {spec.fix_nl}",
        f"{spec.id}: failed '{spec.description_en}' ({values}). {spec.fix_en}",
    )


def _duplicate_reasons(outcome: ExpectationOutcome, raw: pd.DataFrame) -> dict[int, Reason]:
    key = list(outcome.spec.kwargs["column_list"])
    flagged = raw.loc[sorted(set(outcome.unexpected_index))]
    reasons: dict[int, Reason] = {}
    content = [column for column in DUPLICATE_CONTENT if column in raw.columns]
    for key_values, group in flagged.groupby(key, sort=False, dropna=False):
        key_text = ", ".join(f"{column}='{value}'" for column, value in zip(key, key_values))
        identical = len(group[content].drop_duplicates()) == 1
        if identical:
            first = int(group.index[0])
            for index in group.index[1:]:
                reasons[int(index)] = Reason(
                    outcome.spec.id,
                    f"{outcome.spec.id}: kopie van regel {first + 1} met dezelfde waarde ({key_text}); de eerste regel is behouden.",
                    f"{outcome.spec.id}: copy of row {first + 1} with the same value ({key_text}); the first row is kept.",
                )
        else:
            values = "; ".join(sorted({" ".join(str(group.at[i, c]) for c in content) for i in group.index}))
            for index in group.index:
                reasons[int(index)] = Reason(
                    outcome.spec.id,
                    f"{outcome.spec.id}: tegenstrijdige dubbele metingen ({key_text}: {values}). {outcome.spec.fix_nl}",
                    f"{outcome.spec.id}: conflicting duplicate measurements ({key_text}: {values}). {outcome.spec.fix_en}",
                )
    return reasons


def _sample_reasons(samples: SuiteOutcome | None, samples_raw: pd.DataFrame | None) -> dict[tuple[str, str], list[Reason]]:
    """Return, per (investigation id, sample id), the critical row-level checks that sample failed."""
    failed: dict[tuple[str, str], list[Reason]] = {}
    if samples is None or samples_raw is None or "investigation_id" not in samples_raw.columns:
        # Without the investigation column the samples suite fails its required_columns check and the run stops.
        return failed
    for outcome in samples.outcomes:
        if outcome.success or outcome.spec.severity != "critical" or outcome.spec.scope != "row" or outcome.error:
            continue
        for index in outcome.unexpected_index:
            sample_id = samples_raw.at[index, "sample_id"]
            investigation_id = samples_raw.at[index, "investigation_id"]
            values = _values_text(samples_raw, index, _columns_of(outcome))
            failed.setdefault((investigation_id, sample_id), []).append(
                Reason(
                    f"samples.{outcome.spec.id}",
                    f"monster {sample_id}: niet voldaan aan '{outcome.spec.description_nl}' ({values}). {outcome.spec.fix_nl}",
                    f"sample {sample_id}: failed '{outcome.spec.description_en}' ({values}). {outcome.spec.fix_en}",
                )
            )
    return failed


def collect_reasons(
    analyses: SuiteOutcome,
    analyses_raw: pd.DataFrame,
    samples: SuiteOutcome | None = None,
    samples_raw: pd.DataFrame | None = None,
) -> dict[int, list[Reason]]:
    """Return the reasons to quarantine each failing row of the analyses table, by row index."""
    reasons: dict[int, list[Reason]] = {}
    for outcome in analyses.outcomes:
        if outcome.success or outcome.spec.severity != "critical" or outcome.spec.scope != "row" or outcome.error:
            continue
        if outcome.spec.type == DUPLICATE_TYPE:
            for index, reason in _duplicate_reasons(outcome, analyses_raw).items():
                reasons.setdefault(index, []).append(reason)
            continue
        for index in outcome.unexpected_index:
            reasons.setdefault(index, []).append(_row_reason(outcome, analyses_raw, index))
    by_sample = _sample_reasons(samples, samples_raw)
    if by_sample:
        keys = zip(analyses_raw.index, analyses_raw["investigation_id"], analyses_raw["sample_id"])
        for index, investigation_id, sample_id in keys:
            for reason in by_sample.get((investigation_id, sample_id), ()):
                reasons.setdefault(int(index), []).append(reason)
    return reasons


def split_analyses(analyses_raw: pd.DataFrame, reasons: dict[int, list[Reason]]) -> Split:
    """Move the rows named in ``reasons`` to the quarantine table; keep the others unchanged."""
    quarantined_index = sorted(reasons)
    valid = analyses_raw.drop(index=quarantined_index)
    rows = []
    per_check: dict[str, int] = {}
    for index in quarantined_index:
        row = analyses_raw.loc[index]
        row_reasons = reasons[index]
        for reason in row_reasons:
            per_check[reason.check_id] = per_check.get(reason.check_id, 0) + 1
        rows.append(
            {
                "source_file": row.get("source_file", ""),
                "source_record": row.get("source_record", "") or f"analyses.csv row {index + 2}",
                "reason_nl": " | ".join(reason.nl for reason in row_reasons),
                "reason_en": " | ".join(reason.en for reason in row_reasons),
                "raw": json.dumps({key: row[key] for key in analyses_raw.columns}, ensure_ascii=False),
                "stage": "quality",
                "checks": ";".join(reason.check_id for reason in row_reasons),
            }
        )
    quarantine = pd.DataFrame(rows, columns=list(QUARANTINE_COLUMNS))
    split = Split(valid, quarantine, len(analyses_raw), len(valid), len(quarantine), per_check)
    if split.rows_in != split.rows_out + split.rows_quarantined:
        raise RuntimeError(f"quarantine lost rows: {split.rows_in} in, {split.rows_out} out, {split.rows_quarantined} quarantined")
    return split


def reader_quarantine(raw: pd.DataFrame | None) -> pd.DataFrame:
    """Return the reader's quarantine rows in the columns of the quality quarantine table."""
    if raw is None or raw.empty:
        return pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    frame = raw.copy()
    frame["stage"] = "inspection"
    frame["checks"] = ""
    for column in QUARANTINE_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    return frame[list(QUARANTINE_COLUMNS)]
