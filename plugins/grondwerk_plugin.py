"""Airflow plugin that serves Grondwerk's pages (review, data quality, map, dossiers) at ``/grondwerk``."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from grondwerk.orchestration.web.app import create_app


class GrondwerkPlugin(AirflowPlugin):
    name = "grondwerk"
    fastapi_apps = [{"app": create_app(), "url_prefix": "/grondwerk", "name": "Grondwerk"}]
    external_views = [
        {"name": "Bestekteksten beoordelen", "href": "grondwerk/review", "destination": "nav", "category": "Grondwerk", "url_route": "grondwerk-review"},
        {"name": "Datakwaliteit", "href": "grondwerk/dashboard", "destination": "nav", "category": "Grondwerk", "url_route": "grondwerk-dashboard"},
        {"name": "Kaart", "href": "grondwerk/map", "destination": "nav", "category": "Grondwerk", "url_route": "grondwerk-map"},
        {"name": "Dossiers", "href": "grondwerk/dossiers", "destination": "nav", "category": "Grondwerk", "url_route": "grondwerk-dossiers"},
    ]
