"""The dossier of one tender run: a folder and a ``manifest.json``.

Layout: ``<dossier root>/<tender reference>/<run id>/`` with one subfolder per
stage. The manifest lists every stage with its outputs (path, sha256, bytes),
summary, Dutch and English conclusion, timestamps and the versions of norm
tables and templates used. A rerun of a stage replaces that stage's entry and
files, so retries leave no duplicates.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from grondwerk import __version__, settings

MANIFEST = "manifest.json"

# The ten stages of the halte, in order; the folder of each is "<nn>_<name>".
STAGES = (
    "tender",
    "bro",
    "inspection",
    "quality",
    "classification",
    "clauses",
    "review",
    "matching",
    "meldingen",
    "dossier",
)


# User-facing labels of each stage and status, as (Dutch, English).
STAGE_LABELS = {
    "tender": ("aanbesteding", "tender"),
    "bro": ("BRO-gegevens", "BRO data"),
    "inspection": ("keuringsgegevens", "inspection data"),
    "quality": ("datakwaliteit", "data quality"),
    "classification": ("classificatie", "classification"),
    "clauses": ("bestekteksten", "tender clauses"),
    "review": ("beoordeling", "review"),
    "matching": ("matching", "matching"),
    "meldingen": ("meldingen", "meldingen"),
    "dossier": ("dossier", "dossier"),
}
STATUS_LABELS = {"ok": ("ok", "ok"), "warning": ("waarschuwing", "warning"), "stopped": ("gestopt", "stopped")}


def label(table: dict[str, tuple[str, str]], key: str, language: str) -> str:
    """Return the Dutch or English label of a stage or status; the key itself when unknown."""
    pair = table.get(key)
    if pair is None:
        return key
    dutch, english = pair
    return dutch if language == "nl" else english


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def safe_run_id(run_id: str) -> str:
    """Turn an Airflow run id (with ':' and '+') into a folder name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id).strip("_") or "run"


@dataclass
class StageResult:
    """Report of one stage to the dossier: a small JSON summary, the conclusion text and the files it wrote."""

    summary: dict[str, Any]
    conclusion_nl: str
    conclusion_en: str
    outputs: list[Path] = field(default_factory=list)
    status: str = "ok"  # ok | warning | stopped
    versions: dict[str, str] = field(default_factory=dict)


class Dossier:
    """The folder and manifest of one tender run."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def for_run(cls, tender_reference: str, run_id: str, root: Path | None = None) -> "Dossier":
        root = root or settings.dossier_root()
        return cls(root / tender_reference / safe_run_id(run_id))

    def stage_dir(self, stage: str, *, clean: bool = False) -> Path:
        """Return the folder of ``stage``; ``clean`` empties it first so a retry starts fresh."""
        directory = self.path / f"{STAGES.index(stage) + 1:02d}_{stage}"
        if clean and directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".manifest.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def read_manifest(self) -> dict[str, Any]:
        path = self.path / MANIFEST
        if not path.exists():
            return {"grondwerk_version": __version__, "stages": {}, "versions": {}}
        return json.loads(path.read_text(encoding="utf-8"))

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".manifest.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=2, ensure_ascii=False, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, self.path / MANIFEST)

    def describe_file(self, path: Path) -> dict[str, Any]:
        path = Path(path)
        relative = path.resolve().relative_to(self.path.resolve())
        return {"path": str(relative), "sha256": sha256_file(path), "bytes": path.stat().st_size}

    def record_stage(
        self,
        stage: str,
        result: StageResult,
        *,
        started: dt.datetime,
        finished: dt.datetime,
        inputs: list[Path] | None = None,
    ) -> dict[str, Any]:
        """Write (or replace) the manifest entry of ``stage``; return the entry."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of {STAGES}")
        outputs = []
        for output in result.outputs:
            output = Path(output)
            files = sorted(p for p in output.rglob("*") if p.is_file()) if output.is_dir() else [output]
            outputs.extend(self.describe_file(p) for p in files)
        entry = {
            "order": STAGES.index(stage) + 1,
            "status": result.status,
            "started": started.isoformat(),
            "finished": finished.isoformat(),
            "summary": result.summary,
            "conclusion": {"nl": result.conclusion_nl, "en": result.conclusion_en},
            "outputs": sorted(outputs, key=lambda item: item["path"]),
            "inputs": [{"path": str(p), "sha256": sha256_file(Path(p))} for p in (inputs or [])],
        }
        with self._locked():
            manifest = self.read_manifest()
            manifest["stages"][stage] = entry
            manifest.setdefault("versions", {}).update(result.versions)
            manifest["updated"] = finished.isoformat()
            self._write_manifest(manifest)
        return entry

    def append_outputs(self, stage: str, paths: list[Path], **summary: Any) -> None:
        """Add files (and summary fields) to an already recorded stage, e.g. a decision taken after it ran."""
        with self._locked():
            manifest = self.read_manifest()
            entry = manifest["stages"][stage]
            described = {o["path"]: o for o in entry["outputs"]}
            for path in paths:
                item = self.describe_file(Path(path))
                described[item["path"]] = item
            entry["outputs"] = sorted(described.values(), key=lambda item: item["path"])
            entry["summary"].update(summary)
            self._write_manifest(manifest)

    def set_header(self, **fields: Any) -> None:
        """Set top-level manifest fields such as the tender reference and run id."""
        with self._locked():
            manifest = self.read_manifest()
            manifest.update(fields)
            self._write_manifest(manifest)
