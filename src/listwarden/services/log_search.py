"""Reading the access log for oversight: filtered, paginated, answered from indexes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from listwarden.domain.access import Actor, Permission, require_permission
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.vocabulary import Role
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.tables import Event


@dataclass(frozen=True)
class EventView:
    id: int
    occurred_at: datetime
    operation: str
    outcome: str
    actor_id: str | None
    list_id: str | None
    entry_id: str | None
    subject_id: str | None
    purpose: str | None
    purpose_class: str | None
    justification: str | None
    recipient_id: str | None
    result_count: int | None
    reason: str | None


def search_events(
    *,
    uow: UnitOfWork,
    actor: Actor,
    subject_id: str | None = None,
    user_id: str | None = None,
    operation: str | None = None,
    list_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[EventView]:
    """Events matching every filter given, oldest first, resuming after ``after_id``."""
    require_permission(actor, Permission.LOG_READ)
    if not 1 <= limit <= 1000:
        raise InvalidInput(
            "invalid page", reasons=[Reason("invalid-page", "limit 1-1000", "limit")]
        )
    query = select(Event).where(Event.id > after_id)
    for column, value in (
        (Event.subject_id, subject_id),
        (Event.actor_id, user_id),
        (Event.operation, operation),
        (Event.list_id, list_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(Event.occurred_at >= since)
    if until is not None:
        query = query.where(Event.occurred_at < until)
    # Justifications are free text and may name people; the administrator sees none.
    redact = actor.role is Role.ADMINISTRATOR
    with uow.read_only() as session:
        return [
            EventView(
                e.id,
                e.occurred_at,
                e.operation,
                e.outcome,
                e.actor_id,
                e.list_id,
                e.entry_id,
                e.subject_id,
                e.purpose,
                e.purpose_class,
                None if redact else e.justification,
                e.recipient_id,
                e.result_count,
                e.reason,
            )
            for e in session.scalars(query.order_by(Event.id).limit(limit))
        ]
