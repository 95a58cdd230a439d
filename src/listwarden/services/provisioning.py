"""Provisioning accounts from the force's identity system (SCIM): joiners, movers and leavers.

Each change is one line of the HR feed applied through the same rules as ``access sync``
(``access_review.apply_feed_row``): a new role or unit revokes at once every grant it does not
justify, and a leaver loses every grant, session and token. Only administrators provision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.errors import Conflict, NotFound, Reason
from listwarden.domain.vocabulary import Operation
from listwarden.policy.engine import REGISTER, AccessAction
from listwarden.services.access import Authoriser
from listwarden.services.access_review import FeedRow, SyncReport, apply_feed_row
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import User


@dataclass(frozen=True)
class Account:
    """An account as the identity system sees it: no credentials, no personal data of others."""

    id: str
    name: str
    role: str
    bcus: list[str]
    unit: str | None
    gang_unit: bool
    active: bool
    created_at: datetime


def _account(user: User) -> Account:
    return Account(
        id=user.id,
        name=user.name,
        role=user.role,
        bcus=list(user.bcus),
        unit=user.unit,
        gang_unit=user.gang_unit,
        active=user.active and user.left_at is None,
        created_at=user.created_at,
    )


def _require_manager(session: Session, uow: UnitOfWork, actor: Actor) -> None:
    Authoriser(session, uow, actor).require(AccessAction.USER_MANAGE, REGISTER)


def _not_found(user_id: str) -> NotFound:
    return NotFound(f"no user {user_id}", reasons=[Reason("user-not-found", user_id, "id")])


def provision(*, uow: UnitOfWork, actor: Actor, row: FeedRow, new: bool = False) -> Account:
    """Apply one joiner, mover or leaver; ``new`` refuses an account that exists already."""
    with uow.transaction(Attempt(Operation.USER_ALTER, actor.id)) as session:
        _require_manager(session, uow, actor)
        exists = session.get(User, row.user_id) is not None
        if new and exists:
            raise Conflict(
                f"user {row.user_id} exists already",
                reasons=[Reason("user-exists", "update it instead", "userName")],
            )
        if not new and not exists:
            raise _not_found(row.user_id)
        apply_feed_row(session, uow, row, SyncReport())
        session.flush()
        user = session.get(User, row.user_id)
        assert user is not None
        return _account(user)


def get_account(*, uow: UnitOfWork, actor: Actor, user_id: str) -> Account:
    with uow.read_only(Attempt(Operation.USER_ALTER, actor.id)) as session:
        _require_manager(session, uow, actor)
        user = session.get(User, user_id)
        if user is None:
            raise _not_found(user_id)
        return _account(user)


def list_accounts(
    *, uow: UnitOfWork, actor: Actor, user_id: str | None, offset: int, limit: int
) -> tuple[int, list[Account]]:
    """The total and one page of accounts, in id order, optionally only ``user_id``."""
    with uow.read_only(Attempt(Operation.USER_ALTER, actor.id)) as session:
        _require_manager(session, uow, actor)
        query = select(User)
        counted = select(func.count()).select_from(User)
        if user_id is not None:
            query, counted = query.where(User.id == user_id), counted.where(User.id == user_id)
        total = session.scalar(counted) or 0
        page = session.scalars(query.order_by(User.id).offset(offset).limit(limit)).all()
        return total, [_account(u) for u in page]
