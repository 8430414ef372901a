"""Shared HTML frame of Grondwerk's pages: Dutch, printable, no external assets."""

from __future__ import annotations

from html import escape

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2a33;background:#f6f7f4}
header{background:#3d5a2a;color:#fff;padding:.8rem 1.5rem;display:flex;gap:1.5rem;align-items:baseline}
header a{color:#e8f0dc;text-decoration:none}header strong{font-size:1.2rem}
main{padding:1.2rem 1.5rem;max-width:1200px}
table{border-collapse:collapse;background:#fff;margin:.6rem 0}th,td{border:1px solid #cfd6c8;padding:.35rem .6rem;text-align:left;vertical-align:top}
th{background:#e8eedf}.ok{color:#2e6b1f}.warning{color:#9a6700}.stopped,.fail{color:#b42318}
code{background:#eef1ea;padding:0 .25rem}
"""

NAV = (
    ("/grondwerk/", "Start"),
    ("/grondwerk/review", "Beoordelen"),
    ("/grondwerk/dashboard", "Datakwaliteit"),
    ("/grondwerk/map", "Kaart"),
    ("/grondwerk/dossiers", "Dossiers"),
)


def page(title: str, body_html: str, *, user: str = "") -> str:
    """Wrap ``body_html`` (already escaped) in the Grondwerk frame."""
    links = "".join(f'<a href="{href}">{escape(label)}</a>' for href, label in NAV)
    who = f'<span style="margin-left:auto">{escape(user)}</span>' if user else ""
    return (
        f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{escape(title)} · Grondwerk</title>'
        f"<style>{STYLE}</style></head><body><header><strong>Grondwerk</strong>{links}{who}</header>"
        f"<main><h1>{escape(title)}</h1>{body_html}</main></body></html>"
    )
