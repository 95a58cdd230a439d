"""Equality monitoring (law 9): aggregate figures from the monitoring records, for the equality
analysts and the DPO only, with month-end snapshots for trends.

Each monitoring record is opened under the equality key once, however many lists its person is
on, and reduced at once to the report's groups; nothing about a person leaves this module. An
entry whose person has no monitoring record is counted as unknown, never dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from listwarden.domain.access import Actor
from listwarden.domain.bcu import require_bcu
from listwarden.domain.equality import (
    UNDER_18,
    AgeBand,
    Basis,
    Dimension,
    EqualitySnapshot,
    Figures,
    GroupChange,
    GroupTally,
    MonitoringRecord,
    PopulationBaseline,
    age_band_from_birth_month,
    area_figures,
    breakdown_figures,
    change_since,
    figures,
    tally,
)
from listwarden.domain.errors import Conflict, InvalidInput, Reason
from listwarden.domain.monitoring import IdentityCode, SelfDefinedEthnicity
from listwarden.domain.vocabulary import Band, Category
from listwarden.policy.engine import AccessAction
from listwarden.services import equality_tallies as tallies_store
from listwarden.services.access import require_on_register
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.oversight_tables import EqualitySnapshotRow
from listwarden.store.tables import Entry
from listwarden.store.tables import MonitoringRecord as MonitoringRow

PAGE = 5000
Progress = Callable[[int], None]
_UNKNOWN = (AgeBand.UNKNOWN, IdentityCode.IC9, SelfDefinedEthnicity.NOT_STATED)
_CODES = {c.value: c for c in IdentityCode}  # a dict lookup, not an Enum call, per record
_ETHNICITIES = {e.value: e for e in SelfDefinedEthnicity}


def _require(uow: UnitOfWork, actor: Actor | None) -> None:
    if actor is not None:
        require_on_register(uow=uow, actor=actor, action=AccessAction.EQUALITY_REPORT)


def current_tallies(
    *,
    uow: UnitOfWork,
    actor: Actor | None,
    on: date | None = None,
    list_id: str | None = None,
    progress: Progress | None = None,
) -> dict[Basis, GroupTally]:
    """Counts by group on both bases, with every breakdown, for every entry (of one list).

    Read from the sealed tallies (``services/equality_tallies.py``): a list whose tally is
    missing, or whose total differs from the database's count of its entries, is counted
    again from its monitoring records and stored first. A day before a tally's last fold is
    counted by :func:`reference_tallies`. Either way the figures are those of
    :func:`reference_tallies`, which the tests compare on random populations.
    """
    _require(uow, actor)
    day = on or uow.today()
    with uow.read_only() as session:
        counts = tallies_store.entry_counts(session, list_id)  # one list: it alone
        wanted = [list_id] if list_id is not None else sorted(counts)
        stored = tallies_store.read_tallies(session, uow.cipher, wanted)
    stale = [
        lid
        for lid in wanted
        if lid not in stored or stored[lid].counts() != counts.get(lid, (0, 0))
    ]
    if stale:
        stored.update(tallies_store.rebuild(uow, stale))
    if not all(stored[lid].answers_for(day) for lid in wanted):
        return reference_tallies(uow=uow, actor=None, on=on, list_id=list_id, progress=progress)
    if progress is not None:
        progress(sum(counts.get(lid, (0, 0))[0] for lid in wanted))
    return tallies_from({lid: stored[lid] for lid in wanted}, day)


def tallies_from(
    stored: Mapping[str, tallies_store.ListTally], day: date
) -> dict[Basis, GroupTally]:
    """Counts by group on both bases from stored tallies, each age band as it is on ``day``."""
    cells: Counter[MonitoringRecord] = Counter()
    for lid, one in stored.items():
        for (category, bcu, band, birth, code, self_defined), n in one.cells.items():
            if n <= 0:
                continue
            cells[
                MonitoringRecord(
                    lid,
                    Category(category),
                    bcu,
                    Band(band) if band else None,
                    tallies_store.age_band_of(birth, day),
                    _CODES[code],
                    _ETHNICITIES[self_defined],
                )
            ] += n
    return tally(cells.items())


def reference_tallies(
    *,
    uow: UnitOfWork,
    actor: Actor | None,
    on: date | None = None,
    list_id: str | None = None,
    progress: Progress | None = None,
) -> dict[Basis, GroupTally]:
    """The same counts from every monitoring record, each opened: the reference the sealed
    tallies are tested against, and the answer for a day before a tally's last fold."""
    _require(uow, actor)
    day = on or uow.today()
    opened: dict[str, tuple[AgeBand, IdentityCode, SelfDefinedEthnicity]] = {}
    cells: Counter[MonitoringRecord] = Counter()
    after, done = "", 0
    open_field = uow.cipher.open_monitoring
    query = (
        select(
            Entry.id,
            Entry.list_id,
            Entry.category,
            Entry.bcu,
            Entry.band,
            MonitoringRow.id.label("record_id"),
            MonitoringRow.identity_code_ct,
            MonitoringRow.self_defined_ethnicity_ct,
            MonitoringRow.birth_month_ct,
        )
        .outerjoin(MonitoringRow, MonitoringRow.subject_id == Entry.subject_id)
        .where(*([] if list_id is None else [Entry.list_id == list_id]))
        .order_by(Entry.id)
        .limit(PAGE)
    )
    while True:
        with uow.read_only() as session:
            # Core rows, not ORM objects: a page is read once and reduced at once.
            rows = session.connection().execute(query.where(Entry.id > after)).all()
        if not rows:
            break
        for r in rows:
            if r.record_id is None:
                values = _UNKNOWN
            else:
                values = opened.get(r.record_id)  # type: ignore[assignment]
                if values is None:
                    born = open_field(r.record_id, "birth_month", r.birth_month_ct)
                    values = opened[r.record_id] = (
                        age_band_from_birth_month(int(born[:4]), int(born[5:7]), day),
                        _CODES[open_field(r.record_id, "identity_code", r.identity_code_ct)],
                        _ETHNICITIES[
                            open_field(
                                r.record_id, "self_defined_ethnicity", r.self_defined_ethnicity_ct
                            )
                        ],
                    )
            cells[
                MonitoringRecord(
                    r.list_id,
                    Category(r.category),
                    r.bcu,
                    Band(r.band) if r.band else None,
                    *values,
                )
            ] += 1
        after, done = rows[-1].id, done + len(rows)
        if progress is not None:
            progress(done)
    return tally(cells.items())


@dataclass(frozen=True)
class EqualityReport:
    """Figures for one basis: the area rows, each breakdown, under 16 and under 18, the change
    since the last snapshot, and the monthly totals by group for trends."""

    generated_at: datetime
    basis: str
    scope: str
    baseline: str
    areas: list[Figures]
    breakdowns: dict[str, list[Figures]]
    children: list[Figures]
    change: list[GroupChange]
    trend_months: list[str] = field(default_factory=list)
    trend: dict[str, list[int]] = field(default_factory=dict)


def equality_report(
    *,
    uow: UnitOfWork,
    actor: Actor | None,
    baseline: PopulationBaseline,
    basis: Basis = Basis.SELF_DEFINED,
    bcu: str | None = None,
    tallies: dict[Basis, GroupTally] | None = None,
) -> EqualityReport:
    """The equality report, force-wide with every BCU, or for one BCU against its residents."""
    _require(uow, actor)
    one = (tallies or current_tallies(uow=uow, actor=None))[basis]
    snapshots = stored_snapshots(uow=uow, actor=None)
    scope = "force"
    if bcu is None:
        areas = list(area_figures(one, baseline))
        population = baseline.population()
        dims = {
            d.value: list(breakdown_figures(one, d, baseline))
            for d in Dimension
            if d != Dimension.BCU
        }
        counts_of = None
    else:
        scope = require_bcu(bcu)
        population = baseline.population(scope)
        areas = [figures(scope, one.counts(Dimension.BCU, scope), population)]
        dims = {}
        counts_of = scope
    children = [
        figures("under_16", one.counts(Dimension.AGE, AgeBand.UNDER_16.value), population),
        figures("under_18", one.counts(Dimension.AGE, *(a.value for a in UNDER_18)), population),
    ] if counts_of is None else []  # fmt: skip
    current = EqualitySnapshot("0000-01", {basis: one})
    previous = snapshots[-1] if snapshots else None
    change = list(
        change_since(
            previous,
            current,
            basis=basis,
            dimension=None if counts_of is None else Dimension.BCU,
            key=counts_of or "",
        )
    )
    months = [s.month for s in snapshots]
    trend: dict[str, list[int]] = {}
    for s in snapshots:
        t = s.tallies[basis]
        counts = t.by_group if counts_of is None else t.counts(Dimension.BCU, counts_of)
        for group, n in counts.items():
            trend.setdefault(group.value, []).append(n)
    return EqualityReport(
        uow.now(), basis.value, scope, baseline.source, areas, dims, children, change, months, trend
    )


def take_snapshot(
    *,
    uow: UnitOfWork,
    actor: Actor | None,
    month: str,
    tallies: dict[Basis, GroupTally] | None = None,
) -> EqualitySnapshot:
    """Store the month-end aggregate counts for ``month`` (YYYY-MM), once."""
    _require(uow, actor)
    snapshot = EqualitySnapshot(month, tallies or current_tallies(uow=uow, actor=None))
    with uow.transaction() as session:
        if session.get(EqualitySnapshotRow, month) is not None:
            raise Conflict(
                f"the equality snapshot for {month} is already taken",
                reasons=[Reason("snapshot-exists", month, "month")],
            )
        session.add(EqualitySnapshotRow(month=month, body=snapshot.to_json(), taken_at=uow.now()))
    return snapshot


def stored_snapshots(*, uow: UnitOfWork, actor: Actor | None) -> list[EqualitySnapshot]:
    """Every stored month-end snapshot, oldest first."""
    _require(uow, actor)
    with uow.read_only() as session:
        rows = session.scalars(select(EqualitySnapshotRow).order_by(EqualitySnapshotRow.month))
        return [EqualitySnapshot.from_json(r.body) for r in rows]


def parse_basis(value: str) -> Basis:
    try:
        return Basis(value)
    except ValueError:
        raise InvalidInput(
            f"unknown basis {value!r}",
            reasons=[Reason("invalid-basis", "one of: " + ", ".join(Basis), "basis")],
        ) from None
