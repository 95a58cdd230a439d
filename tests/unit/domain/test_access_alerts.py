"""Access anomalies from the log: each alert fires past its threshold, and not at it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from listwarden.domain.access_alerts import (
    Access,
    AlertKind,
    AlertThresholds,
    bursts,
    detect,
    working_pattern,
)

LONDON = ZoneInfo("Europe/London")
DAY = date(2026, 6, 10)  # summer: London is an hour ahead of UTC
LIMITS = AlertThresholds(max_consultations_per_hour=5, max_refusals_per_hour=2)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def accesses(times: list[datetime], actor: str = "U-1", first: int = 1) -> list[Access]:
    return [Access(first + i, actor, t) for i, t in enumerate(times)]


def kinds(**sets: list[Access]) -> list[AlertKind]:
    alerts = detect(
        consultations=sets.get("consultations", []),
        refusals=sets.get("refusals", []),
        history=sets.get("history", []),
        limits=LIMITS,
    )
    return [a.kind for a in alerts]


def test_more_consultations_than_the_threshold_within_an_hour_is_bulk() -> None:
    six = accesses([at(10, m) for m in range(0, 60, 10)])
    alerts = detect(consultations=six, refusals=[], history=[], limits=LIMITS)
    [bulk] = [a for a in alerts if a.kind is AlertKind.BULK_CONSULTATION]
    assert (bulk.actor_id, bulk.count, bulk.first_event_id, bulk.last_event_id) == ("U-1", 6, 1, 6)
    assert bulk.detail == "6 consultations, more than 5 within an hour"


def test_as_many_as_the_threshold_or_the_same_spread_out_is_not_bulk() -> None:
    five = accesses([at(10, m) for m in range(0, 50, 10)])
    assert AlertKind.BULK_CONSULTATION not in kinds(consultations=five)
    spread = accesses([at(9 + i // 3, (i % 3) * 20) for i in range(12)])  # 3 an hour
    assert kinds(consultations=spread) == []


def test_a_burst_across_a_clock_hour_is_one_bulk_alert() -> None:
    burst = accesses([at(10, 40 + m) for m in range(0, 20, 2)] + [at(11, m) for m in range(8)])
    alerts = detect(consultations=burst, refusals=[], history=[], limits=LIMITS)
    assert [(a.kind, a.count) for a in alerts] == [(AlertKind.BULK_CONSULTATION, 18)]


def test_each_user_is_judged_alone() -> None:
    mixed = accesses([at(10, m) for m in range(3)], "U-1") + accesses(
        [at(10, m) for m in range(3)], "U-2", first=10
    )
    assert kinds(consultations=mixed) == []


def test_a_new_user_is_held_to_the_default_working_hours() -> None:
    alerts = detect(
        consultations=accesses([at(3, 15), at(3, 40), at(10)]),
        refusals=[],
        history=[],
        limits=LIMITS,
    )
    [odd] = alerts
    assert odd.kind is AlertKind.OUTSIDE_WORKING_PATTERN
    assert odd.count == 2
    assert odd.start == at(3, 15)
    assert "outside the default working hours 07:00-20:00" in odd.detail
    assert kinds(consultations=accesses([at(7), at(19, 59)])) == []


def test_a_user_s_own_pattern_replaces_the_default_once_learned() -> None:
    limits = AlertThresholds(pattern_min_history=4, pattern_min_days=2)
    nights = accesses(
        [at(2, 10, DAY - timedelta(days=d)) for d in (1, 2, 3)] + [at(2, 50, DAY - timedelta(5))],
        first=100,
    )
    assert working_pattern(nights, limits) == frozenset({2})
    at_night = detect(
        consultations=accesses([at(2, 30)]), refusals=[], history=nights, limits=limits
    )
    assert at_night == []  # a night-shift user consulting at night is nothing odd
    by_day = detect(consultations=accesses([at(11)]), refusals=[], history=nights, limits=limits)
    [odd] = by_day
    assert odd.kind is AlertKind.OUTSIDE_WORKING_PATTERN
    assert "outside the hours this user worked in the 28 days before" in odd.detail


def test_an_hour_seen_on_one_day_only_is_not_part_of_the_pattern() -> None:
    limits = AlertThresholds(pattern_min_history=3, pattern_min_days=2)
    once = accesses([at(4, m, DAY - timedelta(days=1)) for m in (0, 10, 20)])
    assert working_pattern(once, limits) == frozenset()


def test_more_refusals_than_the_threshold_within_an_hour_fire() -> None:
    three = accesses([at(10, 0), at(10, 20), at(10, 59)])
    assert kinds(refusals=three) == [AlertKind.REPEATED_REFUSALS]
    assert kinds(refusals=three[:2]) == []
    hours_apart = accesses([at(10), at(11, 1), at(12, 2)])
    assert kinds(refusals=hours_apart) == []


def test_bursts_are_maximal_and_separate() -> None:
    times = [at(9, m) for m in (0, 1, 2)] + [at(15, m) for m in (0, 1, 2, 3)]
    runs = bursts(accesses(times), limit=2)
    assert [len(r) for r in runs] == [3, 4]
    assert bursts(accesses(times), limit=4) == []


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"working_hours": (20, 7)}, "working hours"),
        ({"max_refusals_per_hour": -1}, "negative"),
        ({"pattern_days": 0}, "at least one day"),
    ],
)
def test_thresholds_that_make_no_sense_are_refused(kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        AlertThresholds(**kwargs)  # type: ignore[arg-type]
