"""Fixtures of the quality tests: a dossier with stage files written from small tables or the demo investigation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import pytest

from grondwerk.dossier import Dossier
from grondwerk.tender import TenderSpec, load_tender_file
from quality_rows import ANALYSIS_COLUMNS, SAMPLE_COLUMNS

@pytest.fixture
def demo_tender(demo_dir: Path) -> TenderSpec:
    return load_tender_file(demo_dir / "tender.yaml")


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def make_dossier(tmp_path: Path, demo_tender: TenderSpec) -> Callable[..., Dossier]:
    """Return a builder of dossiers whose stage 1–3 files hold the given rows."""

    def build(
        analyses: list[dict[str, Any]] | pd.DataFrame | None,
        samples: list[dict[str, Any]] | pd.DataFrame | None = None,
        reader_quarantine: list[dict[str, Any]] | None = None,
        tender: TenderSpec | None = None,
        run_id: str = "run-1",
        layers: list[dict[str, Any]] | None = None,
        locations: list[dict[str, Any]] | None = None,
    ) -> Dossier:
        tender = tender or demo_tender
        dossier = Dossier.for_run(tender.reference, run_id, root=tmp_path / "dossiers")
        tender_dir = dossier.stage_dir("tender")
        (tender_dir / "tender.json").write_text(json.dumps(tender.to_json()), encoding="utf-8")
        inspection = dossier.stage_dir("inspection")
        if analyses is not None:
            frame = analyses if isinstance(analyses, pd.DataFrame) else pd.DataFrame(analyses, columns=ANALYSIS_COLUMNS)
            frame.to_csv(inspection / "analyses.csv", index=False)
        if samples is not None:
            frame = samples if isinstance(samples, pd.DataFrame) else pd.DataFrame(samples, columns=SAMPLE_COLUMNS)
            frame.to_csv(inspection / "samples.csv", index=False)
        quarantine = pd.DataFrame(reader_quarantine or [], columns=["source_file", "source_record", "reason_nl", "reason_en", "raw"])
        quarantine.to_csv(inspection / "quarantine.csv", index=False)
        if layers is not None:
            bro = dossier.stage_dir("bro")
            pd.DataFrame(layers).to_csv(bro / "layers.csv", index=False)
        if locations is not None:
            bro = dossier.stage_dir("bro")
            pd.DataFrame(locations).to_csv(bro / "locations.csv", index=False)
        return dossier

    return build
