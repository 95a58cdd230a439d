"""Telling recipients (s.48): every erasure, rectification or restriction of an entry they received.

An erasure raises the notices in its own transaction (``services.erasure``); rectification and
restriction call :func:`raise_notices` the same way. The IRU sends each notice to the
recipient's contact and records that it did. An erased person's keyed fingerprint, kept to
attribute a leak of a disclosure, is forgotten 90 days after the erasure (law 11).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.errors import InvalidInput, NotFound, Reason
from listwarden.domain.vocabulary import Operation
from listwarden.policy.engine import REGISTER, AccessAction
from listwarden.services.access import Authoriser
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import DisclosureEntryRow, DisclosureRow, RecipientNotice, RecipientRow

FINGERPRINT_DAYS_AFTER_ERASURE = 90
_CHUNK = 500


class NoticeKind(StrEnum):
    ERASURE = "erasure"
    RECTIFICATION = "rectification"
    RESTRICTION = "restriction"


def raise_notices(
    session: Session, *, entry_ids: Sequence[str], kind: NoticeKind, at: datetime
) -> int:
    """In the caller's transaction: one notice per disclosure of each entry; how many raised."""
    rows: list[tuple[str, str, str, int]] = []
    for start in range(0, len(entry_ids), _CHUNK):
        chunk = list(entry_ids[start : start + _CHUNK])
        rows += session.execute(
            select(
                DisclosureRow.recipient_id,
                DisclosureRow.id,
                DisclosureEntryRow.entry_id,
                DisclosureEntryRow.position,
            )
            .join(DisclosureRow, DisclosureRow.request_id == DisclosureEntryRow.request_id)
            .where(DisclosureEntryRow.entry_id.in_(chunk))
        ).all()
        if kind is NoticeKind.ERASURE:
            session.execute(
                update(DisclosureEntryRow)
                .where(DisclosureEntryRow.entry_id.in_(chunk))
                .values(erased_on=at.date())
                .execution_options(synchronize_session=False)
            )
    session.add_all(
        RecipientNotice(
            id=str(uuid.uuid4()),
            recipient_id=recipient_id,
            disclosure_id=disclosure_id,
            entry_id=entry_id,
            position=position,
            kind=kind.value,
            raised_at=at,
        )
        for recipient_id, disclosure_id, entry_id, position in rows
    )
    if kind is NoticeKind.ERASURE:
        forget_fingerprints(session, at.date())
    return len(rows)


def forget_fingerprints(session: Session, today: date) -> None:
    """Drop the fingerprints of people erased more than 90 days ago (law 11)."""
    cutoff = today - timedelta(days=FINGERPRINT_DAYS_AFTER_ERASURE)
    session.execute(
        update(DisclosureEntryRow)
        .where(DisclosureEntryRow.erased_on < cutoff, DisclosureEntryRow.fingerprint.is_not(None))
        .values(fingerprint=None)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Notice:
    id: str
    kind: str
    recipient_id: str
    recipient_name: str
    notice_contact: str
    reference: str
    row: int
    entry_id: str
    raised_at: datetime


def pending_notices(*, uow: UnitOfWork, actor: Actor) -> list[Notice]:
    """Every notice not yet sent, oldest first, with the contact to send it to."""
    with uow.read_only() as session:
        Authoriser(session, uow, actor).require(AccessAction.SHARING_REVIEW, REGISTER)
        return unsent(session)


def unsent(session: Session) -> list[Notice]:
    rows = session.execute(
        select(RecipientNotice, RecipientRow.name, RecipientRow.notice_contact, DisclosureRow)
        .join(RecipientRow, RecipientRow.id == RecipientNotice.recipient_id)
        .join(DisclosureRow, DisclosureRow.id == RecipientNotice.disclosure_id)
        .where(RecipientNotice.sent_at.is_(None))
        .order_by(RecipientNotice.raised_at, RecipientNotice.id)
    ).all()
    return [
        Notice(
            n.id,
            n.kind,
            n.recipient_id,
            name,
            contact,
            d.reference,
            n.position,
            n.entry_id,
            n.raised_at,
        )
        for n, name, contact, d in rows
    ]


def mark_sent(*, uow: UnitOfWork, actor: Actor, notice_ids: Sequence[str]) -> int:
    """Record that the IRU sent these notices to their recipients."""
    if not notice_ids:
        raise InvalidInput(
            "name the notices sent", reasons=[Reason("notices-missing", "none named", "ids")]
        )
    with uow.transaction(Attempt(Operation.RECIPIENT_NOTIFY, actor.id)) as session:
        Authoriser(session, uow, actor).require(AccessAction.RECIPIENT_MANAGE, REGISTER)
        found = session.scalars(
            select(RecipientNotice).where(RecipientNotice.id.in_(list(notice_ids)))
        ).all()
        missing = sorted(set(notice_ids) - {n.id for n in found})
        if missing:
            raise NotFound(
                "no such notice",
                reasons=[Reason("notice-not-found", notice_id, "ids") for notice_id in missing],
            )
        now = uow.now()
        for notice in found:
            if notice.sent_at is None:
                notice.sent_at, notice.sent_by = now, actor.id
                record_event(
                    session,
                    at=now,
                    operation=Operation.RECIPIENT_NOTIFY,
                    actor_id=actor.id,
                    entry_id=notice.entry_id,
                    recipient_id=notice.recipient_id,
                    reason=f"{notice.kind} notice {notice.id} sent",
                )
        return len(found)
