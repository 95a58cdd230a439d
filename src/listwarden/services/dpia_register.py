"""The register of lists and their assessments (law 1; Annex 1 "DPIA"): one row per list,
with its DPIA's author, approver and review date, its policy document and schedule. Account
identifiers only, never names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from listwarden.services.lists import effective_status
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.tables import Dpia, PolicyDocument, RegisterList


@dataclass(frozen=True)
class DpiaRegister:
    generated_at: datetime
    lists: list[dict[str, Any]]


def _day(value: datetime | None) -> str | None:
    return value.date().isoformat() if value is not None else None


def dpia_register(*, uow: UnitOfWork) -> DpiaRegister:
    today = uow.today()
    rows = []
    with uow.read_only() as session:
        for row in session.scalars(select(RegisterList).order_by(RegisterList.name)):
            dpia = session.scalars(select(Dpia).where(Dpia.list_id == row.id)).first()
            policy = session.scalars(
                select(PolicyDocument).where(PolicyDocument.list_id == row.id)
            ).first()
            rows.append(
                {
                    "list": row.name,
                    "status": effective_status(session, row, today).value,
                    "owner": row.owner_id,
                    "dpia_author": dpia.author_id if dpia else None,
                    "dpia_approved_by": dpia.approved_by if dpia else None,
                    "dpia_approved_on": _day(dpia.approved_at) if dpia else None,
                    "dpia_review_on": dpia.review_on.isoformat()
                    if dpia and dpia.review_on
                    else None,
                    "prior_consultation": dpia.prior_consultation if dpia else None,
                    "equality_impact_assessed": bool(dpia and dpia.equality_impact.strip()),
                    "policy_document": policy.kind if policy else None,
                    "schedule_8_condition": policy.schedule_8_condition if policy else None,
                    "retention_schedule": row.retention_schedule_ref or None,
                    "authorised_by": row.authorised_by,
                    "authorised_on": _day(row.authorised_at),
                }
            )
    return DpiaRegister(uow.now(), rows)
