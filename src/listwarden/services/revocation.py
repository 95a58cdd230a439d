"""Revoking an account: every session and API token it holds stops working at once (law 7).

Resolving a session or a token also checks that its account is active and has not left, so a
credential of a disabled account is refused even before this marks it ended; marking them
keeps the record of when and why each stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.errors import Conflict, InvalidInput, NotFound, Reason
from listwarden.domain.vocabulary import Operation
from listwarden.policy.engine import REGISTER, AccessAction
from listwarden.services.access import Authoriser
from listwarden.services.events import record_event
from listwarden.services.grants import revoke_grants
from listwarden.services.sessions import end_sessions_of
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import ApiToken, Grant, User


@dataclass(frozen=True)
class Revoked:
    """What stopped working when an account was revoked."""

    user_id: str
    sessions_ended: int
    tokens_revoked: int
    grants_revoked: int


def revoke_credentials(
    session: Session, uow: UnitOfWork, user_id: str, reason: str
) -> tuple[int, int]:
    """End every session and revoke every token of ``user_id`` in the caller's transaction."""
    ended = end_sessions_of(session, uow, user_id, reason)
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=uow.now())
    )
    return ended, int(getattr(revoked, "rowcount", 0) or 0)


def disable_user(*, uow: UnitOfWork, actor: Actor | None, user_id: str, reason: str) -> Revoked:
    """Disable an account (administrators; ``actor`` None from the server's command line): its
    sessions, tokens and grants all stop at once. Nobody disables their own account."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            "say why the account is disabled",
            reasons=[Reason("reason-missing", "give a reason", "reason")],
        )
    actor_id = actor.id if actor is not None else None
    with uow.transaction(Attempt(Operation.USER_DISABLE, actor_id)) as session:
        if actor is not None:
            Authoriser(session, uow, actor).require(AccessAction.USER_MANAGE, REGISTER)
            if actor.id == user_id:
                raise Conflict(
                    "an administrator cannot disable their own account",
                    reasons=[Reason("self-disable", "ask another administrator", "user_id")],
                )
        user = session.get(User, user_id, with_for_update=True)
        if user is None:
            raise NotFound(
                f"no user {user_id}", reasons=[Reason("user-not-found", user_id, "user_id")]
            )
        user.active = False
        ended, tokens = revoke_credentials(session, uow, user_id, "account disabled")
        grants = list(
            session.scalars(
                select(Grant).where(Grant.user_id == user_id, Grant.revoked_at.is_(None))
            )
        )
        revoke_grants(session, uow, grants, "account disabled")
        record_event(
            session,
            at=uow.now(),
            operation=Operation.USER_DISABLE,
            actor_id=actor_id,
            reason=f"user {user_id} disabled: {ended} session(s), {tokens} token(s) ended"[:200],
            justification=reason,
            uow=uow,
        )
        return Revoked(user_id, ended, tokens, len(grants))
