"""Server-side web sessions: resolve a session cookie to its actor, sign out, end them all.

The interface the pages and the API use (``web/deps.py`` wraps it for requests):

- ``signin.sign_in(*, uow, account, password, code) -> SignedIn`` checks the password and the
  TOTP code and opens a session; ``SignedIn.token`` goes in the cookie, never anywhere else;
- ``resolve_session(*, uow, token) -> Actor`` for every request that carries the cookie;
- ``sign_out(*, uow, token)`` ends that session;
- ``csrf_token_for(token)`` and ``require_csrf(token, presented)`` (``domain/authn.py``): the
  synchronizer token a page embeds in its forms, and the check of an unsafe request.

Only the SHA-256 of a session token is stored, so a copy of the database signs no one in. A
session ends at sign-out, ``SessionTerms.lifetime`` after sign-in, after ``SessionTerms.idle``
without a request, and at once when its account is disabled or leaves (``end_sessions_of``).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.authn import csrf_token_for, require_session_live, session_token_digest
from listwarden.domain.errors import AuthenticationRequired, Reason
from listwarden.domain.vocabulary import Operation
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.services.users import (
    ACCOUNT_COLUMNS,
    AccountFields,
    actor_of,
    require_account_usable,
)
from listwarden.store.tables import User, WebSession

MAX_TOKEN_LENGTH = 100
"""A session token is 43 characters; anything much longer is refused before it is hashed."""


@dataclass(frozen=True)
class SignedIn:
    """A new session: ``token`` is the cookie's value, ``csrf_token`` what its pages embed."""

    session_id: str
    token: str
    csrf_token: str
    actor: Actor
    expires_at: datetime


def open_session(session: Session, uow: UnitOfWork, user: User) -> SignedIn:
    """Add a session for ``user`` in the caller's transaction; the token is returned, not kept."""
    token = secrets.token_urlsafe(32)
    now = uow.now()
    row = WebSession(
        id=str(uuid.uuid4()),
        user_id=user.id,
        token_hash=session_token_digest(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + uow.access.sessions.lifetime,
    )
    session.add(row)
    return SignedIn(row.id, token, csrf_token_for(token), actor_of(user), row.expires_at)


def _unknown() -> AuthenticationRequired:
    return AuthenticationRequired(
        "the session is not recognised", reasons=[Reason("session-unknown", "sign in again")]
    )


# One statement, built once: a session and its account's columns, by the token's digest.
_SESSION_QUERY = (
    select(
        WebSession.id.label("session_id"),
        WebSession.last_seen_at,
        WebSession.expires_at,
        WebSession.ended_at,
        *ACCOUNT_COLUMNS,
    )
    .join(User, User.id == WebSession.user_id)
    .where(WebSession.token_hash == bindparam("digest"))
)


def resolve_session(*, uow: UnitOfWork, token: str) -> Actor:
    """The actor a session cookie speaks for; refused if unknown, ended, expired, idle, or its
    account is disabled. A request seen after ``touch_every`` moves the idle clock on."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise _unknown()
    now, terms = uow.now(), uow.access.sessions
    digest = session_token_digest(token)
    with uow.read_only() as session:
        found = session.connection().execute(_SESSION_QUERY, {"digest": digest}).first()
    if found is None:
        raise _unknown()
    require_session_live(
        last_seen_at=found.last_seen_at,
        expires_at=found.expires_at,
        ended_at=found.ended_at,
        now=now,
        terms=terms,
    )
    account = cast(AccountFields, found)
    require_account_usable(account)
    if now - found.last_seen_at >= terms.touch_every:
        with uow.transaction() as session:
            session.execute(
                update(WebSession)
                .where(WebSession.id == found.session_id, WebSession.ended_at.is_(None))
                .values(last_seen_at=now)
            )
    return actor_of(account)


def sign_out(*, uow: UnitOfWork, token: str) -> None:
    """End the session ``token`` opened; signing out of an ended session changes nothing."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return
    with uow.transaction() as session:
        web_session = session.scalars(
            select(WebSession).where(WebSession.token_hash == session_token_digest(token))
        ).first()
        if web_session is None or web_session.ended_at is not None:
            return
        web_session.ended_at = uow.now()
        web_session.ended_reason = "signed out"
        record_event(
            session,
            at=uow.now(),
            operation=Operation.SIGN_OUT,
            actor_id=web_session.user_id,
            reason=f"session {web_session.id} signed out",
        )


def end_sessions_of(session: Session, uow: UnitOfWork, user_id: str, reason: str) -> int:
    """End every open session of ``user_id`` in the caller's transaction; how many were open."""
    ended = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=uow.now(), ended_reason=reason[:40])
    )
    return int(getattr(ended, "rowcount", 0) or 0)
