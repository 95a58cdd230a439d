"""Accounts and API tokens: create a user, issue a bearer token, resolve a token to an actor."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from sqlalchemy import bindparam, select

from listwarden.crypto.passwords import new_api_token
from listwarden.domain.access import Actor
from listwarden.domain.authn import (
    ALL_SCOPES,
    DEFAULT_TOKEN_LIFETIME,
    ApiTokenGrant,
    Scope,
    check_api_token,
    parse_api_token,
    require_token_scope,
    require_token_terms,
)
from listwarden.domain.bcu import require_bcu
from listwarden.domain.errors import (
    AccessDenied,
    AuthenticationRequired,
    InvalidInput,
    NotFound,
    Reason,
)
from listwarden.domain.vocabulary import Operation, Outcome, Role
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.tables import ApiToken, User


class AccountFields(Protocol):
    """What resolving a credential reads of its account: a ``User`` or a row of its columns."""

    id: str
    role: str
    bcus: list[str]
    force_wide: bool
    active: bool
    left_at: datetime | None


def actor_of(user: AccountFields) -> Actor:
    return Actor(
        id=user.id, role=Role(user.role), bcus=frozenset(user.bcus), force_wide=user.force_wide
    )


ACCOUNT_COLUMNS = (User.id, User.role, User.bcus, User.force_wide, User.active, User.left_at)
"""The columns of ``AccountFields``, for the one-query reads that resolve a credential."""


def require_account_usable(user: AccountFields) -> None:
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


@dataclass(frozen=True)
class TokenHolder:
    """Who a bearer token speaks for, and the scopes it was issued with."""

    actor: Actor
    grant: ApiTokenGrant


def issue_token(
    *,
    uow: UnitOfWork,
    user_id: str,
    scopes: Iterable[str] = ALL_SCOPES,
    expires_at: datetime | None = None,
    actor_id: str | None = None,
) -> str:
    """A new bearer token for ``user_id`` (``lw1.<id>.<secret>``); only its digest is kept, so
    show it once. It runs for ``DEFAULT_TOKEN_LIFETIME`` unless ``expires_at`` says otherwise."""
    now = uow.now()
    scope_list = sorted(set(scopes))
    expires_at = expires_at or now + DEFAULT_TOKEN_LIFETIME
    require_token_terms(scope_list, now, expires_at)
    issued = new_api_token()
    with uow.transaction() as session:
        if session.get(User, user_id) is None:
            raise NotFound(
                f"no user {user_id}", reasons=[Reason("user-not-found", user_id, "user_id")]
            )
        session.add(
            ApiToken(
                id=issued.token_id,
                user_id=user_id,
                token_hash=issued.digest,
                created_at=now,
                expires_at=expires_at,
                scopes=scope_list,
            )
        )
        record_event(
            session,
            at=now,
            operation=Operation.TOKEN_ISSUE,
            actor_id=actor_id,
            reason=f"token {issued.token_id} for user {user_id}: {' '.join(scope_list)}"[:200],
        )
    return issued.text


# One statement, built once: a token's row and its account's columns, by the token's id.
_TOKEN_QUERY = (
    select(
        ApiToken.id.label("token_id"),
        ApiToken.user_id,
        ApiToken.token_hash,
        ApiToken.scopes,
        ApiToken.created_at,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        *ACCOUNT_COLUMNS,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.id == bindparam("token_id"))
)


def authenticate_token(*, uow: UnitOfWork, token: str) -> TokenHolder:
    """Who a bearer token speaks for; refused if unknown, expired, revoked, or its account is
    disabled. The token's id finds the row; its digest is compared in constant time."""
    token_id = parse_api_token(token).token_id
    with uow.core_read() as connection:
        row = connection.execute(_TOKEN_QUERY, {"token_id": token_id}).first()
    grant = None
    if row is not None:
        grant = ApiTokenGrant(
            token_id=row.token_id,
            user_id=row.user_id,
            digest=row.token_hash,
            scopes=frozenset(row.scopes),
            issued_at=row.created_at,
            # Tokens from before expiry was required are refused as expired.
            expires_at=row.expires_at or row.created_at,
            revoked_at=row.revoked_at,
        )
    check_api_token(grant, token, uow.now())
    assert row is not None
    assert grant is not None
    account = cast(AccountFields, row)
    require_account_usable(account)
    return TokenHolder(actor_of(account), grant)


def require_scope(*, uow: UnitOfWork, holder: TokenHolder, scope: Scope) -> None:
    """Refuse, and log the refusal, a request outside the token's scopes."""
    try:
        require_token_scope(holder.grant, scope.value)
    except AccessDenied as refusal:
        with uow.transaction() as session:
            record_event(
                session,
                at=uow.now(),
                operation=Operation.REFUSED,
                outcome=Outcome.REFUSED,
                actor_id=holder.actor.id,
                reason=f"{scope.value} refused by {refusal.policy} ({holder.grant.token_id})",
            )
        raise


def own_name(*, uow: UnitOfWork, actor: Actor) -> str | None:
    """The acting user's own name, for pages that say who is signed in (an account's own data)."""
    with uow.read_only() as session:
        return session.scalar(select(User.name).where(User.id == actor.id))
