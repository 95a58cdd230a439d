"""Log key periods: every instant falls in exactly one period, named so it can be read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listwarden.auditlog.periods import (
    PeriodLength,
    expires_at,
    is_expired,
    key_name,
    period_bounds,
    period_length,
    period_of,
    periods_between,
)
from listwarden.domain.errors import InvalidInput

INSTANTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(INSTANTS, st.sampled_from(list(PeriodLength)))
def test_an_instant_lies_in_its_period_and_periods_meet(at: datetime, length: PeriodLength) -> None:
    name = period_of(at, length)
    start, end = period_bounds(name)
    assert start <= at < end
    assert period_length(name) is length
    assert period_of(end, length) != name
    assert period_bounds(period_of(end, length))[0] == end
    assert period_of(start - timedelta(microseconds=1), length) != name


@pytest.mark.parametrize(
    ("length", "name", "start", "end"),
    [
        (PeriodLength.DAY, "2026-11-22", datetime(2026, 11, 22), datetime(2026, 11, 23)),
        (PeriodLength.WEEK, "2026-W47", datetime(2026, 11, 16), datetime(2026, 11, 23)),
        (PeriodLength.MONTH, "2026-11", datetime(2026, 11, 1), datetime(2026, 12, 1)),
        (PeriodLength.QUARTER, "2026-Q4", datetime(2026, 10, 1), datetime(2027, 1, 1)),
        (PeriodLength.YEAR, "2026", datetime(2026, 1, 1), datetime(2027, 1, 1)),
    ],
)
def test_period_names(length: PeriodLength, name: str, start: datetime, end: datetime) -> None:
    assert period_of(datetime(2026, 11, 22, 4, 2, tzinfo=UTC), length) == name
    assert period_bounds(name) == (start.replace(tzinfo=UTC), end.replace(tzinfo=UTC))


def test_a_december_month_ends_in_january() -> None:
    assert period_bounds("2026-12")[1] == datetime(2027, 1, 1, tzinfo=UTC)


def test_a_period_expires_retention_after_it_ends() -> None:
    retention = timedelta(days=30)
    assert expires_at("2026-11", retention) == datetime(2026, 12, 31, tzinfo=UTC)
    assert not is_expired("2026-11", retention=retention, now=datetime(2026, 12, 30, tzinfo=UTC))
    assert is_expired("2026-11", retention=retention, now=datetime(2026, 12, 31, tzinfo=UTC))


def test_periods_between_covers_both_ends() -> None:
    first = datetime(2026, 10, 31, tzinfo=UTC)
    last = datetime(2027, 1, 2, tzinfo=UTC)
    assert list(periods_between(first, last, PeriodLength.MONTH)) == [
        "2026-10",
        "2026-11",
        "2026-12",
        "2027-01",
    ]
    assert list(periods_between(last, first, PeriodLength.MONTH)) == []


@pytest.mark.parametrize("name", ["2026-13", "2026-W54", "2026-Q5", "26-11", "2026-11-31", "x"])
def test_names_that_are_not_periods_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        period_bounds(name)
    assert refused.value.detail == f"{name!r} is not the name of a log period"


def test_a_period_key_is_named_after_its_period() -> None:
    assert key_name("2026-11") == "log-period:2026-11"
