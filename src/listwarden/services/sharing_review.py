"""The full review of all data sharing (EN 47), and naming the disclosure behind a leak.

The review is built from the register's own records: per recipient and agreement what was
shared, how often and for which purpose; which agreements have expired or are due for review;
every request awaiting a second approval; and every refused attempt, whether refused by the
sharing rules (kept with its reasons) or by the access policies (the log's refusal events).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.fields import known_fields
from listwarden.domain.vocabulary import Operation
from listwarden.export.attribution import (
    TAG_PREFIX,
    Attribution,
    DisclosureRecord,
    RowMark,
    TagIndex,
    attribute_fragment,
)
from listwarden.policy.engine import REGISTER, AccessAction
from listwarden.services.access import Authoriser
from listwarden.services.disclosures import Status, attribution_key
from listwarden.services.sharing import AgreementView, agreement_view
from listwarden.services.sharing_notices import FINGERPRINT_DAYS_AFTER_ERASURE, Notice, unsent
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.tables import (
    AgreementRow,
    DisclosureEntryRow,
    DisclosureRequestRow,
    DisclosureRow,
    Event,
    RecipientRow,
)

_ACCESS_REFUSALS = (
    f"{Operation.DISCLOSURE_REQUEST.value} refused",
    f"{Operation.DISCLOSURE_APPROVE.value} refused",
)


@dataclass(frozen=True)
class SharedUnder:
    """What went to one recipient under one agreement."""

    recipient_id: str
    recipient_name: str
    recipient_kind: str
    agreement_id: str
    agreement_title: str
    agreement_status: str
    disclosures: int
    entries: int
    purposes: dict[str, int]
    first_on: date
    last_on: date


@dataclass(frozen=True)
class RefusedAttempt:
    """One refused attempt to disclose: by the sharing rules (with reasons) or by access policy."""

    at: datetime
    by: str | None
    refused_by: str  # "sharing-rules" or "access-policy"
    request_id: str | None = None
    recipient_id: str | None = None
    agreement_id: str | None = None
    purpose: str | None = None
    entries: int | None = None
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AwaitingApproval:
    request_id: str
    requested_at: datetime
    requested_by: str
    recipient_id: str
    agreement_id: str
    entries: int


@dataclass(frozen=True)
class SharingReview:
    on: date
    shared: list[SharedUnder]
    agreements: list[AgreementView]
    expired_or_due: list[AgreementView]  # expired, or approved and due within 30 days
    awaiting_second_approval: list[AwaitingApproval]
    refused: list[RefusedAttempt]
    notices_unsent: list[Notice]  # erasures, rectifications, restrictions to tell recipients of
    recipients: int
    disclosures: int


def review_sharing(*, uow: UnitOfWork, actor: Actor) -> SharingReview:
    """The review the Commissioner required, for the IRU, the DPO and auditors."""
    with uow.read_only() as session:
        Authoriser(session, uow, actor).require(AccessAction.SHARING_REVIEW, REGISTER)
        today = uow.today()
        agreements = {
            row.id: row
            for row in session.scalars(select(AgreementRow).order_by(AgreementRow.drafted_at))
        }
        recipients = {row.id: row for row in session.scalars(select(RecipientRow))}
        views = [agreement_view(row, today) for row in agreements.values()]
        return SharingReview(
            on=today,
            shared=_shared(session, agreements, recipients, views),
            agreements=views,
            # A revoked or draft agreement is not reviewed: nothing goes under it.
            expired_or_due=[v for v in views if v.status == "expired" or v.review_due],
            awaiting_second_approval=_awaiting(session),
            refused=_refused(session),
            notices_unsent=unsent(session),
            recipients=len(recipients),
            disclosures=session.scalar(select(func.count()).select_from(DisclosureRow)) or 0,
        )


def _shared(
    session: Session,
    agreements: Mapping[str, AgreementRow],
    recipients: Mapping[str, RecipientRow],
    views: Sequence[AgreementView],
) -> list[SharedUnder]:
    status = {v.id: v.status for v in views}
    rows = session.execute(
        select(
            DisclosureRow.recipient_id,
            DisclosureRow.agreement_id,
            DisclosureRow.purpose,
            func.count(),
            func.sum(DisclosureRow.rows),
            func.min(DisclosureRow.created_on),
            func.max(DisclosureRow.created_on),
        ).group_by(DisclosureRow.recipient_id, DisclosureRow.agreement_id, DisclosureRow.purpose)
    ).all()
    grouped: dict[tuple[str, str], list[tuple[str, int, int, date, date]]] = {}
    for recipient_id, agreement_id, purpose, count, entries, first, last in rows:
        grouped.setdefault((recipient_id, agreement_id), []).append(
            (purpose, int(count), int(entries or 0), first, last)
        )
    out = []
    for (recipient_id, agreement_id), parts in sorted(grouped.items()):
        recipient, agreement = recipients[recipient_id], agreements[agreement_id]
        purposes: Counter[str] = Counter()
        for purpose, count, _e, _f, _l in parts:
            purposes[purpose] += count
        out.append(
            SharedUnder(
                recipient_id=recipient_id,
                recipient_name=recipient.name,
                recipient_kind=recipient.kind,
                agreement_id=agreement_id,
                agreement_title=agreement.title,
                agreement_status=status[agreement_id],
                disclosures=sum(p[1] for p in parts),
                entries=sum(p[2] for p in parts),
                purposes=dict(sorted(purposes.items())),
                first_on=min(p[3] for p in parts),
                last_on=max(p[4] for p in parts),
            )
        )
    return out


def _awaiting(session: Session) -> list[AwaitingApproval]:
    rows = session.scalars(
        select(DisclosureRequestRow)
        .where(DisclosureRequestRow.status == Status.AWAITING_SECOND_APPROVAL)
        .order_by(DisclosureRequestRow.requested_at)
    )
    return [
        AwaitingApproval(
            r.id, r.requested_at, r.requested_by, r.recipient_id, r.agreement_id, r.entry_count
        )
        for r in rows
    ]


def _refused(session: Session) -> list[RefusedAttempt]:
    by_rules = [
        RefusedAttempt(
            at=r.decided_at,
            by=r.second_approved_by or r.requested_by,
            refused_by="sharing-rules",
            request_id=r.id,
            recipient_id=r.recipient_id,
            agreement_id=r.agreement_id,
            purpose=r.purpose,
            entries=r.entry_count,
            reasons=list(r.reasons),
        )
        for r in session.scalars(
            select(DisclosureRequestRow).where(DisclosureRequestRow.status == Status.REFUSED)
        )
    ]
    events = session.scalars(
        select(Event)
        .where(Event.operation == Operation.REFUSED.value)
        .where(
            Event.reason.startswith(_ACCESS_REFUSALS[0])
            | Event.reason.startswith(_ACCESS_REFUSALS[1])
        )
        .order_by(Event.id)
    )
    by_policy = [
        RefusedAttempt(
            at=e.occurred_at,
            by=e.actor_id,
            refused_by="access-policy",
            purpose=e.purpose,
            reasons=[(e.reason or "").rsplit(" refused by ", 1)[-1]],
        )
        for e in events
    ]
    return sorted(by_rules + by_policy, key=lambda a: a.at)


def disclosure_records(session: Session, today: date) -> list[DisclosureRecord]:
    """What attribution needs of every disclosure made: entries, row numbers, fingerprints."""
    marks: dict[str, list[RowMark]] = {}
    forget_before = today - timedelta(days=FINGERPRINT_DAYS_AFTER_ERASURE)
    for request_id, position, entry_id, fingerprint, erased_on in session.execute(
        select(
            DisclosureEntryRow.request_id,
            DisclosureEntryRow.position,
            DisclosureEntryRow.entry_id,
            DisclosureEntryRow.fingerprint,
            DisclosureEntryRow.erased_on,
        )
        .join(DisclosureRow, DisclosureRow.request_id == DisclosureEntryRow.request_id)
        .order_by(DisclosureEntryRow.request_id, DisclosureEntryRow.position)
    ):
        if erased_on is not None and erased_on < forget_before:
            fingerprint = None  # law 11: an erased person's token is kept 90 days at most
        marks.setdefault(request_id, []).append(RowMark(position, entry_id, fingerprint))
    return [
        DisclosureRecord(
            disclosure_id=d.id,
            reference=d.reference,
            recipient_id=d.recipient_id,
            created_on=d.created_on,
            fields=known_fields(d.fields),
            rows=tuple(marks.get(d.request_id, ())),
        )
        for d in session.scalars(select(DisclosureRow).order_by(DisclosureRow.disclosed_at))
    ]


def attribute_leak(
    *, uow: UnitOfWork, actor: Actor, rows: Sequence[Mapping[str, str]]
) -> Attribution:
    """Name the disclosures a leaked fragment came from: by its row tags, or by its content."""
    with uow.read_only() as session:
        Authoriser(session, uow, actor).require(AccessAction.SHARING_REVIEW, REGISTER)
        records = disclosure_records(session, uow.today())
    return attribute_fragment(rows, records, master_key=attribution_key(uow))


@dataclass(frozen=True)
class TaggedRow:
    """A row tag found outside the register, named: which disclosure, to whom, which row."""

    tag: str
    disclosure_id: str
    reference: str
    recipient_id: str
    row: int
    entry_id: str


def name_tags(*, uow: UnitOfWork, actor: Actor, tags: Sequence[str]) -> list[TaggedRow]:
    """Name the disclosure and row of each tag a scan found (with or without its prefix).

    Tags that no disclosure made are left out: a scanner's candidates include any hex string.
    """
    with uow.read_only() as session:
        Authoriser(session, uow, actor).require(AccessAction.SHARING_REVIEW, REGISTER)
        index = TagIndex(disclosure_records(session, uow.today()), attribution_key(uow))
    named = []
    for tag in dict.fromkeys(t.strip().lower() for t in tags):
        found = index.lookup(tag if tag.startswith(TAG_PREFIX) else TAG_PREFIX + tag)
        if found is not None:
            record, mark = found
            named.append(
                TaggedRow(
                    tag,
                    record.disclosure_id,
                    record.reference,
                    record.recipient_id,
                    mark.row,
                    mark.entry_id,
                )
            )
    return named
