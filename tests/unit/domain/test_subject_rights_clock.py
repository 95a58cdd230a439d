"""The subject-rights clock as property tests: one month, the extension, stops for clarification."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listwarden.domain.errors import InvalidInput
from listwarden.domain.subject_rights import (
    Pause,
    add_months,
    due_on,
    is_overdue,
    next_working_day,
    require_pause_change,
    require_restriction,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
gaps = st.integers(min_value=0, max_value=60)


@given(days, st.integers(min_value=0, max_value=36))
def test_a_month_is_the_same_day_number_or_the_end_of_a_shorter_month(d: date, n: int) -> None:
    later = add_months(d, n)
    assert (later.year * 12 + later.month) - (d.year * 12 + d.month) == n
    assert later.day == d.day or (later.day < d.day and (later + timedelta(days=1)).day == 1)


@given(days)
def test_a_deadline_never_falls_at_a_weekend_and_moves_at_most_two_days(d: date) -> None:
    moved = next_working_day(d)
    assert moved.weekday() < 5
    assert 0 <= (moved - d).days <= 2


@given(days, gaps)
def test_one_month_from_the_later_of_receipt_and_identity(received: date, wait: int) -> None:
    confirmed = received + timedelta(days=wait)
    due = due_on(received_on=received, identity_confirmed_on=confirmed)
    assert due is not None
    assert 28 <= (due - confirmed).days <= 33
    assert due_on(received_on=received, identity_confirmed_on=None) is None


@given(days)
def test_the_extension_gives_two_months_more(received: date) -> None:
    plain = due_on(received_on=received, identity_confirmed_on=received)
    extended = due_on(received_on=received, identity_confirmed_on=received, extended=True)
    assert plain is not None
    assert extended is not None
    assert 57 <= (extended - plain).days <= 64
    assert extended == next_working_day(add_months(received, 3))


@given(days, gaps, gaps)
def test_a_stopped_clock_adds_exactly_the_days_it_stood_still(
    received: date, after: int, length: int
) -> None:
    stopped = received + timedelta(days=after)
    pause = Pause(stopped, stopped + timedelta(days=length))
    base = add_months(received, 1)
    due = due_on(received_on=received, identity_confirmed_on=received, pauses=[pause])
    assert due == next_working_day(base + timedelta(days=length))
    open_pause = Pause(stopped)
    assert due_on(received_on=received, identity_confirmed_on=received, pauses=[open_pause]) is None


@given(days, days)
def test_a_later_request_is_never_due_earlier(a: date, b: date) -> None:
    first, second = sorted((a, b))
    due_first = due_on(received_on=first, identity_confirmed_on=first)
    due_second = due_on(received_on=second, identity_confirmed_on=second)
    assert due_first is not None
    assert due_second is not None
    assert due_first <= due_second


def test_known_dates() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert due_on(received_on=date(2026, 3, 3), identity_confirmed_on=date(2026, 3, 3)) == date(
        2026, 4, 3
    )
    # 3 October 2026 is a Saturday: due on Monday 5 October.
    assert due_on(received_on=date(2026, 9, 3), identity_confirmed_on=date(2026, 9, 1)) == date(
        2026, 10, 5
    )
    assert is_overdue(date(2026, 4, 3), date(2026, 4, 4))
    assert not is_overdue(date(2026, 4, 3), date(2026, 4, 4), answered_on=date(2026, 4, 2))
    assert not is_overdue(None, date(2030, 1, 1))


def test_the_clock_stops_and_resumes_in_order() -> None:
    day = date(2026, 5, 1)
    require_pause_change([], stop=True, on=day)
    with pytest.raises(InvalidInput) as twice:
        require_pause_change([Pause(day)], stop=True, on=day)
    assert twice.value.reasons[0].code == "clock-already-stopped"
    with pytest.raises(InvalidInput) as running:
        require_pause_change([], stop=False, on=day)
    assert running.value.reasons[0].code == "clock-not-stopped"
    with pytest.raises(InvalidInput) as early:
        require_pause_change([Pause(day)], stop=False, on=day - timedelta(days=1))
    assert early.value.reasons[0].code == "resumed-before-stopped"


def test_a_restriction_names_its_item_ground_and_reason() -> None:
    made = require_restriction("intelligence", "i-1", "protect_the_rights_of_others", " names X ")
    assert made.reason == "names X"
    with pytest.raises(InvalidInput) as refused:
        require_restriction("diary", "", "because", " ")
    assert [r.code for r in refused.value.reasons] == [
        "item-kind-invalid",
        "item-missing",
        "ground-invalid",
        "restriction-reason-missing",
    ]
