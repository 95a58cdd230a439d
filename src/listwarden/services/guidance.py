"""The guidance register (law 12; Annex 1): versioned documents that bind users, and who has
acknowledged the current version of each.

A new version of a kind supersedes the last; everyone it binds must acknowledge it again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.compliance import AnnexStep, ComplianceFacts, GuidanceKind
from listwarden.domain.errors import Conflict, InvalidInput, NotFound, Reason
from listwarden.domain.vocabulary import Operation, Role
from listwarden.policy.engine import AccessAction
from listwarden.services.access import require_on_register
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.oversight_tables import GuidanceAcknowledgement, GuidanceDocument
from listwarden.store.tables import User

STEP_OF_KIND: dict[GuidanceKind, AnnexStep] = {
    GuidanceKind.SOCIAL_MEDIA: AnnexStep.SOCIAL_MEDIA_GUIDANCE,
    GuidanceKind.GANG_DEFINITION: AnnexStep.GANGS_GUIDANCE,
    GuidanceKind.GANG_MEMBER_OR_SYV: AnnexStep.GANGS_GUIDANCE,
    GuidanceKind.INTELLIGENCE_SOURCES: AnnexStep.GANGS_GUIDANCE,
    GuidanceKind.INFORMATION_SHARING: AnnexStep.SHARING_GUIDANCE,
}


@dataclass(frozen=True)
class GuidanceView:
    id: str
    kind: str
    title: str
    version: str
    annex_step: str
    reference: str
    binds_roles: list[str]
    approved_by: str
    approved_on: date
    review_on: date
    acknowledged: int
    bound: int


def _refuse(code: str, detail: str, field: str) -> InvalidInput:
    return InvalidInput(
        f"cannot register this guidance: {detail}", reasons=[Reason(code, detail, field)]
    )


def register_guidance(
    *,
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    title: str,
    version: str,
    reference: str,
    binds_roles: list[str],
    review_on: date,
) -> str:
    """Register a new version of a guidance document, approved by ``actor`` (DPO or board)."""
    require_on_register(uow=uow, actor=actor, action=AccessAction.GUIDANCE_APPROVE)
    try:
        chosen = GuidanceKind(kind)
    except ValueError:
        raise _refuse(
            "invalid-guidance-kind", "one of: " + ", ".join(GuidanceKind), "kind"
        ) from None
    roles = sorted(set(binds_roles))
    if bad := [r for r in roles if r not in set(Role)]:
        raise _refuse("invalid-role", f"{bad[0]!r} is not a role", "binds_roles")
    if not title.strip() or not version.strip() or not reference.strip():
        raise _refuse("guidance-incomplete", "a title, a version and a reference", "title")
    if not roles:
        raise _refuse("guidance-binds-no-one", "name the roles it binds", "binds_roles")
    if review_on <= uow.today():
        raise _refuse("review-date-past", "the review date must be in the future", "review_on")
    now, document_id = uow.now(), str(uuid.uuid4())
    with uow.transaction() as session:
        taken = session.scalar(
            select(GuidanceDocument.id).where(
                GuidanceDocument.kind == chosen.value, GuidanceDocument.version == version.strip()
            )
        )
        if taken is not None:
            raise Conflict(
                f"{chosen.value} guidance version {version.strip()!r} is already registered",
                reasons=[Reason("guidance-version-exists", document_id, "version")],
            )
        session.execute(
            update(GuidanceDocument)
            .where(GuidanceDocument.kind == chosen.value, GuidanceDocument.superseded_at.is_(None))
            .values(superseded_at=now)
        )
        session.add(
            GuidanceDocument(
                id=document_id,
                kind=chosen.value,
                title=title.strip(),
                version=version.strip(),
                annex_step=STEP_OF_KIND[chosen].value,
                reference=reference.strip(),
                binds_roles=roles,
                approved_by=actor.id,
                approved_on=uow.today(),
                review_on=review_on,
                recorded_at=now,
            )
        )
        record_event(
            session,
            at=now,
            operation=Operation.GUIDANCE_APPROVE,
            actor_id=actor.id,
            reason=f"guidance {chosen.value} version {version.strip()}"[:200],
        )
    return document_id


def acknowledge_guidance(*, uow: UnitOfWork, actor: Actor, document_id: str) -> None:
    """Record that ``actor`` has read and accepts the current version of a document."""
    with uow.transaction() as session:
        document = session.get(GuidanceDocument, document_id)
        if document is None:
            raise NotFound(
                f"no guidance {document_id}",
                reasons=[Reason("guidance-not-found", document_id, "document_id")],
            )
        if document.superseded_at is not None:
            raise Conflict(
                "this version has been superseded: acknowledge the current one",
                reasons=[Reason("guidance-superseded", document.kind, "document_id")],
            )
        known = session.scalar(
            select(GuidanceAcknowledgement.id).where(
                GuidanceAcknowledgement.document_id == document_id,
                GuidanceAcknowledgement.user_id == actor.id,
            )
        )
        if known is None:
            session.add(
                GuidanceAcknowledgement(
                    id=str(uuid.uuid4()),
                    document_id=document_id,
                    user_id=actor.id,
                    acknowledged_at=uow.now(),
                )
            )


def _current(session: Session) -> list[GuidanceDocument]:
    return list(
        session.scalars(
            select(GuidanceDocument)
            .where(GuidanceDocument.superseded_at.is_(None))
            .order_by(GuidanceDocument.kind)
        )
    )


def _bound(session: Session, document: GuidanceDocument) -> set[str]:
    """The active users whose role the document binds."""
    return set(
        session.scalars(
            select(User.id).where(User.active.is_(True), User.role.in_(document.binds_roles))
        )
    )


def _unacknowledged(session: Session, document: GuidanceDocument) -> set[str]:
    done = set(
        session.scalars(
            select(GuidanceAcknowledgement.user_id).where(
                GuidanceAcknowledgement.document_id == document.id
            )
        )
    )
    return _bound(session, document) - done


def current_guidance(*, uow: UnitOfWork) -> list[GuidanceView]:
    """The current version of each registered kind, with how many it binds have acknowledged."""
    with uow.read_only() as session:
        out = []
        for d in _current(session):
            bound, missing = len(_bound(session, d)), len(_unacknowledged(session, d))
            out.append(
                GuidanceView(
                    d.id, d.kind, d.title, d.version, d.annex_step, d.reference,
                    list(d.binds_roles), d.approved_by, d.approved_on, d.review_on,
                    bound - missing, bound,
                )
            )  # fmt: skip
        return out


def guidance_facts(session: Session, uow: UnitOfWork) -> ComplianceFacts:
    """What the compliance checks need: kinds registered, reviews overdue, who has not read."""
    documents = _current(session)
    today = uow.today()
    unread: set[str] = set()
    for document in documents:
        unread |= _unacknowledged(session, document)
    return ComplianceFacts(
        guidance_registered=frozenset(GuidanceKind(d.kind) for d in documents),
        guidance_overdue_for_review=tuple(sorted(d.id for d in documents if d.review_on < today)),
        users_with_unacknowledged_guidance=tuple(sorted(unread)),
    )
