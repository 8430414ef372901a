"""The FastAPI app that the Airflow plugin mounts at ``/grondwerk``.

Routers of pages that are not installed (yet) are left out with a log line,
so one missing page never takes the api-server down.
"""

from __future__ import annotations

import importlib
import logging

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse

from grondwerk.orchestration.web.auth import GrondwerkUser, current_user
from grondwerk.orchestration.web.layout import page

log = logging.getLogger(__name__)

ROUTER_MODULES = (
    "grondwerk.orchestration.web.dossiers",
    "grondwerk.orchestration.web.review",
    "grondwerk.orchestration.web.dashboard",
    "grondwerk.orchestration.web.map",
)


def create_app() -> FastAPI:
    app = FastAPI(title="Grondwerk", description="Grondhalte: beoordelen, datakwaliteit, kaart en dossiers")
    for name in ROUTER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            log.warning("Grondwerk page module %s is not installed; its routes are left out", name)
            continue
        app.include_router(module.router)

    @app.get("/", response_class=HTMLResponse)
    def index(user: GrondwerkUser = Depends(current_user)) -> str:
        roles = ", ".join(sorted(user.roles)) or "geen Grondwerk-rol"
        body = (
            f"<p>Ingelogd als <strong>{user.username}</strong> ({roles}).</p>"
            "<ul><li><a href='/grondwerk/review'>Bestekteksten beoordelen</a> (bodemteam)</li>"
            "<li><a href='/grondwerk/dashboard'>Datakwaliteit</a> (datasteward)</li>"
            "<li><a href='/grondwerk/map'>Kaart van het matchvoorstel</a> (bodemteam)</li>"
            "<li><a href='/grondwerk/dossiers'>Dossiers</a> (toezicht, inkoper)</li></ul>"
        )
        return page("Grondhalte", body, user=user.username)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
