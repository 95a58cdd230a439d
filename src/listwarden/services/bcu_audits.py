"""BCU audits (law 12; Annex 1 "regular audits of every borough unit") as stored records.

Opening an audit freezes the BCU's compliance report as its evidence, so later changes to the
register do not rewrite what the auditor saw. Findings have an owner and a due date and are
closed with what was done; the audit closes once every finding has.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.bcu import BOROUGHS_BY_BCU, require_bcu
from listwarden.domain.compliance import REGISTRY, ComplianceFacts
from listwarden.domain.errors import Conflict, InvalidInput, NotFound, Reason
from listwarden.domain.vocabulary import Operation
from listwarden.policy.engine import AccessAction
from listwarden.reports.jsonable import jsonable
from listwarden.services.access import require_on_register
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.oversight_tables import AuditFinding, BcuAudit
from listwarden.store.tables import User

AUDIT_PERIOD_DAYS = 182  # every BCU is audited at least twice a year


@dataclass(frozen=True)
class FindingView:
    id: str
    check_id: str
    summary: str
    owner_id: str
    due_on: date
    closed_at: datetime | None
    action_taken: str | None


@dataclass(frozen=True)
class AuditView:
    id: str
    bcu: str
    auditor_id: str | None
    opened_at: datetime
    closed_at: datetime | None
    conclusion: str | None
    evidence: dict[str, Any]
    findings: list[FindingView]


def _invalid(code: str, detail: str, field: str) -> InvalidInput:
    return InvalidInput(detail, reasons=[Reason(code, detail, field)])


def open_audit(*, uow: UnitOfWork, actor: Actor, bcu: str) -> str:
    """Open an audit of ``bcu``, freezing its compliance report as the audit's evidence."""
    from listwarden.services.compliance import compliance_report  # it reads these facts too

    require_on_register(uow=uow, actor=actor, action=AccessAction.AUDIT_CONDUCT)
    code = require_bcu(bcu)
    evidence = jsonable(compliance_report(uow=uow, actor=None, bcu=code))
    audit_id = str(uuid.uuid4())
    with uow.transaction() as session:
        session.add(
            BcuAudit(
                id=audit_id,
                bcu=code,
                auditor_id=actor.id,
                opened_at=uow.now(),
                evidence=evidence,
            )
        )
        record_event(
            session,
            at=uow.now(),
            operation=Operation.AUDIT_OPEN,
            actor_id=actor.id,
            reason=f"audit {audit_id} of BCU {code}",
        )
    return audit_id


def _open_audit(session: Session, audit_id: str) -> BcuAudit:
    audit = session.get(BcuAudit, audit_id)
    if audit is None:
        raise NotFound(
            f"no audit {audit_id}", reasons=[Reason("audit-not-found", audit_id, "audit_id")]
        )
    if audit.closed_at is not None:
        raise Conflict(
            "this audit is closed", reasons=[Reason("audit-closed", audit_id, "audit_id")]
        )
    return audit


def add_finding(
    *,
    uow: UnitOfWork,
    actor: Actor,
    audit_id: str,
    check_id: str,
    summary: str,
    owner_id: str,
    due_on: date,
) -> str:
    """Record a finding against a check, owned by a user, due on a date."""
    require_on_register(uow=uow, actor=actor, action=AccessAction.AUDIT_CONDUCT)
    if check_id not in {c.id for c in REGISTRY.checks}:
        raise _invalid("unknown-check", f"no compliance check {check_id!r}", "check_id")
    if not summary.strip():
        raise _invalid("finding-summary-missing", "say what was found", "summary")
    if due_on <= uow.today():
        raise _invalid("due-date-past", "a finding is due after today", "due_on")
    finding_id = str(uuid.uuid4())
    with uow.transaction() as session:
        _open_audit(session, audit_id)
        if session.get(User, owner_id) is None:
            raise _invalid("owner-not-found", f"no user {owner_id}", "owner_id")
        session.add(
            AuditFinding(
                id=finding_id,
                audit_id=audit_id,
                check_id=check_id,
                summary=summary.strip(),
                owner_id=owner_id,
                due_on=due_on,
            )
        )
    return finding_id


def close_finding(*, uow: UnitOfWork, actor: Actor, finding_id: str, action_taken: str) -> None:
    """Close a finding with what was done; its owner or an auditor may."""
    if not action_taken.strip():
        raise _invalid("action-taken-missing", "say what was done", "action_taken")
    with uow.transaction() as session:
        finding = session.get(AuditFinding, finding_id)
        if finding is None:
            raise NotFound(
                f"no finding {finding_id}",
                reasons=[Reason("finding-not-found", finding_id, "finding_id")],
            )
        if finding.owner_id != actor.id:
            require_on_register(uow=uow, actor=actor, action=AccessAction.AUDIT_CONDUCT)
        if finding.closed_at is not None:
            raise Conflict(
                "this finding is closed",
                reasons=[Reason("finding-closed", finding_id, "finding_id")],
            )
        finding.closed_at, finding.action_taken = uow.now(), action_taken.strip()


def close_audit(*, uow: UnitOfWork, actor: Actor, audit_id: str, conclusion: str) -> None:
    """Close an audit once every finding is closed, with the auditor's conclusion."""
    require_on_register(uow=uow, actor=actor, action=AccessAction.AUDIT_CONDUCT)
    if not conclusion.strip():
        raise _invalid("conclusion-missing", "give the audit's conclusion", "conclusion")
    with uow.transaction() as session:
        audit = _open_audit(session, audit_id)
        still_open = session.scalar(
            select(func.count())
            .select_from(AuditFinding)
            .where(AuditFinding.audit_id == audit_id, AuditFinding.closed_at.is_(None))
        )
        if still_open:
            raise Conflict(
                f"{still_open} finding(s) of this audit are still open",
                reasons=[Reason("findings-open", str(still_open), "audit_id")],
            )
        audit.closed_at, audit.closed_by, audit.conclusion = uow.now(), actor.id, conclusion.strip()
        record_event(
            session,
            at=uow.now(),
            operation=Operation.AUDIT_CLOSE,
            actor_id=actor.id,
            reason=f"audit {audit_id} of BCU {audit.bcu} closed",
        )


def audit_view(*, uow: UnitOfWork, audit_id: str) -> AuditView:
    with uow.read_only() as session:
        audit = session.get(BcuAudit, audit_id)
        if audit is None:
            raise NotFound(
                f"no audit {audit_id}", reasons=[Reason("audit-not-found", audit_id, "audit_id")]
            )
        findings = [
            FindingView(
                f.id, f.check_id, f.summary, f.owner_id, f.due_on, f.closed_at, f.action_taken
            )
            for f in session.scalars(
                select(AuditFinding)
                .where(AuditFinding.audit_id == audit_id)
                .order_by(AuditFinding.due_on)
            )
        ]
        return AuditView(
            audit.id, audit.bcu, audit.auditor_id, audit.opened_at, audit.closed_at,
            audit.conclusion, dict(audit.evidence), findings,
        )  # fmt: skip


def latest_audit_of(*, uow: UnitOfWork, bcu: str) -> str | None:
    code = require_bcu(bcu)
    with uow.read_only() as session:
        return session.scalar(
            select(BcuAudit.id)
            .where(BcuAudit.bcu == code)
            .order_by(BcuAudit.opened_at.desc())
            .limit(1)
        )


def audit_facts(session: Session, uow: UnitOfWork) -> ComplianceFacts:
    """The BCUs with no audit opened within the audit period."""
    since = uow.now() - timedelta(days=AUDIT_PERIOD_DAYS)
    audited = set(session.scalars(select(BcuAudit.bcu).where(BcuAudit.opened_at >= since)))
    return ComplianceFacts(
        bcus_not_audited_in_period=tuple(sorted(b for b in BOROUGHS_BY_BCU if b not in audited))
    )
