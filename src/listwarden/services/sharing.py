"""Use cases that keep the terms of sharing (law 6): recipients and data sharing agreements.

The IRU registers recipients and approves them; an IAO or the IRU drafts an agreement and an
IRU officer who is not the drafter approves it (``domain.sharing.approve_agreement``, which
lists every gap at once). Each step is decided by the policy engine and logged.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from listwarden.domain import sharing as rules
from listwarden.domain.access import Actor
from listwarden.domain.agreements import (
    Agreement,
    AgreementStatus,
    Approval,
    IntelligencePermission,
    OrganisationType,
    Recipient,
    RecipientKind,
    StatutoryFunction,
    effective_status,
    recipient_gaps,
)
from listwarden.domain.errors import Conflict, InvalidInput, NotFound, Reason
from listwarden.domain.fields import in_catalogue_order, parse_fields
from listwarden.domain.vocabulary import Band, Category, Operation, Purpose, Role
from listwarden.policy.engine import REGISTER, AccessAction, Context
from listwarden.services.access import Authoriser
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import AgreementRow, RecipientRow

_E = TypeVar("_E", bound=StrEnum)


def _one(enum: type[_E], value: str | None, name: str) -> _E | None:
    if value is None or value == "":
        return None
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(
            f"invalid {name} {value!r}",
            reasons=[
                Reason(
                    f"invalid-{name.replace('_', '-')}",
                    f"{name} must be one of: {', '.join(e.value for e in enum)}",
                    name,
                )
            ],
        ) from None


def _many(enum: type[_E], values: Iterable[str], name: str) -> frozenset[_E]:
    values = list(values)
    if isinstance(values, str):
        values = [values]
    bad = [v for v in values if v not in {e.value for e in enum}]
    if bad:
        raise InvalidInput(
            f"invalid {name}",
            reasons=[
                Reason(
                    f"invalid-{name.replace('_', '-')}",
                    f"{v!r} is not one of: {', '.join(e.value for e in enum)}",
                    name,
                )
                for v in bad
            ],
        )
    return frozenset(enum(v) for v in values)


# Recipients.


def recipient_of(row: RecipientRow) -> Recipient:
    approval = (
        Approval(row.approved_by, Role(row.approved_role), row.approved_on)
        if row.approved_by and row.approved_role and row.approved_on
        else None
    )
    return Recipient(
        id=row.id,
        name=row.name,
        kind=RecipientKind(row.kind),
        notice_contact=row.notice_contact,
        age_public_key=row.age_public_key,
        statutory_function=StatutoryFunction(row.statutory_function)
        if row.statutory_function
        else None,
        organisation_type=OrganisationType(row.organisation_type)
        if row.organisation_type
        else None,
        approval=approval,
    )


def get_recipient(session: Session, recipient_id: str) -> RecipientRow:
    found = session.get(RecipientRow, recipient_id)
    if found is None:
        raise NotFound(
            f"no recipient {recipient_id}",
            reasons=[Reason("recipient-not-found", recipient_id, "recipient_id")],
        )
    return found


def register_recipient(
    *,
    uow: UnitOfWork,
    actor: Actor,
    name: str,
    kind: str,
    notice_contact: str,
    age_public_key: str,
    statutory_function: str | None = None,
    organisation_type: str | None = None,
) -> str:
    """Register a recipient, typed as law enforcement, statutory or non-statutory (EN 40)."""
    candidate = Recipient(
        id=str(uuid.uuid4()),
        name=(name or "").strip(),
        kind=_one(RecipientKind, kind, "kind") or _missing("kind"),
        notice_contact=(notice_contact or "").strip(),
        age_public_key=(age_public_key or "").strip(),
        statutory_function=_one(StatutoryFunction, statutory_function, "statutory_function"),
        organisation_type=_one(OrganisationType, organisation_type, "organisation_type"),
    )
    # Everything but the approval is checked now, so a recipient is never kept half-typed.
    gaps = [
        g for g in recipient_gaps(candidate, Role.IRU) if g.code != "recipient-approver-not-iru"
    ]
    if gaps:
        raise InvalidInput("the recipient is incomplete", reasons=gaps)
    with uow.transaction(Attempt(Operation.RECIPIENT_CREATE, actor.id)) as session:
        Authoriser(session, uow, actor).require(AccessAction.RECIPIENT_MANAGE, REGISTER)
        if session.scalar(select(RecipientRow.id).where(RecipientRow.name == candidate.name)):
            raise Conflict(
                f"a recipient named {candidate.name!r} exists",
                reasons=[Reason("recipient-name-taken", candidate.name, "name")],
            )
        session.add(
            RecipientRow(
                id=candidate.id,
                name=candidate.name,
                kind=candidate.kind.value,
                statutory_function=_value(candidate.statutory_function),
                organisation_type=_value(candidate.organisation_type),
                notice_contact=candidate.notice_contact,
                age_public_key=candidate.age_public_key,
                created_by=actor.id,
                created_at=uow.now(),
            )
        )
        record_event(
            session,
            at=uow.now(),
            operation=Operation.RECIPIENT_CREATE,
            actor_id=actor.id,
            recipient_id=candidate.id,
            reason=f"recipient registered ({candidate.kind.value})",
        )
    return candidate.id


def approve_recipient(*, uow: UnitOfWork, actor: Actor, recipient_id: str) -> None:
    """Approve a recipient: an IRU officer other than the one who registered it."""
    with uow.transaction(Attempt(Operation.RECIPIENT_APPROVE, actor.id)) as session:
        row = get_recipient(session, recipient_id)
        Authoriser(session, uow, actor).require(
            AccessAction.RECIPIENT_APPROVE, REGISTER, Context(requester_id=row.created_by)
        )
        if row.approved_by is not None:
            raise Conflict(
                "the recipient is already approved",
                reasons=[Reason("recipient-already-approved", row.approved_by, "approval")],
            )
        gaps = recipient_gaps(recipient_of(row), actor.role)
        if gaps:
            raise rules.SharingNotPermitted("the recipient cannot be approved", reasons=gaps)
        row.approved_by, row.approved_role = actor.id, actor.role.value
        row.approved_on = uow.today()
        record_event(
            session,
            at=uow.now(),
            operation=Operation.RECIPIENT_APPROVE,
            actor_id=actor.id,
            recipient_id=row.id,
        )


@dataclass(frozen=True)
class RecipientView:
    id: str
    name: str
    kind: str
    statutory_function: str | None
    organisation_type: str | None
    notice_contact: str
    age_public_key: str
    approved_by: str | None
    approved_on: date | None


def list_recipients(*, uow: UnitOfWork, actor: Actor) -> list[RecipientView]:
    with uow.read_only() as session:
        Authoriser(session, uow, actor).require(AccessAction.SHARING_READ, REGISTER)
        rows = session.scalars(select(RecipientRow).order_by(RecipientRow.name)).all()
        return [
            RecipientView(
                r.id,
                r.name,
                r.kind,
                r.statutory_function,
                r.organisation_type,
                r.notice_contact,
                r.age_public_key,
                r.approved_by,
                r.approved_on,
            )
            for r in rows
        ]


# Agreements.


@dataclass(frozen=True)
class NewAgreement:
    """An agreement as its drafter supplies it; names come from the controlled vocabularies."""

    title: str
    parties: Sequence[str]
    purposes: Sequence[str]
    lawful_basis: str
    categories: Sequence[str]
    bands: Sequence[str]
    fields: Sequence[str]
    recipient_retention_days: int
    recipient_deletion: str
    security_conditions: str
    valid_from: date
    valid_until: date
    review_on: date
    zero_score: bool = False
    unassessed: bool = False
    honours_handling_conditions: bool = False
    intelligence_justification: str | None = None


def agreement_of(row: AgreementRow) -> Agreement:
    def approval(by: str | None, role: str | None, on: date | None) -> Approval | None:
        return Approval(by, Role(role), on) if by and role and on else None

    permission = (
        IntelligencePermission(
            row.intelligence_justification,
            approval(
                row.intelligence_approved_by,
                row.intelligence_approved_role,
                row.intelligence_approved_on,
            ),
        )
        if row.intelligence_justification is not None
        else None
    )
    return Agreement(
        id=row.id,
        parties=frozenset(row.parties),
        purposes=frozenset(Purpose(p) for p in row.purposes),
        lawful_basis=row.lawful_basis,
        categories=frozenset(Category(c) for c in row.categories),
        bands=frozenset(Band(b) for b in row.bands),
        fields=frozenset(row.fields),
        recipient_retention_days=row.recipient_retention_days,
        recipient_deletion=row.recipient_deletion,
        security_conditions=row.security_conditions,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        review_on=row.review_on,
        drafted_by=row.drafted_by,
        zero_score=row.zero_score,
        unassessed=row.unassessed,
        honours_handling_conditions=row.honours_handling_conditions,
        intelligence_permission=permission,
        status=AgreementStatus(row.status),
        approval=approval(row.approved_by, row.approved_role, row.approved_on),
        revoked_by=row.revoked_by,
        revocation_reason=row.revocation_reason,
    )


def get_agreement(session: Session, agreement_id: str) -> AgreementRow:
    found = session.get(AgreementRow, agreement_id)
    if found is None:
        raise NotFound(
            f"no agreement {agreement_id}",
            reasons=[Reason("agreement-not-found", agreement_id, "agreement_id")],
        )
    return found


def draft_agreement(*, uow: UnitOfWork, actor: Actor, terms: NewAgreement) -> str:
    """Record a draft agreement; nothing is shared under it until the IRU approves it."""
    if not (terms.title or "").strip():
        raise InvalidInput(
            "an agreement needs a title", reasons=[Reason("title-missing", "empty", "title")]
        )
    purposes = _many(Purpose, terms.purposes, "purposes")
    categories = _many(Category, terms.categories, "categories")
    bands = _many(Band, terms.bands, "bands")
    fields = parse_fields(terms.fields)
    for name, when in (
        ("valid_from", terms.valid_from),
        ("valid_until", terms.valid_until),
        ("review_on", terms.review_on),
    ):
        if not isinstance(when, date):
            raise InvalidInput(
                f"{name} must be a date", reasons=[Reason("invalid-date", "YYYY-MM-DD", name)]
            )
    agreement_id = str(uuid.uuid4())
    with uow.transaction(Attempt(Operation.AGREEMENT_DRAFT, actor.id)) as session:
        Authoriser(session, uow, actor).require(AccessAction.AGREEMENT_DRAFT, REGISTER)
        parties = list(dict.fromkeys(terms.parties))
        known = set(session.scalars(select(RecipientRow.id).where(RecipientRow.id.in_(parties))))
        unknown = [p for p in parties if p not in known]
        if unknown:
            raise InvalidInput(
                "every party must be a registered recipient",
                reasons=[Reason("recipient-not-found", p, "parties") for p in unknown],
            )
        session.add(
            AgreementRow(
                id=agreement_id,
                title=terms.title.strip(),
                parties=parties,
                purposes=sorted(p.value for p in purposes),
                lawful_basis=terms.lawful_basis or "",
                categories=sorted(c.value for c in categories),
                bands=sorted(b.value for b in bands),
                fields=[f.value for f in in_catalogue_order(fields)],
                zero_score=terms.zero_score,
                unassessed=terms.unassessed,
                honours_handling_conditions=terms.honours_handling_conditions,
                recipient_retention_days=terms.recipient_retention_days,
                recipient_deletion=terms.recipient_deletion or "",
                security_conditions=terms.security_conditions or "",
                valid_from=terms.valid_from,
                valid_until=terms.valid_until,
                review_on=terms.review_on,
                drafted_by=actor.id,
                drafted_at=uow.now(),
                intelligence_justification=terms.intelligence_justification,
                status=AgreementStatus.DRAFT.value,
                revocation_reason="",
            )
        )
        record_event(
            session,
            at=uow.now(),
            operation=Operation.AGREEMENT_DRAFT,
            actor_id=actor.id,
            reason=f"agreement {agreement_id} drafted",
        )
    return agreement_id


def approve_agreement(
    *,
    uow: UnitOfWork,
    actor: Actor,
    agreement_id: str,
    approve_intelligence_permission: bool = False,
) -> None:
    """Approve a draft: an IRU officer who did not draft it, with every gap named if not.

    An agreement that lets intelligence go to non-statutory parties is approved only when the
    approver also approves that permission explicitly.
    """
    with uow.transaction(Attempt(Operation.AGREEMENT_APPROVE, actor.id)) as session:
        row = get_agreement(session, agreement_id)
        Authoriser(session, uow, actor).require(
            AccessAction.AGREEMENT_APPROVE, REGISTER, Context(requester_id=row.drafted_by)
        )
        today = uow.today()
        agreement = agreement_of(row)
        if approve_intelligence_permission and agreement.intelligence_permission is not None:
            permission = IntelligencePermission(
                agreement.intelligence_permission.justification,
                Approval(actor.id, actor.role, today),
            )
            agreement = _with_permission(agreement, permission)
        approved = rules.approve_agreement(agreement, actor, today)
        _require_parties_approved(session, approved)
        if approved.intelligence_permission and approved.intelligence_permission.approval:
            granted = approved.intelligence_permission.approval
            row.intelligence_approved_by = granted.by
            row.intelligence_approved_role = granted.role.value
            row.intelligence_approved_on = granted.on
        row.status = AgreementStatus.APPROVED.value
        row.approved_by, row.approved_role, row.approved_on = actor.id, actor.role.value, today
        record_event(
            session,
            at=uow.now(),
            operation=Operation.AGREEMENT_APPROVE,
            actor_id=actor.id,
            reason=f"agreement {agreement_id} approved",
        )


def _with_permission(agreement: Agreement, permission: IntelligencePermission) -> Agreement:
    return replace(agreement, intelligence_permission=permission)


def _require_parties_approved(session: Session, agreement: Agreement) -> None:
    rows = session.scalars(
        select(RecipientRow).where(RecipientRow.id.in_(sorted(agreement.parties)))
    ).all()
    unapproved = [r.id for r in rows if r.approved_by is None]
    if unapproved:
        raise rules.SharingNotPermitted(
            "the agreement cannot be approved",
            reasons=[
                Reason("recipient-not-approved", rules.REASONS["recipient-not-approved"], "parties")
                for _ in unapproved
            ],
        )


def revoke_agreement(*, uow: UnitOfWork, actor: Actor, agreement_id: str, reason: str) -> None:
    """Revoke an agreement (final): nothing more is disclosed under it."""
    with uow.transaction(Attempt(Operation.AGREEMENT_REVOKE, actor.id)) as session:
        row = get_agreement(session, agreement_id)
        Authoriser(session, uow, actor).require(AccessAction.AGREEMENT_REVOKE, REGISTER)
        revoked = rules.revoke_agreement(agreement_of(row), actor, reason)
        row.status = revoked.status.value
        row.revoked_by, row.revoked_at = actor.id, uow.now()
        row.revocation_reason = revoked.revocation_reason.strip()
        record_event(
            session,
            at=uow.now(),
            operation=Operation.AGREEMENT_REVOKE,
            actor_id=actor.id,
            reason=f"agreement {agreement_id} revoked",
        )


@dataclass(frozen=True)
class AgreementView:
    id: str
    title: str
    status: str  # effective today: an approved agreement past its validity has expired
    parties: list[str]
    purposes: list[str]
    categories: list[str]
    bands: list[str]
    fields: list[str]
    zero_score: bool
    unassessed: bool
    intelligence_permitted: bool
    valid_from: date
    valid_until: date
    review_on: date
    review_due: bool
    drafted_by: str
    approved_by: str | None
    approved_on: date | None


REVIEW_WARNING_DAYS = 30
"""An agreement whose review date falls within this many days is reported as due for review."""


def agreement_view(row: AgreementRow, today: date) -> AgreementView:
    agreement = agreement_of(row)
    status = effective_status(agreement, today)
    permission = agreement.intelligence_permission
    return AgreementView(
        id=row.id,
        title=row.title,
        status=status.value,
        parties=list(row.parties),
        purposes=list(row.purposes),
        categories=list(row.categories),
        bands=list(row.bands),
        fields=list(row.fields),
        zero_score=row.zero_score,
        unassessed=row.unassessed,
        intelligence_permitted=bool(permission and permission.approval),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        review_on=row.review_on,
        review_due=status is AgreementStatus.APPROVED
        and (row.review_on - today).days <= REVIEW_WARNING_DAYS,
        drafted_by=row.drafted_by,
        approved_by=row.approved_by,
        approved_on=row.approved_on,
    )


def list_agreements(*, uow: UnitOfWork, actor: Actor) -> list[AgreementView]:
    with uow.read_only() as session:
        Authoriser(session, uow, actor).require(AccessAction.SHARING_READ, REGISTER)
        rows = session.scalars(select(AgreementRow).order_by(AgreementRow.drafted_at)).all()
        return [agreement_view(row, uow.today()) for row in rows]


def _missing(name: str) -> RecipientKind:
    raise InvalidInput(f"{name} is required", reasons=[Reason("missing-field", name, name)])


def _value(value: StrEnum | None) -> str | None:
    return value.value if value is not None else None
