"""Retention decisions: removal with its reasons, holds, reviews, closure and re-listing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listwarden.domain.assessment import EvidenceItem
from listwarden.domain.errors import InvalidInput
from listwarden.domain.retention import (
    DecommissionPhase,
    EntryFacts,
    HoldRefused,
    LegalHold,
    NracQuestion,
    RetentionOutcome,
    ReviewIncomplete,
    ReviewOutcome,
    add_months,
    decide,
    decommission_phase,
    evidence_dates,
    fact_values,
    next_review_on,
    relisting_flag,
    require_review_reasons,
    require_valid_hold,
)
from listwarden.domain.vocabulary import Band, Category, EvidenceKind, EvidenceRole
from listwarden.policy.retention import default_schedule

MATRIX = default_schedule("matrix")
SAFEGUARDING = default_schedule("victim-safeguarding")
TODAY = date(2025, 6, 1)
QUIET = "quiet-six-months-score-below-one"


def item(days_ago: int, role: EvidenceRole, *, gang: bool = True) -> EvidenceItem:
    return EvidenceItem(
        id=f"{role.value}-{days_ago}",
        kind=EvidenceKind.INCIDENT,
        role=role,
        occurred_on=TODAY - timedelta(days=days_ago),
        gang_related=gang,
    )


def entry(*evidence: EvidenceItem, score: int | None = 0, **changes: object) -> EntryFacts:
    facts = EntryFacts(
        category=Category.SUSPECTED,
        added_on=TODAY - timedelta(days=400),
        under_18=False,
        last_reviewed_on=TODAY - timedelta(days=30),
        score=score,
        band=Band.GREEN,
        **evidence_dates(evidence),
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def test_a_zero_score_entry_with_six_quiet_months_is_removable() -> None:
    decision = decide(entry(item(183, EvidenceRole.SUSPECT)), MATRIX, TODAY)
    assert decision.outcome is RetentionOutcome.REMOVE
    assert decision.removable
    assert decision.rule_id == QUIET
    assert "days_since_gang_related_attention >= 183 (it is 183)" in decision.reasons
    assert "score < 1 (it is 0)" in decision.reasons


def test_five_quiet_months_are_not_enough() -> None:
    decision = decide(entry(item(182, EvidenceRole.SUSPECT)), MATRIX, TODAY)
    assert decision.outcome is RetentionOutcome.KEEP


def test_a_score_of_one_keeps_a_quiet_entry_until_its_band_rule() -> None:
    decision = decide(entry(item(200, EvidenceRole.PERPETRATOR), score=1), MATRIX, TODAY)
    assert decision.outcome is RetentionOutcome.KEEP
    green_year = decide(entry(item(365, EvidenceRole.PERPETRATOR), score=5), MATRIX, TODAY)
    assert green_year.rule_id == "green-quiet-twelve-months"


def test_being_a_victim_of_gang_violence_restarts_no_clock() -> None:
    facts = entry(item(200, EvidenceRole.SUSPECT), item(3, EvidenceRole.VICTIM))
    assert fact_values(facts, TODAY)["days_since_gang_related_attention"] == 200
    assert decide(facts, MATRIX, TODAY).rule_id == QUIET


def test_only_gang_related_attention_counts_for_the_quiet_period() -> None:
    facts = entry(item(200, EvidenceRole.SUSPECT), item(5, EvidenceRole.SUSPECT, gang=False))
    assert decide(facts, MATRIX, TODAY).rule_id == QUIET


def test_an_unscored_entry_is_never_removed_by_a_score_rule() -> None:
    facts = entry(item(200, EvidenceRole.SUSPECT), score=None, band=None)
    assert decide(facts, MATRIX, TODAY).outcome is RetentionOutcome.KEEP


def test_with_no_evidence_the_quiet_period_runs_from_listing() -> None:
    recent = entry(added_on=TODAY - timedelta(days=10), last_reviewed_on=None)
    assert fact_values(recent, TODAY)["days_since_gang_related_attention"] == 10
    assert decide(recent, MATRIX, TODAY).outcome is RetentionOutcome.KEEP


def test_maximum_retention_removes_whatever_the_score() -> None:
    facts = entry(item(730, EvidenceRole.PERPETRATOR), score=50, band=Band.RED)
    decision = decide(facts, MATRIX, TODAY)
    assert decision.rule_id == "maximum-retention:standard"
    serious = replace(facts, retention_group="serious_violence")
    assert decide(serious, MATRIX, TODAY).outcome is not RetentionOutcome.REMOVE


def test_an_unknown_retention_group_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        decide(entry(retention_group="forever"), MATRIX, TODAY)
    assert caught.value.reasons[0].code == "unknown-retention-group"


def test_an_active_legal_hold_defers_removal_and_an_expired_one_does_not() -> None:
    hold = LegalHold("litigation", "CLAIM-7", TODAY + timedelta(days=30))
    held = decide(entry(item(200, EvidenceRole.SUSPECT), holds=(hold,)), MATRIX, TODAY)
    assert held.outcome is RetentionOutcome.HELD
    assert held.rule_id == QUIET
    assert held.holds == (hold,)
    assert "held: litigation (CLAIM-7) until 2025-07-01" in held.reasons
    later = decide(
        entry(item(200, EvidenceRole.SUSPECT), holds=(hold,)), MATRIX, TODAY + timedelta(31)
    )
    assert later.outcome is RetentionOutcome.REMOVE


def test_a_list_wide_hold_defers_every_removal() -> None:
    hold = LegalHold("public_inquiry", "INQ-1", TODAY)
    schedule = replace(MATRIX, list_holds=(hold,))
    assert decide(entry(item(200, EvidenceRole.SUSPECT)), schedule, TODAY).outcome is (
        RetentionOutcome.HELD
    )


def test_holds_are_checked_against_the_schedule() -> None:
    require_valid_hold(LegalHold("litigation", "C-1", TODAY + timedelta(365)), MATRIX, TODAY)
    with pytest.raises(HoldRefused) as caught:
        require_valid_hold(LegalHold("hunch", " ", TODAY + timedelta(366)), MATRIX, TODAY)
    assert [r.code for r in caught.value.reasons] == [
        "hold-reason-unknown",
        "hold-reference-missing",
        "hold-too-long",
    ]
    with pytest.raises(HoldRefused) as caught:
        require_valid_hold(LegalHold("litigation", "C-1", TODAY - timedelta(1)), MATRIX, TODAY)
    assert [r.code for r in caught.value.reasons] == ["hold-expired"]


def test_reviews_fall_due_then_overdue_and_escalate() -> None:
    reviewed = TODAY - timedelta(days=91)  # suspected entries are reviewed every 91 days
    facts = entry(item(20, EvidenceRole.SUSPECT), score=10, last_reviewed_on=reviewed)
    due = decide(facts, MATRIX, TODAY)
    assert (due.outcome, due.next_review_on) == (RetentionOutcome.REVIEW_DUE, TODAY)
    overdue = decide(facts, MATRIX, TODAY + timedelta(days=1))
    assert overdue.outcome is RetentionOutcome.REVIEW_OVERDUE
    assert overdue.escalate_to_iao
    early = decide(facts, MATRIX, TODAY - timedelta(days=15))
    assert early.outcome is RetentionOutcome.KEEP
    notice = decide(facts, MATRIX, TODAY - timedelta(days=14))
    assert notice.outcome is RetentionOutcome.REVIEW_DUE


def test_children_are_reviewed_quarterly_whatever_their_category() -> None:
    adult = entry(category=Category.CONVICTED, last_reviewed_on=TODAY)
    assert next_review_on(adult, MATRIX) == TODAY + timedelta(days=182)
    child = replace(adult, under_18=True)
    assert next_review_on(child, MATRIX) == TODAY + timedelta(days=91)


def test_a_closed_list_is_kept_for_subject_access_then_destroyed() -> None:
    facts = entry(item(20, EvidenceRole.SUSPECT), score=10)
    closed = TODAY - timedelta(days=100)
    phase = decommission_phase(closed_on=closed, schedule=MATRIX, today=TODAY)
    assert phase.phase is DecommissionPhase.SAR_ONLY
    assert phase.destroy_on == closed + timedelta(days=365)
    kept = decide(facts, MATRIX, TODAY, closed_on=closed)
    assert kept.outcome is RetentionOutcome.KEEP
    assert "subject access only" in kept.reasons[0]
    gone = decide(facts, MATRIX, closed + timedelta(days=365), closed_on=closed)
    assert (gone.outcome, gone.rule_id) == (RetentionOutcome.REMOVE, "decommissioned")
    assert decommission_phase(closed_on=None, schedule=MATRIX, today=TODAY).phase is (
        DecommissionPhase.OPEN
    )


def test_safeguarding_entries_go_when_victimisation_stops() -> None:
    victim = replace(
        entry(item(365, EvidenceRole.VICTIM), score=None, band=None), category=Category.VICTIM
    )
    assert decide(victim, SAFEGUARDING, TODAY).rule_id == "adult-safe-twelve-months"
    child = replace(victim, under_18=True)
    assert decide(child, SAFEGUARDING, TODAY).outcome is not RetentionOutcome.REMOVE


def test_relisting_within_twelve_months_is_flagged() -> None:
    removed = date(2024, 3, 10)
    flag = relisting_flag(removals=[removed], added_on=date(2025, 3, 9))
    assert flag is not None
    assert flag.removed_on == removed
    assert "within 12 months" in flag.reason
    assert relisting_flag(removals=[removed], added_on=date(2025, 3, 10)) is None
    assert relisting_flag(removals=[], added_on=date(2025, 3, 9)) is None
    assert relisting_flag(removals=[date(2025, 4, 1)], added_on=date(2025, 3, 9)) is None


def test_a_retain_review_needs_an_nrac_reason_and_a_rationale() -> None:
    require_review_reasons(
        outcome=ReviewOutcome.RETAIN,
        nrac=[NracQuestion.SERIOUS_HARM],
        rationale="Recent firearms intelligence, graded 2B.",
    )
    require_review_reasons(outcome=ReviewOutcome.REMOVE, nrac=[], rationale="")
    with pytest.raises(ReviewIncomplete) as caught:
        require_review_reasons(outcome=ReviewOutcome.RETAIN, nrac=[], rationale=" ")
    assert [r.code for r in caught.value.reasons] == ["nrac-reason-missing", "rationale-missing"]


def test_add_months_clamps_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@given(dates, st.integers(min_value=0, max_value=400), st.booleans(), st.sampled_from(Category))
def test_the_next_review_follows_the_last_one_by_the_interval(
    reviewed: date, later: int, child: bool, category: Category
) -> None:
    facts = EntryFacts(category=category, added_on=reviewed - timedelta(days=later), under_18=child)
    facts = replace(facts, last_reviewed_on=reviewed)
    due = next_review_on(facts, MATRIX)
    assert reviewed < due <= reviewed + timedelta(days=MATRIX.review_interval_days)
    if child:
        assert (due - reviewed).days <= 92


@given(dates, st.integers(min_value=-36, max_value=36))
def test_add_months_moves_by_calendar_months(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or moved.day < day.day  # clamped only at a month's end


@given(dates, st.integers(min_value=-10, max_value=800))
def test_relisting_is_flagged_exactly_inside_twelve_calendar_months(
    removed: date, days: int
) -> None:
    added = removed + timedelta(days=days)
    flagged = relisting_flag(removals=[removed], added_on=added) is not None
    assert flagged == (removed <= added < add_months(removed, 12))


@given(st.integers(min_value=0, max_value=729), st.integers(min_value=0, max_value=3))
def test_a_zero_score_entry_goes_exactly_when_six_months_are_quiet(quiet: int, score: int) -> None:
    facts = entry(item(quiet, EvidenceRole.SUSPECT), score=score)
    removed = decide(facts, MATRIX, TODAY).rule_id == QUIET
    assert removed == (quiet >= 183 and score < 1)


@given(dates, dates, st.booleans())
def test_day_facts_are_never_negative(added: date, today: date, child: bool) -> None:
    facts = EntryFacts(category=Category.SUSPECTED, added_on=added, under_18=child)
    values = fact_values(facts, today)
    assert all(v >= 0 for k, v in values.items() if k.startswith("days_") and isinstance(v, int))
