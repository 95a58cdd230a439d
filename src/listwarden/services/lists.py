"""Use cases for lists (law 1): draft, DPIA, policy document, authorise, suspend, close."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from listwarden.domain import lists as rules
from listwarden.domain.access import Actor
from listwarden.domain.errors import (
    AuthorisationIncomplete,
    Conflict,
    InvalidInput,
    NotFound,
    Reason,
)
from listwarden.domain.vocabulary import (
    Category,
    ListStatus,
    Operation,
    PolicyDocumentKind,
    Purpose,
    Role,
)
from listwarden.policy.engine import REGISTER, AccessAction, Context
from listwarden.services.access import Authoriser, list_resource, refusal
from listwarden.services.equality_tallies import start_tally
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import Dpia, Entry, PolicyDocument, RegisterList


def _enum_list(
    values: Iterable[str], enum: type[Category] | type[Purpose], field: str
) -> list[str]:
    out = []
    for value in values:
        try:
            out.append(enum(value).value)
        except ValueError:
            raise InvalidInput(
                f"unknown {field[:-1]} {value!r}",
                reasons=[
                    Reason(
                        f"unknown-{field[:-1]}",
                        f"{field} must be drawn from: {', '.join(e.value for e in enum)}",
                        field,
                    )
                ],
            ) from None
    return sorted(set(out))


def get_list(session: Session, list_id: str) -> RegisterList:
    found = session.get(RegisterList, list_id)
    if found is None:
        raise NotFound(f"no list {list_id}", reasons=[Reason("list-not-found", list_id, "list_id")])
    return found


def list_by_name(session: Session, name: str) -> RegisterList:
    found = session.scalars(select(RegisterList).where(RegisterList.name == name)).first()
    if found is None:
        raise NotFound(f"no list named {name!r}", reasons=[Reason("list-not-found", name, "list")])
    return found


def dpia_review_on(session: Session, list_id: str) -> date | None:
    return session.scalar(select(Dpia.review_on).where(Dpia.list_id == list_id))


def effective_status(session: Session, register_list: RegisterList, today: date) -> ListStatus:
    """The list's state today, with automatic suspension once its DPIA review date passes."""
    return rules.effective_status(
        ListStatus(register_list.status), dpia_review_on(session, register_list.id), today
    )


def create_list(
    *,
    uow: UnitOfWork,
    actor: Actor,
    name: str,
    description: str = "",
    purposes: Iterable[str] = (),
    lawful_basis: str = "",
    categories: Iterable[str] = (),
    holds_identity_codes: bool = False,
    retention_schedule_ref: str = "",
    access_policy_ref: str = "",
    public_notice: str = "",
) -> str:
    """Draft a list owned by the acting IAO; it holds nobody until it is authorised."""
    if not name.strip():
        raise InvalidInput("a list needs a name", reasons=[Reason("name-missing", "empty", "name")])
    purpose_values = _enum_list(purposes, Purpose, "purposes")
    category_values = _enum_list(categories, Category, "categories")
    with uow.transaction(Attempt(Operation.LIST_CREATE, actor.id)) as session:
        Authoriser(session, uow, actor).require(AccessAction.LIST_CREATE, REGISTER)
        if session.scalar(select(RegisterList.id).where(RegisterList.name == name.strip())):
            raise Conflict(
                f"a list named {name!r} exists", reasons=[Reason("list-name-taken", name, "name")]
            )
        register_list = RegisterList(
            id=str(uuid.uuid4()),
            name=name.strip(),
            description=description,
            owner_id=actor.id,
            purposes=purpose_values,
            lawful_basis=lawful_basis,
            categories=category_values,
            holds_identity_codes=holds_identity_codes,
            retention_schedule_ref=retention_schedule_ref,
            access_policy_ref=access_policy_ref,
            public_notice=public_notice,
            status=ListStatus.DRAFT.value,
            created_by=actor.id,
            created_at=uow.now(),
        )
        session.add(register_list)
        session.flush()
        start_tally(session, uow, register_list.id)  # law 9: counted from its first entry
        record_event(
            session,
            at=uow.now(),
            operation=Operation.LIST_CREATE,
            actor_id=actor.id,
            list_id=register_list.id,
        )
        return register_list.id


def record_dpia(
    *,
    uow: UnitOfWork,
    actor: Actor,
    list_id: str,
    description: str,
    risks: str,
    measures: str,
    safeguards: str,
    equality_impact: str,
    prior_consultation: str | None,
    review_on: date | None,
) -> None:
    """Record (or replace) a list's DPIA, authored by the actor; replacing it clears approval."""
    consultation = None
    if prior_consultation is not None:
        try:
            consultation = rules.PriorConsultation(prior_consultation).value
        except ValueError:
            raise InvalidInput(
                "unknown prior-consultation answer",
                reasons=[
                    Reason(
                        "invalid-prior-consultation",
                        f"one of: {', '.join(rules.PriorConsultation)}",
                        "prior_consultation",
                    )
                ],
            ) from None
    with uow.transaction(Attempt(Operation.LIST_ALTER, actor.id, list_id)) as session:
        register_list = get_list(session, list_id)
        if register_list.owner_id != actor.id:
            raise Conflict(
                "only the list's owner drafts its DPIA",
                reasons=[Reason("not-owner", "the owner drafts the DPIA", "list_id")],
            )
        Authoriser(session, uow, actor).require(
            AccessAction.LIST_ALTER, list_resource(register_list)
        )
        dpia = session.scalars(select(Dpia).where(Dpia.list_id == list_id)).first()
        if dpia is None:
            dpia = Dpia(id=str(uuid.uuid4()), list_id=list_id, author_id=actor.id)
            session.add(dpia)
        dpia.description, dpia.risks, dpia.measures = description, risks, measures
        dpia.safeguards, dpia.equality_impact = safeguards, equality_impact
        dpia.prior_consultation, dpia.review_on = consultation, review_on
        dpia.author_id, dpia.approved_by, dpia.approved_at = actor.id, None, None
        record_event(
            session,
            at=uow.now(),
            operation=Operation.LIST_ALTER,
            actor_id=actor.id,
            list_id=list_id,
            reason="dpia recorded",
        )


def approve_dpia(*, uow: UnitOfWork, actor: Actor, list_id: str) -> None:
    """Approve a list's DPIA; its author may not approve it."""
    with uow.transaction(Attempt(Operation.LIST_ALTER, actor.id, list_id)) as session:
        dpia = session.scalars(select(Dpia).where(Dpia.list_id == list_id)).first()
        if dpia is None:
            raise NotFound(
                "the list has no DPIA", reasons=[Reason("dpia-missing", list_id, "dpia")]
            )
        Authoriser(session, uow, actor).require(
            AccessAction.DPIA_APPROVE,
            list_resource(get_list(session, list_id)),
            Context(requester_id=dpia.author_id),
        )
        if dpia.author_id == actor.id:
            raise Conflict(
                "a DPIA may not be approved by its author",
                reasons=[Reason("dpia-self-approved", "ask another DPO", "approved_by")],
            )
        dpia.approved_by, dpia.approved_at = actor.id, uow.now()
        record_event(
            session,
            at=uow.now(),
            operation=Operation.LIST_ALTER,
            actor_id=actor.id,
            list_id=list_id,
            reason="dpia approved",
        )


def record_policy_document(
    *,
    uow: UnitOfWork,
    actor: Actor,
    list_id: str,
    kind: str,
    reference: str,
    schedule_8_condition: str | None = None,
) -> None:
    try:
        kind_value = PolicyDocumentKind(kind).value
        condition = (
            rules.Schedule8Condition(schedule_8_condition).value if schedule_8_condition else None
        )
    except ValueError as error:
        raise InvalidInput(
            f"invalid policy document: {error}",
            reasons=[Reason("invalid-policy-document", str(error), "policy_document")],
        ) from None
    with uow.transaction(Attempt(Operation.LIST_ALTER, actor.id, list_id)) as session:
        register_list = get_list(session, list_id)
        if register_list.owner_id != actor.id:
            raise Conflict(
                "only the list's owner records its policy document",
                reasons=[Reason("not-owner", "the owner records it", "list_id")],
            )
        Authoriser(session, uow, actor).require(
            AccessAction.LIST_ALTER, list_resource(register_list)
        )
        doc = session.scalars(
            select(PolicyDocument).where(PolicyDocument.list_id == list_id)
        ).first()
        if doc is None:
            doc = PolicyDocument(id=str(uuid.uuid4()), list_id=list_id)
            session.add(doc)
        doc.kind, doc.reference, doc.schedule_8_condition = kind_value, reference, condition
        record_event(
            session,
            at=uow.now(),
            operation=Operation.LIST_ALTER,
            actor_id=actor.id,
            list_id=list_id,
            reason="policy document recorded",
        )


def _facts(session: Session, register_list: RegisterList) -> rules.ListFacts:
    dpia = session.scalars(select(Dpia).where(Dpia.list_id == register_list.id)).first()
    doc = session.scalars(
        select(PolicyDocument).where(PolicyDocument.list_id == register_list.id)
    ).first()
    return rules.ListFacts(
        owner_id=register_list.owner_id,
        purposes=[Purpose(p) for p in register_list.purposes],
        lawful_basis=register_list.lawful_basis,
        categories=[Category(c) for c in register_list.categories],
        holds_identity_codes=register_list.holds_identity_codes,
        retention_schedule_ref=register_list.retention_schedule_ref,
        access_policy_ref=register_list.access_policy_ref,
        public_notice=register_list.public_notice,
        dpia=None
        if dpia is None
        else rules.DpiaFacts(
            description=dpia.description,
            risks=dpia.risks,
            measures=dpia.measures,
            safeguards=dpia.safeguards,
            equality_impact=dpia.equality_impact,
            prior_consultation=(
                rules.PriorConsultation(dpia.prior_consultation)
                if dpia.prior_consultation
                else None
            ),
            author_id=dpia.author_id,
            approved_by=dpia.approved_by,
            review_on=dpia.review_on,
        ),
        policy_document=None
        if doc is None
        else rules.PolicyDocumentFacts(
            kind=PolicyDocumentKind(doc.kind),
            schedule_8_condition=(
                rules.Schedule8Condition(doc.schedule_8_condition)
                if doc.schedule_8_condition
                else None
            ),
            reference=doc.reference,
        ),
    )


def authorise_list(*, uow: UnitOfWork, actor: Actor, list_id: str) -> None:
    """Authorise a draft (or re-authorise a suspended) list, or refuse naming every gap."""
    with uow.transaction(Attempt(Operation.LIST_AUTHORISE, actor.id, list_id)) as session:
        register_list = get_list(session, list_id)
        if register_list.status == ListStatus.CLOSED:
            raise Conflict(
                "a closed list cannot be authorised again",
                reasons=[Reason("list-closed", "closed lists stay closed", "list_id")],
            )
        gaps = rules.authorisation_gaps(
            _facts(session, register_list),
            authoriser_id=actor.id,
            authoriser_role=actor.role,
            today=uow.today(),
        )
        if gaps:
            raise AuthorisationIncomplete(
                f"the list cannot be authorised: {len(gaps)} item(s) missing", reasons=gaps
            )
        Authoriser(session, uow, actor).require(
            AccessAction.LIST_AUTHORISE,
            list_resource(register_list),
            Context(requester_id=register_list.created_by),
        )
        register_list.status = ListStatus.AUTHORISED.value
        register_list.status_reason = None
        register_list.authorised_by, register_list.authorised_at = actor.id, uow.now()
        record_event(
            session,
            at=uow.now(),
            operation=Operation.LIST_AUTHORISE,
            actor_id=actor.id,
            list_id=list_id,
        )


def suspend_overdue_lists(*, uow: UnitOfWork) -> list[str]:
    """Record the suspension of every authorised list whose DPIA review date has passed.

    Operations already treat such a list as suspended (see ``effective_status``); this makes the
    state visible in the register and the log. Run by the scheduler and by ``listwarden init``.
    """
    today = uow.today()
    with uow.transaction() as session:
        overdue = session.scalars(
            select(RegisterList)
            .outerjoin(Dpia, Dpia.list_id == RegisterList.id)
            .where(RegisterList.status == ListStatus.AUTHORISED.value)
            .where((Dpia.review_on.is_(None)) | (Dpia.review_on < today))
        ).all()
        for register_list in overdue:
            register_list.status = ListStatus.SUSPENDED.value
            register_list.status_reason = "DPIA review date passed"
            record_event(
                session,
                at=uow.now(),
                operation=Operation.LIST_SUSPEND,
                actor_id=None,
                list_id=register_list.id,
                reason="dpia review date passed",
            )
        return [register_list.id for register_list in overdue]


def close_list(*, uow: UnitOfWork, actor: Actor, list_id: str, reason: str) -> None:
    """Close a list: nothing more is collected, consulted or disclosed; removal and SARs go on."""
    with uow.transaction(Attempt(Operation.LIST_CLOSE, actor.id, list_id)) as session:
        register_list = get_list(session, list_id)
        Authoriser(session, uow, actor).require(
            AccessAction.LIST_CLOSE, list_resource(register_list)
        )
        register_list.status, register_list.status_reason = ListStatus.CLOSED.value, reason
        record_event(
            session,
            at=uow.now(),
            operation=Operation.LIST_CLOSE,
            actor_id=actor.id,
            list_id=list_id,
            justification=reason,
            uow=uow,
        )


@dataclass(frozen=True)
class ListOverview:
    """What anyone with list:read may see of a list: its governance and counts, nobody personal."""

    id: str
    name: str
    description: str
    status: ListStatus
    purposes: list[str]
    categories: list[str]
    lawful_basis: str
    public_notice: str
    owner_id: str | None
    dpia_review_on: date | None
    entries: int
    authorisation_gaps: list[Reason]


def overview(*, uow: UnitOfWork, actor: Actor, list_id: str) -> ListOverview:
    with uow.read_only() as session:
        register_list = get_list(session, list_id)
        Authoriser(session, uow, actor).require(
            AccessAction.LIST_READ, list_resource(register_list)
        )
        return _overview(session, register_list, uow.today())


def overviews(*, uow: UnitOfWork, actor: Actor) -> list[ListOverview]:
    with uow.read_only() as session:
        lists = session.scalars(select(RegisterList).order_by(RegisterList.name)).all()
        principal = Authoriser(session, uow, actor).principal()
        for decision in uow.policy.decide_many(
            principal, AccessAction.LIST_READ, [list_resource(r) for r in lists]
        ):
            if not decision.allowed:
                raise refusal(decision)
        return [_overview(session, register_list, uow.today()) for register_list in lists]


def _overview(session: Session, register_list: RegisterList, today: date) -> ListOverview:
    facts = _facts(session, register_list)
    # Gaps as the owner would see them if any DPO authorised it today.
    gaps = list(
        rules.authorisation_gaps(facts, authoriser_id="", authoriser_role=Role.DPO, today=today)
    )
    count = session.scalar(
        select(func.count()).select_from(Entry).where(Entry.list_id == register_list.id)
    )
    return ListOverview(
        id=register_list.id,
        name=register_list.name,
        description=register_list.description,
        status=effective_status(session, register_list, today),
        purposes=list(register_list.purposes),
        categories=list(register_list.categories),
        lawful_basis=register_list.lawful_basis,
        public_notice=register_list.public_notice,
        owner_id=register_list.owner_id,
        dpia_review_on=facts.dpia.review_on if facts.dpia else None,
        entries=int(count or 0),
        authorisation_gaps=gaps,
    )
