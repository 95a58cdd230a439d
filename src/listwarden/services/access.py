"""Authorisation by policy (law 7): the facts about an actor, decided by the one resident engine.

Every service asks ``authorise`` (or ``authorise_many`` over a page of results) instead of
testing roles itself. The facts the policies need — the account is active, the mandatory and the
list's purpose-specific training are current, a grant to the list is current — are read here
from the database for the one request; the engine decides, and a refusal raises ``AccessDenied``
naming the policy, which the unit of work logs once after the rollback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, Connection, Select, and_, bindparam, select, update
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.bcu import BOROUGHS_BY_BCU
from listwarden.domain.errors import AccessDenied, Reason
from listwarden.domain.purposes import categories_for, class_of
from listwarden.domain.vocabulary import Band, Category, ListStatus, Purpose
from listwarden.policy.engine import (
    REGISTER,
    AccessAction,
    Context,
    Decision,
    EntryResource,
    ListResource,
    Principal,
    Resource,
)
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.tables import Grant, RegisterList, TrainingRecord, User

LIST_DATA = frozenset(
    {
        AccessAction.ENTRY_COLLECT,
        AccessAction.ENTRY_CONSULT,
        AccessAction.ENTRY_ALTER,
        AccessAction.ENTRY_ERASE,
        AccessAction.DISCLOSURE_CREATE,
        AccessAction.DISCLOSURE_APPROVE,
        AccessAction.MONITORING_AGGREGATE,
        AccessAction.MONITORING_READ,
    }
)
"""The actions that reach a list's data: a use of the grant, so they mark it used."""


def course_of(register_list: HasCourse) -> str:
    """The purpose-specific course a list requires (its own name for it, or one per list)."""
    return register_list.training_course or f"list:{register_list.id}"


def list_resource(register_list: RegisterList, status: ListStatus | None = None) -> ListResource:
    return ListResource(
        register_list.id,
        status or ListStatus(register_list.status),
        register_list.owner_id,
    )


class EntryFacts(Protocol):
    """What the rules see of an entry: an entry, or a row of its columns."""

    @property
    def id(self) -> str: ...
    @property
    def bcu(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def band(self) -> str | None: ...


def entry_resource(entry: EntryFacts, register_list: RegisterList | ListResource) -> EntryResource:
    return EntryResource(
        entry.id,
        register_list if isinstance(register_list, ListResource) else list_resource(register_list),
        entry.bcu,
        Category(entry.category),
        Band(entry.band) if entry.band else None,
    )


def probe_entry(
    register_list: RegisterList, purpose: Purpose, bcu: str | None, actor: Actor
) -> EntryResource:
    """An entry of the kind a search may return, to decide a search before anything is read.

    It lies in the BCU asked for (or one of the actor's own) and has a category the purpose may
    use, so what it tests is the role, purpose, training and grant; SQL filters do the rest.
    """
    permitted = sorted(categories_for(class_of(purpose)))
    home = sorted(actor.bcus)[0] if actor.bcus else sorted(BOROUGHS_BY_BCU)[0]
    return EntryResource(
        "search",
        list_resource(register_list),
        bcu or home,
        permitted[0] if permitted else Category.SUSPECTED,
    )


GRANT_POLICIES = frozenset(
    {"training-for-this-list-is-not-current", "no-current-grant-to-this-list"}
)
"""Refusals that concern one list only: a search across lists leaves those lists out."""


@dataclass(frozen=True)
class ListFacts:
    """One user's standing on one list: purpose-specific training and a current grant."""

    training_current: bool
    grant_id: str | None
    last_used_at: datetime | None = None


# Built once: every authorised request runs both.
_STANDING = (
    select(User.active, User.left_at, TrainingRecord.course)
    .outerjoin(
        TrainingRecord,
        and_(
            TrainingRecord.user_id == User.id,
            TrainingRecord.completed_on <= bindparam("today"),
            TrainingRecord.expires_on >= bindparam("today"),
        ),
    )
    .where(User.id == bindparam("user_id"))
)
# The columns ``grant_is_current`` reads, not whole grants: it runs on a session or a connection.
_UNREVOKED_GRANTS = select(
    Grant.id,
    Grant.revoked_at,
    Grant.expires_at,
    Grant.granted_at,
    Grant.last_used_at,
    Grant.recertified_at,
).where(
    Grant.user_id == bindparam("user_id"),
    Grant.list_id == bindparam("list_id"),
    Grant.revoked_at.is_(None),
)
_COURSE = select(RegisterList.id, RegisterList.training_course).where(
    RegisterList.id == bindparam("list_id")
)

Reader = Session | Connection
"""Where the facts are read: a use case's session, or the connection of a Core hot path."""


class GrantTimes(Protocol):
    """What decides whether a grant is current: a grant, or a row of its columns."""

    @property
    def id(self) -> str: ...
    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def granted_at(self) -> datetime: ...
    @property
    def last_used_at(self) -> datetime | None: ...
    @property
    def recertified_at(self) -> datetime | None: ...


class HasCourse(Protocol):
    """What names a list's purpose-specific course: a list, or a row of its columns."""

    @property
    def id(self) -> str: ...
    @property
    def training_course(self) -> str: ...


def _standing(session: Reader, user_id: str, uow: UnitOfWork) -> tuple[bool, set[str]]:
    """Whether the account is active, and the courses it holds today, in one read."""
    rows = session.execute(_STANDING, {"user_id": user_id, "today": uow.today()}).all()
    return _standing_of(rows)


def _standing_of(rows: Sequence[Any]) -> tuple[bool, set[str]]:
    """Whether the account is active, and its courses, from rows of (active, left_at, course)."""
    active = bool(rows) and bool(rows[0][0]) and rows[0][1] is None
    return active, {row[2] for row in rows if row[2] is not None}


def grant_is_current(grant: GrantTimes, now: datetime, lapse: timedelta) -> bool:
    """Unrevoked, unexpired, and used (or granted, or recertified) within the lapse period."""
    if grant.revoked_at is not None or grant.expires_at <= now:
        return False
    latest = max(t for t in (grant.granted_at, grant.last_used_at, grant.recertified_at) if t)
    return now - latest <= lapse


def current_grant(
    session: Reader, uow: UnitOfWork, user_id: str, list_id: str
) -> GrantTimes | None:
    grants = session.execute(_UNREVOKED_GRANTS, {"user_id": user_id, "list_id": list_id}).all()
    return _first_current(grants, uow)


def _first_current(grants: Iterable[Any], uow: UnitOfWork) -> GrantTimes | None:
    now, lapse = uow.now(), timedelta(days=uow.access.grant_lapse_days)
    return next((g for g in grants if grant_is_current(g, now, lapse)), None)


@dataclass(frozen=True)
class GrantRow:
    """An unrevoked grant as read beside another row by ``with_standing``."""

    id: str
    revoked_at: datetime | None
    expires_at: datetime
    granted_at: datetime
    last_used_at: datetime | None
    recertified_at: datetime | None


_GRANT_FIELDS = tuple(column.key for column in _UNREVOKED_GRANTS.selected_columns)


def with_standing(query: Select[Any], list_id: ColumnElement[str]) -> Select[Any]:
    """``query``, which finds one row, joined to the actor's standing and grants to ``list_id``.

    The actor is the ``user_id`` parameter and the day ``today``. The row comes once for each
    course the actor holds today and each unrevoked grant to the list (once with NULLs if none),
    so that a hot path reads its row and the facts the rules need in one statement;
    ``Authoriser.from_rows`` reads them back, as ``_standing`` and ``current_grant`` would.
    """
    return (
        query.add_columns(
            User.active.label("actor_active"),
            User.left_at.label("actor_left_at"),
            TrainingRecord.course.label("actor_course"),
            *(column.label(f"grant_{column.key}") for column in _UNREVOKED_GRANTS.selected_columns),
        )
        .outerjoin(User, User.id == bindparam("user_id"))
        .outerjoin(
            TrainingRecord,
            and_(
                TrainingRecord.user_id == User.id,
                TrainingRecord.completed_on <= bindparam("today"),
                TrainingRecord.expires_on >= bindparam("today"),
            ),
        )
        .outerjoin(
            Grant,
            and_(
                Grant.user_id == User.id,
                Grant.list_id == list_id,
                Grant.revoked_at.is_(None),
            ),
        )
    )


class Authoriser:
    """Builds principals for one actor within one transaction, caching what it has read."""

    def __init__(
        self,
        session: Reader,
        uow: UnitOfWork,
        actor: Actor,
        *,
        standing: tuple[bool, set[str]] | None = None,
    ) -> None:
        self.session, self.uow, self.actor = session, uow, actor
        self.active, self.courses = standing or _standing(session, actor.id, uow)
        self.mandatory = uow.access.mandatory_course in self.courses
        self._lists: dict[str, ListFacts] = {}

    @classmethod
    def from_rows(
        cls,
        session: Reader,
        uow: UnitOfWork,
        actor: Actor,
        register_list: HasCourse,
        rows: Sequence[Any],
    ) -> Authoriser:
        """An authoriser whose facts about ``register_list`` come from ``with_standing`` rows.

        ``register_list`` is a list, or a row with its ``id`` and ``training_course``, and
        ``rows`` were read for this actor (``user_id``) and that list in the same transaction.
        """
        standing = _standing_of([(r.actor_active, r.actor_left_at, r.actor_course) for r in rows])
        authoriser = cls(session, uow, actor, standing=standing)
        grants = {
            row.grant_id: GrantRow(*(getattr(row, f"grant_{key}") for key in _GRANT_FIELDS))
            for row in rows
            if row.grant_id is not None
        }
        authoriser._lists[register_list.id] = authoriser._facts_of(
            register_list, _first_current(grants.values(), uow)
        )
        return authoriser

    def _list(self, list_id: str) -> HasCourse | None:
        if isinstance(self.session, Session):
            return self.session.get(RegisterList, list_id)
        row: Any = self.session.execute(_COURSE, {"list_id": list_id}).one_or_none()
        return cast(HasCourse | None, row)

    def _facts_of(self, register_list: HasCourse | None, grant: GrantTimes | None) -> ListFacts:
        trained = register_list is not None and course_of(register_list) in self.courses
        if grant is None:
            return ListFacts(trained, None)
        return ListFacts(trained, grant.id, grant.last_used_at)

    def facts(self, list_id: str) -> ListFacts:
        if list_id not in self._lists:
            grant = current_grant(self.session, self.uow, self.actor.id, list_id)
            self._lists[list_id] = self._facts_of(self._list(list_id), grant)
        return self._lists[list_id]

    def principal(self, list_id: str | None = None) -> Principal:
        if list_id is None:
            return Principal.of(
                self.actor, active=self.active, mandatory_training_current=self.mandatory
            )
        facts = self.facts(list_id)
        return Principal.of(
            self.actor,
            active=self.active,
            mandatory_training_current=self.mandatory,
            training_current=facts.training_current,
            grant_current=facts.grant_id is not None,
        )

    def require(
        self,
        action: AccessAction,
        resource: Resource,
        context: Context | None = None,
        *,
        mark_used: bool = True,
    ) -> Decision:
        """Decide one request; raise ``AccessDenied`` naming the policy unless allowed.

        A use of a list's data marks its grant used, unless ``mark_used`` is False: a caller
        deciding in a read-only transaction then calls ``mark_used_in`` in its write.
        """
        list_id = _list_of(resource)
        decision = self.uow.policy.require(self.principal(list_id), action, resource, context)
        if mark_used and list_id is not None and action in LIST_DATA:
            self.mark_used(list_id)
        return decision

    def mark_used_in(self, session: Reader, list_id: str) -> None:
        """Mark the grant to ``list_id`` used, in ``session`` (the facts read are kept)."""
        self.session = session
        self.mark_used(list_id)

    def decide_many(
        self, action: AccessAction, resources: Sequence[EntryResource], context: Context | None
    ) -> list[Decision]:
        """Decide one action over entries (a page of results), grouped by their list."""
        out: dict[int, Decision] = {}
        by_list: dict[str, list[int]] = {}
        for n, resource in enumerate(resources):
            by_list.setdefault(resource.list.id, []).append(n)
        for list_id, positions in by_list.items():
            decisions = self.uow.policy.decide_many(
                self.principal(list_id), action, [resources[n] for n in positions], context
            )
            out.update(zip(positions, decisions, strict=True))
            if action in LIST_DATA and any(d.allowed for d in decisions):
                self.mark_used(list_id)
        return [out[n] for n in range(len(resources))]

    def mark_used(self, list_id: str) -> None:
        facts, now = self.facts(list_id), self.uow.now()
        if facts.grant_id is None or _recently(facts.last_used_at, now):
            return
        # No session synchronisation: a disclosure's session holds thousands of loaded rows,
        # and evaluating the criteria against each of them costs more than the update.
        self.session.execute(
            update(Grant)
            .where(Grant.id == facts.grant_id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        self._lists[list_id] = replace(facts, last_used_at=now)


USE_RECORDED_TO = timedelta(hours=1)
"""A grant's last use is kept to the hour: a lapse is counted in days, and rewriting the grant on
every consultation would make each read a write to one hot row."""


def _recently(last_used_at: datetime | None, now: datetime) -> bool:
    if last_used_at is None:
        return False
    if last_used_at.tzinfo is None:
        last_used_at = last_used_at.replace(tzinfo=now.tzinfo)
    return timedelta(0) <= now - last_used_at < USE_RECORDED_TO


def refusal(decision: Decision) -> AccessDenied:
    """The ``AccessDenied`` for a refused decision, as ``PolicyEngine.require`` raises it."""
    return AccessDenied(
        decision.reasons[0],
        policy=decision.policy_ids[0],
        reasons=[
            Reason(policy_id, reason)
            for policy_id, reason in zip(decision.policy_ids, decision.reasons, strict=True)
        ],
    )


def authorise(
    session: Session,
    uow: UnitOfWork,
    actor: Actor,
    action: AccessAction,
    resource: Resource,
    context: Context | None = None,
) -> Decision:
    """Decide one request for ``actor`` through the resident engine; raise unless allowed."""
    return Authoriser(session, uow, actor).require(action, resource, context)


def _list_of(resource: Resource) -> str | None:
    if isinstance(resource, EntryResource):
        return resource.list.id
    if isinstance(resource, ListResource):
        return resource.id
    return None


def require_on_register(*, uow: UnitOfWork, actor: Actor, action: AccessAction) -> Decision:
    """Decide an action about the register as a whole (reading the log, managing accounts)."""
    with uow.read_only() as session:
        return Authoriser(session, uow, actor).require(action, REGISTER)
