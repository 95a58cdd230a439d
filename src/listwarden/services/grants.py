"""Training and grants (law 7): record a course, grant, recertify and revoke access, lapse it.

A grant is given, recertified and revoked by the list's owner (the IAO), decided by the policy
engine like everything else; ``actor=None`` is the command line or the HR feed, run by someone
already holding the register. Every change is one access-log event.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.errors import InvalidInput, NotFound, Reason
from listwarden.domain.vocabulary import Operation
from listwarden.policy.engine import REGISTER, AccessAction, Context
from listwarden.services.access import Authoriser, grant_is_current, list_resource
from listwarden.services.events import record_event
from listwarden.services.lists import get_list
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import Grant, TrainingRecord, User


def _user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", reasons=[Reason("user-not-found", user_id, "user_id")])
    return user


def record_training(
    *,
    uow: UnitOfWork,
    actor: Actor | None,
    user_id: str,
    course: str,
    completed_on: date,
    expires_on: date,
) -> str:
    """Record that ``user_id`` completed ``course``, current until ``expires_on``."""
    if not course.strip() or expires_on < completed_on:
        raise InvalidInput(
            "a training record needs a course and an expiry after completion",
            reasons=[Reason("invalid-training", "course, completed_on <= expires_on", "course")],
        )
    actor_id = actor.id if actor is not None else None
    with uow.transaction(Attempt(Operation.TRAINING_RECORD, actor_id)) as session:
        if actor is not None:
            Authoriser(session, uow, actor).require(AccessAction.USER_MANAGE, REGISTER)
        _user(session, user_id)
        record = TrainingRecord(
            id=str(uuid.uuid4()),
            user_id=user_id,
            course=course.strip(),
            completed_on=completed_on,
            expires_on=expires_on,
            recorded_by=actor_id,
            recorded_at=uow.now(),
        )
        session.add(record)
        record_event(
            session,
            at=uow.now(),
            operation=Operation.TRAINING_RECORD,
            actor_id=actor_id,
            reason=f"user {user_id} course {course.strip()}"[:200],
        )
        return record.id


def _require_owner(
    session: Session, uow: UnitOfWork, actor: Actor | None, list_id: str, holder_id: str
) -> None:
    register_list = get_list(session, list_id)
    if actor is not None:
        # Granting and recertifying are the owner's (only-the-owner-alters-… policy), and the
        # holder is the one asking: nobody grants or recertifies their own access.
        Authoriser(session, uow, actor).require(
            AccessAction.GRANT_RECERTIFY,
            list_resource(register_list),
            Context(requester_id=holder_id),
        )


def grant_access(
    *,
    uow: UnitOfWork,
    actor: Actor | None,
    user_id: str,
    list_id: str,
    expires_at: datetime | None = None,
) -> str:
    """Grant ``user_id`` access to ``list_id`` until ``expires_at`` (default: a year)."""
    actor_id = actor.id if actor is not None else None
    with uow.transaction(Attempt(Operation.GRANT_CREATE, actor_id, list_id)) as session:
        _require_owner(session, uow, actor, list_id, user_id)
        _user(session, user_id)
        now = uow.now()
        grant = Grant(
            id=str(uuid.uuid4()),
            user_id=user_id,
            list_id=list_id,
            granted_by=actor_id,
            granted_at=now,
            expires_at=expires_at or now + timedelta(days=uow.access.grant_days),
        )
        session.add(grant)
        record_event(
            session,
            at=now,
            operation=Operation.GRANT_CREATE,
            actor_id=actor_id,
            list_id=list_id,
            reason=f"grant {grant.id} to user {user_id}",
        )
        return grant.id


def recertify_grant(
    *, uow: UnitOfWork, actor: Actor | None, grant_id: str, expires_at: datetime | None = None
) -> None:
    """The owner confirms a grant is still needed: it runs for another period from now."""
    actor_id = actor.id if actor is not None else None
    with uow.transaction(Attempt(Operation.GRANT_RECERTIFY, actor_id)) as session:
        grant = _grant(session, grant_id)
        _require_owner(session, uow, actor, grant.list_id, grant.user_id)
        now = uow.now()
        if grant.revoked_at is not None:
            raise InvalidInput(
                "a revoked grant cannot be recertified",
                reasons=[Reason("grant-revoked", grant.revoked_reason or "", "grant_id")],
            )
        grant.recertified_at, grant.recertified_by = now, actor_id
        grant.expires_at = expires_at or now + timedelta(days=uow.access.grant_days)
        record_event(
            session,
            at=now,
            operation=Operation.GRANT_RECERTIFY,
            actor_id=actor_id,
            list_id=grant.list_id,
            reason=f"grant {grant.id}",
        )


def _grant(session: Session, grant_id: str) -> Grant:
    grant = session.get(Grant, grant_id)
    if grant is None:
        raise NotFound(
            f"no grant {grant_id}", reasons=[Reason("grant-not-found", grant_id, "grant_id")]
        )
    return grant


def revoke_grants(session: Session, uow: UnitOfWork, grants: list[Grant], reason: str) -> None:
    """Revoke ``grants`` now, each with one event giving the reason (used by the HR sync too)."""
    now = uow.now()
    for grant in grants:
        grant.revoked_at, grant.revoked_reason = now, reason[:200]
        record_event(
            session,
            at=now,
            operation=Operation.GRANT_REVOKE,
            actor_id=None,
            list_id=grant.list_id,
            reason=f"grant {grant.id} user {grant.user_id}: {reason}"[:200],
        )


def revoke_grant(*, uow: UnitOfWork, actor: Actor | None, grant_id: str, reason: str) -> None:
    """Revoke one grant at once."""
    actor_id = actor.id if actor is not None else None
    with uow.transaction(Attempt(Operation.GRANT_REVOKE, actor_id)) as session:
        grant = _grant(session, grant_id)
        _require_owner(session, uow, actor, grant.list_id, grant.user_id)
        if grant.revoked_at is None:
            revoke_grants(session, uow, [grant], reason)


def lapse_unused_grants(*, uow: UnitOfWork) -> list[str]:
    """Revoke every grant expired or unused for the lapse period; the ids revoked."""
    now, lapse = uow.now(), timedelta(days=uow.access.grant_lapse_days)
    with uow.transaction() as session:
        live = session.scalars(select(Grant).where(Grant.revoked_at.is_(None))).all()
        stale = [g for g in live if not grant_is_current(g, now, lapse)]
        for grant in stale:
            expired = grant.expires_at <= now
            revoke_grants(
                session,
                uow,
                [grant],
                "the grant expired" if expired else "the grant was unused for the lapse period",
            )
        return [g.id for g in stale]
