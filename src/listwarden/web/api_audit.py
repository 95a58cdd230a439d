"""The access log's API for auditors, and ``serve``'s upkeep of the log in the background.

Routes under ``/api/v1/audit`` call the audit services; reading the log needs ``log:read``
(the auditor and the DPO; the administrator sees no justifications). While the server runs, a
background task sequences committed events every ``log_sequence_seconds`` and signs a checkpoint
every ``log_checkpoint_minutes`` when the log has grown.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import StreamingResponse

from listwarden.bootstrap import Register
from listwarden.policy.engine import AccessAction
from listwarden.services import audit, audit_export, audit_proofs, audit_verify, log_search
from listwarden.services.access import require_on_register
from listwarden.services.audit_config import LogConfig, attach_event_log
from listwarden.services.audit_sequence import maintain_log
from listwarden.web.deps import LogActorDep, UowDep

log = logging.getLogger(__name__)


async def _upkeep(register: Register, stop: asyncio.Event, interval: float) -> None:
    while not stop.is_set():
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        if stop.is_set():
            return
        try:
            await asyncio.to_thread(maintain_log, uow=register.uow)
        except Exception:
            log.exception("access log: background sequencing failed")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    register: Register = app.state.register
    config = LogConfig.from_settings(register.settings)
    attach_event_log(register.uow, keys=register.keystore, config=config)
    stop = asyncio.Event()
    task = asyncio.create_task(_upkeep(register, stop, config.sequence_seconds))
    try:
        yield
    finally:
        stop.set()
        await task


audit_router = APIRouter(prefix="/api/v1/audit", tags=["access log"], lifespan=_lifespan)


@audit_router.get("/checkpoint")
def get_checkpoint(uow: UowDep, actor: LogActorDep) -> audit.CheckpointView:
    """The latest signed checkpoint (signed now if the log has grown), with the log's key."""
    return audit.latest_checkpoint_view(uow=uow, actor=actor)


@audit_router.get("/cosigned")
def get_cosigned(uow: UowDep, actor: LogActorDep) -> dict[str, audit.CosignedAge | None]:
    """The latest checkpoint cosigned by a key outside the system, and how old it is."""
    require_on_register(uow=uow, actor=actor, action=AccessAction.LOG_READ)
    return {"last_cosigned": audit.last_cosigned(uow=uow)}


@audit_router.get("/events")
def get_events(
    uow: UowDep,
    actor: LogActorDep,
    subject_id: str | None = None,
    user_id: str | None = None,
    operation: str | None = None,
    list_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_id: int = Query(default=0, ge=0),
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    """A page of events matching every filter, oldest first; ``next_after`` resumes."""
    events = log_search.search_events(
        uow=uow,
        actor=actor,
        subject_id=subject_id,
        user_id=user_id,
        operation=operation,
        list_id=list_id,
        since=since,
        until=until,
        after_id=after_id,
        limit=limit,
    )
    return {"events": events, "next_after": events[-1].id if len(events) == limit else None}


@audit_router.get("/proofs/inclusion/{event_id}")
def get_inclusion(event_id: int, uow: UowDep, actor: LogActorDep) -> audit_proofs.InclusionProof:
    """That the event is in the log the latest checkpoint signs."""
    return audit_proofs.prove_inclusion(uow=uow, actor=actor, event_id=event_id)


@audit_router.get("/proofs/consistency")
def get_consistency(
    uow: UowDep,
    actor: LogActorDep,
    first: int = Query(alias="from", ge=1),
    second: int | None = Query(default=None, alias="to", ge=1),
) -> audit_proofs.ConsistencyProof:
    """That the log of ``from`` leaves is a prefix of the log of ``to`` (default: latest)."""
    return audit_proofs.prove_consistency(uow=uow, actor=actor, first=first, second=second)


@audit_router.get("/verify")
def get_verification(uow: UowDep, actor: LogActorDep) -> audit_verify.Verification:
    """Verify the whole log now (it reads every event: for auditors, not for polling)."""
    return audit_verify.verify_log(uow=uow, actor=actor)


@audit_router.get("/export")
def get_export(uow: UowDep, actor: LogActorDep, subject_id: str | None = None) -> StreamingResponse:
    """The log as JSON lines with its checkpoints and proofs, for the Commissioner (s.62(5))."""
    records = audit_export.export_log(uow=uow, actor=actor, subject_id=subject_id)
    first = next(records)  # checks access and signs before the response starts

    def lines() -> Iterator[str]:
        for record in itertools.chain([first], records):
            yield json.dumps(record, sort_keys=True) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")
