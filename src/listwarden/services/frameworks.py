"""Trial, sign-off and activation of an assessment framework on a list (laws 9 and 10).

Before a framework scores anyone on a list, an equality analyst runs it over the list's entries
as they stand and tallies the bands it would give by self-defined ethnicity and by identity
code, in aggregate only (no entry, score or person leaves this module, and the monitoring
records are opened nowhere else for it). The DPO reads that table and signs the trial off; an
IAO then activates that framework version for the list. ``services/assessments`` refuses to
score with a framework, or a version of it, that is not active on the entry's list.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from listwarden.domain import assessment as scoring
from listwarden.domain.access import Actor
from listwarden.domain.errors import Conflict, NotFound, PolicyViolation, Reason
from listwarden.domain.vocabulary import Band, Operation
from listwarden.policy.assessment import default_framework
from listwarden.policy.engine import REGISTER, AccessAction, Context
from listwarden.services.access import Authoriser, list_resource
from listwarden.services.events import record_event
from listwarden.services.lists import get_list
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import (
    Entry,
    FrameworkActivation,
    FrameworkTrial,
    MonitoringRecord,
)

BANDS = tuple(b.value for b in Band)


class FrameworkNotActive(PolicyViolation):
    slug = "framework-not-active"


@dataclass(frozen=True)
class TrialView:
    id: str
    list_id: str
    framework: str
    framework_version: str
    run_by: str
    run_at: datetime
    results: dict[str, Any]
    signed_off_by: str | None
    signed_off_at: datetime | None


def run_trial(*, uow: UnitOfWork, actor: Actor, list_id: str, framework: str) -> TrialView:
    """Score every entry on the list under ``framework`` and keep only the bands by group."""
    rules = default_framework(framework)
    attempt = Attempt(Operation.FRAMEWORK_TRIAL, actor.id, list_id=list_id)
    with uow.transaction(attempt) as session:
        register_list = get_list(session, list_id)
        Authoriser(session, uow, actor).require(
            AccessAction.MONITORING_AGGREGATE, list_resource(register_list)
        )
        results = _tally(session, uow, list_id, rules)
        trial = FrameworkTrial(
            id=str(uuid.uuid4()),
            list_id=list_id,
            framework=rules.name,
            framework_version=rules.version,
            run_by=actor.id,
            run_at=uow.now(),
            results=results,
        )
        session.add(trial)
        _log(session, uow, Operation.FRAMEWORK_TRIAL, actor, list_id, f"trial {trial.id} run")
        session.flush()
        return _view(trial)


def _tally(
    session: Session, uow: UnitOfWork, list_id: str, rules: scoring.Framework
) -> dict[str, Any]:
    from listwarden.services.assessments import _evidence

    today = uow.today()
    by_ethnicity: Counter[tuple[str, str]] = Counter()
    by_code: Counter[tuple[str, str]] = Counter()
    rows = session.execute(
        select(Entry.id, MonitoringRecord)
        .join(MonitoringRecord, MonitoringRecord.subject_id == Entry.subject_id, isouter=True)
        .where(Entry.list_id == list_id)
    ).all()
    opener = uow.cipher.open_monitoring
    for entry_id, record in rows:
        band = scoring.score(_evidence(session, entry_id), rules, today).band.value
        if record is None:
            ethnicity = code = "not recorded"
        else:
            ethnicity = opener(
                record.id, "self_defined_ethnicity", record.self_defined_ethnicity_ct
            )
            code = opener(record.id, "identity_code", record.identity_code_ct)
        by_ethnicity[(ethnicity, band)] += 1
        by_code[(code, band)] += 1
    return {
        "entries": len(rows),
        "bands": list(BANDS),
        "by_self_defined_ethnicity": _table(by_ethnicity),
        "by_identity_code": _table(by_code),
    }


def _table(counts: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    groups = sorted({group for group, _ in counts})
    return {g: {band: counts[(g, band)] for band in BANDS} for g in groups}


def sign_off_trial(*, uow: UnitOfWork, actor: Actor, trial_id: str, note: str) -> TrialView:
    """The DPO's sign-off of a trial's bands by group: what lets the framework be activated."""
    with uow.transaction(Attempt(Operation.FRAMEWORK_APPROVE, actor.id)) as session:
        trial = _trial(session, trial_id)
        register_list = get_list(session, trial.list_id)
        Authoriser(session, uow, actor).require(
            AccessAction.FRAMEWORK_APPROVE,
            list_resource(register_list),
            Context(requester_id=trial.run_by),
        )
        if trial.signed_off_at is not None:
            raise Conflict(
                f"trial {trial.id} is already signed off",
                reasons=[Reason("trial-signed-off", "run a new trial to sign again", "trial_id")],
            )
        trial.signed_off_by, trial.signed_off_at = actor.id, uow.now()
        trial.sign_off_note = " ".join(note.split())[:2000] or None
        _log(session, uow, Operation.FRAMEWORK_APPROVE, actor, trial.list_id, f"trial {trial.id}")
        return _view(trial)


def activate_framework(*, uow: UnitOfWork, actor: Actor, list_id: str, framework: str) -> str:
    """Make ``framework`` (its shipped version) the one that scores the list; needs a sign-off."""
    rules = default_framework(framework)
    with uow.transaction(Attempt(Operation.FRAMEWORK_ACTIVATE, actor.id, list_id=list_id)) as s:
        register_list = get_list(s, list_id)
        Authoriser(s, uow, actor).require(
            AccessAction.FRAMEWORK_ACTIVATE, list_resource(register_list)
        )
        trial = s.scalars(
            select(FrameworkTrial)
            .where(
                FrameworkTrial.list_id == list_id,
                FrameworkTrial.framework == rules.name,
                FrameworkTrial.framework_version == rules.version,
                FrameworkTrial.signed_off_at.is_not(None),
            )
            .order_by(FrameworkTrial.signed_off_at.desc())
        ).first()
        if trial is None:
            detail = (
                f"run a trial of {rules.name} {rules.version} on this list and have the DPO "
                "sign off its bands by ethnic group first"
            )
            raise FrameworkNotActive(
                f"{rules.name} {rules.version} has no signed-off trial on this list",
                reasons=[Reason("trial-not-signed-off", detail, "framework")],
            )
        active = s.scalars(
            select(FrameworkActivation).where(
                FrameworkActivation.list_id == list_id, FrameworkActivation.framework == rules.name
            )
        ).first()
        if active is None:
            active = FrameworkActivation(
                id=str(uuid.uuid4()), list_id=list_id, framework=rules.name
            )
            s.add(active)
        active.framework_version, active.trial_id = rules.version, trial.id
        active.activated_by, active.activated_at = actor.id, uow.now()
        _log(s, uow, Operation.FRAMEWORK_ACTIVATE, actor, list_id, f"{rules.name} {rules.version}")
        return active.id


def require_active(session: Session, list_id: str, rules: scoring.Framework) -> None:
    """Refuse to score with a framework version that is not active on the list."""
    version = session.scalar(
        select(FrameworkActivation.framework_version).where(
            FrameworkActivation.list_id == list_id, FrameworkActivation.framework == rules.name
        )
    )
    if version == rules.version:
        return
    detail = (
        f"{rules.name} {rules.version} is not active on this list"
        + ("" if version is None else f" (version {version} is)")
        + ": a trial signed off by the DPO and an IAO's activation come first"
    )
    raise FrameworkNotActive(
        "this framework may not score entries on this list yet",
        reasons=[Reason("framework-not-active", detail, "framework")],
    )


def trials(*, uow: UnitOfWork, actor: Actor, list_id: str) -> list[TrialView]:
    """A list's trials with their tables of bands by group."""
    with uow.read_only() as session:
        register_list = get_list(session, list_id)
        authoriser, resource = Authoriser(session, uow, actor), list_resource(register_list)
        # The tables are aggregates: those who read compliance reports (the IAO, the DPO, the
        # Data Board, auditors) read them, as do the equality analysts who run the trials.
        if not uow.policy.decide(
            authoriser.principal(), AccessAction.COMPLIANCE_READ, REGISTER
        ).allowed:
            authoriser.require(AccessAction.MONITORING_AGGREGATE, resource)
        found = session.scalars(
            select(FrameworkTrial)
            .where(FrameworkTrial.list_id == list_id)
            .order_by(FrameworkTrial.run_at)
        ).all()
        return [_view(t) for t in found]


def _trial(session: Session, trial_id: str) -> FrameworkTrial:
    trial = session.get(FrameworkTrial, trial_id)
    if trial is None:
        raise NotFound(
            f"no framework trial {trial_id}",
            reasons=[Reason("trial-not-found", trial_id, "trial_id")],
        )
    return trial


def _view(t: FrameworkTrial) -> TrialView:
    return TrialView(
        t.id,
        t.list_id,
        t.framework,
        t.framework_version,
        t.run_by,
        t.run_at,
        dict(t.results),
        t.signed_off_by,
        t.signed_off_at,
    )


def _log(
    session: Session, uow: UnitOfWork, operation: Operation, actor: Actor, list_id: str, what: str
) -> None:
    record_event(
        session, at=uow.now(), operation=operation, actor_id=actor.id, list_id=list_id, reason=what
    )
