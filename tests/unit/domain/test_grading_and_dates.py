"""3x5x2 grading parser and age arithmetic, with property tests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listwarden.domain.entries import age_on, is_child, next_review_on
from listwarden.domain.errors import InvalidInput
from listwarden.domain.grading import parse_grading


@given(st.sampled_from("123"), st.sampled_from("ABCDE"))
def test_every_valid_p_grading_parses(source: str, intelligence: str) -> None:
    graded = parse_grading(f"{source}{intelligence} P")
    assert (graded.source, graded.intelligence, graded.handling) == (int(source), intelligence, "P")


@given(st.text(max_size=6))
def test_parser_never_crashes_and_accepts_only_the_grammar(code: str) -> None:
    compact = code.replace(" ", "").upper()
    valid = (
        len(compact) == 3 and compact[0] in "123" and compact[1] in "ABCDE" and compact[2] == "P"
    )
    if valid:
        assert parse_grading(code).code == compact
    else:
        with pytest.raises(InvalidInput) as refused:
            parse_grading(code)
        assert refused.value.reasons[0].field in {"grading", "handling_conditions"}


@pytest.mark.parametrize("code", ["4A P", "1F P", "1A X", "", "1AP extra", "A1P"])
def test_invalid_gradings_are_refused(code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_grading(code)
    assert refused.value.reasons[0].code == "invalid-grading"


def test_c_handling_needs_conditions_and_p_takes_none() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_grading("2B C")
    assert refused.value.reasons[0].code == "handling-conditions-missing"
    with pytest.raises(InvalidInput) as refused:
        parse_grading("2B P", "only to housing")
    assert refused.value.reasons[0].code == "handling-conditions-unexpected"
    assert parse_grading("2b c", "not onward").conditions == "not onward"


@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(min_value=0, max_value=40 * 366),
)
def test_age_is_whole_years_since_the_last_birthday(born: date, days: int) -> None:
    on = born + timedelta(days=days)
    age = age_on(born, on)

    # The age-th anniversary has happened and the next has not (29 Feb falls back to 28 Feb).
    def anniversary(years: int) -> date:
        try:
            return born.replace(year=born.year + years)
        except ValueError:
            return date(born.year + years, 3, 1)

    assert anniversary(age) <= on < anniversary(age + 1)
    assert is_child(born, on) == (age < 18)


def test_eighteenth_birthday_is_the_day_a_child_becomes_an_adult() -> None:
    born = date(2008, 3, 10)
    assert is_child(born, date(2026, 3, 9))
    assert not is_child(born, date(2026, 3, 10))


def test_children_are_reviewed_quarterly() -> None:
    added = date(2026, 1, 1)
    assert next_review_on(added_on=added, child=True) - added <= timedelta(days=92)
    assert next_review_on(added_on=added, child=False) - added == timedelta(days=365)
