"""Assessments on both databases: explained scores, victimisation never scores, confirmation.

A framework naming a forbidden criterion is refused at load: see
``tests/unit/policy/test_assessment_framework.py::
test_a_framework_naming_a_forbidden_criterion_is_refused_at_load``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.domain.assessment import ConfirmationRefused
from listwarden.services.assessments import assess_entry, assessment_history, confirm_assessments
from listwarden.services.entries import NewEvidence
from listwarden.store.tables import Entry
from tests.factories import add_person, framework_active, make_cast

PURPOSE = "gang_violence_reduction"


def test_a_suspects_own_victimisation_never_adds_to_their_score(register: Register) -> None:
    cast = make_cast(register)
    matrix = framework_active(register, cast)
    today = register.uow.today()
    entry_id = add_person(
        register,
        cast,
        matrix,
        1,
        evidence=[
            NewEvidence("offence", "victim", today, "Was stabbed", offence_class="homicide"),
            NewEvidence(
                "offence", "suspect", today, "Carried a knife", offence_class="knife_or_weapon"
            ),
        ],
    )
    result = assess_entry(uow=register.uow, actor=cast.iao, entry_id=entry_id, purpose=PURPOSE)
    assert result.score == 10
    assert not result.confirmed
    assert result.explanation[-1].startswith("total 10:")
    assert any(line.endswith(": 0") for line in result.explanation)


def test_confirmed_by_someone_else_one_at_a_time_and_a_band_change_brings_review(
    register: Register,
) -> None:
    cast = make_cast(register)
    matrix = framework_active(register, cast)
    today = register.uow.today()
    evidence = [NewEvidence("offence", "perpetrator", today, "Shot", offence_class="firearms")]
    first = add_person(register, cast, matrix, 1, evidence=evidence)
    second = add_person(register, cast, matrix, 2, evidence=evidence)
    one = assess_entry(uow=register.uow, actor=cast.iao, entry_id=first, purpose=PURPOSE)
    two = assess_entry(uow=register.uow, actor=cast.iao, entry_id=second, purpose=PURPOSE)

    with pytest.raises(ConfirmationRefused) as bulk:
        confirm_assessments(
            uow=register.uow, actor=cast.iao2, assessment_ids=[one.id, two.id], purpose=PURPOSE
        )
    assert "bulk-confirmation" in [r.code for r in bulk.value.reasons]
    with pytest.raises(ConfirmationRefused) as own:
        confirm_assessments(
            uow=register.uow, actor=cast.iao, assessment_ids=[one.id], purpose=PURPOSE
        )
    assert [r.code for r in own.value.reasons] == ["assessor-entered-evidence"]

    done = confirm_assessments(
        uow=register.uow, actor=cast.iao2, assessment_ids=[one.id], purpose=PURPOSE
    )
    assert done.confirmed
    assert done.assessor_id == cast.iao2.id
    with register.uow.read_only() as session:
        entry = session.get(Entry, first)
        assert entry is not None
        assert (entry.score, entry.band) == (done.score, done.band)
        assert entry.next_review_on == today  # a first band is a change of band
        untouched = session.scalar(select(Entry.next_review_on).where(Entry.id == second))
    assert untouched is not None
    assert untouched > today + timedelta(days=30)
    assert [a.id for a in assessment_history(uow=register.uow, entry_id=first)] == [one.id]
