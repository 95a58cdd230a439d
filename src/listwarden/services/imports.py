"""Importing a legacy list: every row loaded lawfully or quarantined with its reasons, never lost.

The file is read twice. The first pass checks its shape only (the mapped columns exist, no row
is ragged, the text decodes) and writes nothing, so a malformed file is refused before a single
key or row is made. The second pass loads it in batches inside ONE transaction: each batch's
rows are checked (``domain.imports.RowChecker``, which applies every rule of collection, so a
row it passes is not checked again), people already held are matched by the blind index, and
lawful rows go through the same collection path as any entry (``collect_prepared``), marked
legacy-unreviewed, with their first review due within 30 days. Rows that cannot be held
as they stand are sealed into the import's quarantine under its own key. Anything that fails
part-way rolls the whole import back.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice
from pathlib import Path
from typing import TypeVar, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from listwarden.domain.access import Actor
from listwarden.domain.errors import Reason
from listwarden.domain.import_mapping import ColumnMapping
from listwarden.domain.imports import (
    LEGACY_REVIEW_DAYS,
    QUARANTINE_DAYS,
    Cell,
    ImportedPerson,
    ListRules,
    RowChecker,
    cell_text,
    locate_columns,
)
from listwarden.domain.monitoring import parse_identity_code, parse_self_defined
from listwarden.domain.purposes import class_of
from listwarden.domain.vocabulary import Category, Operation, Purpose, PurposeClass
from listwarden.ingest.readers import SheetReader, open_reader
from listwarden.services.entries import (
    Prepared,
    active_iao_ids,
    authorise_collection,
    collect_prepared,
    list_open_for_collection,
)
from listwarden.services.events import record_event
from listwarden.services.lists import get_list
from listwarden.services.quiet_collector import quiet_collector
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.bulk import insert_rows
from listwarden.store.engine import widen_page_cache
from listwarden.store.ids import new_id, new_ids
from listwarden.store.tables import Entry, ImportRun, QuarantineRow, RegisterList, Subject

Progress = Callable[[int, int], None]
IMPORT_PAGE_CACHE_MIB = 256
BATCH_SIZE = 2500
"""Rows checked and loaded at a time: each batch costs a policy decision per kind of entry, a
key-store commit, the tally re-sealed and the blind-index lookups, whatever its size, and holds
its rows in memory (some 6 MiB for 2,500 rows) until they are written."""
_T = TypeVar("_T")


@dataclass
class ImportReport:
    """What an import loaded, what it quarantined and why (reason code to number of rows)."""

    import_id: str | None
    list_id: str
    file: str
    file_sha256: str
    file_format: str
    dry_run: bool
    rows: int = 0
    loaded: int = 0
    quarantined: int = 0
    matched_existing_people: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    review_due_on: date | None = None
    quarantine_erase_on: date | None = None


def _batched(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def survey_file(reader: SheetReader, mapping: ColumnMapping) -> tuple[dict[str, int], int]:
    """Check the file's shape without writing anything: the mapped columns and every row."""
    positions = locate_columns(reader.header(), mapping)
    rows = sum(1 for _ in reader.rows())
    return positions, rows


# A spreadsheet holds no monitoring record: each person's is recorded as unknown.
_IDENTITY_CODE, _SELF_DEFINED = parse_identity_code(None), parse_self_defined(None)


def prepare_imported(person: ImportedPerson, *, uow: UnitOfWork, entry_id: str) -> Prepared:
    """A row the row check passed, as collection holds a person, to be entry ``entry_id``:
    ``RowChecker`` has applied every rule ``prepare_entry`` applies (a test holds it to that),
    so only the blind index is left to compute."""
    return Prepared(
        person.given_name,
        person.family_name,
        person.date_of_birth,
        person.category,
        person.bcu,
        person.child,
        uow.blind_index.name_dob(person.given_name, person.family_name, person.date_of_birth),
        _IDENTITY_CODE,
        _SELF_DEFINED,
        nicknames=person.nicknames,
        address=person.address,
        iao_approval_by=person.iao_approval_by,
        safeguarding_referral=person.safeguarding_referral,
        intelligence=person.intelligence,
        entry_id=entry_id,
    )


def list_rules(register_list: RegisterList) -> ListRules:
    """A list kept for enforcement holds gang nominals: each needs corroboration (law 8)."""
    enforcement = any(class_of(p) is PurposeClass.ENFORCEMENT for p in register_list.purposes)
    return ListRules(
        allowed=frozenset(Category(c) for c in register_list.categories),
        corroboration_required=enforcement,
    )


@dataclass
class _Batch:
    """One batch's rows on their way: the people to collect and the rows to quarantine."""

    people: list[tuple[int, Prepared]] = field(default_factory=list)
    quarantine: list[tuple[int, list[Cell], tuple[Reason, ...]]] = field(default_factory=list)


class _Importer:
    def __init__(
        self,
        session: Session,
        uow: UnitOfWork,
        actor: Actor,
        register_list: RegisterList,
        purpose: Purpose,
        report: ImportReport,
        header: list[str],
        positions: dict[str, int],
        mapping: ColumnMapping,
    ) -> None:
        self.session, self.uow, self.actor = session, uow, actor
        self.register_list, self.purpose, self.report = register_list, purpose, report
        self.header = header
        self.checker = RowChecker(
            positions, mapping=mapping, rules=list_rules(register_list), today=uow.today()
        )
        self.reasons: Counter[str] = Counter()
        self.seen: set[bytes] = set()  # only for a dry run, which writes nothing to look up

    def sort(self, rows: Sequence[tuple[int, list[Cell]]]) -> _Batch:
        batch = _Batch()
        check = self.checker.check
        ids = iter(new_ids(len(rows)))  # ascending, as each index takes them best
        for number, cells in rows:
            verdict = check(number, cells)
            if verdict.person is None:
                batch.quarantine.append((number, cells, verdict.reasons))
            else:
                p = prepare_imported(verdict.person, uow=self.uow, entry_id=next(ids))
                batch.people.append((number, p))
        by_number = dict(rows)
        self._check_approvers(batch, by_number)
        self._check_duplicates(batch, by_number)
        return batch

    def _reject(self, batch: _Batch, cells: dict[int, list[Cell]], bad: dict[int, Reason]) -> None:
        for number, reason in bad.items():
            batch.quarantine.append((number, cells[number], (reason,)))
        batch.people = [(n, p) for n, p in batch.people if n not in bad]

    def _check_approvers(self, batch: _Batch, cells: dict[int, list[Cell]]) -> None:
        wanted = {p.iao_approval_by for _, p in batch.people if p.iao_approval_by}
        valid = active_iao_ids(self.session, wanted)
        detail = "iao_approval must name an active IAO"
        self._reject(
            batch,
            cells,
            {
                n: Reason("iao-approval-invalid", detail, "iao_approval_by")
                for n, p in batch.people
                if p.iao_approval_by and p.iao_approval_by not in valid
            },
        )

    def _check_duplicates(self, batch: _Batch, cells: dict[int, list[Cell]]) -> None:
        """One person, one entry: a repeat in the file, or someone already on the list, waits.

        Everyone else is matched to the subject already held under their blind index, if any,
        or given a new one (``collect_prepared`` is told they are resolved).
        """
        indexes = list({p.index for _, p in batch.people})
        known: dict[bytes, str] = {}  # index -> the subject held under it
        held: dict[bytes, str | None] = {}  # index -> import that put them on this list
        for start in range(0, len(indexes), 500):
            # Two lookups, each by its own index (the blind index, then list and subject): a
            # join lets a planner without statistics walk the whole list for every batch.
            found = self.session.execute(
                select(Subject.id, Subject.name_dob_index).where(
                    Subject.name_dob_index.in_(indexes[start : start + 500])
                )
            )
            subjects: dict[str, bytes] = dict(found.all())
            if not subjects:
                continue
            known.update((index, subject_id) for subject_id, index in subjects.items())
            for subject_id, import_id in self.session.execute(
                select(Entry.subject_id, Entry.import_id).where(
                    Entry.list_id == self.register_list.id, Entry.subject_id.in_(list(subjects))
                )
            ):
                held[subjects[subject_id]] = import_id
        bad: dict[int, Reason] = {}
        first_in_batch: dict[bytes, int] = {}
        fresh = iter(new_ids(len(batch.people)))
        for number, p in batch.people:
            repeat = p.index in first_in_batch or p.index in self.seen
            if p.index in held:
                repeat = repeat or held[p.index] == self.report.import_id
            if repeat:
                bad[number] = Reason("duplicate-in-file", "the same person is on an earlier row")
            elif p.index in held:
                bad[number] = Reason("already-on-list", "the person is already on this list")
            else:
                first_in_batch[p.index] = number
                held_as = known.get(p.index)
                p.new_subject = held_as is None
                p.subject_id = held_as or next(fresh)
        if self.report.dry_run:
            self.seen.update(first_in_batch)
        self._reject(batch, cells, bad)

    def load(self, batch: _Batch) -> None:
        people = [p for _, p in batch.people]
        if people and self.report.dry_run:
            authorise_collection(
                self.session, self.uow, self.actor, self.register_list, self.purpose, people
            )
        elif people:
            collect_prepared(
                self.session,
                self.uow,
                self.actor,
                self.register_list,
                self.purpose,
                people,
                import_id=self.report.import_id,
                review_by=self.report.review_due_on,
                subjects_resolved=True,
            )
        self.report.matched_existing_people += sum(1 for p in people if not p.new_subject)
        self.report.loaded += len(people)
        self.report.quarantined += len(batch.quarantine)
        for _, _, reasons in batch.quarantine:
            self.reasons.update({r.code for r in reasons})
        if batch.quarantine and not self.report.dry_run:
            rows = [self._sealed(q) for q in batch.quarantine]
            insert_rows(self.session, cast(Table, QuarantineRow.__table__), rows)

    def _sealed(self, item: tuple[int, list[Cell], tuple[Reason, ...]]) -> dict[str, object]:
        number, cells, reasons = item
        row_id, import_id = new_id(), self.report.import_id
        assert import_id is not None
        document = {
            "row": number,
            "cells": {
                header or f"column {n + 1}": cell_text(cell)
                for n, (header, cell) in enumerate(zip(self.header, cells, strict=False))
            },
            "columns": [h or f"column {n + 1}" for n, h in enumerate(self.header)],
            "reasons": [r.as_dict() for r in reasons],
        }
        return {
            "id": row_id,
            "import_id": import_id,
            "source_row": number,
            "reasons": sorted({r.code for r in reasons}),
            "row_ct": self.uow.cipher.seal_quarantine(
                import_id, row_id, "row", json.dumps(document, sort_keys=True)
            ),
        }


def import_file(
    *,
    uow: UnitOfWork,
    actor: Actor,
    list_id: str,
    purpose: str | None,
    path: Path,
    mapping: ColumnMapping,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` into a list; see the module docstring. A dry run writes nothing.

    ``purpose`` defaults to the first the list declares.
    """
    if purpose is None:
        with uow.read_only() as session:
            declared = get_list(session, list_id).purposes
        purpose = declared[0] if declared else ""
    purpose_class = class_of(purpose)  # refuses anything outside the vocabulary
    purpose_value = Purpose(purpose)
    reader = open_reader(path)
    positions, total = survey_file(reader, mapping)
    header = reader.header()
    report = ImportReport(
        import_id=None if dry_run else str(uuid.uuid4()),
        list_id=list_id,
        file=path.name,
        file_sha256=_digest(path),
        file_format=reader.format,
        dry_run=dry_run,
        rows=total,
    )
    attempt = Attempt(
        Operation.LIST_IMPORT,
        actor.id,
        list_id,
        purpose=purpose_value.value,
        purpose_class=purpose_class.value,
    )
    context = uow.read_only() if dry_run else uow.transaction(attempt)
    with quiet_collector(), context as session:
        register_list = list_open_for_collection(session, uow, list_id, purpose_value)
        if not dry_run:
            # As the retention sweep holds: a 100,000-row import writes some 230 MiB of pages,
            # and each person's rows land at random places in seven random-keyed indexes.
            widen_page_cache(session.connection(), mib=IMPORT_PAGE_CACHE_MIB)
        today = uow.today()
        if not dry_run:
            report.review_due_on = today + timedelta(days=LEGACY_REVIEW_DAYS)
            report.quarantine_erase_on = today + timedelta(days=QUARANTINE_DAYS)
            _start(session, uow, actor, report)
        importer = _Importer(
            session, uow, actor, register_list, purpose_value, report, header, positions, mapping
        )
        done = 0
        for rows in _batched(reader.rows(), batch_size):
            importer.load(importer.sort(rows))
            done += len(rows)
            if progress is not None:
                progress(done, total)
        report.reasons = dict(sorted(importer.reasons.items()))
        if not dry_run:
            _finish(session, uow, actor, report, purpose_value)
    return report


def _start(session: Session, uow: UnitOfWork, actor: Actor, report: ImportReport) -> None:
    assert report.import_id is not None
    assert report.quarantine_erase_on is not None
    session.add(
        ImportRun(
            id=report.import_id,
            list_id=report.list_id,
            actor_id=actor.id,
            file_name=report.file[:255],
            file_sha256=report.file_sha256,
            file_format=report.file_format,
            started_at=uow.now(),
            rows=report.rows,
            loaded=0,
            quarantined=0,
            reasons={},
            quarantine_erase_on=report.quarantine_erase_on,
        )
    )
    session.flush()


def _finish(
    session: Session, uow: UnitOfWork, actor: Actor, report: ImportReport, purpose: Purpose
) -> None:
    """Record the counts and log the import (each entry was written due for review by
    ``review_due_on``)."""
    session.execute(
        update(ImportRun)
        .where(ImportRun.id == report.import_id)
        .values(loaded=report.loaded, quarantined=report.quarantined, reasons=report.reasons)
    )
    record_event(
        session,
        at=uow.now(),
        operation=Operation.LIST_IMPORT,
        actor_id=actor.id,
        list_id=report.list_id,
        purpose=purpose,
        purpose_class=class_of(purpose).value,
        result_count=report.loaded,
        reason=f"import {report.import_id}: {report.loaded} loaded, "
        f"{report.quarantined} quarantined",
    )
