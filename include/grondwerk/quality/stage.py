"""Stage 4 of the halte: data-quality checks, quarantine and Data Docs.

Inputs: ``01_tender/tender.json``, ``02_bro/{locations,layers}.csv`` (when
present) and ``03_inspection/{analyses,samples,quarantine}.csv``. Outputs in
``04_quality/``: ``results.json``, ``analyses_valid.csv``, ``quarantine.csv``
(the reader's rows plus the rows this stage rejected) and ``data_docs/``.

A critical dataset-level failure raises ``DataQualityError`` after
``results.json`` and the store are written, so the dashboard lists the
stopped run too. Failed warnings and quarantined rows give status ``warning``.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import logging
from pathlib import Path

import pandas as pd

from grondwerk import settings
from grondwerk.db import get_engine
from grondwerk.dossier import Dossier, StageResult
from grondwerk.errors import DataQualityError
from grondwerk.i18n import msg
from grondwerk.quality.datasets import Dataset, add_derived_columns, load_stage_dataset, load_tender, read_raw_csv, tender_frame
from grondwerk.quality.quarantine import Reason, collect_reasons, reader_quarantine, split_analyses
from grondwerk.quality.report import QualityReport, is_not_run, StageProblem, conclusion, results_json, stop_report
from grondwerk.quality.store import RunRecord, record_validation_run
from grondwerk.quality.suites import SUITE_NAMES, load_suites
from grondwerk.quality.validate import SuiteOutcome, run_suites
from grondwerk.tender import TenderSpec

log = logging.getLogger(__name__)

OPTIONAL_DATASETS = ("bro_locations", "bro_layers", "samples")


def _skip_notes(datasets: dict[str, Dataset | None]) -> tuple[list[str], list[str]]:
    """Warn when samples.csv is missing; missing BRO tables are normal (no BRO objects in the area) and only show in results.json."""
    if datasets.get("samples") is not None:
        return [], []
    return (
        ["Suite samples is overgeslagen: 03_inspection/samples.csv ontbreekt, dus lutum, organische stof en ouderdom zijn niet gecontroleerd."],
        ["Suite samples was skipped: 03_inspection/samples.csv is missing, so lutum, organic matter and age were not checked."],
    )


def _whole_table_reasons(raw: pd.DataFrame, blocking: list) -> dict[int, list[Reason]]:
    """Quarantine every row when the analyses table as a whole failed, so nothing unchecked passes on."""
    reasons = [
        Reason(
            outcome.spec.id,
            f"{outcome.spec.id}: de hele analysetabel faalde op '{outcome.spec.description_nl}'. {outcome.spec.fix_nl}",
            f"{outcome.spec.id}: the whole analyses table failed '{outcome.spec.description_en}'. {outcome.spec.fix_en}",
        )
        for outcome in blocking
    ]
    return {int(index): list(reasons) for index in raw.index}


def _reader_quarantine(dossier_path: Path) -> pd.DataFrame | None:
    path = dossier_path / "03_inspection" / "quarantine.csv"
    return read_raw_csv(path) if path.is_file() else None


def _versions(suites: dict, gx_version: str) -> dict[str, str]:
    versions = {f"checks/{suite.path.name}": suite.version_label for suite in suites.values()}
    versions["great_expectations"] = gx_version
    return versions


def _write_outputs(folder: Path, report: QualityReport, valid: pd.DataFrame, quarantine: pd.DataFrame) -> list[Path]:
    results_path = folder / "results.json"
    results_path.write_text(json.dumps(results_json(report), indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    valid_path = folder / "analyses_valid.csv"
    valid.to_csv(valid_path, index=False, encoding="utf-8")
    quarantine_path = folder / "quarantine.csv"
    quarantine.to_csv(quarantine_path, index=False, encoding="utf-8")
    outputs = [results_path, valid_path, quarantine_path]
    if (folder / "data_docs").is_dir():
        outputs.append(folder / "data_docs")
    return outputs


def _record(report: QualityReport, dossier: Dossier, folder: Path, store_url: str | None) -> None:
    docs = folder / "data_docs"
    run = RunRecord(
        dossier_path=str(dossier.path.resolve()),
        tender_reference=report.tender_reference,
        run_id=dossier.path.name,
        status=report.status,
        rows_in=report.rows_in,
        rows_out=report.rows_out,
        rows_quarantined=report.rows_quarantined,
        reader_quarantined=report.reader_quarantined,
        data_docs_path=str(docs.resolve()) if docs.is_dir() else None,
        validated_at=dt.datetime.now(dt.timezone.utc),
    )
    record_validation_run(get_engine(store_url or settings.store_url()), run, report.suites)


def run_quality_stage(
    tender: TenderSpec,
    dossier: Dossier,
    *,
    checks_directory: Path | None = None,
    store_url: str | None = None,
) -> StageResult:
    """Validate the stage files of ``dossier``, quarantine failing analyses and report."""
    folder = dossier.stage_dir("quality", clean=True)
    suites = load_suites(checks_directory)
    tender, _ = load_tender(dossier.path, tender)

    datasets: dict[str, Dataset | None] = {name: load_stage_dataset(name, dossier.path) for name in OPTIONAL_DATASETS + ("analyses",)}
    add_derived_columns(datasets, tender)
    frames = {"tender": tender_frame(tender)}
    frames.update({name: (dataset.typed if dataset is not None else None) for name, dataset in datasets.items()})
    outcomes = run_suites({name: frames[name] for name in SUITE_NAMES}, suites, folder / ".gx", folder / "data_docs")
    for name in SUITE_NAMES:
        if name not in outcomes:
            outcomes[name] = SuiteOutcome(suites[name], 0, [], "het bestand ontbreekt", "the file is missing")

    analyses = datasets["analyses"]
    problems: list[StageProblem] = []
    if analyses is None:
        problems.append(StageProblem(
            "analyses_missing",
            "03_inspection/analyses.csv ontbreekt; voer de stap inspectie opnieuw uit met de keuringsgegevens.",
            "03_inspection/analyses.csv is missing; run the inspection stage again with the inspection data.",
        ))
        analyses_raw = pd.DataFrame(columns=["source_file", "source_record"])
    else:
        analyses_raw = analyses.raw

    samples = datasets["samples"]
    analyses_outcome = outcomes["analyses"]
    blocking = [outcome for outcome in analyses_outcome.outcomes if outcome.blocking and not is_not_run(analyses_outcome, outcome)]
    if blocking:
        reasons = _whole_table_reasons(analyses_raw, blocking)
    else:
        reasons = collect_reasons(analyses_outcome, analyses_raw, outcomes["samples"], samples.raw if samples is not None else None)
    split = split_analyses(analyses_raw, reasons)
    if analyses is not None and not blocking and split.rows_out == 0:
        problems.append(StageProblem(
            "no_valid_analyses",
            f"geen enkele van de {split.rows_in} analyses is goedgekeurd; zie quarantine.csv voor de redenen per regel.",
            f"none of the {split.rows_in} analyses was accepted; see quarantine.csv for the reason per row.",
        ))

    reader_rows = reader_quarantine(_reader_quarantine(dossier.path))
    quarantine = pd.concat([reader_rows, split.quarantine], ignore_index=True)
    notes_nl, notes_en = _skip_notes(datasets)
    report = QualityReport(
        tender_reference=tender.reference,
        suites=outcomes,
        rows_in=split.rows_in,
        rows_out=split.rows_out,
        rows_quarantined=split.rows_quarantined,
        reader_quarantined=len(reader_rows),
        quarantined_per_check=split.per_check,
        stage_dir=folder,
        problems=problems,
        notes_nl=notes_nl,
        notes_en=notes_en,
    )
    outputs = _write_outputs(folder, report, split.valid, quarantine)
    _record(report, dossier, folder, store_url)
    log.info(
        "Quality of %s: status %s, %s rows in, %s out, %s quarantined, %s from the reader",
        tender.reference, report.status, split.rows_in, split.rows_out, split.rows_quarantined, len(reader_rows),
    )

    if report.status == "stopped":
        report_nl, report_en = stop_report(report)
        raise DataQualityError(msg("{report_nl}", "{report_en}", report_nl=report_nl, report_en=report_en))

    conclusion_nl, conclusion_en = conclusion(report)
    summary = {
        "rows_in": split.rows_in,
        "rows_out": split.rows_out,
        "rows_quarantined": split.rows_quarantined,
        "reader_quarantined": len(reader_rows),
        "suites": {name: {"success": suite.success, "skipped": suite.skipped} for name, suite in outcomes.items()},
        "failed_checks": [f"{suite}.{outcome.spec.id}" for suite, outcome in report.failed_nonblocking()],
    }
    return StageResult(
        summary=summary,
        conclusion_nl=conclusion_nl,
        conclusion_en=conclusion_en,
        outputs=outputs,
        status=report.status,
        versions=_versions(suites, importlib.metadata.version("great_expectations")),
    )
