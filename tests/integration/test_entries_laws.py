"""Laws 2 and 10 at collection, on real databases; refusals leave nothing behind."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from listwarden.bootstrap import Register
from listwarden.domain.errors import (
    AccessDenied,
    CategoryNotPermitted,
    ChildSafeguardMissing,
    Conflict,
    InvalidInput,
)
from listwarden.domain.social_media import SocialMediaChecklist
from listwarden.services.entries import NewIntelligence, add_entries, add_intelligence
from listwarden.store.tables import Entry, Event, IntelligenceItem, MonitoringRecord, Subject
from tests.factories import add_person, authorised_list, make_cast, person

TABLES = (Subject, Entry, Event, IntelligenceItem, MonitoringRecord)


def snapshot(register: Register) -> list[int]:
    with register.uow.read_only() as session:
        return [session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES]


def child_born(register: Register) -> date:
    return register.uow.today() - timedelta(days=15 * 365)


def test_a_category_the_list_does_not_hold_is_refused(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    before = snapshot(register)
    with pytest.raises(CategoryNotPermitted) as refused:
        add_person(register, cast, matrix, category="victim")
    assert refused.value.reasons[0].code == "category-not-on-list"
    assert snapshot(register) == before


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"category": "offender"}, "invalid-category", "category"),
        ({"bcu": "ZZ"}, "unknown-bcu", "bcu"),
        ({"category": ""}, "missing-field", "category"),
    ],
)
def test_invalid_fields_are_refused_naming_the_field(
    register: Register, kwargs: dict[str, str], code: str, field: str
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    before = snapshot(register)
    with pytest.raises(InvalidInput) as refused:
        add_person(register, cast, matrix, **kwargs)
    assert (refused.value.reasons[0].code, refused.value.reasons[0].field) == (code, field)
    assert snapshot(register) == before


def test_a_child_needs_iao_approval_and_a_safeguarding_referral(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    born = child_born(register)
    before = snapshot(register)
    with pytest.raises(ChildSafeguardMissing) as refused:
        add_person(register, cast, matrix, born=born)
    assert [r.code for r in refused.value.reasons] == [
        "iao-approval-missing",
        "safeguarding-referral-missing",
    ]
    with pytest.raises(InvalidInput) as refused_approver:
        add_person(
            register,
            cast,
            matrix,
            born=born,
            iao_approval_by=cast.officer.id,
            safeguarding_referral="MASH-1",
        )
    assert refused_approver.value.reasons[0].code == "iao-approval-invalid"
    assert snapshot(register) == before
    entry_id = add_person(
        register,
        cast,
        matrix,
        born=born,
        iao_approval_by=cast.iao.id,
        safeguarding_referral="MASH-1",
    )
    with register.uow.read_only() as session:
        entry = session.get(Entry, entry_id)
        assert entry is not None
        assert entry.child_at_entry
        assert entry.next_review_on <= register.uow.today() + timedelta(days=92)
        assert entry.safeguarding_referral_ct is not None
        assert b"MASH-1" not in entry.safeguarding_referral_ct


def test_a_subject_is_held_once_across_lists(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    victims = authorised_list(
        register, cast, name="Victims", purposes=("victim_safeguarding",), categories=("victim",)
    )
    add_person(register, cast, matrix, n=7)
    add_person(register, cast, victims, n=7, category="victim", purpose="victim_safeguarding")
    with register.uow.read_only() as session:
        assert session.scalar(select(func.count()).select_from(Subject)) == 1
        assert session.scalar(select(func.count()).select_from(Entry)) == 2
    with pytest.raises(Conflict):
        add_person(register, cast, matrix, n=7)


def test_a_batch_goes_in_whole_or_not_at_all(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    before = snapshot(register)
    with pytest.raises(InvalidInput):
        add_entries(
            uow=register.uow,
            actor=cast.iao,
            list_id=matrix,
            purpose="gang_violence_reduction",
            items=[person(1), person(2), person(3, bcu="nowhere")],
        )
    assert snapshot(register) == before


def test_a_purpose_the_list_does_not_declare_is_refused(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    with pytest.raises(InvalidInput) as refused:
        add_person(register, cast, matrix, purpose="offender_management")
    assert refused.value.reasons[0].code == "purpose-not-declared"


def test_intelligence_grading_is_validated(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry_id = add_person(register, cast, matrix)
    before = snapshot(register)
    bad = NewIntelligence(
        grading="4Z Q",
        source_type="police",
        source_ref="SRC-1",
        text="seen at the estate",
        reported_on=date(2026, 1, 1),
    )
    with pytest.raises(InvalidInput) as refused:
        add_intelligence(
            uow=register.uow,
            actor=cast.iao,
            entry_id=entry_id,
            purpose="gang_violence_reduction",
            item=bad,
        )
    assert refused.value.reasons[0].field == "grading"
    assert snapshot(register) == before
    good = NewIntelligence(
        grading="2B P",
        source_type="social_media",
        source_ref="SRC-1",
        text="seen at the estate",
        reported_on=date(2026, 1, 1),
        checklist=SocialMediaChecklist(
            platform="Video site",
            attribution="Account linked by a phone number",
            conduct="Shows a knife",
            relevance_to_violence="A threat of violence",
            corroboration="Report SRC-2",
        ),
    )
    add_intelligence(
        uow=register.uow,
        actor=cast.iao,
        entry_id=entry_id,
        purpose="gang_violence_reduction",
        item=good,
    )
    assert snapshot(register)[3] == before[3] + 1


def test_an_analyst_collects_only_in_their_bcu(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    before = snapshot(register)
    with pytest.raises(AccessDenied) as refused:
        add_entries(
            uow=register.uow,
            actor=cast.analyst,
            list_id=matrix,
            purpose="gang_violence_reduction",
            items=[person(1, bcu="SN")],
        )
    assert refused.value.policy == "officers-and-analysts-act-only-in-their-own-bcus"
    after = snapshot(register)
    # Exactly one refusal event, and nothing else.
    assert after[:2] == before[:2]
    assert after[2] == before[2] + 1
    with register.uow.read_only() as session:
        last = session.scalars(select(Event).order_by(Event.id.desc())).first()
    assert last is not None
    assert (last.operation, last.outcome, last.actor_id) == (
        "request:refused",
        "refused",
        cast.analyst.id,
    )
