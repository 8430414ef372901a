"""Stage 3 of the halte: read every inspection file of the tender into ``03_inspection/``.

Writes ``analyses.csv``, ``samples.csv`` and ``quarantine.csv`` (columns as
in ``grondwerk.inspection.model``). A file that cannot be read at all
becomes one quarantine row naming the file and the reason, and counts as one
record in and one quarantined, so the stage goes on and the quality stage
can report it. A file of an investigation that an earlier file already
delivered (for example the BRO SAD twin of a SIKB0101 file) is quarantined
row by row, so its analyses are not counted twice.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from grondwerk.dossier import Dossier, StageResult
from grondwerk.errors import InputError
from grondwerk.i18n import msg
from grondwerk.tender import TenderSpec

log = logging.getLogger(__name__)


def _unreadable(path: Path, error: InputError) -> dict[str, str]:
    return {
        "source_file": str(path),
        "source_record": "file",
        "reason_nl": error.message.render("nl"),
        "reason_en": error.message.render("en"),
        "raw": "",
    }


def _already_read(data, first_file: str) -> list[dict[str, str]]:
    reason = msg(
        "onderzoek {investigation} is al ingelezen uit {file}; deze meting telt niet dubbel",
        "investigation {investigation} was already read from {file}; this measurement is not counted twice",
        investigation=data.summary["investigation_id"],
        file=first_file,
    )
    return [
        {
            "source_file": row.source_file,
            "source_record": row.source_record,
            "reason_nl": reason.render("nl"),
            "reason_en": reason.render("en"),
            "raw": f"sample={row.sample_id} parameter={row.parameter_code} value={row.value_delivered} unit={row.unit_delivered}",
        }
        for row in data.analyses.itertuples(index=False)
    ]


def read_all(paths: list[Path]) -> tuple[Any, Any, Any, list[dict[str, Any]]]:
    """Read ``paths`` in order; return analyses, samples and quarantine frames and one summary per file."""
    import pandas as pd

    from grondwerk.inspection.model import quarantine_frame
    from grondwerk.inspection.reader import read_inspection

    analyses, samples, quarantines, summaries = [], [], [], []
    investigations: dict[str, str] = {}
    for path in paths:
        try:
            data = read_inspection(path)
        except InputError as exc:
            log.warning("Inspection file %s cannot be read: %s", path, exc.message.render("en"))
            quarantines.append(quarantine_frame([_unreadable(path, exc)]))
            summaries.append({"file": str(path), "format": "", "rows_in": 1, "rows_out": 0, "rows_quarantined": 1, "error": exc.message.render("nl")})
            continue
        summary = dict(data.summary)
        investigation = summary["investigation_id"]
        if investigation in investigations:
            log.warning("Investigation %s in %s was already read from %s; its rows are quarantined", investigation, path, investigations[investigation])
            duplicates = _already_read(data, investigations[investigation])
            quarantines.extend([data.quarantine, quarantine_frame(duplicates)])
            summary.update(rows_out=0, rows_quarantined=summary["rows_quarantined"] + len(duplicates), analyses=0, below_limit=0, duplicate_of=investigations[investigation])
            summaries.append(summary)
            continue
        investigations[investigation] = str(path)
        analyses.append(data.analyses)
        samples.append(data.samples)
        quarantines.append(data.quarantine)
        summaries.append(summary)
    from grondwerk.inspection.model import (
        ANALYSIS_COLUMNS,
        QUARANTINE_COLUMNS,
        SAMPLE_COLUMNS,
        empty_frame,
    )

    analyses_df = pd.concat(analyses, ignore_index=True) if analyses else empty_frame(ANALYSIS_COLUMNS)
    samples_df = pd.concat(samples, ignore_index=True) if samples else empty_frame(SAMPLE_COLUMNS)
    quarantine_df = pd.concat([q for q in quarantines if len(q)], ignore_index=True) if any(len(q) for q in quarantines) else empty_frame(QUARANTINE_COLUMNS)
    return analyses_df, samples_df, quarantine_df, summaries


def write_tables(folder: Path, analyses, samples, quarantine) -> list[Path]:
    """Write the three stage CSV files (UTF-8, ``.`` decimal, empty for missing, ``true``/``false``)."""
    samples = samples.copy()
    samples["analysed"] = samples["analysed"].map(lambda flag: "true" if bool(flag) else "false")
    outputs = []
    for name, frame in (("analyses.csv", analyses), ("samples.csv", samples), ("quarantine.csv", quarantine)):
        path = folder / name
        frame.to_csv(path, index=False, encoding="utf-8", na_rep="", lineterminator="\n")
        outputs.append(path)
    return outputs


def run_inspection_stage(tender: TenderSpec, dossier: Dossier) -> StageResult:
    """Read ``tender.inspection_files`` into ``03_inspection/`` and return the stage result."""
    from grondwerk.inspection import codelists

    folder = dossier.stage_dir("inspection", clean=True)
    paths = [Path(p) for p in tender.inspection_files]
    log.info("Reading %d inspection files for tender %s", len(paths), tender.reference)
    analyses, samples, quarantine, files = read_all(paths)
    outputs = write_tables(folder, analyses, samples, quarantine)
    rows_in = sum(f["rows_in"] for f in files)
    rows_out = sum(f["rows_out"] for f in files)
    rows_quarantined = sum(f["rows_quarantined"] for f in files)
    below = int((analyses["limit_symbol"] == "<").sum()) if len(analyses) else 0
    analysed = int(samples["analysed"].astype(bool).sum()) if len(samples) else 0
    summary = {
        "files": files,
        "rows_in": rows_in,
        "rows_out": rows_out,
        "rows_quarantined": rows_quarantined,
        "samples": len(samples),
        "samples_analysed": analysed,
        "analyses": len(analyses),
        "below_limit": below,
    }
    status = "ok" if paths and rows_quarantined == 0 and rows_out > 0 else "warning"
    conclusion_nl = (
        f"{len(paths)} inspectiebestand(en) gelezen: {rows_in} metingen aangeleverd, {rows_out} overgenomen, "
        f"{rows_quarantined} in quarantaine. {len(analyses)} analyses van {analysed} geanalyseerde monsters, "
        f"waarvan {below} onder de rapportagegrens."
    )
    conclusion_en = (
        f"Read {len(paths)} inspection file(s): {rows_in} measurements delivered, {rows_out} accepted, "
        f"{rows_quarantined} quarantined. {len(analyses)} analyses of {analysed} analysed samples, "
        f"{below} of them below the reporting limit."
    )
    if not paths:
        conclusion_nl = "De aanbesteding noemt geen inspectiebestanden; er zijn geen analyses om te classificeren."
        conclusion_en = "The tender lists no inspection files; there are no analyses to classify."
    log.info("Inspection stage: %d in, %d out, %d quarantined", rows_in, rows_out, rows_quarantined)
    return StageResult(
        summary=summary,
        conclusion_nl=conclusion_nl,
        conclusion_en=conclusion_en,
        outputs=outputs,
        status=status,
        versions=codelists.versions(),
    )
