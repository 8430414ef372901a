"""Dossier pages for supervisors (toezicht) and procurement officers: list, manifest and files."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from grondwerk import settings
from grondwerk.dossier import MANIFEST, STAGES
from grondwerk.orchestration.web.auth import GrondwerkUser, require_role
from grondwerk.orchestration.web.layout import page

router = APIRouter()
READERS = ("toezicht", "inkoper", "bodemteam")


def _manifests(root: Path) -> list[tuple[Path, dict]]:
    found = []
    for path in sorted(root.glob(f"*/*/{MANIFEST}")):
        try:
            found.append((path.parent, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, json.JSONDecodeError):
            continue
    return found


def _may_read(user: GrondwerkUser, manifest: dict) -> bool:
    """Supervisors and the soil team read every dossier; an inkoper only the ones they started."""
    if user.roles & {"toezicht", "bodemteam"}:
        return True
    return manifest.get("started_by") == user.username


def _dossier_dir(reference: str, run: str, user: GrondwerkUser) -> Path:
    root = settings.dossier_root().resolve()
    folder = (root / reference / run).resolve()
    if root not in folder.parents or not (folder / MANIFEST).is_file():
        raise HTTPException(status_code=404, detail="Dossier niet gevonden.")
    if not _may_read(user, json.loads((folder / MANIFEST).read_text(encoding="utf-8"))):
        raise HTTPException(status_code=403, detail="Geen toegang: dit dossier is door een andere inkoper gestart.")
    return folder


@router.get("/dossiers", response_class=HTMLResponse)
def list_dossiers(user: GrondwerkUser = Depends(require_role(*READERS))) -> str:
    rows = []
    for folder, manifest in _manifests(settings.dossier_root()):
        if not _may_read(user, manifest):
            continue
        reference, run = folder.parent.name, folder.name
        closing = manifest.get("stages", {}).get("dossier", {})
        state = closing.get("status", "loopt")
        rows.append(
            f'<tr><td><a href="/grondwerk/dossiers/{escape(reference)}/{escape(run)}">{escape(reference)}</a></td>'
            f"<td>{escape(run)}</td><td>{len(manifest.get('stages', {}))}/{len(STAGES)}</td>"
            f'<td class="{escape(state)}">{escape(state)}</td><td>{escape(manifest.get("updated", ""))}</td></tr>'
        )
    table = "<table><tr><th>Aanbesteding</th><th>Run</th><th>Stappen</th><th>Status</th><th>Bijgewerkt</th></tr>" + "".join(rows) + "</table>"
    return page("Dossiers", table if rows else "<p>Nog geen dossiers.</p>", user=user.username)


@router.get("/dossiers/{reference}/{run}", response_class=HTMLResponse)
def show_dossier(reference: str, run: str, user: GrondwerkUser = Depends(require_role(*READERS))) -> str:
    folder = _dossier_dir(reference, run, user)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    parts = []
    for stage in STAGES:
        entry = manifest.get("stages", {}).get(stage)
        if entry is None:
            parts.append(f"<h2>{STAGES.index(stage) + 1}. {stage}</h2><p>Nog niet uitgevoerd.</p>")
            continue
        files = "".join(
            f'<li><a href="/grondwerk/dossiers/{escape(reference)}/{escape(run)}/files/{escape(o["path"])}">{escape(o["path"])}</a>'
            f' <code>{o["sha256"][:12]}…</code> ({o["bytes"]} bytes)</li>'
            for o in entry["outputs"]
        )
        parts.append(
            f'<h2>{entry["order"]}. {stage} <span class="{escape(entry["status"])}">({escape(entry["status"])})</span></h2>'
            f'<p>{escape(entry["conclusion"]["nl"])}</p><ul>{files}</ul>'
        )
    return page(f"Dossier {reference}", f"<p>Run <code>{escape(run)}</code></p>" + "".join(parts), user=user.username)


@router.get("/dossiers/{reference}/{run}/manifest.json")
def dossier_manifest(reference: str, run: str, user: GrondwerkUser = Depends(require_role(*READERS))) -> dict:
    return json.loads((_dossier_dir(reference, run, user) / MANIFEST).read_text(encoding="utf-8"))


@router.get("/dossiers/{reference}/{run}/files/{file_path:path}")
def dossier_file(reference: str, run: str, file_path: str, user: GrondwerkUser = Depends(require_role(*READERS))) -> FileResponse:
    folder = _dossier_dir(reference, run, user)
    target = (folder / file_path).resolve()
    if folder not in target.parents or not target.is_file():
        raise HTTPException(status_code=404, detail="Bestand niet gevonden in dit dossier.")
    return FileResponse(target)
