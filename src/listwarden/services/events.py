"""Appending access-log events inside the caller's transaction (law 4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from listwarden.domain.vocabulary import PURPOSE_CLASS, Operation, Outcome, Purpose
from listwarden.store.tables import Event


def record_event(
    session: Session,
    *,
    at: datetime,
    operation: Operation,
    actor_id: str | None,
    list_id: str | None = None,
    entry_id: str | None = None,
    subject_id: str | None = None,
    purpose: Purpose | None = None,
    justification: str | None = None,
    recipient_id: str | None = None,
    result_count: int | None = None,
    reason: str | None = None,
) -> Event:
    """Add one event to ``session``; it commits or rolls back with the change it describes."""
    event = Event(
        occurred_at=at,
        operation=operation.value,
        outcome=Outcome.DONE.value,
        actor_id=actor_id,
        list_id=list_id,
        entry_id=entry_id,
        subject_id=subject_id,
        purpose=purpose.value if purpose else None,
        purpose_class=PURPOSE_CLASS[purpose].value if purpose else None,
        justification=justification,
        recipient_id=recipient_id,
        result_count=result_count,
        reason=reason,
    )
    session.add(event)
    return event
