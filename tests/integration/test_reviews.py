"""Reviews and holds (law 3) on both databases: NRAC reasons, escalation, holds defer removal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from listwarden.bootstrap import Register
from listwarden.domain.errors import AccessDenied
from listwarden.domain.retention import HoldRefused, ReviewIncomplete
from listwarden.domain.vocabulary import Role
from listwarden.services.entries import NewEvidence
from listwarden.services.retention import ESCALATED, sweep
from listwarden.services.reviews import place_hold, record_review, reviews_due_for
from listwarden.services.users import create_user
from listwarden.store.tables import Entry, Event
from tests.factories import add_person, authorised_list, grant, make_cast

PURPOSE = "gang_violence_reduction"


def _later(register: Register, days: int) -> None:
    moved = register.uow.now() + timedelta(days=days)
    register.uow.clock = lambda: moved


def test_retain_needs_nrac_reasons_and_remove_erases(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    kept = add_person(register, cast, matrix, 1, score=9)
    gone = add_person(register, cast, matrix, 2, score=9)
    with pytest.raises(ReviewIncomplete) as refused:
        record_review(
            uow=register.uow, actor=cast.iao, entry_id=kept, purpose=PURPOSE, outcome="retain"
        )
    assert [r.code for r in refused.value.reasons] == ["nrac-reason-missing", "rationale-missing"]

    next_on = record_review(
        uow=register.uow,
        actor=cast.iao,
        entry_id=kept,
        purpose=PURPOSE,
        outcome="retain",
        nrac=["serious_harm"],
        rationale="Recent serious violence",
    )
    assert next_on == register.uow.today() + timedelta(days=91)  # suspected: quarterly
    record_review(
        uow=register.uow, actor=cast.iao, entry_id=gone, purpose=PURPOSE, outcome="remove"
    )
    with register.uow.read_only() as session:
        assert session.get(Entry, gone) is None
        assert session.get(Entry, kept) is not None


def test_overdue_reviews_are_shown_per_bcu_and_escalated_once(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    today = register.uow.today()
    entry_id = add_person(
        register,
        cast,
        matrix,
        1,
        score=9,
        evidence=[NewEvidence("offence", "suspect", today, "Recent", gang_related=True)],
    )
    _later(register, 100)
    south = create_user(
        uow=register.uow, actor_id=None, name="Sam South", role=Role.ANALYST, bcus=("SN",)
    )
    due = reviews_due_for(uow=register.uow, actor=cast.analyst)
    assert [d.entry_id for d in due] == [entry_id]
    assert reviews_due_for(uow=register.uow, actor=south) == []
    with pytest.raises(AccessDenied):
        reviews_due_for(uow=register.uow, actor=cast.admin)

    assert sweep(uow=register.uow).escalated == 1
    assert sweep(uow=register.uow).escalated == 0
    with register.uow.read_only() as session:
        escalations = session.scalar(
            select(func.count()).select_from(Event).where(Event.reason == ESCALATED)
        )
    assert escalations == 1
    assert reviews_due_for(uow=register.uow, actor=cast.analyst)[0].overdue


def test_a_legal_hold_defers_removal_until_it_expires(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry_id = add_person(register, cast, matrix, 1, score=0)
    today = register.uow.today()
    with pytest.raises(HoldRefused):
        place_hold(
            uow=register.uow,
            actor=cast.iao,
            entry_id=entry_id,
            purpose=PURPOSE,
            reason="curiosity",
            reference="X",
            expires_on=today + timedelta(days=30),
        )
    _later(register, 190)
    grant(register, cast, matrix)
    place_hold(
        uow=register.uow,
        actor=cast.iao,
        entry_id=entry_id,
        purpose=PURPOSE,
        reason="litigation",
        reference="CLAIM-1",
        expires_on=register.uow.today() + timedelta(days=30),
    )
    held = sweep(uow=register.uow)
    assert (held.removed, held.held) == (0, 1)
    _later(register, 31)
    assert sweep(uow=register.uow).removed == 1
