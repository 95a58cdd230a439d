"""Law 12 on both databases: each compliance fact follows the register's own records."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update

from listwarden.auditlog.signer import create_witness_key_file
from listwarden.bootstrap import Register
from listwarden.domain.compliance import REGISTRY, CheckStatus, ComplianceFacts
from listwarden.domain.social_media import SocialMediaChecklist
from listwarden.services import grants
from listwarden.services.audit import cosign_checkpoint
from listwarden.services.compliance_facts import gather_facts
from listwarden.services.disclosures import request_disclosure
from listwarden.services.entries import NewIntelligence, add_intelligence
from listwarden.services.nominals import record_determination
from listwarden.services.subject_requests import record_request
from listwarden.store.tables import (
    AgreementRow,
    DisclosureRow,
    Entry,
    IntelligenceItem,
    MonitoringRecord,
    Subject,
    TrainingRecord,
    User,
)
from tests.factories import Cast, add_child, add_person, authorised_list, make_cast
from tests.integration.auditlog.conftest import as_attacker, attach
from tests.sharing_world import sharing_world

PURPOSE = "gang_violence_reduction"
# The capabilities the register does not have yet: these facts alone may stay unknown.
ABSENT = {
    "open_loss_findings",
    "guidance_registered",
    "guidance_overdue_for_review",
    "users_with_unacknowledged_guidance",
    "bcus_not_audited_in_period",
}


def _later(register: Register, days: int) -> None:
    """Move the register's clock ``days`` ahead."""
    clock = register.uow.clock
    register.uow.clock = lambda: clock() + timedelta(days=days)


def _intel(register: Register, cast: Cast, entry_id: str, ref: str, kind: str = "police") -> str:
    checklist = None
    if kind == "social_media":
        checklist = SocialMediaChecklist(
            platform="Video site",
            attribution="Account linked by a phone number on the custody record",
            conduct="Displays a knife and threatens a named rival",
            relevance_to_violence="A direct threat of violence, not the genre of the music",
            corroboration="Item SRC-9 reports the same threat",
        )
    return add_intelligence(
        uow=register.uow,
        actor=cast.iao,
        entry_id=entry_id,
        purpose=PURPOSE,
        item=NewIntelligence(
            "2B P", kind, ref, "Seen with the group", date(2026, 1, 5), checklist=checklist
        ),
    )


def _failing(facts: ComplianceFacts) -> set[str]:
    return {k for k, r in REGISTRY.run_all(facts).items() if r.status is CheckStatus.FAIL}


def test_a_clean_register_evidences_every_landed_capability_and_passes(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    add_person(register, cast, matrix, 1)
    facts = gather_facts(uow=register.uow)
    unknown = {f.name for f in fields(facts) if getattr(facts, f.name) is None}
    # With no outside cosignature yet there is no age to give, and that is a failure, not unknown.
    assert unknown == ABSENT | {"last_cosigned_checkpoint_age_days"}
    assert (facts.log_verified, facts.cosigned_checkpoints) == (True, 0)
    # Only the outside cosignature is missing on a fresh register.
    assert _failing(facts) == {"checkpoint-cosigned-recently"}


def test_list_and_entry_facts_follow_the_records(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry = add_person(register, cast, matrix, 1, score=0, band="green")
    nominal = add_person(register, cast, matrix, 2)
    _intel(register, cast, nominal, "SRC-A")
    second = _intel(register, cast, nominal, "SRC-B")
    social = _intel(register, cast, entry, "SM-1", "social_media")
    record_determination(
        uow=register.uow,
        actor=cast.iao,
        entry_id=nominal,
        purpose=PURPOSE,
        determination="gang_member",
        reason="Named by two sources as a member, with joint offending",
    )
    before = gather_facts(uow=register.uow, verify_log=False)
    assert before.uncorroborated_nominals == ()
    assert before.social_media_items_without_checklist == ()
    assert before.entries_with_disallowed_category == ()
    assert before.entries_without_monitoring_record == ()
    assert before.fields_stored_unencrypted == ()

    with register.uow.transaction() as session:  # what an import or a hand edit could leave
        session.execute(delete(IntelligenceItem).where(IntelligenceItem.id == second))
        session.execute(
            update(IntelligenceItem)
            .where(IntelligenceItem.id == social)
            .values(social_media_checklist_ct=None)
        )
        session.execute(update(Entry).where(Entry.id == entry).values(category="victim"))
        subject = session.get(Entry, entry).subject_id  # type: ignore[union-attr]
        session.execute(delete(MonitoringRecord).where(MonitoringRecord.subject_id == subject))
        session.execute(update(Subject).where(Subject.id == subject).values(address_ct=b"12 Road"))
    after = gather_facts(uow=register.uow, verify_log=False)
    assert after.uncorroborated_nominals == (nominal,)
    assert after.social_media_items_without_checklist == (social,)
    assert after.entries_with_disallowed_category == (entry,)
    assert after.entries_without_monitoring_record == (entry,)
    assert after.fields_stored_unencrypted == ("subjects.address",)


def test_time_makes_reviews_dpias_removals_and_grants_fall_due(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast, review_on=register.uow.today() + timedelta(days=150))
    zero = add_person(register, cast, matrix, 1, score=0, band="green")
    scored = add_person(register, cast, matrix, 2, score=12, band="amber")
    now = gather_facts(uow=register.uow, verify_log=False)
    assert now.entries_overdue_for_review == ()
    assert now.zero_score_entries_past_removal == ()
    assert now.lists_without_current_dpia == ()
    assert now.grants_unused_beyond_limit == ()

    _later(register, 200)
    later = gather_facts(uow=register.uow, verify_log=False)
    assert later.lists_without_current_dpia == (matrix,)
    assert set(later.entries_overdue_for_review or ()) == {zero, scored}
    assert later.zero_score_entries_past_removal == (zero,)
    assert len(later.grants_unused_beyond_limit or ()) == len(cast.everyone())
    assert "grants-unused-too-long" in _failing(later)
    grants.lapse_unused_grants(uow=register.uow)
    assert gather_facts(uow=register.uow, verify_log=False).grants_unused_beyond_limit == ()


def test_a_child_entry_needs_its_quarterly_review(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    child = add_child(register, cast, matrix)
    assert gather_facts(uow=register.uow, verify_log=False).child_entries_missing_safeguards == ()
    _later(register, 100)
    assert gather_facts(uow=register.uow, verify_log=False).child_entries_missing_safeguards == (
        child,
    )


def test_access_facts_follow_training_leavers_and_gang_units(register: Register) -> None:
    cast = make_cast(register)
    authorised_list(register, cast)
    clean = gather_facts(uow=register.uow, verify_log=False)
    assert clean.users_with_access_lapsed_training == ()
    assert clean.gang_unit_staff_without_mandatory_course == ()
    assert clean.leavers_with_access == ()

    with register.uow.transaction() as session:
        session.execute(delete(TrainingRecord).where(TrainingRecord.user_id == cast.officer.id))
        session.execute(
            update(User).where(User.id == cast.analyst.id).values(left_at=register.uow.now())
        )
        session.execute(update(User).where(User.id == cast.officer.id).values(gang_unit=True))
    facts = gather_facts(uow=register.uow, verify_log=False)
    assert facts.users_with_access_lapsed_training == (cast.officer.id,)
    assert facts.gang_unit_staff_without_mandatory_course == (cast.officer.id,)
    assert facts.leavers_with_access == (cast.analyst.id,)


def test_log_facts_follow_tampering_and_cosignatures(register: Register, tmp_path: Path) -> None:
    attach(register, checkpoint_every=1)
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    add_person(register, cast, matrix, 1)
    first = gather_facts(uow=register.uow)
    assert (first.log_verified, first.cosigned_checkpoints) == (True, 0)
    path = tmp_path / "witness.key"
    witness = create_witness_key_file(path, "dpo.example")
    cosign_checkpoint(uow=register.uow, witness=witness, key_file=path, home=register.settings.home)
    cosigned = gather_facts(uow=register.uow)
    assert (cosigned.cosigned_checkpoints, cosigned.last_cosigned_checkpoint_age_days) == (1, 0)
    assert "checkpoint-cosigned-recently" not in _failing(cosigned)
    as_attacker(register, "UPDATE events SET reason = 'rewritten' WHERE id = 1")
    assert gather_facts(uow=register.uow).log_verified is False


def test_sharing_facts_follow_disclosures_and_their_agreements(register: Register) -> None:
    world = sharing_world(register)
    request_disclosure(uow=register.uow, actor=world.cast.analyst, ask=world.ask())
    clean = gather_facts(uow=register.uow, verify_log=False)
    assert (clean.disclosures_outside_agreement, clean.agreements_expired_but_used) == ((), ())
    with register.uow.transaction() as session:  # what an import or a hand edit could leave
        sent = session.scalars(select(DisclosureRow)).one()
        session.execute(
            update(DisclosureRow)
            .where(DisclosureRow.id == sent.id)
            .values(fields=[*sent.fields, "address"])
        )
        session.execute(
            update(AgreementRow)
            .where(AgreementRow.id == world.agreement)
            .values(valid_until=sent.created_on - timedelta(days=1))
        )
    facts = gather_facts(uow=register.uow, verify_log=False)
    assert facts.disclosures_outside_agreement == (sent.id,)
    assert facts.agreements_expired_but_used == (world.agreement,)


def test_a_rights_request_past_its_due_date_is_found(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry = add_person(register, cast, matrix, 1)
    with register.uow.read_only() as session:
        subject = session.get_one(Entry, entry).subject_id
    today = register.uow.today()
    request = record_request(
        uow=register.uow,
        actor=cast.iru,
        subject_id=subject,
        kind="access",
        received_on=today,
        identity_method="passport seen at the front counter",
        identity_confirmed_on=today,
    )
    assert gather_facts(uow=register.uow, verify_log=False).overdue_subject_rights_requests == ()
    _later(register, 40)
    late = gather_facts(uow=register.uow, verify_log=False)
    assert late.overdue_subject_rights_requests == (request,)
