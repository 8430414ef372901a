"""Authentication and role checks for Grondwerk's plugin endpoints.

Airflow does not protect plugin endpoints by itself: every route depends on
``require_role``, which resolves the user from the api-server's token (Bearer
header or the UI's ``_token`` cookie) and checks the Grondwerk role.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import Depends, HTTPException, status

from airflow.api_fastapi.core_api.security import get_user
from grondwerk.orchestration.web.roles import roles_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GrondwerkUser:
    """The signed-in user with their Grondwerk roles."""

    username: str
    airflow_role: str | None
    roles: frozenset[str]


def current_user(user=Depends(get_user)) -> GrondwerkUser:
    username = user.get_name()
    airflow_role = getattr(user, "role", None)
    return GrondwerkUser(username, airflow_role, roles_of(username, airflow_role))


def require_role(*roles: str):
    """Return a dependency that admits users holding at least one of ``roles`` (403 otherwise)."""
    wanted = frozenset(roles) - {"admin"}

    def dependency(user: GrondwerkUser = Depends(current_user)) -> GrondwerkUser:
        if user.roles & wanted:
            return user
        log.warning("User %s with roles %s denied; route needs one of %s", user.username, sorted(user.roles), sorted(wanted))
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"Geen toegang: deze pagina vraagt de rol {' of '.join(sorted(wanted))}.",
        )

    return dependency
