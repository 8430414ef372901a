"""Run the expectation suites with Great Expectations 1.x and build Data Docs.

GX is imported inside ``run_suites`` only: importing it takes several seconds
and must never happen while Airflow parses a DAG file.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.quality.suites import ExpectationSpec, SuiteSpec

log = logging.getLogger(__name__)

DATASOURCE_NAME = "grondwerk"


@dataclass
class ExpectationOutcome:
    """The result of one expectation on one dataset."""

    spec: ExpectationSpec
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_index: list[int] = field(default_factory=list)
    observed_value: Any = None
    details: dict[str, Any] | None = None
    error: str | None = None

    @property
    def blocking(self) -> bool:
        """A failed critical check that quarantining rows cannot resolve stops the run."""
        if self.success or self.spec.severity != "critical":
            return False
        return self.spec.scope == "dataset" or self.error is not None


@dataclass
class SuiteOutcome:
    """The result of one suite: its outcomes per expectation, or why it was skipped."""

    suite: SuiteSpec
    rows: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    skipped_reason_nl: str | None = None
    skipped_reason_en: str | None = None

    @property
    def skipped(self) -> bool:
        return self.skipped_reason_nl is not None

    @property
    def success(self) -> bool:
        return all(outcome.success for outcome in self.outcomes)

    def outcome(self, expectation_id: str) -> ExpectationOutcome:
        for outcome in self.outcomes:
            if outcome.spec.id == expectation_id:
                return outcome
        raise KeyError(expectation_id)


def _expectation_class(gxe_module: Any, spec: ExpectationSpec, suite: SuiteSpec) -> type:
    class_name = "".join(part.capitalize() for part in spec.type.split("_"))
    expectation_class = getattr(gxe_module, class_name, None)
    if expectation_class is None:
        raise InputError(
            msg(
                "expectation-type '{value}' bestaat niet in Great Expectations; kies een type uit de GX-catalogus",
                "expectation type '{value}' does not exist in Great Expectations; pick a type from the GX gallery",
                value=spec.type,
            ),
            file=str(suite.path),
            record=f"expectations/{spec.id}",
            value=spec.type,
        )
    return expectation_class


def _build_expectations(gxe_module: Any, suite: SuiteSpec) -> list[Any]:
    built = []
    for spec in suite.expectations:
        expectation_class = _expectation_class(gxe_module, spec, suite)
        built.append(
            expectation_class(
                **spec.kwargs,
                description=spec.description_nl,
                meta={"id": spec.id, "severity": spec.severity, "scope": spec.scope},
            )
        )
    return built


def _error_text(exception_info: Any) -> str | None:
    """Return the message of an expectation that raised (for example on a missing column)."""
    if not exception_info:
        return None
    infos = exception_info.values() if "raised_exception" not in exception_info else [exception_info]
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message") or "exception")
    return None


def _collect(suite: SuiteSpec, rows: int, validation_result: Any) -> SuiteOutcome:
    outcomes_by_id: dict[str, ExpectationOutcome] = {}
    for result in validation_result.results:
        expectation_id = (result.expectation_config.meta or {}).get("id")
        spec = suite.expectation(expectation_id)
        details = result.result or {}
        error = _error_text(result.exception_info)
        outcomes_by_id[expectation_id] = ExpectationOutcome(
            spec=spec,
            success=bool(result.success),
            element_count=details.get("element_count"),
            unexpected_count=details.get("unexpected_count"),
            unexpected_index=[int(index) for index in details.get("unexpected_index_list") or []],
            observed_value=details.get("observed_value"),
            details=details.get("details"),
            error=error,
        )
    # Keep the order of the suite file so reports read in the order the steward wrote them.
    ordered = [outcomes_by_id[spec.id] for spec in suite.expectations if spec.id in outcomes_by_id]
    return SuiteOutcome(suite=suite, rows=rows, outcomes=ordered)


def run_suites(datasets: dict[str, Any], suites: dict[str, SuiteSpec], work_dir: Path, docs_dir: Path | None = None) -> dict[str, SuiteOutcome]:
    """Validate each DataFrame in ``datasets`` against the suite of the same name.

    A dataset given as ``None`` is skipped. The GX file context lives in
    ``work_dir`` and is removed afterwards; the Data Docs site is copied to
    ``docs_dir`` when given. DataFrames must have a 0..n-1 index, because
    quarantining maps GX's unexpected indices back to rows.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    context = gx.get_context(mode="file", project_root_dir=str(work_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_or_update_pandas(DATASOURCE_NAME)

    results: dict[str, SuiteOutcome] = {}
    for name, frame in datasets.items():
        suite = suites[name]
        if frame is None:
            continue
        log.info("Validating %s rows of dataset %s against suite %s %s", len(frame), name, suite.name, suite.version)
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole")
        gx_suite = context.suites.add_or_update(gx.ExpectationSuite(name=f"{name}-{suite.version}", expectations=_build_expectations(gxe, suite)))
        definition = context.validation_definitions.add_or_update(gx.ValidationDefinition(name=name, data=batch, suite=gx_suite))
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=name,
                validation_definitions=[definition],
                actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
                result_format={"result_format": "COMPLETE"},
            )
        )
        run = checkpoint.run(batch_parameters={"dataframe": frame})
        validation_result = next(iter(run.run_results.values()))
        results[name] = _collect(suite, len(frame), validation_result)
        failed = sum(1 for outcome in results[name].outcomes if not outcome.success)
        log.info("Suite %s: %s of %s expectations failed", name, failed, len(results[name].outcomes))

    if docs_dir is not None:
        site = work_dir / "gx" / "uncommitted" / "data_docs" / "local_site"
        if docs_dir.exists():
            shutil.rmtree(docs_dir)
        if site.is_dir():
            shutil.copytree(site, docs_dir)
    shutil.rmtree(work_dir, ignore_errors=True)
    return results
