"""Grondwerk roles and who has them; no Airflow import, so the rules are testable alone.

Roles: ``inkoper`` (starts tender runs, reads own dossiers), ``bodemteam``
(answers reviews, accepts match proposals), ``datasteward`` (dashboards,
read-only) and ``toezicht`` (reads dossiers). Membership comes from
``GRONDWERK_ROLES`` as ``user:role[+role],user:role``; Airflow's ``admin``
role has every Grondwerk role.
"""

from __future__ import annotations

import os

ROLES = ("inkoper", "bodemteam", "datasteward", "toezicht")


def role_table(spec: str | None = None) -> dict[str, frozenset[str]]:
    """Parse ``GRONDWERK_ROLES`` (or ``spec``) into user → roles; unknown role names raise ``ValueError``."""
    spec = os.environ.get("GRONDWERK_ROLES", "") if spec is None else spec
    table: dict[str, set[str]] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        user, _, roles = item.partition(":")
        for role in filter(None, roles.split("+")):
            if role not in ROLES:
                raise ValueError(f"GRONDWERK_ROLES: unknown role {role!r} for user {user!r}; expected one of {ROLES}")
            table.setdefault(user.strip(), set()).add(role)
    return {user: frozenset(roles) for user, roles in table.items()}


def roles_of(username: str, airflow_role: str | None, spec: str | None = None) -> frozenset[str]:
    """Return the Grondwerk roles of a user; Airflow admins have them all."""
    if (airflow_role or "").lower() == "admin":
        return frozenset(ROLES)
    return role_table(spec).get(username, frozenset())
