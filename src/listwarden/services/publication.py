"""The public transparency page of each list (law 12; the mayor's review): generated from the
list's own record, its retention schedule, the access policies and its approved agreements, so
it is always true, with equality figures only after statistical disclosure control.

Nothing here names a person or an officer: roles, organisations and published figures only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from listwarden.domain.disclosure_control import publish_breakdown
from listwarden.domain.equality import Basis, Dimension, PopulationBaseline
from listwarden.domain.purposes import class_of
from listwarden.domain.vocabulary import Category, ListStatus, Purpose, Role
from listwarden.policy.engine import AccessAction, Context, EntryResource, ListResource, Principal
from listwarden.reports.jsonable import jsonable
from listwarden.services.equality import current_tallies
from listwarden.services.retention import schedule_for
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.oversight_tables import BcuAudit, MonthlyReport
from listwarden.store.tables import AgreementRow, Dpia, RecipientRow, RegisterList

PUBLISHED_DIMENSIONS = (Dimension.BCU, Dimension.BAND, Dimension.AGE, Dimension.CATEGORY)
PUBLISHED_STATUSES = (ListStatus.AUTHORISED.value, ListStatus.SUSPENDED.value)


@dataclass(frozen=True)
class ListPage:
    """What one list's public page says, section by section."""

    list_id: str
    name: str
    status: str
    purpose_of_list: str
    public_notice: str
    purposes: list[dict[str, str]]
    categories: list[str]
    lawful_basis: str
    who_adds: list[str]
    who_consults: list[str]
    review: dict[str, Any]
    removal_rules: list[str]
    maximum_retention: list[str]
    recipients: list[dict[str, Any]]
    governance: dict[str, Any]
    figures: dict[str, Any]


def _roles_allowed(
    uow: UnitOfWork, action: AccessAction, purposes: list[str], categories: list[str]
) -> list[str]:
    """The roles the shipped access policies let do ``action`` on this list for its purposes."""
    listed = ListResource("published", ListStatus.AUTHORISED, owner_id="owner")
    allowed = []
    for role in Role:
        principal = Principal(
            id="owner" if role is Role.IAO else "someone", role=role, bcus=frozenset(),
            force_wide=True, active=True, mandatory_training_current=True,
            training_current=True, grant_current=True,
        )  # fmt: skip
        if any(
            uow.policy.decide(
                principal,
                action,
                EntryResource("e", listed, "CE", Category(category)),
                Context(purpose=Purpose(purpose)),
            ).allowed
            for purpose in purposes
            for category in categories
        ):
            allowed.append(role.value)
    return allowed


def _recipients(session: Any, purposes: list[str], today: date) -> list[dict[str, Any]]:
    out = []
    rows = session.execute(
        select(AgreementRow).where(
            AgreementRow.status == "approved",
            AgreementRow.valid_from <= today,
            AgreementRow.valid_until >= today,
        )
    ).scalars()
    for agreement in rows:
        shared = sorted(set(agreement.purposes or []) & set(purposes))
        if not shared:
            continue
        parties = session.scalars(
            select(RecipientRow).where(RecipientRow.id.in_(list(agreement.parties or [])))
        ).all()
        for party in parties:
            out.append({
                "recipient": party.name, "kind": party.kind, "agreement": agreement.title,
                "purposes": shared, "fields": sorted(agreement.fields or []),
                "categories": sorted(agreement.categories or []),
                "until": agreement.valid_until.isoformat(),
            })  # fmt: skip
    return sorted(out, key=lambda r: (r["recipient"], r["agreement"]))


def _figures(uow: UnitOfWork, list_id: str, baseline: PopulationBaseline) -> dict[str, Any]:
    """Counts by ethnic group after the 10-5 rule, with rates and ratios from rounded counts."""
    tally_ = current_tallies(uow=uow, actor=None, list_id=list_id)[Basis.SELF_DEFINED]
    out: dict[str, Any] = {}
    for dimension in PUBLISHED_DIMENSIONS:
        published = publish_breakdown(tally_, dimension, baseline)
        out[dimension.value] = {
            "table": published.table.as_json(),
            "rows": jsonable(published.rows),
        }
    return out


def list_pages(*, uow: UnitOfWork, baseline: PopulationBaseline) -> list[ListPage]:
    """One page per list that holds or may hold data (authorised or suspended)."""
    today = uow.today()
    with uow.read_only() as session:
        lists = session.scalars(
            select(RegisterList)
            .where(RegisterList.status.in_(PUBLISHED_STATUSES))
            .order_by(RegisterList.name)
        ).all()
        latest_report = session.scalar(select(func.max(MonthlyReport.month)))
        audits = session.scalar(select(func.count()).select_from(BcuAudit)) or 0
        pages = []
        for row in lists:
            dpia = session.scalars(select(Dpia).where(Dpia.list_id == row.id)).first()
            schedule = schedule_for(row.retention_schedule_ref)
            purposes, categories = list(row.purposes or []), list(row.categories or [])
            pages.append(
                ListPage(
                    list_id=row.id,
                    name=row.name,
                    status=row.status,
                    purpose_of_list=row.description,
                    public_notice=row.public_notice,
                    purposes=[{"purpose": p, "class": class_of(p).value} for p in purposes],
                    categories=categories,
                    lawful_basis=row.lawful_basis,
                    who_adds=_roles_allowed(uow, AccessAction.ENTRY_COLLECT, purposes, categories),
                    who_consults=_roles_allowed(
                        uow, AccessAction.ENTRY_CONSULT, purposes, categories
                    ),
                    review={
                        "interval_days": schedule.review_interval_days,
                        "under_18_interval_days": schedule.child_review_days,
                        "by_category_days": {
                            c.value: d for c, d in schedule.category_review_days.items()
                        },
                    },
                    removal_rules=[r.description for r in schedule.removal_rules],
                    maximum_retention=[
                        f"{g.description}: at most {g.period_days} days"
                        for g in schedule.groups.values()
                    ],
                    recipients=_recipients(session, purposes, today),
                    governance={
                        "owner": "Information Asset Owner",
                        "authorised_on": row.authorised_at.date().isoformat()
                        if row.authorised_at
                        else None,
                        "dpia_approved_on": dpia.approved_at.date().isoformat()
                        if dpia and dpia.approved_at
                        else None,
                        "dpia_review_on": dpia.review_on.isoformat()
                        if dpia and dpia.review_on
                        else None,
                        "latest_monthly_report": latest_report,
                        "bcu_audits_recorded": int(audits),
                    },
                    figures={},
                )
            )
    return [
        ListPage(**{**vars(page), "figures": _figures(uow, page.list_id, baseline)})
        for page in pages
    ]
