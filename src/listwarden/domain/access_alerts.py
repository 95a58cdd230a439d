"""Access anomalies (law 11): what in the access log the DPO must look at, as pure functions.

Three alerts, each about one user and one stretch of time, from identifiers and times alone:

- **bulk consultation**: more consultations than ``max_consultations_per_hour`` within any 60
  minutes (a sliding window, so a burst split across a clock hour is still one burst);
- **outside the working pattern**: consultations at an hour of the day (local time) in which
  the user did not consult on at least ``pattern_min_days`` days of the ``pattern_days``
  before the period looked at; a user with fewer than ``pattern_min_history`` consultations
  then is held to the default working hours instead;
- **repeated refusals**: more refusals than ``max_refusals_per_hour`` within any 60 minutes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

HOUR = timedelta(hours=1)


class AlertKind(StrEnum):
    BULK_CONSULTATION = "bulk-consultation"
    OUTSIDE_WORKING_PATTERN = "outside-working-pattern"
    REPEATED_REFUSALS = "repeated-refusals"


@dataclass(frozen=True)
class AlertThresholds:
    """When each alert fires; every figure is configurable (``LISTWARDEN_ALERT_*``)."""

    max_consultations_per_hour: int = 100
    max_refusals_per_hour: int = 4
    pattern_days: int = 28
    pattern_min_days: int = 2
    pattern_min_history: int = 20
    working_hours: tuple[int, int] = (7, 20)  # from 07:00 to before 20:00, for a new user
    timezone: str = "Europe/London"

    def __post_init__(self) -> None:
        start, end = self.working_hours
        if not 0 <= start < end <= 24:
            raise ValueError("working hours run from an hour 0-23 to a later hour up to 24")
        if min(self.max_consultations_per_hour, self.max_refusals_per_hour) < 0:
            raise ValueError("an alert threshold cannot be negative")
        if min(self.pattern_days, self.pattern_min_days, self.pattern_min_history) < 1:
            raise ValueError("the working pattern needs at least one day and one consultation")
        ZoneInfo(self.timezone)  # an unknown zone fails here, at start-up


DEFAULT_ALERTS = AlertThresholds()


@dataclass(frozen=True)
class Access:
    """One line of the access log as the alerts see it: who, when, and which event."""

    event_id: int
    actor_id: str
    at: datetime


@dataclass(frozen=True)
class Alert:
    """One anomaly: a user, a stretch of time, how many events, and the log's event ids."""

    kind: AlertKind
    actor_id: str
    start: datetime
    end: datetime
    count: int
    first_event_id: int
    last_event_id: int
    detail: str


def bursts(accesses: Sequence[Access], limit: int, span: timedelta = HOUR) -> list[list[Access]]:
    """Maximal runs of one user's accesses (in time order) in which some ``span`` holds more
    than ``limit`` of them; overlapping windows over the limit make one run."""
    runs: list[list[Access]] = []
    low = 0
    start = end = -1
    for i, access in enumerate(accesses):
        while accesses[low].at <= access.at - span:
            low += 1
        if i - low + 1 > limit:
            if end >= 0 and low <= end:
                end = i
            else:
                if end >= 0:
                    runs.append(list(accesses[start : end + 1]))
                start, end = low, i
    if end >= 0:
        runs.append(list(accesses[start : end + 1]))
    return runs


def _by_actor(accesses: Iterable[Access]) -> dict[str, list[Access]]:
    grouped: dict[str, list[Access]] = defaultdict(list)
    for access in accesses:
        grouped[access.actor_id].append(access)
    for items in grouped.values():
        items.sort(key=lambda a: (a.at, a.event_id))
    return grouped


def _alert(kind: AlertKind, run: Sequence[Access], detail: str) -> Alert:
    return Alert(
        kind,
        run[0].actor_id,
        run[0].at,
        run[-1].at,
        len(run),
        run[0].event_id,
        run[-1].event_id,
        detail,
    )


def working_pattern(history: Sequence[Access], limits: AlertThresholds) -> frozenset[int]:
    """The local hours of the day a user works, from their consultations before the period."""
    zone = ZoneInfo(limits.timezone)
    if len(history) < limits.pattern_min_history:
        return frozenset(range(*limits.working_hours))
    days: dict[int, set[object]] = defaultdict(set)
    for access in history:
        local = access.at.astimezone(zone)
        days[local.hour].add(local.date())
    return frozenset(h for h, seen in days.items() if len(seen) >= limits.pattern_min_days)


def detect(
    *,
    consultations: Iterable[Access],
    refusals: Iterable[Access],
    history: Iterable[Access],
    limits: AlertThresholds,
) -> list[Alert]:
    """Every alert in the period: ``consultations`` and ``refusals`` in it, ``history`` the
    consultations of the ``pattern_days`` before it. Ordered by start, then user."""
    alerts: list[Alert] = []
    zone = ZoneInfo(limits.timezone)
    past = _by_actor(history)
    for actor_id, items in _by_actor(consultations).items():
        for run in bursts(items, limits.max_consultations_per_hour):
            alerts.append(
                _alert(
                    AlertKind.BULK_CONSULTATION,
                    run,
                    f"{len(run)} consultations, more than {limits.max_consultations_per_hour} "
                    "within an hour",
                )
            )
        pattern = working_pattern(past.get(actor_id, []), limits)
        learned = len(past.get(actor_id, [])) >= limits.pattern_min_history
        outside: dict[tuple[object, int], list[Access]] = defaultdict(list)
        for access in items:
            local = access.at.astimezone(zone)
            if local.hour not in pattern:
                outside[(local.date(), local.hour)].append(access)
        for (_day, hour), run in outside.items():
            basis = (
                f"outside the hours this user worked in the {limits.pattern_days} days before"
                if learned
                else "outside the default working hours "
                f"{limits.working_hours[0]:02d}:00-{limits.working_hours[1]:02d}:00"
            )
            alerts.append(
                _alert(
                    AlertKind.OUTSIDE_WORKING_PATTERN,
                    run,
                    f"{len(run)} consultation(s) between {hour:02d}:00 and "
                    f"{(hour + 1) % 24:02d}:00 ({limits.timezone}), {basis}",
                )
            )
    for _actor_id, items in _by_actor(refusals).items():
        for run in bursts(items, limits.max_refusals_per_hour):
            alerts.append(
                _alert(
                    AlertKind.REPEATED_REFUSALS,
                    run,
                    f"{len(run)} refusals, more than {limits.max_refusals_per_hour} within an hour",
                )
            )
    alerts.sort(key=lambda a: (a.start, a.actor_id, a.kind.value))
    return alerts
