"""The import quarantine's end: rows that could not be held are erased after 30 days.

Deleting the rows and appending the event share one transaction; the import's quarantine key
is destroyed after, so a quarantined row in any backup is unreadable too. A rerun after a crash
between the two finds the import done and destroys the key again (destroying is idempotent).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from listwarden.domain.imports import QUARANTINE_DAYS
from listwarden.domain.vocabulary import Operation
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import UnitOfWork
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
