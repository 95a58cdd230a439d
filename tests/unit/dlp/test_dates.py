"""Dates of birth are found in every written form the corpus uses, and only in range."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listwarden.dlp.dates import (
    DateFinder,
    excel_serial,
    fold_bytes,
    from_excel_serial,
    parse_date,
    written_forms,
    years_regex,
)

TODAY = date(2025, 6, 1)


def _found(text: str, *, first: int = 1920, last: int = 2015, deep: bool = True) -> list[date]:
    finder = DateFinder(first_year=first, last_year=last, today=TODAY)
    folded = fold_bytes(f"\n{text}\n".encode())
    return [date.fromordinal(o) for _s, _e, ords in finder.find(folded, deep=deep) for o in ords]


@pytest.mark.parametrize(
    "text",
    [
        "1999-02-03",
        "03/02/1999",
        "3/2/99",
        "03-02-1999",
        "03.02.1999",
        "3 Feb 1999",
        "3rd February 1999",
        "February 3, 1999",
        "03-FEB-1999",
        "Feb 3rd 1999",
        "DOB: 3rd of February, 1999.",
    ],
)
def test_each_common_form_reads_as_the_same_day(text: str) -> None:
    assert parse_date(text, today=TODAY) == date(1999, 2, 3)


@given(st.dates(min_value=date(1921, 1, 1), max_value=date(2014, 12, 31)), st.data())
def test_every_written_form_of_any_day_is_found(day: date, data: st.DataObject) -> None:
    form = data.draw(st.sampled_from(written_forms(day)))
    context = data.draw(st.sampled_from(["{}", "x,{},y", "born {} in London", "\t{}."]))
    assert day in _found(context.format(form))


def test_the_fast_path_finds_four_digit_years_only() -> None:
    assert _found("a,03/02/1999,b 1999-02-03", deep=False) == [date(1999, 2, 3)] * 2
    assert _found("3/2/99 and 3 Feb 1999", deep=False) == []


def test_dates_outside_the_years_of_birth_never_reach_python() -> None:
    assert _found("paid 03/02/2024, due 2024-03-02, 3 Feb 2024", last=2012) == []


def test_the_american_reading_is_taken_only_where_the_british_cannot_be() -> None:
    assert _found("02/14/1999") == [date(1999, 2, 14)]
    assert _found("02/03/1999") == [date(1999, 3, 2)]


def test_two_digit_years_give_every_reading_in_range() -> None:
    assert _found("3/2/05", first=1900, last=2015) == [date(1905, 2, 3), date(2005, 2, 3)]


def test_numbers_that_only_look_like_dates_are_not_dates() -> None:
    assert _found("version 1.2.3, 12345/02/1999, 31/02/1999, 1999-13-01") == []


@pytest.mark.parametrize(
    ("first", "last"), [(1958, 2012), (1920, 2025), (1999, 2001), (1990, 1990)]
)
def test_the_year_pattern_matches_exactly_its_range(first: int, last: int) -> None:
    pattern = re.compile(years_regex(first, last) + "$")
    assert [y for y in range(1800, 2200) if pattern.match(str(y))] == list(range(first, last + 1))


@given(st.dates(min_value=date(1913, 1, 1), max_value=date(2028, 12, 31)))
def test_spreadsheet_serial_numbers_round_trip(day: date) -> None:
    assert from_excel_serial(excel_serial(day)) == day
    assert excel_serial(date(1999, 2, 3)) == 36194


def test_dates_with_month_names_are_not_confused_by_their_cache() -> None:
    assert _found("a,14-MAY-2010,b\nc,04-MAY-2010,d\ne,4-SEPT-2010,f", deep=False) == [
        date(2010, 5, 14),
        date(2010, 5, 4),
        date(2010, 9, 4),
    ]
