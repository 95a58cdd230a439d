"""Law 12 on both databases: the guidance register, BCU audits, the signed monthly report."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import update

from listwarden.auditlog.checkpoint import NoteVerifier
from listwarden.bootstrap import Register
from listwarden.domain.bcu import BOROUGHS_BY_BCU
from listwarden.domain.compliance import GuidanceKind
from listwarden.domain.errors import AccessDenied, Conflict, LogIntegrityError
from listwarden.services import bcu_audits, guidance
from listwarden.services.compliance import compliance_report, oversight_queries
from listwarden.services.compliance_facts import gather_facts
from listwarden.services.monthly_report import (
    sign_monthly,
    stored_monthly,
    verify_document,
    verify_stored,
)
from listwarden.store.tables import Entry
from tests.factories import Cast, add_person, authorised_list, make_cast


def _status(register: Register, check_id: str, **kwargs: object) -> str:
    report = compliance_report(uow=register.uow, actor=None, verify_log=False, **kwargs)  # type: ignore[arg-type]
    return next(c for c in report.checks if c.id == check_id).status


def _register_all(register: Register, cast: Cast, roles: list[str]) -> list[str]:
    return [
        guidance.register_guidance(
            uow=register.uow,
            actor=cast.dpo,
            kind=kind.value,
            title=f"Guidance on {kind.value}",
            version="1.0",
            reference=f"GUIDE/{kind.value}/1.0",
            binds_roles=roles,
            review_on=register.uow.today() + timedelta(days=365),
        )
        for kind in GuidanceKind
    ]


def test_guidance_is_registered_acknowledged_and_reviewed(register: Register) -> None:
    cast = make_cast(register)
    assert _status(register, "guidance-missing") == "fail"
    with pytest.raises(AccessDenied):
        guidance.register_guidance(
            uow=register.uow,
            actor=cast.officer,
            kind="social_media",
            title="Mine",
            version="0.1",
            reference="X/1",
            binds_roles=["officer"],
            review_on=register.uow.today() + timedelta(days=5),
        )
    documents = _register_all(register, cast, ["officer", "analyst"])
    assert _status(register, "guidance-missing") == "pass"
    facts = gather_facts(uow=register.uow, extra=oversight_queries(), verify_log=False)
    assert facts.users_with_unacknowledged_guidance == tuple(
        sorted([cast.officer.id, cast.analyst.id, cast.officer_other_bcu.id])
    )
    for actor in (cast.officer, cast.analyst, cast.officer_other_bcu):
        for document in documents:
            guidance.acknowledge_guidance(uow=register.uow, actor=actor, document_id=document)
    assert _status(register, "guidance-unacknowledged") == "pass"

    # A new version must be read again; the old one can no longer be acknowledged.
    newer = guidance.register_guidance(
        uow=register.uow,
        actor=cast.board,
        kind="social_media",
        title="Social media as verifiable intelligence",
        version="1.1",
        reference="GUIDE/social_media/1.1",
        binds_roles=["officer"],
        review_on=register.uow.today() + timedelta(days=30),
    )
    with pytest.raises(Conflict):
        guidance.acknowledge_guidance(uow=register.uow, actor=cast.iao, document_id=documents[0])
    assert _status(register, "guidance-unacknowledged") == "fail"
    views = {v.kind: v for v in guidance.current_guidance(uow=register.uow)}
    assert (views["social_media"].id, views["social_media"].acknowledged) == (newer, 0)
    clock = register.uow.clock
    register.uow.clock = lambda: clock() + timedelta(days=40)
    facts = gather_facts(uow=register.uow, extra=oversight_queries(), verify_log=False)
    assert facts.guidance_overdue_for_review == (newer,)


def test_a_bcu_audit_freezes_its_evidence_and_closes_with_its_findings(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    here = add_person(register, cast, matrix, 1, bcu="CE")
    add_person(register, cast, matrix, 2, bcu="SN")
    assert _status(register, "bcus-not-audited") == "fail"
    with register.uow.transaction() as session:  # both entries fall overdue
        session.execute(
            update(Entry).values(next_review_on=register.uow.today() - timedelta(days=1))
        )
    report = compliance_report(uow=register.uow, actor=None, bcu="CE", verify_log=False)
    overdue = next(c for c in report.checks if c.id == "entries-overdue-for-review")
    assert overdue.evidence == {"count": 1, "ids": (here,)}

    with pytest.raises(AccessDenied):
        bcu_audits.open_audit(uow=register.uow, actor=cast.officer, bcu="CE")
    audit_id = bcu_audits.open_audit(uow=register.uow, actor=cast.auditor, bcu="CE")
    finding = bcu_audits.add_finding(
        uow=register.uow,
        actor=cast.auditor,
        audit_id=audit_id,
        check_id="entries-overdue-for-review",
        summary="One entry past its review date",
        owner_id=cast.iao.id,
        due_on=register.uow.today() + timedelta(days=14),
    )
    with register.uow.transaction() as session:  # the register changes after the audit opened
        session.execute(
            update(Entry).values(next_review_on=register.uow.today() + timedelta(days=30))
        )
    view = bcu_audits.audit_view(uow=register.uow, audit_id=audit_id)
    frozen = next(c for c in view.evidence["checks"] if c["id"] == "entries-overdue-for-review")
    assert frozen["evidence"] == {"count": 1, "ids": [here]}
    with pytest.raises(Conflict, match="still open"):
        bcu_audits.close_audit(
            uow=register.uow, actor=cast.auditor, audit_id=audit_id, conclusion="Done"
        )
    bcu_audits.close_finding(
        uow=register.uow, actor=cast.iao, finding_id=finding, action_taken="Reviewed and retained"
    )
    bcu_audits.close_audit(
        uow=register.uow, actor=cast.auditor, audit_id=audit_id, conclusion="Satisfactory"
    )
    view = bcu_audits.audit_view(uow=register.uow, audit_id=audit_id)
    assert view.closed_at is not None
    assert view.findings[0].action_taken == "Reviewed and retained"
    facts = gather_facts(uow=register.uow, extra=oversight_queries(), verify_log=False)
    assert facts.bcus_not_audited_in_period == tuple(
        sorted(b for b in BOROUGHS_BY_BCU if b != "CE")
    )


def test_the_monthly_report_is_signed_stored_once_and_verifies(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    add_person(register, cast, matrix, 1)
    first = sign_monthly(uow=register.uow, actor=None, month="2026-11")
    assert {s["change"] for s in first.body["steps"]} == {"first_report"}
    assert verify_stored(uow=register.uow, month="2026-11").month == "2026-11"
    with pytest.raises(Conflict):
        sign_monthly(uow=register.uow, actor=None, month="2026-11")

    _register_all(register, cast, ["officer"])  # the guidance steps move from failing
    second = sign_monthly(uow=register.uow, actor=None, month="2026-12")
    steps = {s["key"]: s for s in second.body["steps"]}
    assert steps["social_media_guidance"]["previous"] == "fail"
    assert steps["dpia"]["change"] == "unchanged"
    assert stored_monthly(uow=register.uow).month == "2026-12"

    altered = copy.deepcopy(second.document())
    altered["body"]["counts"]["pass"] += 1
    with pytest.raises(LogIntegrityError, match="does not match its signature"):
        verify_document(altered, verifier_key=second.verifier_key)
    stranger = NoteVerifier("other.example", Ed25519PrivateKey.generate().public_key())
    with pytest.raises(LogIntegrityError, match="no signature from a trusted key"):
        verify_document(second.document(), verifier_key=stranger.vkey())


def test_with_guidance_and_audits_only_absent_capabilities_stay_unknown(
    register: Register,
) -> None:
    facts = gather_facts(uow=register.uow, extra=oversight_queries(), verify_log=False)
    unknown = {name for name, value in vars(facts).items() if value is None}
    assert unknown == {
        "open_loss_findings",
        "log_verified",  # not asked for here
        "last_cosigned_checkpoint_age_days",  # there is no cosignature to age
    }
