"""Texts of the quality stage: the stop report, the conclusion and ``results.json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grondwerk.quality.validate import ExpectationOutcome, SuiteOutcome


@dataclass
class StageProblem:
    """A failure of the stage itself rather than of one expectation (for example no analyses file)."""

    id: str
    nl: str
    en: str


@dataclass
class QualityReport:
    """Everything the quality stage found, in the form ``results.json`` stores."""

    tender_reference: str
    suites: dict[str, SuiteOutcome]
    rows_in: int
    rows_out: int
    rows_quarantined: int
    reader_quarantined: int
    quarantined_per_check: dict[str, int]
    stage_dir: Path
    problems: list[StageProblem] = field(default_factory=list)
    notes_nl: list[str] = field(default_factory=list)
    notes_en: list[str] = field(default_factory=list)

    def blocking(self) -> list[tuple[str, ExpectationOutcome]]:
        """Return the failed critical checks that stop the run, leaving out checks that could not run for missing columns."""
        return [
            (name, outcome)
            for name, suite in self.suites.items()
            for outcome in suite.outcomes
            if outcome.blocking and not is_not_run(suite, outcome)
        ]

    def not_run(self) -> list[tuple[str, ExpectationOutcome]]:
        """Return checks that raised because a required column is missing; the column check reports the cause."""
        return [(name, outcome) for name, suite in self.suites.items() for outcome in suite.outcomes if is_not_run(suite, outcome)]

    def failed_nonblocking(self) -> list[tuple[str, ExpectationOutcome]]:
        """Return failed checks that did not stop the run: warnings, and critical row checks whose rows were quarantined."""
        return [
            (name, outcome)
            for name, suite in self.suites.items()
            for outcome in suite.outcomes
            if not outcome.success and not outcome.blocking and not is_not_run(suite, outcome)
        ]

    @property
    def status(self) -> str:
        if self.blocking() or self.problems:
            return "stopped"
        if self.failed_nonblocking() or self.rows_quarantined or self.reader_quarantined or self.notes_nl:
            return "warning"
        return "ok"


def is_not_run(suite: SuiteOutcome, outcome: ExpectationOutcome) -> bool:
    """Tell whether ``outcome`` raised only because its suite lacks a required column."""
    return outcome.error is not None and any(missing_columns(other) for other in suite.outcomes)


def missing_columns(outcome: ExpectationOutcome) -> list[str]:
    mismatched = (outcome.details or {}).get("mismatched") or {}
    return list(mismatched.get("missing") or [])


def _failure_detail(outcome: ExpectationOutcome) -> tuple[str, str]:
    missing = missing_columns(outcome)
    if missing:
        text = ", ".join(missing)
        return f"ontbrekende kolommen: {text}", f"missing columns: {text}"
    if outcome.error:
        return f"de controle kon niet worden uitgevoerd ({outcome.error})", f"the check could not run ({outcome.error})"
    if outcome.unexpected_count is not None:
        return (
            f"{outcome.unexpected_count} van {outcome.element_count} rijen voldoen niet",
            f"{outcome.unexpected_count} of {outcome.element_count} rows fail",
        )
    return f"gevonden: {outcome.observed_value}", f"found: {outcome.observed_value}"


def _rows_line(report: QualityReport) -> tuple[str, str]:
    return (
        f"Rijen: {report.rows_in} analyses gelezen, {report.rows_out} goedgekeurd, {report.rows_quarantined} in quarantaine"
        f" (en {report.reader_quarantined} eerder afgewezen door de inspectielezer).",
        f"Rows: {report.rows_in} analyses read, {report.rows_out} accepted, {report.rows_quarantined} quarantined"
        f" (and {report.reader_quarantined} rejected earlier by the inspection reader).",
    )


def _where_line(report: QualityReport) -> tuple[str, str]:
    folder = report.stage_dir
    return (
        f"Volledig rapport: {folder / 'results.json'}; Data Docs: {folder / 'data_docs' / 'index.html'}; "
        f"quarantaine: {folder / 'quarantine.csv'}.",
        f"Full report: {folder / 'results.json'}; Data Docs: {folder / 'data_docs' / 'index.html'}; "
        f"quarantine: {folder / 'quarantine.csv'}.",
    )


def stop_report(report: QualityReport) -> tuple[str, str]:
    """Return the Dutch and English report that explains why the run stopped and what to fix."""
    failures = report.blocking()
    count = len(failures) + len(report.problems)
    lines_nl = [
        f"Datakwaliteit van aanbesteding {report.tender_reference}: de run is gestopt, omdat {count} kritieke controle(s) faalden.",
        "Wat te herstellen:",
    ]
    lines_en = [
        f"Data quality of tender {report.tender_reference}: the run stopped because {count} critical check(s) failed.",
        "What to fix:",
    ]
    for problem in report.problems:
        lines_nl.append(f"- {problem.id}: {problem.nl}")
        lines_en.append(f"- {problem.id}: {problem.en}")
    for suite, outcome in failures:
        detail_nl, detail_en = _failure_detail(outcome)
        spec = outcome.spec
        lines_nl.append(f"- {suite} / {spec.id}: {spec.description_nl} Niet voldaan: {detail_nl}. {spec.fix_nl}")
        lines_en.append(f"- {suite} / {spec.id}: {spec.description_en} Failed: {detail_en}. {spec.fix_en}")
    skipped = ", ".join(f"{suite} / {outcome.spec.id}" for suite, outcome in report.not_run())
    if skipped:
        lines_nl.append(f"Niet uitgevoerd door ontbrekende kolommen: {skipped}.")
        lines_en.append(f"Not run because of missing columns: {skipped}.")
    rows_nl, rows_en = _rows_line(report)
    where_nl, where_en = _where_line(report)
    return "\n".join([*lines_nl, rows_nl, where_nl]), "\n".join([*lines_en, rows_en, where_en])


def conclusion(report: QualityReport) -> tuple[str, str]:
    """Return the Dutch and English conclusion of a stage that did not stop."""
    rows_nl, rows_en = _rows_line(report)
    warnings = report.failed_nonblocking()
    if not warnings and not report.rows_quarantined and not report.reader_quarantined and not report.notes_nl:
        return f"Alle datakwaliteitscontroles geslaagd. {rows_nl}", f"All data-quality checks passed. {rows_en}"
    parts_nl = [f"Datakwaliteit met waarschuwingen. {rows_nl}"]
    parts_en = [f"Data quality with warnings. {rows_en}"]
    for suite, outcome in warnings:
        detail_nl, detail_en = _failure_detail(outcome)
        parts_nl.append(f"{suite} / {outcome.spec.id}: {outcome.spec.description_nl} Niet voldaan: {detail_nl}.")
        parts_en.append(f"{suite} / {outcome.spec.id}: {outcome.spec.description_en} Failed: {detail_en}.")
    parts_nl.extend(report.notes_nl)
    parts_en.extend(report.notes_en)
    return " ".join(parts_nl), " ".join(parts_en)


def _outcome_json(outcome: ExpectationOutcome, quarantined: int) -> dict[str, Any]:
    spec = outcome.spec
    return {
        "id": spec.id,
        "type": spec.type,
        "severity": spec.severity,
        "scope": spec.scope,
        "success": outcome.success,
        "element_count": outcome.element_count,
        "unexpected_count": outcome.unexpected_count,
        "quarantined": quarantined,
        "missing_columns": missing_columns(outcome),
        "error": outcome.error,
        "description": {"nl": spec.description_nl, "en": spec.description_en},
        "fix": {"nl": spec.fix_nl, "en": spec.fix_en},
    }


def results_json(report: QualityReport) -> dict[str, Any]:
    """Return the content of ``04_quality/results.json``."""
    suites = {}
    for name, suite in report.suites.items():
        suites[name] = {
            "version": suite.suite.version,
            "valid_from": suite.suite.valid_from,
            "file": suite.suite.path.name,
            "dataset": suite.suite.dataset,
            "rows": suite.rows,
            "skipped": None if not suite.skipped else {"nl": suite.skipped_reason_nl, "en": suite.skipped_reason_en},
            "success": suite.success,
            "expectations": [
                _outcome_json(outcome, report.quarantined_per_check.get(outcome.spec.id if name == "analyses" else f"{name}.{outcome.spec.id}", 0))
                for outcome in suite.outcomes
            ],
        }
    return {
        "tender_reference": report.tender_reference,
        "status": report.status,
        "rows": {
            "in": report.rows_in,
            "out": report.rows_out,
            "quarantined": report.rows_quarantined,
            "reader_quarantined": report.reader_quarantined,
        },
        "quarantined_per_check": dict(sorted(report.quarantined_per_check.items())),
        "problems": [{"id": problem.id, "nl": problem.nl, "en": problem.en} for problem in report.problems],
        "notes": {"nl": report.notes_nl, "en": report.notes_en},
        "suites": suites,
        "data_docs": "data_docs/index.html",
    }
