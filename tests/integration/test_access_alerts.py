"""Access anomalies from the real access log, on both databases: each fires, or stays quiet."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.domain.access_alerts import AlertKind, AlertThresholds
from listwarden.domain.errors import AccessDenied, InvalidInput
from listwarden.domain.vocabulary import Operation
from listwarden.services.access_alerts import access_alerts
from listwarden.services.consult import consult_entry
from listwarden.store.tables import Event
from tests.factories import Cast, add_person, authorised_list, make_cast

WHY = {"purpose": "gang_violence_reduction", "justification": "pre-operation briefing CE"}
LONDON = ZoneInfo("Europe/London")
LIMITS = AlertThresholds(max_consultations_per_hour=3, max_refusals_per_hour=2)


def _setup(register: Register) -> tuple[Cast, str]:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    return cast, add_person(register, cast, matrix)


TODAY = datetime.now(UTC).date()  # the cast is made today; the consultations come after


def _at(hour: int, minute: int = 0, days: int = 1) -> datetime:
    """A London time ``days`` after today (after the grants and training were made)."""
    day = TODAY + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def _consult_at(register: Register, cast: Cast, entry: str, when: list[datetime]) -> None:
    for moment in when:
        register.uow.clock = lambda moment=moment: moment
        consult_entry(uow=register.uow, actor=cast.officer, entry_id=entry, **WHY)


def _alerts(register: Register, cast: Cast, until: datetime, **limits: object) -> list[AlertKind]:
    register.uow.clock = lambda: until
    thresholds = AlertThresholds(**{**vars(LIMITS), **limits})  # type: ignore[arg-type]
    report = access_alerts(uow=register.uow, actor=cast.dpo, days=2, thresholds=thresholds)
    assert all(a.actor_id == cast.officer.id for a in report.alerts)
    return [a.kind for a in report.alerts]


def test_bulk_consultation_fires_past_the_threshold_and_not_at_it(register: Register) -> None:
    cast, entry = _setup(register)
    _consult_at(register, cast, entry, [_at(10, m) for m in (0, 10, 20)])
    assert _alerts(register, cast, _at(18)) == []
    _consult_at(register, cast, entry, [_at(10, 30)])
    assert _alerts(register, cast, _at(18)) == [AlertKind.BULK_CONSULTATION]
    # The register's own thresholds are used when none are given: 100 an hour by default.
    assert access_alerts(uow=register.uow, actor=cast.dpo, days=2).alerts == []


def test_consultation_outside_the_working_pattern_fires(register: Register) -> None:
    cast, entry = _setup(register)
    _consult_at(register, cast, entry, [_at(11)])
    assert _alerts(register, cast, _at(23)) == []
    _consult_at(register, cast, entry, [_at(23, 30)])
    assert _alerts(register, cast, _at(23, 59)) == [AlertKind.OUTSIDE_WORKING_PATTERN]


def test_a_night_worker_s_own_pattern_is_learned_from_the_days_before(register: Register) -> None:
    cast, entry = _setup(register)
    nights = [_at(2, 15, days=d) for d in (1, 2, 3)]
    _consult_at(register, cast, entry, nights)
    limits = {"pattern_min_history": 3}
    _consult_at(register, cast, entry, [_at(2, 30, days=6)])
    assert _alerts(register, cast, _at(12, days=6), **limits) == []
    _consult_at(register, cast, entry, [_at(14, days=6)])
    assert _alerts(register, cast, _at(15, days=6), **limits) == [AlertKind.OUTSIDE_WORKING_PATTERN]


def test_repeated_refusals_fire_past_the_threshold(register: Register) -> None:
    cast, _entry = _setup(register)
    for minute in (0, 5):
        register.uow.clock = lambda minute=minute: _at(10, minute)
        with pytest.raises(AccessDenied):
            access_alerts(uow=register.uow, actor=cast.officer)  # not the DPO's: refused, logged
    assert _alerts(register, cast, _at(12)) == []
    register.uow.clock = lambda: _at(10, 50)
    with pytest.raises(AccessDenied):
        access_alerts(uow=register.uow, actor=cast.officer)
    assert _alerts(register, cast, _at(12)) == [AlertKind.REPEATED_REFUSALS]


@pytest.mark.parametrize("role", ["iao", "board", "iru", "analyst", "equality", "auditor", "admin"])
def test_only_the_dpo_reads_alerts_and_a_refusal_is_logged(register: Register, role: str) -> None:
    cast = make_cast(register)
    actor = getattr(cast, role)
    with pytest.raises(AccessDenied):
        access_alerts(uow=register.uow, actor=actor)
    with register.uow.read_only() as session:
        refused = session.scalars(
            select(Event).where(
                Event.operation == Operation.REFUSED.value, Event.actor_id == actor.id
            )
        ).all()
    assert len(refused) == 1
    assert access_alerts(uow=register.uow, actor=cast.dpo2).alerts is not None


@pytest.mark.parametrize("days", [0, 367])
def test_a_period_out_of_range_is_refused(register: Register, days: int) -> None:
    cast = make_cast(register)
    with pytest.raises(InvalidInput, match="alerts cover 1 to 366 days"):
        access_alerts(uow=register.uow, actor=cast.dpo, days=days)
