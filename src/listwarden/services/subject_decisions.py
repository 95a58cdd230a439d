"""Deciding rectification, erasure and restriction requests (DPA 2018 ss.46-48), and applying them.

Each request is granted or refused with a reason, by the IRU. A granted rectification reseals
the corrected values (and the blind index, when a name or the date of birth changes); a granted
restriction marks every entry of the person so that no operational purpose may use it again
(``domain.subject_rights.require_not_restricted``; disclosure refuses it too); a granted erasure
erases the person from every list through ``services.erasure``. Every entry changed is logged,
and every recipient that received one is sent a notice (s.48) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.subject_rights import RequestKind
from listwarden.domain.vocabulary import Operation, Purpose, PurposeClass
from listwarden.policy.engine import REGISTER, AccessAction
from listwarden.services import equality_tallies, erasure
from listwarden.services.access import authorise
from listwarden.services.events import add_events, build_event, record_event
from listwarden.services.sharing_notices import NoticeKind, raise_notices
from listwarden.services.subject_requests import ANSWERED, _open_request
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import (
    Entry,
    MonitoringRecord,
    RecipientNotice,
    Subject,
    SubjectRequestRow,
)

RECTIFIABLE = ("given_name", "family_name", "date_of_birth", "nicknames", "address")


@dataclass(frozen=True)
class Decided:
    """What a decision did: the entries it changed and the recipient notices it raised."""

    request_id: str
    kind: str
    granted: bool
    entries_changed: int
    notices_raised: int


def _reason(text: str) -> str:
    if not text.strip():
        raise InvalidInput(
            "a decision gives its reason",
            reasons=[Reason("decision-reason-missing", "say why", "reason")],
        )
    return text.strip()


def _corrections(kind: RequestKind, corrections: Mapping[str, str] | None) -> dict[str, str]:
    if kind is not RequestKind.RECTIFICATION:
        return {}
    given = dict(corrections or {})
    unknown = sorted(set(given) - set(RECTIFIABLE))
    if not given or unknown:
        raise InvalidInput(
            "a rectification names the corrected values",
            reasons=[Reason("corrections-invalid", "correct: " + ", ".join(RECTIFIABLE), "fields")],
        )
    if "date_of_birth" in given:
        try:
            date.fromisoformat(given["date_of_birth"])
        except ValueError:
            raise InvalidInput(
                "date_of_birth must be a date",
                reasons=[Reason("invalid-date", "use YYYY-MM-DD", "date_of_birth")],
            ) from None
    return given


def _rectify(session: Session, uow: UnitOfWork, subject: Subject, fixes: dict[str, str]) -> None:
    sid, seal = subject.id, uow.cipher.seal
    for name, value in fixes.items():
        if name == "nicknames":
            parts = [n.strip() for n in value.split(";") if n.strip()]
            subject.nicknames_ct = (
                seal(sid, "subjects", sid, name, "\n".join(parts)) if parts else None
            )
        elif name == "address":
            subject.address_ct = seal(sid, "subjects", sid, name, value) if value.strip() else None
        else:
            setattr(subject, f"{name}_ct", seal(sid, "subjects", sid, name, value.strip()))
    if {"given_name", "family_name", "date_of_birth"} & set(fixes):
        current = {
            f: uow.cipher.open(sid, "subjects", sid, f, getattr(subject, f"{f}_ct"))
            for f in ("given_name", "family_name", "date_of_birth")
        }
        subject.name_dob_index = uow.blind_index.name_dob(
            current["given_name"],
            current["family_name"],
            date.fromisoformat(current["date_of_birth"]),
        )


def _rebirth_monitoring(
    session: Session, uow: UnitOfWork, subject_id: str, entry_ids: list[str], born: str
) -> None:
    """A corrected date of birth moves the monitoring record's birth month, and with it every
    entry of the person in the equality tallies (a child's age band comes from that month)."""
    record = session.scalar(
        select(MonitoringRecord).where(MonitoringRecord.subject_id == subject_id)
    )
    month = date.fromisoformat(born.strip()).strftime("%Y-%m")
    if (
        record is None
        or uow.cipher.open_monitoring(record.id, "birth_month", record.birth_month_ct) == month
    ):
        return
    before = equality_tallies.entries_changes(session, uow, entry_ids, -1)
    record.birth_month_ct = uow.cipher.seal_monitoring(record.id, "birth_month", month)
    session.flush()
    # The same cells with the new month: no second read of the entries and the record.
    today = uow.today()
    after = [
        (
            list_id,
            equality_tallies.folded_cell(
                (cell[0], cell[1], cell[2], month, cell[4], cell[5]), today
            ),
            1,
        )
        for list_id, cell, _ in before
    ]
    equality_tallies.apply(session, uow, before + after)


def _apply(
    session: Session,
    uow: UnitOfWork,
    actor: Actor,
    row: SubjectRequestRow,
    kind: RequestKind,
    fixes: dict[str, str],
) -> tuple[int, int]:
    entries = list(session.scalars(select(Entry).where(Entry.subject_id == row.subject_id)))
    ids = [e.id for e in entries]
    if kind is RequestKind.RESTRICTION:
        session.execute(update(Entry).where(Entry.id.in_(ids)).values(restricted_on=uow.today()))
        notice = NoticeKind.RESTRICTION
    else:
        subject = session.get(Subject, row.subject_id)
        if subject is not None:
            _rectify(session, uow, subject, fixes)
            if "date_of_birth" in fixes:
                _rebirth_monitoring(session, uow, subject.id, ids, fixes["date_of_birth"])
        notice = NoticeKind.RECTIFICATION
    add_events(
        session,
        [
            build_event(
                at=uow.now(),
                operation=Operation.ALTER,
                actor_id=actor.id,
                list_id=e.list_id,
                entry_id=e.id,
                subject_id=e.subject_id,
                purpose=Purpose.RECTIFICATION_ERASURE,
                purpose_class=PurposeClass.RIGHTS.value,
                reason=f"{kind.value} at the person's request {row.id}"[:200],
            )
            for e in entries
        ],
    )
    return len(ids), raise_notices(session, entry_ids=ids, kind=notice, at=uow.now())


def _erasure_notices(session: Session, entry_ids: list[str]) -> int:
    if not entry_ids:
        return 0
    counted = session.scalar(
        select(func.count())
        .select_from(RecipientNotice)
        .where(
            RecipientNotice.entry_id.in_(entry_ids),
            RecipientNotice.kind == NoticeKind.ERASURE.value,
        )
    )
    return int(counted or 0)


def _record(
    session: Session,
    uow: UnitOfWork,
    actor: Actor,
    row: SubjectRequestRow,
    granted: bool,
    why: str,
    fixes: dict[str, str],
) -> None:
    row.decision, row.decision_reason = ("granted" if granted else "refused"), why
    row.decided_by, row.changed_fields = actor.id, sorted(fixes)
    row.status, row.answered_on = ANSWERED, uow.today()
    record_event(
        session,
        at=uow.now(),
        operation=Operation.SUBJECT_REQUEST,
        actor_id=actor.id,
        subject_id=row.subject_id,
        purpose=Purpose.RECTIFICATION_ERASURE,
        reason=f"{row.kind} request {row.id}: {row.decision}"[:200],
    )


def decide_request(
    *,
    uow: UnitOfWork,
    actor: Actor,
    request_id: str,
    grant: bool,
    reason: str,
    corrections: Mapping[str, str] | None = None,
) -> Decided:
    """Grant (and apply) or refuse a rectification, erasure or restriction request, saying why."""
    why = _reason(reason)
    attempt = Attempt(Operation.SUBJECT_REQUEST, actor.id, purpose=Purpose.RECTIFICATION_ERASURE)
    with uow.read_only() as session:
        authorise(session, uow, actor, AccessAction.SUBJECT_REQUEST_MANAGE, REGISTER)
        row = _open_request(session, request_id)
        kind, subject_id = RequestKind(row.kind), row.subject_id
    if kind is RequestKind.ACCESS:
        raise InvalidInput(
            "an access request is answered with its response, not decided",
            reasons=[Reason("request-kind-not-decided", "use sar", "request_id")],
        )
    fixes = _corrections(kind, corrections) if grant else {}
    changed = notices = 0
    if grant and kind is RequestKind.ERASURE:
        done = erasure.erase_subject(
            uow=uow,
            actor_id=actor.id,
            subject_id=subject_id,
            rule_or_request=f"request:{request_id}",
            reason=why,
        )
        changed = len(done.entry_ids)
    with uow.transaction(attempt) as session:
        authorise(session, uow, actor, AccessAction.SUBJECT_REQUEST_MANAGE, REGISTER)
        row = _open_request(session, request_id)
        if grant and kind is not RequestKind.ERASURE:
            changed, notices = _apply(session, uow, actor, row, kind, fixes)
        elif grant:
            # The erasure raised its own notices (s.48), one per disclosure of each entry.
            notices = _erasure_notices(session, list(done.entry_ids))
        _record(session, uow, actor, row, grant, why, fixes)
    return Decided(request_id, kind.value, grant, changed, notices)
