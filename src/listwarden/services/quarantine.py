"""The import quarantine: its rows read back to be fixed, and erased after 30 days.

Deleting the rows and appending the event share one transaction; the import's quarantine key
is destroyed after, so a quarantined row in any backup is unreadable too. A rerun after a crash
between the two finds the import done and destroys the key again (destroying is idempotent).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select

from listwarden.domain.access import Actor
from listwarden.domain.errors import Conflict, NotFound, Reason
from listwarden.domain.imports import QUARANTINE_DAYS
from listwarden.domain.vocabulary import Operation, Purpose
from listwarden.policy.engine import AccessAction, Context
from listwarden.services.access import Authoriser, authorise, probe_entry, refusal
from listwarden.services.events import record_event
from listwarden.services.lists import get_list
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import ImportRun, QuarantineRow, RegisterList


def _expired(uow: UnitOfWork, day: date) -> list[str]:
    with uow.read_only() as session:
        return list(
            session.scalars(
                select(ImportRun.id).where(
                    ImportRun.quarantine_erase_on <= day, ImportRun.quarantine_erased_at.is_(None)
                )
            )
        )


def count_expired_quarantines(*, uow: UnitOfWork, today: date) -> int:
    """How many imports' quarantines are due for erasure on ``today``."""
    return len(_expired(uow, today))


def erase_expired_quarantines(*, uow: UnitOfWork, today: date | None = None) -> int:
    """Erase every quarantine whose 30 days have passed: its rows, then its key; the count.

    The rows are deleted and the event appended in one transaction; the import's key is then
    destroyed, so a copy of a quarantined row in any backup is unreadable too. A rerun after a
    crash between the two finds no rows and destroys the key again (it is idempotent).
    """
    due = _expired(uow, today or uow.today())
    for import_id in due:
        with uow.transaction() as session:
            run = session.get(ImportRun, import_id)
            if run is None or run.quarantine_erased_at is not None:
                continue
            result = session.execute(
                delete(QuarantineRow).where(QuarantineRow.import_id == import_id)
            )
            erased = int(getattr(result, "rowcount", 0) or 0)
            run.quarantine_erased_at = uow.now()
            record_event(
                session,
                at=uow.now(),
                operation=Operation.QUARANTINE_ERASE,
                actor_id=None,
                list_id=run.list_id,
                result_count=erased,
                reason=f"quarantine of import {import_id} erased after {QUARANTINE_DAYS} days",
            )
        uow.cipher.destroy_quarantine_key(import_id)
    return len(due)


def export_quarantine(
    *, uow: UnitOfWork, actor: Actor, import_id: str, purpose: str | None = None
) -> tuple[list[str], list[list[str]]]:
    """The quarantined rows of an import, opened, to be fixed and imported again.

    The header is the file's own with a last column of reasons; only someone who may collect
    onto the import's list may read them, and the read is logged.
    """
    with uow.transaction(Attempt(Operation.QUARANTINE_READ, actor.id)) as session:
        run = session.get(ImportRun, import_id)
        if run is None:
            raise NotFound("no such import", reasons=[Reason("import-not-found", import_id)])
        register_list = get_list(session, run.list_id)
        chosen = Purpose(purpose or register_list.purposes[0])
        authorise(
            session,
            uow,
            actor,
            AccessAction.ENTRY_COLLECT,
            probe_entry(register_list, chosen, None, actor),
            Context(purpose=chosen),
        )
        if run.quarantine_erased_at is not None:
            raise Conflict(
                "the quarantine has been erased",
                reasons=[Reason("quarantine-erased", str(run.quarantine_erased_at.date()))],
            )
        rows = session.scalars(
            select(QuarantineRow)
            .where(QuarantineRow.import_id == import_id)
            .order_by(QuarantineRow.source_row)
        ).all()
        documents = [
            json.loads(uow.cipher.open_quarantine(import_id, r.id, "row", r.row_ct)) for r in rows
        ]
        header = list(documents[0]["columns"]) if documents else []  # the file's own order
        out = [
            [d["cells"].get(h, "") for h in header]
            + ["; ".join(f"{x['code']} ({x.get('field') or 'row'})" for x in d["reasons"])]
            for d in documents
        ]
        record_event(
            session,
            at=uow.now(),
            operation=Operation.QUARANTINE_READ,
            actor_id=actor.id,
            list_id=run.list_id,
            purpose=chosen,
            result_count=len(out),
            reason=f"quarantine of import {import_id} read to be fixed",
        )
        return [*header, "quarantine reasons"], out


@dataclass(frozen=True)
class ImportView:
    """One import as its list's collectors see it: counts and reasons, nobody's values."""

    id: str
    list_id: str
    list_name: str
    file_name: str
    file_format: str
    started_at: datetime
    rows: int
    loaded: int
    quarantined: int
    reasons: dict[str, int]
    quarantine_erase_on: date
    quarantine_erased: bool


def imports_for(*, uow: UnitOfWork, actor: Actor) -> list[ImportView]:
    """The imports into every list the actor may collect onto, newest first.

    Someone who may collect onto no list at all is refused, naming the policy; a list the
    actor may not collect onto is left out of the listing.
    """
    with uow.read_only() as session:
        authoriser = Authoriser(session, uow, actor)
        registers = list(session.scalars(select(RegisterList).order_by(RegisterList.name)))
        allowed: set[str] = set()
        refused = None
        for register_list in registers:
            purpose = Purpose(register_list.purposes[0]) if register_list.purposes else None
            if purpose is None:
                continue
            decision = uow.policy.decide(
                authoriser.principal(register_list.id),
                AccessAction.ENTRY_COLLECT,
                probe_entry(register_list, purpose, None, actor),
                Context(purpose=purpose),
            )
            if decision.allowed:
                allowed.add(register_list.id)
            elif refused is None:
                refused = decision
        if not allowed and refused is not None:
            raise refusal(refused)
        names = {r.id: r.name for r in registers}
        runs = session.scalars(
            select(ImportRun)
            .where(ImportRun.list_id.in_(sorted(allowed)))
            .order_by(ImportRun.started_at.desc(), ImportRun.id)
        )
        return [
            ImportView(
                run.id,
                run.list_id,
                names[run.list_id],
                run.file_name,
                run.file_format,
                run.started_at,
                run.rows,
                run.loaded,
                run.quarantined,
                dict(run.reasons),
                run.quarantine_erase_on,
                run.quarantine_erased_at is not None,
            )
            for run in runs
        ]
