"""Time the quality stage on the demo investigation repeated to larger sizes.

Usage: ``.venv/bin/python bench/quality_stage.py [copies ...]`` (default 1 10 100).
Each copy of SAD000000011742 (554 analyses, 72 samples) gets its own sample
ids. Every copy has one negative value, so each size also runs the quarantine.
The script prints one line per size: rows, seconds and the peak RSS of this
process in MB.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from grondwerk.dossier import Dossier
from grondwerk.inspection.reader import read_inspection
from grondwerk.quality.stage import run_quality_stage
from grondwerk.settings import project_root
from grondwerk.tender import load_tender_file


def repeated(frame: pd.DataFrame, copies: int, id_columns: tuple[str, ...]) -> pd.DataFrame:
    parts = []
    for copy in range(copies):
        part = frame.copy()
        for column in id_columns:
            part[column] = part[column].astype(str).map(lambda value, copy=copy: ";".join(f"{item}-c{copy}" for item in value.split(";")) if value else value)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def run(copies: int, workdir: Path) -> tuple[int, float]:
    demo = project_root() / "examples" / "demo"
    tender = load_tender_file(demo / "tender.yaml")
    data = read_inspection(demo / "inspection" / "SAD000000011742_sikb.xml")
    analyses = repeated(data.analyses, copies, ("sample_id", "combined_samples"))
    analyses.loc[analyses.index[::554], "value"] = -1.0
    samples = repeated(data.samples, copies, ("sample_id", "combined_samples"))
    dossier = Dossier.for_run(tender.reference, f"bench-{copies}", root=workdir)
    (dossier.stage_dir("tender") / "tender.json").write_text(json.dumps(tender.to_json()), encoding="utf-8")
    folder = dossier.stage_dir("inspection")
    analyses.to_csv(folder / "analyses.csv", index=False)
    samples.to_csv(folder / "samples.csv", index=False)
    started = time.perf_counter()
    result = run_quality_stage(tender, dossier, store_url=f"sqlite:///{workdir / 'store.db'}")
    elapsed = time.perf_counter() - started
    if result.summary["rows_quarantined"] != copies:
        raise RuntimeError(f"expected {copies} quarantined rows, got {result.summary['rows_quarantined']}")
    return len(analyses), elapsed


def main(argv: list[str]) -> None:
    sizes = [int(value) for value in argv] or [1, 10, 100]
    with tempfile.TemporaryDirectory() as workdir:
        for copies in sizes:
            rows, elapsed = run(copies, Path(workdir))
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"copies={copies} rows={rows} seconds={elapsed:.2f} peak_rss_mb={peak_mb:.0f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
