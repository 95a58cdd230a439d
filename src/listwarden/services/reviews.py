"""Reviews (law 3): what is due per BCU, retain with NRAC reasons or remove, re-listing flags."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor, Permission, require_permission, visible_bcus
from listwarden.domain.bcu import BOROUGHS_BY_BCU
from listwarden.domain.errors import InvalidInput, NotFound, Reason
from listwarden.domain.retention import (
    LegalHold,
    NracQuestion,
    ReviewOutcome,
    relisting_flag,
    require_review_reasons,
    require_valid_hold,
)
from listwarden.domain.vocabulary import Category, Operation, Purpose
from listwarden.policy.engine import AccessAction, Context
from listwarden.services import erasure
from listwarden.services.access import Authoriser, entry_resource
from listwarden.services.events import record_event
from listwarden.services.retention import record_removal, schedule_for
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import Entry, LegalHoldRow, RegisterList, Removal, Review

RELISTED = "re-listed within 12 months of removal: flagged for the IAO"


def first_review_on(schedule_ref: str, today: date) -> Callable[[Category, bool], date] | None:
    """How a new entry's first review date follows from its list's schedule (by category, and
    at most the schedule's child interval for a child); ``None`` while the list names no
    schedule, when the collection default stands. Collection writes the date with the row."""
    try:
        schedule = schedule_for(schedule_ref)
    except InvalidInput:
        return None

    def due(category: Category, child: bool) -> date:
        interval = schedule.category_review_days.get(category, schedule.review_interval_days)
        days = min(interval, schedule.child_review_days) if child else interval
        return today + timedelta(days=days)

    return due


def after_collection(
    session: Session,
    *,
    list_id: str,
    entries: Sequence[tuple[str, str, bool]],
    today: date,
    at: datetime,
) -> None:
    """Flag re-listings: ``entries`` holds (entry id, subject id, is a new subject). A person
    put back on ``list_id`` within 12 months of their removal from it is flagged for the IAO.
    """
    known = [(e, s) for e, s, new in entries if not new]
    if known:
        _flag_relistings(session, list_id=list_id, entries=known, today=today, at=at)


def _flag_relistings(
    session: Session,
    *,
    list_id: str,
    entries: Sequence[tuple[str, str]],
    today: date,
    at: datetime,
) -> None:
    subject_ids = [s for _, s in entries]
    removed: dict[str, list[date]] = {}
    for row in session.execute(
        select(Removal.subject_id, Removal.removed_on).where(
            Removal.list_id == list_id, Removal.subject_id.in_(subject_ids)
        )
    ):
        removed.setdefault(row.subject_id, []).append(row.removed_on)
    for entry_id, subject_id in entries:
        flag = relisting_flag(removals=removed.get(subject_id, []), added_on=today)
        if flag is None:
            continue
        session.execute(
            update(Entry).where(Entry.id == entry_id).values(relisted_after_removal_on=today)
        )
        record_event(
            session,
            at=at,
            operation=Operation.ALTER,
            actor_id=None,
            list_id=list_id,
            entry_id=entry_id,
            subject_id=subject_id,
            reason=RELISTED,
        )


@dataclass(frozen=True)
class DueReview:
    entry_id: str
    list_id: str
    next_review_on: date
    overdue: bool
    escalated_on: date | None


def _due_in(
    *, uow: UnitOfWork, bcu: str, within_days: int = 14, limit: int = 500
) -> list[DueReview]:
    """Entries in ``bcu`` whose review falls due within ``within_days``, oldest first.

    Unchecked: only ``reviews_due_for``, which checks who asks and which BCUs they cover, calls it.
    """
    today = uow.today()
    with uow.read_only() as session:
        rows = session.execute(
            select(Entry.id, Entry.list_id, Entry.next_review_on, Entry.escalated_on)
            .where(Entry.bcu == bcu, Entry.next_review_on <= today + timedelta(days=within_days))
            .order_by(Entry.next_review_on, Entry.id)
            .limit(limit)
        ).all()
    return [
        DueReview(r.id, r.list_id, r.next_review_on, r.next_review_on < today, r.escalated_on)
        for r in rows
    ]


def record_review(
    *,
    uow: UnitOfWork,
    actor: Actor,
    entry_id: str,
    purpose: str,
    outcome: str,
    nrac: Collection[str] = (),
    rationale: str = "",
) -> date | None:
    """Retain (with NRAC reasons; returns the next review date) or remove (erases the entry).

    A retained legacy entry has now been reviewed against the laws: it is legacy no longer.

    Reviews go on while a list is suspended (law 1): only the actor's access is checked.
    """
    decided = ReviewOutcome(outcome)
    questions = [NracQuestion(q) for q in nrac]
    require_review_reasons(outcome=decided, nrac=questions, rationale=rationale)
    today = uow.today()
    attempt = Attempt(Operation.ALTER, actor.id, entry_id=entry_id, purpose=purpose)
    with uow.transaction(attempt) as session:
        entry, register_list = _entry_for_review(session, uow, actor, entry_id, purpose)
        review_id = str(uuid.uuid4())
        session.execute(
            insert(Review).values(
                id=review_id,
                entry_id=entry_id,
                reviewed_on=today,
                reviewer_id=actor.id,
                outcome=decided.value,
                nrac=[q.value for q in questions],
                rationale_ct=uow.cipher.seal(
                    entry.subject_id, "reviews", review_id, "rationale", rationale.strip()
                )
                if rationale.strip()
                else None,
            )
        )
        next_on: date | None = None
        if decided is ReviewOutcome.RETAIN:
            schedule = schedule_for(register_list.retention_schedule_ref)
            interval = schedule.category_review_days.get(
                Category(entry.category), schedule.review_interval_days
            )
            if entry.child_at_entry:
                interval = min(interval, schedule.child_review_days)
            next_on = today + timedelta(days=interval)
            session.execute(
                update(Entry)
                .where(Entry.id == entry_id)
                .values(next_review_on=next_on, escalated_on=None, legacy_unreviewed=False)
            )
        else:
            record_removal(
                session,
                subject_id=entry.subject_id,
                list_id=entry.list_id,
                day=today,
                rule="review",
            )
        record_event(
            session,
            at=uow.now(),
            operation=Operation.ALTER,
            actor_id=actor.id,
            list_id=entry.list_id,
            entry_id=entry_id,
            subject_id=entry.subject_id,
            reason=f"review: {decided.value}",
        )
    if decided is ReviewOutcome.REMOVE:
        erasure.erase_entry(
            uow=uow,
            actor_id=actor.id,
            entry_id=entry_id,
            rule_or_request="review:remove",
            reason="removed at review",
        )
    return next_on


def _entry_for_review(
    session: Session, uow: UnitOfWork, actor: Actor, entry_id: str, purpose: str
) -> tuple[Entry, RegisterList]:
    entry = session.get(Entry, entry_id)
    register_list = session.get(RegisterList, entry.list_id) if entry else None
    if entry is None or register_list is None:
        raise NotFound(
            f"no entry {entry_id}", reasons=[Reason("entry-not-found", entry_id, "entry_id")]
        )
    Authoriser(session, uow, actor).require(
        AccessAction.ENTRY_ALTER,
        entry_resource(entry, register_list),
        Context(purpose=Purpose(purpose)),
    )
    return entry, register_list


def place_hold(
    *,
    uow: UnitOfWork,
    actor: Actor,
    entry_id: str,
    purpose: str,
    reason: str,
    reference: str,
    expires_on: date,
) -> str:
    """Defer an entry's removal for a reason its schedule allows, until ``expires_on``."""
    attempt = Attempt(Operation.ALTER, actor.id, entry_id=entry_id, purpose=purpose)
    with uow.transaction(attempt) as session:
        entry, register_list = _entry_for_review(session, uow, actor, entry_id, purpose)
        hold = LegalHold(reason, reference.strip(), expires_on)
        require_valid_hold(hold, schedule_for(register_list.retention_schedule_ref), uow.today())
        hold_id = str(uuid.uuid4())
        session.execute(
            insert(LegalHoldRow).values(
                id=hold_id,
                entry_id=entry.id,
                reason=hold.reason,
                reference=hold.reference[:100],
                expires_on=expires_on,
                placed_by=actor.id,
                placed_at=uow.now(),
            )
        )
        record_event(
            session,
            at=uow.now(),
            operation=Operation.ALTER,
            actor_id=actor.id,
            list_id=register_list.id,
            entry_id=entry.id,
            subject_id=entry.subject_id,
            purpose=Purpose(purpose),
            reason=f"legal hold: {hold.reason} until {expires_on}",
        )
        return hold_id


def reviews_due_for(
    *, uow: UnitOfWork, actor: Actor, within_days: int = 14, limit: int = 500
) -> list[DueReview]:
    """Reviews due in the BCUs the actor covers, for the roles that collect and review."""
    require_permission(actor, Permission.ENTRY_COLLECT)
    found: list[DueReview] = []
    for bcu in sorted(visible_bcus(actor, BOROUGHS_BY_BCU.keys())):
        found += _due_in(uow=uow, bcu=bcu, within_days=within_days, limit=limit)
    return sorted(found, key=lambda r: (r.next_review_on, r.entry_id))[:limit]
