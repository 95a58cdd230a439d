"""Log key periods: which key seals an event's justification, and when that key may be destroyed.

Every justification is sealed under the key of the period its event falls in (a month unless
configured otherwise). A period's name says its length as well as its place, so names from
different settings never collide and each can be turned back into its bounds:
``2026-11-22`` (day), ``2026-W47`` (ISO week), ``2026-11`` (month), ``2026-Q4`` (quarter),
``2026`` (year). A period expires ``retention`` after it ends; then its key may be destroyed,
and its justifications become unreadable while every leaf still verifies (the leaf holds the
ciphertext's digest).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from listwarden.domain.errors import InvalidInput

KEY_PREFIX = "log-period:"


class PeriodLength(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_PATTERNS = {
    PeriodLength.DAY: re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
    PeriodLength.WEEK: re.compile(r"(\d{4})-W(\d{2})"),
    PeriodLength.MONTH: re.compile(r"(\d{4})-(\d{2})"),
    PeriodLength.QUARTER: re.compile(r"(\d{4})-Q([1-4])"),
    PeriodLength.YEAR: re.compile(r"(\d{4})"),
}


def period_of(at: datetime, length: PeriodLength) -> str:
    """The name of the period of ``length`` that the instant ``at`` falls in (UTC)."""
    day = at.astimezone(UTC).date()
    if length is PeriodLength.DAY:
        return day.isoformat()
    if length is PeriodLength.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if length is PeriodLength.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    if length is PeriodLength.QUARTER:
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _start_and_end(name: str) -> tuple[PeriodLength, date, date]:
    for length, pattern in _PATTERNS.items():
        match = pattern.fullmatch(name)
        if match is None:
            continue
        parts = [int(p) for p in match.groups()]
        try:
            if length is PeriodLength.DAY:
                start = date(*parts)
                return length, start, start + timedelta(days=1)
            if length is PeriodLength.WEEK:
                start = date.fromisocalendar(parts[0], parts[1], 1)
                return length, start, start + timedelta(days=7)
            if length is PeriodLength.MONTH:
                start = date(parts[0], parts[1], 1)
                return length, start, _month_start(parts[0], parts[1] + 1)
            if length is PeriodLength.QUARTER:
                first = 3 * (parts[1] - 1) + 1
                return length, date(parts[0], first, 1), _month_start(parts[0], first + 3)
            return length, date(parts[0], 1, 1), date(parts[0] + 1, 1, 1)
        except ValueError:
            break
    raise InvalidInput(f"{name!r} is not the name of a log period")


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def period_bounds(name: str) -> tuple[datetime, datetime]:
    """The instants [start, end) a period name covers, in UTC."""
    _, start, end = _start_and_end(name)
    return _midnight(start), _midnight(end)


def period_length(name: str) -> PeriodLength:
    return _start_and_end(name)[0]


def expires_at(name: str, retention: timedelta) -> datetime:
    """When a period's key may be destroyed: ``retention`` after the period ends."""
    return period_bounds(name)[1] + retention


def is_expired(name: str, *, retention: timedelta, now: datetime) -> bool:
    return expires_at(name, retention) <= now


def periods_between(first: datetime, last: datetime, length: PeriodLength) -> Iterator[str]:
    """Every period of ``length`` from the one holding ``first`` to the one holding ``last``."""
    if last < first:
        return
    name = period_of(first, length)
    final = period_of(last, length)
    while True:
        yield name
        if name == final:
            return
        name = period_of(period_bounds(name)[1], length)


def key_name(period: str) -> str:
    """The key store's name for a period's key: ``log-period:2026-11``."""
    return KEY_PREFIX + period
