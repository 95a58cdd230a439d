"""Recording a person's request to exercise a right, and running its clock (DPA 2018 ss.45-48).

The Information Rights Unit records each request with the identity check made, confirms the
identity (which starts the clock), stops the clock while awaiting clarification and resumes it,
extends a complex request, restricts items of an access response with reasons, and may decide
to neither confirm nor deny. Every step is one transaction with its event; the deadline itself
is ``domain.subject_rights.due_on`` over what is stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.errors import Conflict, InvalidInput, NotFound, Reason
from listwarden.domain.subject_rights import (
    Pause,
    RequestKind,
    due_on,
    is_overdue,
    require_pause_change,
    require_restriction,
)
from listwarden.domain.vocabulary import Operation, Purpose
from listwarden.policy.engine import REGISTER, AccessAction
from listwarden.services.access import authorise
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import RequestRestrictionRow, Subject, SubjectRequestRow

OPEN, ANSWERED = "open", "answered"


@dataclass(frozen=True)
class RequestView:
    """A request as the IRU sees it: its kind, its clock and where it stands."""

    id: str
    kind: str
    subject_id: str
    status: str
    received_on: date
    identity_confirmed_on: date | None
    extended: bool
    clock_stopped: bool
    due_on: date | None
    overdue: bool
    ncnd: bool
    restrictions: int


def pauses_of(row: SubjectRequestRow) -> list[Pause]:
    return [
        Pause(date.fromisoformat(p[0]), date.fromisoformat(p[1]) if p[1] else None)
        for p in row.pauses
    ]


def due_of(row: SubjectRequestRow) -> date | None:
    return due_on(
        received_on=row.received_on,
        identity_confirmed_on=row.identity_confirmed_on,
        extended=row.extended,
        pauses=pauses_of(row),
    )


def _required(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidInput(f"{field} is required", reasons=[Reason(f"{field}-missing", "", field)])
    return value.strip()


def _event(
    session: Session, uow: UnitOfWork, actor: Actor, row: SubjectRequestRow, what: str
) -> None:
    record_event(
        session,
        at=uow.now(),
        operation=Operation.SUBJECT_REQUEST,
        actor_id=actor.id,
        subject_id=row.subject_id,
        purpose=Purpose.SUBJECT_ACCESS
        if row.kind == RequestKind.ACCESS
        else Purpose.RECTIFICATION_ERASURE,
        reason=f"{row.kind} request {row.id}: {what}"[:200],
    )


def record_request(
    *,
    uow: UnitOfWork,
    actor: Actor,
    subject_id: str,
    kind: str,
    received_on: date,
    identity_method: str,
    identity_confirmed_on: date | None = None,
) -> str:
    """Record a request received on ``received_on`` and how the identity is checked."""
    chosen = RequestKind(kind) if kind in set(RequestKind) else None
    if chosen is None:
        raise InvalidInput(
            f"unknown request kind {kind!r}",
            reasons=[Reason("request-kind-invalid", ", ".join(RequestKind), "kind")],
        )
    method = _required(identity_method, "identity_method")
    if received_on > uow.today():
        raise InvalidInput(
            "a request cannot be received in the future",
            reasons=[Reason("received-in-future", str(received_on), "received_on")],
        )
    with uow.transaction(
        Attempt(Operation.SUBJECT_REQUEST, actor.id, subject_id=subject_id)
    ) as session:
        authorise(session, uow, actor, AccessAction.SUBJECT_REQUEST_MANAGE, REGISTER)
        if session.get(Subject, subject_id) is None:
            raise NotFound("no such person", reasons=[Reason("subject-not-found", subject_id)])
        row = SubjectRequestRow(
            id=str(uuid.uuid4()),
            kind=chosen.value,
            subject_id=subject_id,
            received_on=received_on,
            identity_method=method,
            identity_checked_by=actor.id if identity_confirmed_on else None,
            identity_confirmed_on=identity_confirmed_on,
            extended=False,
            pauses=[],
            ncnd=False,
            reveal_officers=False,
            status=OPEN,
            recorded_by=actor.id,
            recorded_at=uow.now(),
        )
        session.add(row)
        session.flush()
        _event(session, uow, actor, row, "recorded")
        return row.id


def _open_request(session: Session, request_id: str) -> SubjectRequestRow:
    row = session.get(SubjectRequestRow, request_id)
    if row is None:
        raise NotFound("no such request", reasons=[Reason("request-not-found", request_id)])
    if row.status != OPEN:
        raise Conflict("the request has been answered", reasons=[Reason("request-closed", "")])
    return row


def _change(uow: UnitOfWork, actor: Actor, request_id: str, what: str, change) -> None:  # type: ignore[no-untyped-def]
    with uow.transaction(Attempt(Operation.SUBJECT_REQUEST, actor.id)) as session:
        authorise(session, uow, actor, AccessAction.SUBJECT_REQUEST_MANAGE, REGISTER)
        row = _open_request(session, request_id)
        change(session, row)
        _event(session, uow, actor, row, what)


def confirm_identity(*, uow: UnitOfWork, actor: Actor, request_id: str, on: date) -> None:
    """The requester's identity is confirmed on ``on``: the clock starts (if it had not)."""

    def change(_: Session, row: SubjectRequestRow) -> None:
        row.identity_confirmed_on, row.identity_checked_by = on, actor.id

    _change(uow, actor, request_id, "identity confirmed", change)


def stop_clock(*, uow: UnitOfWork, actor: Actor, request_id: str, on: date) -> None:
    """Clarification has been asked for: the clock stands still from ``on``."""

    def change(_: Session, row: SubjectRequestRow) -> None:
        require_pause_change(pauses_of(row), stop=True, on=on)
        row.pauses = [*row.pauses, [on.isoformat(), None]]

    _change(uow, actor, request_id, "clock stopped awaiting clarification", change)


def resume_clock(*, uow: UnitOfWork, actor: Actor, request_id: str, on: date) -> None:
    """Clarification arrived on ``on``: the clock runs again."""

    def change(_: Session, row: SubjectRequestRow) -> None:
        require_pause_change(pauses_of(row), stop=False, on=on)
        row.pauses = [p if p[1] else [p[0], on.isoformat()] for p in row.pauses]

    _change(uow, actor, request_id, "clock resumed", change)


def extend_request(*, uow: UnitOfWork, actor: Actor, request_id: str, reason: str) -> None:
    """A complex request: two more months, with the reason recorded."""
    why = _required(reason, "reason")

    def change(_: Session, row: SubjectRequestRow) -> None:
        row.extended, row.extension_reason = True, why

    _change(uow, actor, request_id, "extended as complex", change)


def restrict_item(
    *,
    uow: UnitOfWork,
    actor: Actor,
    request_id: str,
    item_kind: str,
    item_id: str,
    ground: str,
    reason: str,
) -> None:
    """Withhold one item from the access response on a ground of s.45(4), saying why."""
    made = require_restriction(item_kind, item_id, ground, reason)

    def change(session: Session, row: SubjectRequestRow) -> None:
        restriction_id = str(uuid.uuid4())
        session.add(
            RequestRestrictionRow(
                id=restriction_id,
                request_id=row.id,
                item_kind=made.item_kind.value,
                item_id=made.item_id,
                ground=made.ground.value,
                reason_ct=uow.cipher.seal(
                    row.subject_id, "request_restrictions", restriction_id, "reason", made.reason
                ),
                decided_by=actor.id,
                decided_at=uow.now(),
            )
        )

    _change(uow, actor, request_id, f"{made.item_kind} restricted ({made.ground})", change)


def neither_confirm_nor_deny(
    *, uow: UnitOfWork, actor: Actor, request_id: str, reason: str
) -> None:
    """Answer without confirming whether anything is held; the reason stays on the record."""
    why = _required(reason, "reason")

    def change(_: Session, row: SubjectRequestRow) -> None:
        row.ncnd, row.ncnd_reason = True, why

    _change(uow, actor, request_id, "neither confirm nor deny", change)


def reveal_officers(*, uow: UnitOfWork, actor: Actor, request_id: str, reason: str) -> None:
    """The IRU decides the officers who consulted the record may be named (s.45(4)(e) lifted)."""
    why = _required(reason, "reason")

    def change(_: Session, row: SubjectRequestRow) -> None:
        row.reveal_officers = True

    _change(uow, actor, request_id, f"officers named: {why}", change)


def _restricted_counts(session: Session, request_id: str | None = None) -> dict[str, int]:
    """Items restricted, by request (of ``request_id`` alone when given): one query for all."""
    query = select(RequestRestrictionRow.request_id, func.count()).group_by(
        RequestRestrictionRow.request_id
    )
    if request_id is not None:
        query = query.where(RequestRestrictionRow.request_id == request_id)
    return {rid: int(n) for rid, n in session.execute(query)}


def _view(row: SubjectRequestRow, day: date, restricted: int) -> RequestView:
    due = due_of(row)
    return RequestView(
        row.id,
        row.kind,
        row.subject_id,
        row.status,
        row.received_on,
        row.identity_confirmed_on,
        row.extended,
        any(p.resumed_on is None for p in pauses_of(row)),
        due,
        is_overdue(due, day, row.answered_on),
        row.ncnd,
        restricted,
    )


def requests(*, uow: UnitOfWork, actor: Actor, today: date | None = None) -> list[RequestView]:
    """Every request with its deadline, overdue ones marked (for the compliance report)."""
    day = today or uow.today()
    with uow.read_only() as session:
        authorise(session, uow, actor, AccessAction.SUBJECT_REQUEST_MANAGE, REGISTER)
        rows = session.scalars(select(SubjectRequestRow).order_by(SubjectRequestRow.received_on))
        restricted = _restricted_counts(session)
        return [_view(row, day, restricted.get(row.id, 0)) for row in rows]


def request_view(*, uow: UnitOfWork, actor: Actor, request_id: str) -> RequestView:
    """One request with its clock: due date, stopped or running, extended, overdue."""
    with uow.read_only() as session:
        authorise(session, uow, actor, AccessAction.SUBJECT_REQUEST_MANAGE, REGISTER)
        row = session.get(SubjectRequestRow, request_id)
        if row is None:
            raise NotFound("no such request", reasons=[Reason("request-not-found", request_id)])
        restricted = _restricted_counts(session, request_id).get(request_id, 0)
        return _view(row, uow.today(), restricted)


def find_subject(
    *, uow: UnitOfWork, actor: Actor, given_name: str, family_name: str, date_of_birth: date
) -> str:
    """The person a requester says they are, found by the blind index; the look-up is logged.

    Nothing is decrypted: the name and date of birth are keyed-hashed and matched. Whether or
    not anyone is found, one event records the IRU's look-up (law 4: a search finding no one is
    logged too); finding no one is a ``NotFound``, raised after that event commits.
    """
    given, family = _required(given_name, "given_name"), _required(family_name, "family_name")
    index = uow.blind_index.name_dob(given, family, date_of_birth)
    with uow.transaction(Attempt(Operation.SUBJECT_REQUEST, actor.id)) as session:
        authorise(session, uow, actor, AccessAction.SUBJECT_REQUEST_MANAGE, REGISTER)
        found = session.scalars(
            select(Subject.id).where(Subject.name_dob_index == index).order_by(Subject.id)
        ).first()
        record_event(
            session,
            at=uow.now(),
            operation=Operation.SUBJECT_REQUEST,
            actor_id=actor.id,
            subject_id=found,
            purpose=Purpose.SUBJECT_ACCESS,
            result_count=0 if found is None else 1,
            reason="requester looked up by name and date of birth",
        )
    if found is None:
        raise NotFound(
            "no one of that name and date of birth is held",
            reasons=[
                Reason(
                    "subject-not-found",
                    "no one of that name and date of birth is held: check the spelling and date",
                    "person",
                )
            ],
        )
    return found
