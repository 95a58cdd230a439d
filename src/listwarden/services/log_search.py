"""Reading the access log for oversight: filtered, paginated, answered from indexes.

Each filter has an index that pairs it with the event id, so a page is one index range scan
in log order, resumed after the last id seen. Justifications are opened from their sealed
form for the auditor and the DPO; the administrator sees none, and nobody sees one whose
period's key has expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from listwarden.auditlog.sealing import EventRef, JustificationOpener
from listwarden.domain.access import Actor
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.vocabulary import Operation, Role
from listwarden.policy.engine import AccessAction
from listwarden.services.access import require_on_register
from listwarden.services.audit_config import event_log
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.tables import Event, LogLeaf

MAX_PAGE = 1000
WITHHELD_ROLE = "not shown to the administrator"
WITHHELD_EXPIRED = "its log period has expired and the key is destroyed"


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
    log_period: str | None = None
    justification_withheld: str | None = None
    leaf_index: int | None = None


def _page_query(
    *,
    subject_id: str | None,
    user_id: str | None,
    operation: str | None,
    list_id: str | None,
    since: datetime | None,
    until: datetime | None,
    after_id: int,
    limit: int,
) -> Select[Event, int]:
    if not 1 <= limit <= MAX_PAGE or after_id < 0:
        raise InvalidInput(
            "invalid page",
            reasons=[Reason("invalid-page", f"limit 1-{MAX_PAGE}, after_id at least 0", "limit")],
        )
    if operation is not None and operation not in {o.value for o in Operation}:
        raise InvalidInput(
            f"unknown operation {operation!r}",
            reasons=[
                Reason(
                    "unknown-operation",
                    "operation must be one of: " + ", ".join(o.value for o in Operation),
                    "operation",
                )
            ],
        )
    query = (
        select(Event, LogLeaf.leaf_index)
        .outerjoin(LogLeaf, LogLeaf.event_id == Event.id)
        .where(Event.id > after_id)
    )
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
    return query.order_by(Event.id).limit(limit)


def _justification(
    event: Event, opener: JustificationOpener | None
) -> tuple[str | None, str | None]:
    """The clear justification, or None and why it is withheld."""
    if event.justification_ct is None or event.log_period is None:
        return None, None
    if opener is None:
        return None, WITHHELD_ROLE
    ref = EventRef(
        event.occurred_at,
        event.operation,
        event.actor_id,
        event.list_id,
        event.entry_id,
        event.subject_id,
    )
    text = opener.open(event.justification_ct, event.log_period, ref)
    return (text, None) if text is not None else (None, WITHHELD_EXPIRED)


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
    require_on_register(uow=uow, actor=actor, action=AccessAction.LOG_READ)
    query = _page_query(
        subject_id=subject_id,
        user_id=user_id,
        operation=operation,
        list_id=list_id,
        since=since,
        until=until,
        after_id=after_id,
        limit=limit,
    )
    # Justifications are free text and may name people; the administrator sees none.
    opener = None if actor.role is Role.ADMINISTRATOR else event_log(uow).sealer.opener(uow.now())
    with uow.read_only() as session:
        rows = session.execute(query).all()
    views = []
    for e, leaf_index in rows:
        justification, withheld = _justification(e, opener)
        views.append(
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
                justification,
                e.recipient_id,
                e.result_count,
                e.reason,
                e.log_period,
                withheld,
                leaf_index,
            )
        )
    return views
