"""The import quarantine: its rows read back to be fixed, and erased after 30 days.

Deleting the rows and appending the event share one transaction; the import's quarantine key
is destroyed after, so a quarantined row in any backup is unreadable too. A rerun after a crash
between the two finds the import done and destroys the key again (destroying is idempotent).
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import delete, select

from listwarden.domain.access import Actor
from listwarden.domain.errors import Conflict, NotFound, Reason
from listwarden.domain.imports import QUARANTINE_DAYS
from listwarden.domain.vocabulary import Operation, Purpose
from listwarden.policy.engine import AccessAction, Context
from listwarden.services.access import authorise, probe_entry
from listwarden.services.events import record_event
from listwarden.services.lists import get_list
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import ImportRun, QuarantineRow


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
