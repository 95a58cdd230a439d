"""The sealed equality tallies (law 9): each list's entries counted by cell, kept up to date in
the transaction of every change that alters the counts, so that the equality report reads one
sealed row a list instead of opening every monitoring record.

A cell is (category, BCU, band, birth, identity code, self-defined ethnicity): the identity code
and the self-defined ethnicity stay apart, as the report counts them on separate bases. ``birth``
is the birth month (YYYY-MM) while the person may still be under 18, so that the report computes
the age band on its own day; :data:`ADULT` once they are 18 on the day the tally is written
(they stay adults on every later day, so the tally then answers only for days on or after
``folded_on``); :data:`NO_RECORD` for an entry whose person has no monitoring record, which is
counted as unknown, never dropped. Nothing identifies anyone: no entry, subject or record id.

Every change goes through :func:`apply`: collection (``services/entries.py``), erasure of an
entry or a person (``services/erasure.py``) and a confirmed band (``services/assessments.py``).
Each computes its cells from the values it writes or from the monitoring records it reads, and
applies them AFTER changing the entries, so that on PostgreSQL a concurrent :func:`rebuild`
(which holds a SHARE lock on ``entries``) is either wholly before or wholly after it. A list
without a stored tally is not kept (the report builds it first); a tally that would go below
zero is dropped, to be rebuilt. The report also compares each tally's total, and its entries
whose person has a record, with the database's count of both, and rebuilds any that differ (rows
written another way, a record lost), so a missed path costs time rather than a wrong figure.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, case, delete, func, select, text, update
from sqlalchemy.orm import Session

from listwarden.domain.equality import AgeBand, age_band_from_birth_month
from listwarden.domain.monitoring import IdentityCode, SelfDefinedEthnicity
from listwarden.services.ports import FieldCipher
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.oversight_tables import EqualityTallyRow
from listwarden.store.tables import Entry
from listwarden.store.tables import MonitoringRecord as MonitoringRow

ADULT = "adult"
NO_RECORD = "none"
PAGE = 5000
_FORMAT = 1

Cell = tuple[str, str, str | None, str, str, str]
"""``(category, bcu, band, birth, identity_code, self_defined)``."""
Monitoring = tuple[str, str, str]
"""A monitoring record opened: ``(birth month YYYY-MM, identity code, self-defined)``."""
Change = tuple[str, Cell, int]
"""``(list_id, cell, +n or -n)``."""


@dataclass
class ListTally:
    """One list's cells, and the last day an age was folded into :data:`ADULT`."""

    list_id: str
    cells: Counter[Cell] = field(default_factory=Counter)
    folded_on: date | None = None

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def counts(self) -> tuple[int, int]:
        """Entries counted, and of them those whose person has a monitoring record."""
        recorded = sum(n for cell, n in self.cells.items() if cell[3] != NO_RECORD)
        return self.total, recorded

    def answers_for(self, day: date) -> bool:
        """Whether the age bands of ``day`` can be told from these cells."""
        return self.folded_on is None or day >= self.folded_on

    def fold(self, day: date) -> None:
        """Fold into :data:`ADULT` every birth month that is 18 or over on ``day``."""
        folded: Counter[Cell] = Counter()
        for cell, n in self.cells.items():
            if n:
                folded[folded_cell(cell, day)] += n
        self.cells = folded
        self.folded_on = day if self.folded_on is None else max(day, self.folded_on)


def folded_cell(cell: Cell, day: date) -> Cell:
    """``cell`` with its birth month as :data:`ADULT` if that is 18 or over on ``day``."""
    birth = cell[3]
    if birth in (ADULT, NO_RECORD) or _band(birth, day) != AgeBand.ADULT:
        return cell
    return (cell[0], cell[1], cell[2], ADULT, cell[4], cell[5])


def _band(birth: str, day: date) -> AgeBand:
    return age_band_from_birth_month(int(birth[:4]), int(birth[5:7]), day)


def age_band_of(birth: str, day: date) -> AgeBand:
    """The age band on ``day`` of a cell's ``birth``."""
    if birth == NO_RECORD:
        return AgeBand.UNKNOWN
    return AgeBand.ADULT if birth == ADULT else _band(birth, day)


def cell_of(
    category: str, bcu: str, band: str | None, record: Monitoring | None, day: date
) -> Cell:
    """The cell of one entry, its person's record opened (or None), counted on ``day``."""
    if record is None:
        return (
            category,
            bcu,
            band,
            NO_RECORD,
            IdentityCode.IC9.value,
            SelfDefinedEthnicity.NOT_STATED.value,
        )
    birth, code, self_defined = record
    return folded_cell((category, bcu, band, birth, code, self_defined), day)


def _encode(tally: ListTally) -> bytes:
    body = {
        "format": _FORMAT,
        "folded_on": None if tally.folded_on is None else tally.folded_on.isoformat(),
        "cells": [[*cell, n] for cell, n in sorted(tally.cells.items(), key=str) if n],
    }
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def _decode(list_id: str, raw: bytes) -> ListTally:
    body = json.loads(raw)
    folded = body["folded_on"]
    cells: Counter[Cell] = Counter({tuple(c[:6]): c[6] for c in body["cells"]})
    return ListTally(list_id, cells, None if folded is None else date.fromisoformat(folded))


def read_tallies(
    session: Session, cipher: FieldCipher, list_ids: Iterable[str] | None = None
) -> dict[str, ListTally]:
    """The stored tallies, opened, of ``list_ids`` (every list's when None)."""
    query = select(EqualityTallyRow.list_id, EqualityTallyRow.cells_ct)
    if list_ids is not None:
        query = query.where(EqualityTallyRow.list_id.in_(list(list_ids)))
    return {
        list_id: _decode(list_id, cipher.open_tally(list_id, blob))
        for list_id, blob in session.execute(query)
    }


def store_tally(session: Session, uow: UnitOfWork, tally: ListTally) -> None:
    """Write ``tally`` sealed, replacing any stored for its list."""
    blob = uow.cipher.seal_tally(tally.list_id, _encode(tally))
    row = session.get(EqualityTallyRow, tally.list_id)
    if row is None:
        session.add(EqualityTallyRow(list_id=tally.list_id, cells_ct=blob, updated_at=uow.now()))
    else:
        row.cells_ct, row.updated_at = blob, uow.now()
    session.flush()


def start_tally(session: Session, uow: UnitOfWork, list_id: str) -> None:
    """An empty tally for a new list, so that its very first entry is counted as it is added."""
    store_tally(session, uow, ListTally(list_id))


def apply(session: Session, uow: UnitOfWork, changes: Iterable[Change]) -> None:
    """Add ``changes`` to the stored tallies, in the caller's transaction, after its writes."""
    by_list: dict[str, Counter[Cell]] = {}
    for list_id, cell, n in changes:
        by_list.setdefault(list_id, Counter())[cell] += n
    today, table = uow.today(), cast(Table, EqualityTallyRow.__table__)
    for list_id in sorted(by_list):  # one order, so two writers never deadlock
        # Core statements, not the ORM: this runs in every collecting transaction.
        this = table.c.list_id == list_id
        blob = session.execute(select(table.c.cells_ct).where(this).with_for_update()).scalar()
        if blob is None:
            continue  # not kept yet: the next report counts the list whole
        tally = _decode(list_id, uow.cipher.open_tally(list_id, blob))
        # Both sides folded on one day, so a person counted as a child when added and
        # removed as an adult leaves the cell they were counted in.
        day = today if tally.folded_on is None else max(today, tally.folded_on)
        tally.fold(day)
        for cell, n in by_list[list_id].items():
            tally.cells[folded_cell(cell, day)] += n
        if any(n < 0 for n in tally.cells.values()):
            # It did not hold what was removed: dropped, to be rebuilt by the next report.
            session.execute(delete(table).where(this))
            continue
        tally.fold(day)  # drops the cells emptied
        sealed = uow.cipher.seal_tally(list_id, _encode(tally))
        session.execute(update(table).where(this).values(cells_ct=sealed, updated_at=uow.now()))


def monitoring_of(
    session: Session, cipher: FieldCipher, subject_ids: Iterable[str]
) -> dict[str, Monitoring]:
    """The monitoring records of ``subject_ids`` that have one, opened."""
    wanted, out = sorted(set(subject_ids)), {}
    # Columns, not hydrated records: an erasure batch reads hundreds of them.
    columns = (
        MonitoringRow.subject_id,
        MonitoringRow.id,
        MonitoringRow.birth_month_ct,
        MonitoringRow.identity_code_ct,
        MonitoringRow.self_defined_ethnicity_ct,
    )
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for r in session.execute(select(*columns).where(MonitoringRow.subject_id.in_(chunk))):
            out[r.subject_id] = _open(cipher, r.id, r.birth_month_ct, r.identity_code_ct,
                                      r.self_defined_ethnicity_ct)  # fmt: skip
    return out


def _open(cipher: FieldCipher, record_id: str, birth: bytes, code: bytes, sd: bytes) -> Monitoring:
    return (
        cipher.open_monitoring(record_id, "birth_month", birth),
        cipher.open_monitoring(record_id, "identity_code", code),
        cipher.open_monitoring(record_id, "self_defined_ethnicity", sd),
    )


def entries_changes(
    session: Session, uow: UnitOfWork, entry_ids: Sequence[str], sign: int
) -> list[Change]:
    """Each of the entries' cells, ``sign`` +1 or -1, read before they go (or after they came)."""
    rows: list[Any] = []
    for start in range(0, len(entry_ids), 500):
        rows.extend(
            session.execute(
                select(
                    Entry.list_id, Entry.category, Entry.bcu, Entry.band, Entry.subject_id
                ).where(Entry.id.in_(list(entry_ids[start : start + 500])))
            ).all()
        )
    if not rows:
        return []
    records = monitoring_of(session, uow.cipher, {r.subject_id for r in rows})
    today = uow.today()
    return [
        (r.list_id, cell_of(r.category, r.bcu, r.band, records.get(r.subject_id), today), sign)
        for r in rows
    ]


def move_band(session: Session, uow: UnitOfWork, entry_id: str, was: str | None) -> None:
    """Move an entry, whose band has just been changed from ``was``, to its new cell."""
    for list_id, cell, _ in entries_changes(session, uow, [entry_id], 1):
        before: Cell = (cell[0], cell[1], was, cell[3], cell[4], cell[5])
        apply(session, uow, [(list_id, before, -1), (list_id, cell, 1)])


def rebuild(uow: UnitOfWork, list_ids: Sequence[str]) -> dict[str, ListTally]:
    """Count ``list_ids`` again from their monitoring records and store the tallies.

    On PostgreSQL the entries are held under a SHARE lock meanwhile, so no change is lost
    between the count and the store; on SQLite the write transaction already excludes them.
    """
    with uow.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("LOCK TABLE entries IN SHARE MODE"))
        today = uow.today()
        out = {list_id: ListTally(list_id, folded_on=today) for list_id in list_ids}
        _count_lists(session, uow.cipher, out, today)
        for tally in out.values():
            store_tally(session, uow, tally)
    return out


def _count_lists(
    session: Session, cipher: FieldCipher, tallies: dict[str, ListTally], day: date
) -> None:
    """Count the entries of the tallies' lists into them, in one walk of the primary key."""
    # "list_id || ''" is the list test with no index to use: given the plain test, SQLite
    # takes the list_id index and sorts every entry of the list for every page (quadratic).
    query = (
        select(
            Entry.id,
            Entry.list_id,
            Entry.category,
            Entry.bcu,
            Entry.band,
            MonitoringRow.id.label("record_id"),
            MonitoringRow.birth_month_ct,
            MonitoringRow.identity_code_ct,
            MonitoringRow.self_defined_ethnicity_ct,
        )
        .outerjoin(MonitoringRow, MonitoringRow.subject_id == Entry.subject_id)
        .where((Entry.list_id + "").in_(list(tallies)))
        .order_by(Entry.id)
        .limit(PAGE)
    )
    after = ""
    while rows := session.connection().execute(query.where(Entry.id > after)).all():
        for r in rows:  # a person is on a list once: each record is opened once a list
            record = None
            if r.record_id is not None:
                record = _open(
                    cipher,
                    r.record_id,
                    r.birth_month_ct,
                    r.identity_code_ct,
                    r.self_defined_ethnicity_ct,
                )
            tallies[r.list_id].cells[cell_of(r.category, r.bcu, r.band, record, day)] += 1
        after = rows[-1].id


def entry_counts(session: Session, list_id: str | None = None) -> dict[str, tuple[int, int]]:
    """Entries on each list that has any (or on ``list_id`` alone), and of them those whose
    person has a monitoring record, counted by the database: what each list's tally must hold."""
    # EXISTS, not an outer join: SQLite answers it from the (list_id, subject_id) and
    # subject_id indexes alone, ten times faster than fetching each record's row.
    recorded = (
        select(MonitoringRow.subject_id)
        .where(MonitoringRow.subject_id == Entry.subject_id)
        .exists()
    )
    query = select(Entry.list_id, func.count(), func.sum(case((recorded, 1), else_=0))).group_by(
        Entry.list_id
    )
    if list_id is not None:
        query = query.where(Entry.list_id == list_id)
    return {lid: (int(n), int(m or 0)) for lid, n, m in session.execute(query)}
