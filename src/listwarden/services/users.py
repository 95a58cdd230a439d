"""Accounts and API tokens: create a user, issue a bearer token, resolve a token to an actor."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from listwarden.domain.access import Actor
from listwarden.domain.bcu import require_bcu
from listwarden.domain.errors import AuthenticationRequired, InvalidInput, Reason
from listwarden.domain.vocabulary import Operation, Role
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.tables import ApiToken, User

TOKEN_PREFIX = "lw_"  # noqa: S105 - a prefix that marks tokens in logs, not a secret


def _token_hash(token: str) -> bytes:
    # Tokens are 256-bit random values, so a plain SHA-256 is enough to store them safely.
    return hashlib.sha256(token.encode()).digest()


def actor_of(user: User) -> Actor:
    return Actor(
        id=user.id, role=Role(user.role), bcus=frozenset(user.bcus), force_wide=user.force_wide
    )


def require_account_usable(user: User) -> None:
    """Refuse an account that is disabled or has left: none of its credentials work any more."""
    if not user.active or user.left_at is not None:
        raise AuthenticationRequired(
            "the account is disabled",
            reasons=[Reason("account-disabled", "ask an administrator")],
        )


def create_user(
    *,
    uow: UnitOfWork,
    actor_id: str | None,
    name: str,
    role: Role | str,
    bcus: Iterable[str] = (),
    force_wide: bool = False,
    user_id: str | None = None,
) -> Actor:
    """Create an account. ``actor_id`` is None only for the first administrator made by ``init``."""
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(
            f"unknown role {role!r}",
            reasons=[Reason("unknown-role", f"role must be one of: {', '.join(Role)}", "role")],
        ) from None
    bcu_list = sorted({require_bcu(b, field="bcus") for b in bcus})
    if not name.strip():
        raise InvalidInput("a user needs a name", reasons=[Reason("name-missing", "empty", "name")])
    with uow.transaction() as session:
        user = User(
            id=user_id or str(uuid.uuid4()),
            name=name.strip(),
            role=role.value,
            bcus=bcu_list,
            force_wide=force_wide,
            active=True,
            created_at=uow.now(),
        )
        session.add(user)
        record_event(
            session,
            at=uow.now(),
            operation=Operation.USER_CREATE,
            actor_id=actor_id,
            reason=f"user {user.id} role {role.value}",
        )
        return actor_of(user)


def issue_token(*, uow: UnitOfWork, user_id: str, expires_at: datetime | None = None) -> str:
    """A new bearer token for ``user_id``; only its hash is kept, so show it once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with uow.transaction() as session:
        session.add(
            ApiToken(
                id=str(uuid.uuid4()),
                user_id=user_id,
                token_hash=_token_hash(token),
                created_at=uow.now(),
                expires_at=expires_at,
            )
        )
    return token


def authenticate_token(*, uow: UnitOfWork, token: str) -> Actor:
    """The actor a bearer token speaks for; refused if unknown, expired, revoked or inactive."""
    with uow.read_only() as session:
        row = session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _token_hash(token))
        ).first()
        now = uow.now()
        if row is None:
            raise AuthenticationRequired("the token is not recognised")
        api_token, user = row
        if api_token.revoked_at is not None or not user.active:
            raise AuthenticationRequired("the token has been revoked")
        if api_token.expires_at is not None and api_token.expires_at <= now:
            raise AuthenticationRequired("the token has expired")
        return actor_of(user)
