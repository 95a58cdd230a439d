"""``serve`` runs the retention sweep on a schedule (law 3), as ``retention sweep`` does by hand.

Every ``sweep_minutes`` a background task runs the sweep in a thread, so requests keep being
served: the sweep commits in batches of about 500 entries and each write transaction is short.
With several workers each schedules its own run; the sweep's one lock lets one of them sweep and
the others skip that round."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import APIRouter, FastAPI

from listwarden.bootstrap import Register
from listwarden.domain.errors import Conflict
from listwarden.services.retention import sweep

log = logging.getLogger(__name__)


async def _sweep_on_schedule(register: Register, stop: asyncio.Event, every: float) -> None:
    while not stop.is_set():
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
        if stop.is_set():
            return
        try:
            report = await asyncio.to_thread(sweep, uow=register.uow)
        except Conflict:
            continue  # another worker holds the sweep lock: it is sweeping this round
        except Exception:
            log.exception("retention: the scheduled sweep failed; it runs again next round")
            continue
        if report.removed or report.escalated:
            log.warning(
                "retention: the scheduled sweep removed %d entries and escalated %d reviews",
                report.removed,
                report.escalated,
            )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    register: Register = app.state.register
    minutes = register.settings.sweep_minutes
    if minutes <= 0:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(_sweep_on_schedule(register, stop, minutes * 60))
    try:
        yield
    finally:
        stop.set()
        await task


sweep_router = APIRouter(lifespan=_lifespan)
"""No routes: it carries the schedule into the application's lifespan."""
