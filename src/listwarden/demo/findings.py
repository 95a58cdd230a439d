"""The notice replayed: the demo's register as the Commissioner found the Matrix, so that the
compliance checks have real findings to report (law 12).

A backlog of reviews left overdue, staff whose training lapsed, leavers the HR feed has not yet
reached, gang-unit staff who never took the mandatory course, and an agreement used after it
expired. The zero-score entries past their removal date come from the generator itself: their
last gang-related attention is months old. Every person and account here is synthetic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from listwarden.bootstrap import Register
from listwarden.domain.access import Actor
from listwarden.domain.vocabulary import Role
from listwarden.services import grants, sharing
from listwarden.services.access import course_of
from listwarden.services.disclosures import DisclosureAsk, request_disclosure
from listwarden.services.users import create_user
from listwarden.store.tables import AgreementRow, DisclosureRow, Entry, RegisterList, User

OVERDUE_SHARE = 0.06  # entries whose review fell behind
LAPSED, LEAVERS, UNTRAINED_GANG_UNIT = 3, 4, 2
EXPIRED_AGREEMENT = "Youth justice exchange 2025 (lapsed)"
TOP_FINDINGS = 6


@dataclass(frozen=True)
class Finding:
    check: str
    severity: str
    count: int
    title: str


def replay_the_notice(
    register: Register,
    users: dict[Role, Actor],
    matrix_id: str,
    shared: dict[str, str],
    rng: random.Random,
) -> None:
    """Leave the demo register with the problems the notice found, for the checks to find."""
    uow = register.uow
    today = uow.today()
    with uow.read_only() as session:
        course = course_of(session.get_one(RegisterList, matrix_id))
        ids = sorted(session.scalars(select(Entry.id).where(Entry.list_id == matrix_id)))
    overdue = rng.sample(ids, k=max(1, int(len(ids) * OVERDUE_SHARE))) if ids else []
    with uow.transaction() as session:  # reviews that fell behind, days to months ago
        for entry_id in overdue:
            late = today - timedelta(days=rng.randint(1, 120))
            session.execute(update(Entry).where(Entry.id == entry_id).values(next_review_on=late))

    def officer(name: str, bcu: str) -> Actor:
        return create_user(
            uow=uow, actor_id=None, name=name, role=Role.OFFICER, bcus=(bcu,), force_wide=False
        )

    def train(user_id: str, course_name: str, *, lapsed: bool = False) -> None:
        ended = (
            today - timedelta(days=rng.randint(10, 90)) if lapsed else today + timedelta(days=300)
        )
        grants.record_training(
            uow=uow, actor=None, user_id=user_id, course=course_name,
            completed_on=ended - timedelta(days=365), expires_on=ended,
        )  # fmt: skip

    for n in range(LAPSED):  # purpose-specific training lapsed, access kept
        lapsed = officer(f"Officer, training lapsed {n + 1} (demo)", "NE")
        train(lapsed.id, uow.access.mandatory_course)
        train(lapsed.id, course, lapsed=True)
        grants.grant_access(uow=uow, actor=None, user_id=lapsed.id, list_id=matrix_id)
    leavers = []
    for n in range(LEAVERS):  # left the force; the HR feed has not reached them yet
        leaver = officer(f"Officer, left the force {n + 1} (demo)", "SE")
        train(leaver.id, uow.access.mandatory_course)
        train(leaver.id, course)
        grants.grant_access(uow=uow, actor=None, user_id=leaver.id, list_id=matrix_id)
        leavers.append(leaver.id)
    untrained = [
        officer(f"Gang unit officer, no course {n + 1} (demo)", "CE").id
        for n in range(UNTRAINED_GANG_UNIT)
    ]
    with uow.transaction() as session:
        gone = uow.now() - timedelta(days=21)
        session.execute(update(User).where(User.id.in_(leavers)).values(left_at=gone))
        session.execute(
            update(User).where(User.id.in_(untrained)).values(gang_unit=True, unit="Gangs Unit")
        )
    _agreement_used_after_expiry(register, users, matrix_id, shared)


def _agreement_used_after_expiry(
    register: Register, users: dict[Role, Actor], matrix_id: str, shared: dict[str, str]
) -> None:
    """An agreement that lapsed, with a disclosure made under it afterwards."""
    uow = register.uow
    today = uow.today()
    terms = sharing.NewAgreement(
        title=EXPIRED_AGREEMENT,
        parties=[shared["recipient"]],
        purposes=["gang_violence_reduction"],
        lawful_basis="DPA 2018 s.35(2)(b); Crime and Disorder Act 1998 s.115",
        categories=["suspected", "convicted"],
        bands=["red", "amber"],
        fields=["entry_id", "band", "score"],
        recipient_retention_days=30,
        recipient_deletion="secure deletion with a certificate to the IRU",
        security_conditions="named case workers, encrypted storage, no onward sharing",
        valid_from=today - timedelta(days=1),
        valid_until=today + timedelta(days=30),
        review_on=today + timedelta(days=20),
    )
    agreement_id = sharing.draft_agreement(uow=uow, actor=users[Role.IAO], terms=terms)
    sharing.approve_agreement(uow=uow, actor=users[Role.IRU], agreement_id=agreement_id)
    with uow.read_only() as session:
        entries = list(
            session.scalars(
                select(Entry.id)
                .where(
                    Entry.list_id == matrix_id,
                    Entry.band.in_(["red", "amber"]),
                    Entry.bcu != "CE",  # apart from the Central East entries the tours use
                )
                .order_by(Entry.id.desc())
                .limit(3)
            )
        )
    if not entries:
        return
    request_disclosure(
        uow=uow,
        actor=users[Role.IAO],
        ask=DisclosureAsk(
            recipient_id=shared["recipient"],
            agreement_id=agreement_id,
            purpose="gang_violence_reduction",
            entry_ids=entries,
            fields=["entry_id", "band", "score"],
            justification="synthetic: joint youth justice case conference",
            entry_justifications={e: f"synthetic: case conference item {e}" for e in entries},
        ),
    )
    # As the notice found: the agreement had lapsed months before this disclosure was made.
    with uow.transaction() as session:
        made = session.scalar(
            select(DisclosureRow.created_on).where(DisclosureRow.agreement_id == agreement_id)
        )
        if made is not None:
            session.execute(
                update(AgreementRow)
                .where(AgreementRow.id == agreement_id)
                .values(
                    valid_from=made - timedelta(days=400),
                    valid_until=made - timedelta(days=60),
                    review_on=made - timedelta(days=120),
                )
            )


def top_findings(report: Any) -> list[Finding]:
    """The most severe failing checks of a compliance report, with their counts."""
    return [
        Finding(c.id, c.severity, int(c.evidence.get("count", 1)), c.title)
        for c in report.findings()[:TOP_FINDINGS]
    ]


def write_compliance_report(register: Register) -> tuple[list[Finding], str]:
    """Run the compliance report, write it as HTML into the data directory, return the top."""
    from listwarden.reports.jsonable import jsonable
    from listwarden.reports.render import compliance_html
    from listwarden.services.compliance import compliance_report

    report = compliance_report(uow=register.uow, actor=None)
    folder = Path(register.settings.home) / "reports"
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / "compliance.html"
    path.write_text(compliance_html(jsonable(report)), encoding="utf-8")
    return top_findings(report), str(path.resolve())
