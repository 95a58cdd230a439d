"""Access alerts for the DPO (law 11): the same JSON as ``listwarden alerts --json``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from listwarden.reports.jsonable import jsonable
from listwarden.services.access_alerts import access_alerts
from listwarden.web.deps import ActorDep, UowDep

alerts_router = APIRouter(prefix="/api/v1/alerts", tags=["loss detection"])


@alerts_router.get("")
def get_access_alerts(uow: UowDep, actor: ActorDep, days: int = 7) -> Any:
    """Bulk consultation, consultation outside a user's working pattern and repeated refusals
    in the last ``days`` days (1 to 366), by user id; thresholds are the register's settings."""
    return jsonable(access_alerts(uow=uow, actor=actor, days=days))
