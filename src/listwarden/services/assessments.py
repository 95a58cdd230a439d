"""Assessments (laws 2, 9): a score with its reasons item by item, confirmed by a second person.

An assessment is computed from the entry's evidence (kind, role, date, offence class, whether
gang-related; never the sealed descriptions, never a protected characteristic) under a
framework policy file, and stored unconfirmed with its itemised explanation. Only when a named
assessor who recorded none of that evidence confirms it, one at a time, does it become the
entry's score and band; a change of band brings the entry's review forward to today. Every
assessment is kept: the history shows each score and who confirmed it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from listwarden.domain import assessment as scoring
from listwarden.domain.access import Actor
from listwarden.domain.errors import NotFound, Reason
from listwarden.domain.vocabulary import Band, EvidenceKind, EvidenceRole, Operation, Purpose
from listwarden.policy.assessment import default_framework
from listwarden.services import equality_tallies
from listwarden.services.entries import _entry_for_collection
from listwarden.services.events import record_event
from listwarden.services.frameworks import require_active
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import AssessmentRow, Entry, EvidenceItem

DEFAULT_FRAMEWORK = "matrix-2018-example"


@dataclass(frozen=True)
class StoredAssessment:
    id: str
    entry_id: str
    framework: str
    framework_version: str
    score: int
    band: str
    explanation: list[str]
    assessor_id: str | None
    confirmed: bool


def _evidence(session: Session, entry_id: str) -> list[scoring.EvidenceItem]:
    rows = session.execute(
        select(
            EvidenceItem.id,
            EvidenceItem.kind,
            EvidenceItem.role,
            EvidenceItem.occurred_on,
            EvidenceItem.offence_class,
            EvidenceItem.gang_related,
            EvidenceItem.recorded_by,
        ).where(EvidenceItem.entry_id == entry_id)
    ).all()
    return [
        scoring.EvidenceItem(
            id=r.id,
            kind=EvidenceKind(r.kind),
            role=EvidenceRole(r.role),
            occurred_on=r.occurred_on,
            offence_class=r.offence_class,
            gang_related=r.gang_related,
            recorded_by=r.recorded_by,
        )
        for r in rows
    ]


def _explanation(result: scoring.Assessment) -> dict[str, Any]:
    return {
        "lines": result.explanation(),
        "scored": [
            {"evidence_id": s.evidence_id, "criterion": s.criterion_id, "points": s.points}
            for s in result.scored
        ],
        "uncounted": [{"evidence_id": u.evidence_id, "code": u.code} for u in result.uncounted],
        "on_date": result.on_date.isoformat(),
    }


def _stored(row: AssessmentRow) -> StoredAssessment:
    return StoredAssessment(
        row.id,
        row.entry_id,
        row.framework,
        row.framework_version,
        row.score,
        row.band,
        list(row.explanation.get("lines", [])),
        row.assessor_id,
        row.confirmed_at is not None,
    )


def assess_entry(
    *,
    uow: UnitOfWork,
    actor: Actor,
    entry_id: str,
    purpose: str,
    framework: str = DEFAULT_FRAMEWORK,
) -> StoredAssessment:
    """Score the entry's evidence today and store it, unconfirmed, with its explanation."""
    rules = default_framework(framework)
    attempt = Attempt(Operation.ALTER, actor.id, entry_id=entry_id, purpose=purpose)
    with uow.transaction(attempt) as session:
        entry, register_list = _entry_for_collection(
            session, uow, actor, entry_id, Purpose(purpose)
        )
        require_active(session, register_list.id, rules)
        result = scoring.score(_evidence(session, entry.id), rules, uow.today())
        row_id = str(uuid.uuid4())
        session.execute(
            insert(AssessmentRow).values(
                id=row_id,
                entry_id=entry.id,
                framework=rules.name,
                framework_version=rules.version,
                score=result.score,
                band=result.band.value,
                explanation=_explanation(result),
                computed_at=uow.now(),
            )
        )
        record_event(
            session,
            at=uow.now(),
            operation=Operation.ALTER,
            actor_id=actor.id,
            list_id=register_list.id,
            entry_id=entry.id,
            subject_id=entry.subject_id,
            purpose=Purpose(purpose),
            reason=f"assessment computed: {rules.name} {rules.version}",
        )
        row = session.get(AssessmentRow, row_id)
        assert row is not None
        return _stored(row)


def confirm_assessments(
    *, uow: UnitOfWork, actor: Actor, assessment_ids: Sequence[str], purpose: str
) -> StoredAssessment:
    """Confirm one assessment as its named assessor; several at once are refused (no bulk)."""
    attempt = Attempt(Operation.ALTER, actor.id, purpose=purpose)
    with uow.transaction(attempt) as session:
        rows = list(
            session.scalars(select(AssessmentRow).where(AssessmentRow.id.in_(assessment_ids)))
        )
        if len(rows) != len(set(assessment_ids)) or not rows:
            raise NotFound(
                "no such assessment",
                reasons=[Reason("assessment-not-found", ", ".join(assessment_ids), "assessment")],
            )
        evidence = [e for row in rows for e in _evidence(session, row.entry_id)]
        scoring.require_confirmation(
            assessments=[_domain(row) for row in rows], evidence=evidence, assessor_id=actor.id
        )
        row = rows[0]
        entry, register_list = _entry_for_collection(
            session, uow, actor, row.entry_id, Purpose(purpose)
        )
        row.assessor_id, row.confirmed_at = actor.id, uow.now()
        changes: dict[str, Any] = {"score": row.score, "band": row.band}
        old = Band(entry.band) if entry.band else None
        if scoring.band_changed(old, Band(row.band)):
            changes["next_review_on"] = uow.today()
        was = entry.band
        session.execute(update(Entry).where(Entry.id == entry.id).values(**changes))
        if was != row.band:
            equality_tallies.move_band(session, uow, entry.id, was)
        record_event(
            session,
            at=uow.now(),
            operation=Operation.ALTER,
            actor_id=actor.id,
            list_id=register_list.id,
            entry_id=entry.id,
            subject_id=entry.subject_id,
            purpose=Purpose(purpose),
            reason=f"assessment confirmed: {row.band}"
            + ("; band changed, review due" if "next_review_on" in changes else ""),
        )
        return _stored(row)


def _domain(row: AssessmentRow) -> scoring.Assessment:
    """Enough of the stored assessment for the confirmation rules: which evidence it considered."""
    explained = row.explanation
    return scoring.Assessment(
        framework=row.framework,
        framework_version=row.framework_version,
        on_date=row.computed_at.date(),
        score=row.score,
        band=Band(row.band),
        scored=tuple(
            scoring.ScoredItem(s["evidence_id"], s["criterion"], s["points"], "")
            for s in explained.get("scored", [])
        ),
        uncounted=tuple(
            scoring.UncountedItem(u["evidence_id"], u["code"], "")
            for u in explained.get("uncounted", [])
        ),
    )


def assessment_history(*, uow: UnitOfWork, entry_id: str) -> list[StoredAssessment]:
    """Every assessment of the entry, oldest first (the history is never overwritten)."""
    with uow.read_only() as session:
        rows = session.scalars(
            select(AssessmentRow)
            .where(AssessmentRow.entry_id == entry_id)
            .order_by(AssessmentRow.computed_at, AssessmentRow.id)
        )
        return [_stored(r) for r in rows]
