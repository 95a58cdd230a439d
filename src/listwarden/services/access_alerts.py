"""Access anomalies for the DPO (law 11): bulk consultation, odd hours, repeated refusals.

Reads the access log's identifiers and times only (never a justification), over a period and
the working-pattern history before it, and lets ``domain.access_alerts`` decide. Only a user the
access policy lets read alerts (``alerts:read``: the DPO) may; a refusal is logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.access_alerts import Access, Alert, AlertThresholds, detect
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.vocabulary import Operation
from listwarden.policy.engine import REGISTER, AccessAction
from listwarden.services.access import Authoriser
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import Event

MAX_DAYS = 366


@dataclass(frozen=True)
class AlertReport:
    """The alerts of one period, with the thresholds they were judged by."""

    since: datetime
    until: datetime
    thresholds: AlertThresholds
    alerts: list[Alert] = field(default_factory=list)


def access_alerts(
    *, uow: UnitOfWork, actor: Actor, days: int = 7, thresholds: AlertThresholds | None = None
) -> AlertReport:
    """The alerts of the last ``days`` days, judged by ``thresholds`` (the register's own)."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(
            f"alerts cover 1 to {MAX_DAYS} days",
            reasons=[Reason("invalid-days", f"give days from 1 to {MAX_DAYS}", "days")],
        )
    limits = thresholds or uow.access.alerts
    until = uow.now()
    since = until - timedelta(days=days)
    with uow.read_only(Attempt(Operation.ALERTS_READ, actor.id)) as session:
        Authoriser(session, uow, actor).require(AccessAction.ALERTS_READ, REGISTER)
        history = _accesses(
            session, Operation.CONSULT, since - timedelta(days=limits.pattern_days), since
        )
        consultations = _accesses(session, Operation.CONSULT, since, until)
        refusals = _accesses(session, Operation.REFUSED, since, until)
    found = detect(consultations=consultations, refusals=refusals, history=history, limits=limits)
    return AlertReport(since, until, limits, found)


def _accesses(
    session: Session, operation: Operation, since: datetime, until: datetime
) -> list[Access]:
    rows = session.execute(
        select(Event.id, Event.actor_id, Event.occurred_at)
        .where(
            Event.operation == operation.value,
            Event.occurred_at >= since,
            Event.occurred_at < until,
            Event.actor_id.is_not(None),
        )
        .order_by(Event.id)
    )
    return [Access(r.id, r.actor_id, r.occurred_at) for r in rows]
