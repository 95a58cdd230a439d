"""Loss findings for the DPO (law 11): the same JSON as ``listwarden findings list --json``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from listwarden.reports.jsonable import jsonable
from listwarden.services.loss_detection import open_findings
from listwarden.web.deps import ActorDep, UowDep

loss_router = APIRouter(prefix="/api/v1/loss-findings", tags=["loss detection"])


@loss_router.get("")
def get_open_findings(uow: UowDep, actor: ActorDep) -> Any:
    """The findings still open, by identifiers only (path, content hash, subject ids)."""
    return jsonable(open_findings(uow=uow, actor=actor))
