"""Movers and leavers from the HR feed, and the access review (law 7).

``sync_hr_feed`` applies joiners, movers and leavers: a mover whose role or unit changes loses,
at once, every grant given for the old one (the IAO grants again what the new post justifies); a
leaver's account is deactivated, so every token and session stops working on the next request,
and their grants are revoked. ``review_access`` says who holds access, since when, when it was
last used, whether their training is current, and who in a gang unit lacks the mandatory course.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from listwarden.domain.bcu import require_bcu
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.vocabulary import Operation, Role
from listwarden.services.access import course_of, grant_is_current
from listwarden.services.events import record_event
from listwarden.services.grants import revoke_grants
from listwarden.services.revocation import revoke_credentials
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.tables import Grant, RegisterList, TrainingRecord, User

FEED_COLUMNS = ("user_id", "name", "role", "bcus", "unit", "status", "effective_date")
STATUSES = ("joiner", "mover", "leaver")


@dataclass(frozen=True)
class FeedRow:
    """One line of the HR feed, checked."""

    user_id: str
    name: str
    role: Role
    bcus: tuple[str, ...]
    unit: str
    gang_unit: bool
    status: str
    effective_date: date


@dataclass
class SyncReport:
    joined: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    grants_revoked: list[str] = field(default_factory=list)
    tokens_revoked: int = 0


def _bad(line: int, why: str, column: str) -> InvalidInput:
    return InvalidInput(
        f"HR feed line {line}: {why}", reasons=[Reason("invalid-feed", why, column)]
    )


def parse_feed(text: str) -> list[FeedRow]:
    """Read the CSV feed (header row first); refuse the whole file on any bad line."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in FEED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise _bad(1, "missing columns: " + ", ".join(missing), missing[0])
    rows = []
    for line, raw in enumerate(reader, start=2):
        status = (raw["status"] or "").strip().lower()
        if status not in STATUSES:
            raise _bad(line, "status must be joiner, mover or leaver", "status")
        try:
            role = Role((raw["role"] or "").strip())
            effective = date.fromisoformat((raw["effective_date"] or "").strip())
        except ValueError as error:
            raise _bad(line, str(error), "role") from None
        bcus = tuple(
            require_bcu(b.strip(), field="bcus") for b in raw["bcus"].split(";") if b.strip()
        )
        unit = (raw["unit"] or "").strip()
        flag = (raw.get("gang_unit") or "").strip().lower()
        gang = flag in ("1", "true", "yes") if flag else "gang" in unit.lower()
        user_id = (raw["user_id"] or "").strip()
        if not user_id:
            raise _bad(line, "user_id is empty", "user_id")
        rows.append(
            FeedRow(user_id, (raw["name"] or "").strip(), role, bcus, unit, gang, status, effective)
        )
    return rows


def sync_hr_feed(*, uow: UnitOfWork, text: str) -> SyncReport:
    """Apply the feed in one transaction: all of it, or (on a bad line) none of it."""
    rows = parse_feed(text)
    report = SyncReport()
    with uow.transaction() as session:
        for row in rows:
            apply_feed_row(session, uow, row, report)
    return report


def apply_feed_row(session: Session, uow: UnitOfWork, row: FeedRow, report: SyncReport) -> None:
    """Apply one joiner, mover or leaver in the caller's transaction (the CSV feed and SCIM)."""
    user = session.get(User, row.user_id)
    if user is None:
        user = _join(session, uow, row)
        report.joined.append(user.id)
    if row.status == "leaver":
        report.tokens_revoked += _leave(session, uow, user, row)
        report.left.append(user.id)
        why = "the user left the force"
    else:
        changed = user.role != row.role.value or (user.unit or "") != row.unit
        if changed and row.status == "mover":
            report.moved.append(user.id)
        why = f"moved to {row.role.value} in {row.unit or 'no unit'}"
        user.role, user.unit, user.gang_unit = (
            row.role.value,
            row.unit or None,
            row.gang_unit,
        )
        user.bcus, user.force_wide = sorted(row.bcus), not row.bcus
        if not changed:
            return
    live = list(
        session.scalars(select(Grant).where(Grant.user_id == user.id, Grant.revoked_at.is_(None)))
    )
    revoke_grants(session, uow, live, why)
    report.grants_revoked += [g.id for g in live]


def _join(session: Session, uow: UnitOfWork, row: FeedRow) -> User:
    user = User(
        id=row.user_id,
        name=row.name or row.user_id,
        role=row.role.value,
        bcus=sorted(row.bcus),
        force_wide=not row.bcus,
        active=True,
        created_at=uow.now(),
        unit=row.unit or None,
        gang_unit=row.gang_unit,
        failed_attempts=0,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        at=uow.now(),
        operation=Operation.USER_CREATE,
        actor_id=None,
        reason=f"user {user.id} role {row.role.value} (HR feed)",
    )
    return user


def _leave(session: Session, uow: UnitOfWork, user: User, row: FeedRow) -> int:
    user.active = False
    user.left_at = datetime.combine(
        row.effective_date, datetime.min.time(), tzinfo=uow.now().tzinfo
    )
    _sessions, tokens = revoke_credentials(session, uow, user.id, "left (HR feed)")
    record_event(
        session,
        at=uow.now(),
        operation=Operation.USER_ALTER,
        actor_id=None,
        reason=f"user {user.id} left on {row.effective_date.isoformat()} (HR feed)",
    )
    return tokens


@dataclass(frozen=True)
class HeldAccess:
    """One grant as the review shows it."""

    grant_id: str
    user_id: str
    user_name: str
    role: str
    list_id: str
    list_name: str
    granted_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    current: bool
    mandatory_training_current: bool
    list_training_current: bool


@dataclass(frozen=True)
class AccessReview:
    held: list[HeldAccess]
    gang_unit_without_mandatory_training: list[str]
    third_parties: list[str]


def review_access(*, uow: UnitOfWork) -> AccessReview:
    """Who holds access (unrevoked grants), and gang-unit staff lacking the mandatory course."""
    now, today = uow.now(), uow.today()
    lapse = timedelta(days=uow.access.grant_lapse_days)
    with uow.read_only() as session:
        courses: dict[str, set[str]] = {}
        for user_id, course in session.execute(
            select(TrainingRecord.user_id, TrainingRecord.course).where(
                TrainingRecord.completed_on <= today, TrainingRecord.expires_on >= today
            )
        ):
            courses.setdefault(user_id, set()).add(course)
        rows = session.execute(
            select(Grant, User, RegisterList)
            .join(User, User.id == Grant.user_id)
            .join(RegisterList, RegisterList.id == Grant.list_id)
            .where(Grant.revoked_at.is_(None))
            .order_by(RegisterList.name, User.name)
        ).all()
        mandatory = uow.access.mandatory_course
        held = [
            HeldAccess(
                grant.id,
                user.id,
                user.name,
                user.role,
                register_list.id,
                register_list.name,
                grant.granted_at,
                grant.last_used_at,
                grant.expires_at,
                grant_is_current(grant, now, lapse),
                mandatory in courses.get(user.id, set()),
                course_of(register_list) in courses.get(user.id, set()),
            )
            for grant, user, register_list in rows
        ]
        gang = _without(
            session.scalars(select(User).where(User.gang_unit, User.active)), courses, mandatory
        )
    # The register holds no third-party accounts yet: every account is a force user.
    return AccessReview(held, gang, [])


def _without(users: Iterable[User], courses: dict[str, set[str]], course: str) -> list[str]:
    return sorted(u.id for u in users if course not in courses.get(u.id, set()))
