"""Gangs as records (law 8): what a gang nominal may be linked to.

A gang is recorded with the BCUs it is active in and the evidence that the group meets the
force's definition of a gang, sealed under the gang's own system key (it may name people). An
IAO who did not record it approves it, and it is reviewed every ``GANG_REVIEW_DAYS``: a gang
whose review has passed takes no new links until it is approved again. An entry is linked to a
gang only when it is a corroborated gang-member determination (``services/nominals.py``) and the
gang is active in the entry's BCU."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.bcu import require_bcu
from listwarden.domain.corroboration import Determination
from listwarden.domain.errors import Conflict, InvalidInput, NotFound, PolicyViolation, Reason
from listwarden.domain.vocabulary import Operation, Purpose
from listwarden.policy.engine import REGISTER, AccessAction, Context
from listwarden.services.access import Authoriser
from listwarden.services.entries import _entry_for_collection
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import Attempt, UnitOfWork, is_unique_violation
from listwarden.store.tables import Entry, Gang

GANG_REVIEW_DAYS = 182
"""How long an approval holds before the gang must be reviewed (and approved) again."""
MAX_NAME = 200
_EVIDENCE = "definition_evidence"


class GangNotUsable(PolicyViolation):
    slug = "gang-not-usable"


@dataclass(frozen=True)
class GangView:
    """A gang as the register lists it: nothing from its sealed evidence."""

    id: str
    name: str
    bcus: list[str]
    status: str
    proposed_by: str
    approved_by: str | None
    review_on: date | None
    review_overdue: bool
    nominals: int


def record_gang(
    *, uow: UnitOfWork, actor: Actor, name: str, bcus: list[str], definition_evidence: str
) -> str:
    """Record a group as a proposed gang, with the evidence that it meets the definition."""
    clean = " ".join(name.split())
    gaps: list[Reason] = []
    if not clean or len(clean) > MAX_NAME:
        gaps.append(Reason("invalid-field", f"give a name of 1 to {MAX_NAME} characters", "name"))
    if not bcus:
        gaps.append(Reason("bcus-missing", "name at least one BCU the gang is active in", "bcus"))
    if not definition_evidence.strip():
        detail = "say, in words, why the group meets the force's definition of a gang"
        gaps.append(Reason("definition-evidence-missing", detail, "definition_evidence"))
    if gaps:
        raise InvalidInput("the gang cannot be recorded", reasons=gaps)
    codes = sorted({require_bcu(b.strip().upper(), field="bcus") for b in bcus})
    gang_id = str(uuid.uuid4())
    with uow.transaction(Attempt(Operation.GANG_RECORD, actor.id)) as session:
        Authoriser(session, uow, actor).require(AccessAction.GANG_RECORD, REGISTER)
        if session.scalar(select(Gang.id).where(Gang.name == clean)) is not None:
            raise _gang_exists(clean)
        session.add(
            Gang(
                id=gang_id,
                name=clean,
                bcus=codes,
                definition_evidence_ct=uow.cipher.seal_gang(
                    gang_id, _EVIDENCE, definition_evidence.strip()
                ),
                status="proposed",
                proposed_by=actor.id,
                proposed_at=uow.now(),
            )
        )
        try:
            # A concurrent transaction can record the same name between the check and here.
            session.flush()
        except IntegrityError as clash:
            if is_unique_violation(clash):
                raise _gang_exists(clean) from clash
            raise
        _log(session, uow, Operation.GANG_RECORD, actor, gang_id, "gang recorded")
    return gang_id


def _gang_exists(name: str) -> Conflict:
    return Conflict(
        f"a gang named {name!r} is already recorded",
        reasons=[Reason("gang-exists", "use the recorded gang", "name")],
    )


def approve_gang(*, uow: UnitOfWork, actor: Actor, gang_id: str) -> date:
    """The IAO's approval (or re-approval at review): the gang takes links until its review date."""
    with uow.transaction(Attempt(Operation.GANG_APPROVE, actor.id)) as session:
        gang = _gang(session, gang_id)
        Authoriser(session, uow, actor).require(
            AccessAction.GANG_APPROVE, REGISTER, Context(requester_id=gang.proposed_by)
        )
        if gang.status == "retired":
            raise Conflict(
                f"gang {gang.name!r} is retired",
                reasons=[Reason("gang-retired", "record the group again", "gang_id")],
            )
        review_on = uow.today() + timedelta(days=GANG_REVIEW_DAYS)
        gang.status, gang.approved_by, gang.approved_at = "approved", actor.id, uow.now()
        gang.review_on = review_on
        _log(session, uow, Operation.GANG_APPROVE, actor, gang.id, f"gang approved to {review_on}")
    return review_on


def link_to_gang(
    *, uow: UnitOfWork, actor: Actor, entry_id: str, gang_id: str, purpose: str
) -> None:
    """Link a corroborated gang nominal to a recorded, approved gang active in their BCU."""
    with uow.transaction(
        Attempt(Operation.ALTER, actor.id, entry_id=entry_id, purpose=purpose)
    ) as session:
        entry, register_list = _entry_for_collection(
            session, uow, actor, entry_id, Purpose(purpose)
        )
        gang = _gang(session, gang_id)
        gaps = _link_gaps(entry, gang, uow.today())
        if gaps:
            raise GangNotUsable("the entry cannot be linked to this gang", reasons=gaps)
        session.execute(update(Entry).where(Entry.id == entry.id).values(gang_id=gang.id))
        record_event(
            session,
            at=uow.now(),
            operation=Operation.ALTER,
            actor_id=actor.id,
            list_id=register_list.id,
            entry_id=entry.id,
            subject_id=entry.subject_id,
            purpose=Purpose(purpose),
            reason=f"linked to gang {gang.id}",
        )


def _link_gaps(entry: Entry, gang: Gang, today: date) -> list[Reason]:
    gaps = []
    if entry.determination != Determination.GANG_MEMBER.value:
        detail = "only a corroborated gang-member determination is linked to a gang"
        gaps.append(Reason("not-a-gang-nominal", detail, "entry_id"))
    if gang.status != "approved":
        gaps.append(Reason("gang-not-approved", "an IAO has not approved this gang", "gang_id"))
    elif gang.review_on is not None and gang.review_on < today:
        detail = f"the gang's review was due on {gang.review_on}: it must be approved again"
        gaps.append(Reason("gang-review-overdue", detail, "gang_id"))
    if entry.bcu not in gang.bcus:
        gaps.append(Reason("gang-not-in-bcu", f"the gang is not recorded in {entry.bcu}", "bcu"))
    return gaps


def gang_register(*, uow: UnitOfWork, actor: Actor) -> list[GangView]:
    """Every recorded gang, its approval and review, and how many nominals are linked to it."""
    today = uow.today()
    with uow.read_only() as session:
        Authoriser(session, uow, actor).require(AccessAction.GANG_RECORD, REGISTER)
        gangs = session.scalars(select(Gang).order_by(Gang.name)).all()
        linked: dict[str, int] = {}
        for gang_id in session.scalars(select(Entry.gang_id).where(Entry.gang_id.is_not(None))):
            if gang_id is not None:
                linked[gang_id] = linked.get(gang_id, 0) + 1
        return [
            GangView(
                g.id,
                g.name,
                list(g.bcus),
                g.status,
                g.proposed_by,
                g.approved_by,
                g.review_on,
                g.status == "approved" and g.review_on is not None and g.review_on < today,
                linked.get(g.id, 0),
            )
            for g in gangs
        ]


def gang_evidence(*, uow: UnitOfWork, actor: Actor, gang_id: str) -> str:
    """The evidence that the group meets the definition, for those who record and approve."""
    with uow.transaction(Attempt(Operation.GANG_RECORD, actor.id)) as session:
        Authoriser(session, uow, actor).require(AccessAction.GANG_RECORD, REGISTER)
        gang = _gang(session, gang_id)
        text = uow.cipher.open_gang(gang.id, _EVIDENCE, gang.definition_evidence_ct)
        _log(session, uow, Operation.CONSULT, actor, gang.id, "gang evidence read")
        return text


def _gang(session: Session, gang_id: str) -> Gang:
    gang = session.get(Gang, gang_id)
    if gang is None:
        raise NotFound(f"no gang {gang_id}", reasons=[Reason("gang-not-found", gang_id, "gang_id")])
    return gang


def _log(
    session: Session,
    uow: UnitOfWork,
    operation: Operation,
    actor: Actor,
    gang_id: str,
    reason: str,
) -> None:
    record_event(
        session,
        at=uow.now(),
        operation=operation,
        actor_id=actor.id,
        reason=f"{reason}: {gang_id}",
    )
