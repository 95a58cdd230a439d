"""Scoring: explained item by item, victimisation never adds, confirmation by another person."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listwarden.bench.assessment import bench_assessments
from listwarden.domain.assessment import (
    Assessment,
    ConfirmationRefused,
    Criterion,
    EvidenceItem,
    band_changed,
    band_for,
    in_window,
    require_confirmation,
    score,
)
from listwarden.domain.vocabulary import Band, EvidenceKind, EvidenceRole
from listwarden.policy.assessment import default_framework

MATRIX = default_framework("matrix-2018-example")
ON = date(2025, 6, 1)


def offence(
    ident: str,
    offence_class: str | None,
    days_ago: int = 30,
    role: EvidenceRole = EvidenceRole.SUSPECT,
    *,
    by: str = "analyst-1",
) -> EvidenceItem:
    return EvidenceItem(
        id=ident,
        kind=EvidenceKind.OFFENCE,
        role=role,
        occurred_on=ON - timedelta(days=days_ago),
        offence_class=offence_class,
        gang_related=True,
        recorded_by=by,
    )


def test_every_point_is_explained_by_its_evidence_and_criterion() -> None:
    result = score(
        [offence("e1", "robbery"), offence("e2", "knife_or_weapon", role=EvidenceRole.PERPETRATOR)],
        MATRIX,
        ON,
    )
    assert result.score == 18
    assert result.band is Band.AMBER
    assert {(s.evidence_id, s.criterion_id, s.points) for s in result.scored} == {
        ("e1", "robbery", 8),
        ("e2", "knife-or-weapon", 10),
    }
    assert result.explanation()[-1] == "total 18: amber"
    assert any("e1" in line and "robbery" in line and "+8" in line for line in result.explanation())


def test_a_suspects_own_victimisation_never_adds_to_their_score() -> None:
    own = [offence("e1", "robbery")]
    victimised = [
        offence("v1", "serious_wounding", role=EvidenceRole.VICTIM),
        offence("v2", "homicide", role=EvidenceRole.VICTIM),
        offence("w1", "firearms", role=EvidenceRole.WITNESS),
    ]
    alone = score(own, MATRIX, ON)
    with_victimisation = score(own + victimised, MATRIX, ON)
    assert with_victimisation.score == alone.score == 8
    assert {u.evidence_id: u.code for u in with_victimisation.uncounted} == {
        "v1": "non-scoring-role",
        "v2": "non-scoring-role",
        "w1": "non-scoring-role",
    }


def test_victimisation_never_scores_even_under_a_framework_built_to_count_it() -> None:
    rigged = replace(
        MATRIX,
        criteria=(
            Criterion(
                "victim",
                "a criterion the loader would refuse",
                EvidenceKind.OFFENCE,
                points=50,
                window_days=1000,
                roles=frozenset(EvidenceRole),
            ),
        ),
    )
    result = score([offence("v1", "robbery", role=EvidenceRole.VICTIM)], rigged, ON)
    assert result.score == 0


def test_each_item_scores_once_under_its_best_criterion() -> None:
    result = score([offence("e1", "homicide")], MATRIX, ON)
    assert [(s.criterion_id, s.points) for s in result.scored] == [("homicide", 20)]


def test_window_boundaries_and_future_evidence() -> None:
    inside = score([offence("e1", "robbery", days_ago=1094)], MATRIX, ON)
    outside = score([offence("e2", "robbery", days_ago=1095)], MATRIX, ON)
    future = score([offence("e3", "robbery", days_ago=-1)], MATRIX, ON)
    assert inside.score == 8
    assert (outside.score, outside.uncounted[0].code) == (0, "outside-window")
    assert (future.score, future.uncounted[0].code) == (0, "after-assessment-date")


def test_a_capped_criterion_counts_the_most_recent_items() -> None:
    items = [offence(f"e{d}", "criminal_damage", days_ago=d) for d in range(10, 80, 10)]
    result = score(items, MATRIX, ON)
    assert result.score == 5 * 2
    assert {s.evidence_id for s in result.scored} == {"e10", "e20", "e30", "e40", "e50"}
    assert {u.code for u in result.uncounted} == {"cap-reached"}


def test_evidence_no_criterion_counts_is_listed_with_its_reason() -> None:
    incident = replace(offence("i1", None), kind=EvidenceKind.INCIDENT, gang_related=False)
    result = score([incident], MATRIX, ON)
    assert (result.score, result.uncounted[0].code) == (0, "no-matching-criterion")


def test_bands_follow_the_thresholds() -> None:
    assert [band_for(s, MATRIX) for s in (0, 14, 15, 39, 40, 10_000)] == [
        Band.GREEN,
        Band.GREEN,
        Band.AMBER,
        Band.AMBER,
        Band.RED,
        Band.RED,
    ]


def test_a_change_of_band_is_detected() -> None:
    assert band_changed(Band.GREEN, Band.AMBER)
    assert band_changed(None, Band.GREEN)
    assert not band_changed(Band.RED, Band.RED)


def _assessed(*items: EvidenceItem) -> Assessment:
    return score(list(items), MATRIX, ON)


def test_a_named_assessor_who_recorded_no_evidence_confirms_one_assessment() -> None:
    items = [offence("e1", "robbery", by="analyst-1")]
    require_confirmation(assessments=[_assessed(*items)], evidence=items, assessor_id="sergeant-2")


def test_confirmation_by_the_person_who_entered_the_evidence_is_refused() -> None:
    items = [
        offence("e1", "robbery", by="analyst-1"),
        offence("v1", "robbery", role=EvidenceRole.VICTIM),
    ]
    with pytest.raises(ConfirmationRefused) as caught:
        require_confirmation(
            assessments=[_assessed(*items)], evidence=items, assessor_id="analyst-1"
        )
    assert [r.code for r in caught.value.reasons] == [
        "assessor-entered-evidence",
        "assessor-entered-evidence",
    ]


def test_bulk_and_anonymous_confirmation_are_refused() -> None:
    items = [offence("e1", "robbery")]
    with pytest.raises(ConfirmationRefused) as caught:
        require_confirmation(
            assessments=[_assessed(*items), _assessed(*items)], evidence=items, assessor_id=" "
        )
    assert [r.code for r in caught.value.reasons] == ["bulk-confirmation", "assessor-not-named"]
    with pytest.raises(ConfirmationRefused) as caught:
        require_confirmation(assessments=[], evidence=[], assessor_id="sergeant-2")
    assert [r.code for r in caught.value.reasons] == ["bulk-confirmation"]


def test_evidence_of_unknown_origin_cannot_be_confirmed() -> None:
    items = [replace(offence("e1", "robbery"), recorded_by=None)]
    with pytest.raises(ConfirmationRefused) as caught:
        require_confirmation(assessments=[_assessed(*items)], evidence=items, assessor_id="s-2")
    assert [r.code for r in caught.value.reasons] == ["evidence-recorder-unknown"]


def test_the_benchmark_reports_assessments_per_second() -> None:
    figures = bench_assessments(200)
    assert figures["people"] == 200
    assert figures["matrix-2018-example_per_second"] > 0
    assert figures["bare_sum_per_second"] > 0


roles = st.sampled_from(EvidenceRole)
classes = st.sampled_from(["robbery", "homicide", "drug_supply", "criminal_damage", None])
evidence = st.builds(
    EvidenceItem,
    id=st.uuids().map(str),
    kind=st.sampled_from(EvidenceKind),
    role=roles,
    occurred_on=st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 1, 1)),
    offence_class=classes,
    gang_related=st.booleans(),
)


@given(st.lists(evidence, max_size=12), st.lists(evidence, max_size=6))
def test_adding_victim_or_witness_items_never_changes_a_score(
    own: list[EvidenceItem], others: list[EvidenceItem]
) -> None:
    victimisation = [
        replace(i, role=EvidenceRole.VICTIM if n % 2 else EvidenceRole.WITNESS)
        for n, i in enumerate(others)
    ]
    assert score(own + victimisation, MATRIX, ON).score == score(own, MATRIX, ON).score


@given(st.lists(evidence, max_size=12))
def test_the_score_is_the_sum_of_its_explained_items(items: list[EvidenceItem]) -> None:
    result = score(items, MATRIX, ON)
    assert result.score == sum(s.points for s in result.scored) >= 0
    explained = {s.evidence_id for s in result.scored} | {u.evidence_id for u in result.uncounted}
    assert explained == {i.id for i in items}
    assert len(result.scored) + len(result.uncounted) == len(items)
    assert result.band is band_for(result.score, MATRIX)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2050, 1, 1)),
    st.integers(min_value=-400, max_value=4000),
    st.integers(min_value=1, max_value=3650),
)
def test_a_window_holds_exactly_its_days(on: date, days_ago: int, window: int) -> None:
    assert in_window(on - timedelta(days=days_ago), on, window) == (0 <= days_ago < window)
