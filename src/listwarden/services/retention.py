"""The retention sweep (law 3): every entry a rule or maximum retention says must go is erased.

For each list (suspended ones too) the sweep loads its retention schedule, selects with SQL only
the entries that could be due (a removal rule's or retention group's day threshold passed, or a
review falling due) by one scan in storage order, reads them in pages in that order, decides
each with ``domain.retention.decide`` and removes what must go through
``erasure.erase_entries``, a batch at a time: the entry with its evidence, intelligence,
reviews, holds and assessments, and the person too when they are left on no list, with a
certificate.

Safe to kill at any point: a batch is erased in the erasure service's own crash-safe order, and
the identifiers-only ``removals`` rows of what it removes commit in the same transaction as the
deletions (both or neither); a rerun first completes the certificates of a batch whose rows
went, then decides again and finishes.
Updates that are not removals (review dates, escalation to the IAO) commit in batches. One
sweep runs at a time: a PostgreSQL advisory lock; SQLite has a single writer anyway.
"""

from __future__ import annotations

import fcntl
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from listwarden.domain.entries import is_child
from listwarden.domain.errors import Conflict, InvalidInput, Reason
from listwarden.domain.retention import (
    EntryFacts,
    FactType,
    LegalHold,
    Op,
    RetentionOutcome,
    RetentionSchedule,
    decide,
    evidence_dates,
)
from listwarden.domain.vocabulary import SCORING_ROLES, Band, Category, EvidenceRole, Operation
from listwarden.policy.retention import default_schedule, default_schedule_names, load_schedule
from listwarden.services import erasure
from listwarden.services.erased_tokens import destroy_expired_tokens
from listwarden.services.events import record_event
from listwarden.services.quarantine import count_expired_quarantines, erase_expired_quarantines
from listwarden.services.quiet_collector import quiet_collector
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.engine import hold_page_cache
from listwarden.store.tables import (
    Entry,
    EvidenceItem,
    LegalHoldRow,
    RegisterList,
    Removal,
    Review,
    Subject,
)

Progress = Callable[[int, int], None]
SWEEP_LOCK_KEY = 0x4C57_5245  # "LWRE": the PostgreSQL advisory lock the sweep holds
ESCALATED = "review overdue: escalated to the IAO"
REPORTED_REMOVALS = 1000  # the report names the first removals; the access log has every one
PURGE_EVERY = 10_000  # removals between truncations of the key store's WAL during a sweep
CHECKPOINT_PAGES = 20_000  # SQLite: WAL pages (about 80 MB) a sweep lets gather between checkpoints


@cache
def _shipped(name: str) -> RetentionSchedule:
    return default_schedule(name)


def schedule_for(ref: str) -> RetentionSchedule:
    """The schedule a list names: a shipped default (``retention/matrix.toml``) or a file."""
    name = Path(ref).name.removesuffix(".toml")
    if ref.strip() and name in default_schedule_names():
        return _shipped(name)
    if ref.strip() and Path(ref).is_file():
        return load_schedule(ref)
    detail = f"no retention schedule {ref!r}"
    shipped = ", ".join(f"retention/{n}.toml" for n in default_schedule_names())
    raise InvalidInput(
        detail,
        reasons=[Reason("unknown-retention-schedule", f"name a file or one of: {shipped}", "ref")],
    )


@dataclass
class SweepReport:
    """What a sweep found and did; with ``dry_run`` what it would have done."""

    today: date
    dry_run: bool
    lists: int = 0
    candidates: int = 0
    removed: int = 0
    subjects_erased: int = 0
    held: int = 0
    review_due: int = 0
    escalated: int = 0
    quarantines_erased: int = 0  # imports whose 30-day quarantine went (or, dry, would go)
    loss_tokens_destroyed: int = 0  # erased people's tokens past their 90 days (law 11)
    removals: list[dict[str, str]] = field(default_factory=list)


# Candidate selection: one SQL expression per day fact, the date its clock runs from.


def _latest_evidence(*where: Any) -> Any:
    return (
        select(func.max(EvidenceItem.occurred_on))
        .where(EvidenceItem.entry_id == Entry.id, *where)
        .scalar_subquery()
    )


def _anchor(fact: str) -> Any:
    scoring = EvidenceItem.role.in_([r.value for r in SCORING_ROLES])
    anchors: dict[str, Any] = {
        "days_since_added": Entry.added_on,
        "days_since_gang_related_attention": _latest_evidence(
            scoring, EvidenceItem.gang_related.is_(True)
        ),
        "days_since_last_scoring_evidence": _latest_evidence(scoring),
        "days_since_last_victimisation": _latest_evidence(
            EvidenceItem.role == EvidenceRole.VICTIM.value
        ),
        "days_since_last_review": select(func.max(Review.reviewed_on))
        .where(Review.entry_id == Entry.id)
        .scalar_subquery(),
    }
    found = anchors[fact]
    return found if fact == "days_since_added" else func.coalesce(found, Entry.added_on)


def _candidate_filter(schedule: RetentionSchedule, today: date) -> Any:
    """True for every entry that might be removed or due for review today; None: all might be.

    Only day thresholds are pushed into SQL (``fact >= n`` means the clock started on or before
    ``today - n``); a rule with none cannot be narrowed, so every entry is then a candidate.
    """
    from listwarden.domain.retention import ANCHOR_FACT, FACTS

    ors = [Entry.next_review_on <= today + timedelta(days=schedule.notice_days)]
    # "anchor <= c1 OR anchor <= c2" is "anchor <= the later of them": one correlated subquery
    # an entry for each anchor, where SQLite would run one for every term.
    latest: dict[str, date] = {}

    def loosen(fact: str, cutoff: date) -> None:
        latest[fact] = max(cutoff, latest.get(fact, cutoff))

    for group in schedule.groups.values():
        loosen(ANCHOR_FACT[group.counted_from], today - timedelta(days=group.period_days))
    for rule in schedule.removal_rules:
        ands: list[tuple[str, date]] = []
        for c in rule.conditions:
            if FACTS[c.fact].type is FactType.DAYS and isinstance(c.value, int):
                if c.op not in (Op.GE, Op.GT):
                    continue
                days = c.value + (1 if c.op is Op.GT else 0)
                ands.append((c.fact, today - timedelta(days=days)))
        if not ands:
            return None
        if len(ands) == 1:
            loosen(*ands[0])
        else:
            ors.append(and_(*(_anchor(fact) <= cutoff for fact, cutoff in ands)))
    ors.extend(_anchor(fact) <= cutoff for fact, cutoff in latest.items())
    return or_(*ors)


# The sweep.


@contextmanager
def scheduler_lock(uow: UnitOfWork) -> Iterator[None]:
    """Hold the one sweep lock; ``Conflict`` if another sweep holds it.

    PostgreSQL: an advisory lock. SQLite: a lock file beside the database, so two workers of
    one server (two processes) never sweep at once.
    """
    engine = uow.session_factory.kw.get("bind")
    if isinstance(engine, Engine) and engine.dialect.name == "sqlite":
        with _file_lock(engine):
            yield
        return
    if not isinstance(engine, Engine) or engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if not connection.scalar(select(func.pg_try_advisory_lock(SWEEP_LOCK_KEY))):
            raise Conflict(
                "a retention sweep is already running",
                reasons=[Reason("sweep-running", "wait for it to finish", "sweep")],
            )
        try:
            yield
        finally:
            connection.scalar(select(func.pg_advisory_unlock(SWEEP_LOCK_KEY)))


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    """SQLite's sweep lock: a lock file beside the database, held by one process at a time."""
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.sweep-lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(
                "a retention sweep is already running",
                reasons=[Reason("sweep-running", "wait for it to finish", "sweep")],
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sweep(
    *,
    uow: UnitOfWork,
    today: date | None = None,
    dry_run: bool = False,
    batch_size: int = 500,
    progress: Progress | None = None,
) -> SweepReport:
    """Apply every list's retention schedule; remove what must go; escalate overdue reviews."""
    day = today or uow.today()
    report = SweepReport(today=day, dry_run=dry_run)
    with uow.read_only() as session:
        lists = session.execute(
            select(RegisterList.id, RegisterList.retention_schedule_ref).order_by(RegisterList.id)
        ).all()
    plans = [(row.id, schedule_for(row.retention_schedule_ref)) for row in lists]
    # The key store's WAL is truncated every PURGE_EVERY removals and when the sweep ends (even
    # by an error), not after every batch: one truncation costs as much as a batch's keys.
    deferred = nullcontext() if dry_run else erasure.keys_of(uow).overwrite_deferred()
    engine = uow.session_factory.kw.get("bind")
    # Each batch's transaction would otherwise read the entries' index pages from the file
    # again, and end in a checkpoint of the several thousand pages it wrote.
    cached = (
        hold_page_cache(engine, checkpoint_pages=CHECKPOINT_PAGES)
        if isinstance(engine, Engine)
        else nullcontext()
    )
    with scheduler_lock(uow), deferred, cached, quiet_collector():
        if not dry_run:  # a sweep killed after a commit left certificates to complete
            erasure.finish_interrupted(uow=uow)
        total = sum(_count(uow, list_id, s, day) for list_id, s in plans)
        report.candidates = total
        done = purged = 0
        for list_id, schedule in plans:
            report.lists += 1
            for batch in _candidates_found_first(uow, list_id, schedule, day, batch_size):
                _apply(uow, schedule, batch, day, report, dry_run)
                done += len(batch)
                if not dry_run and report.removed - purged >= PURGE_EVERY:
                    erasure.keys_of(uow).overwrite_destroyed()
                    purged = report.removed
                if progress is not None:
                    progress(done, total)
        report.quarantines_erased = (
            count_expired_quarantines(uow=uow, today=day)
            if dry_run
            else erase_expired_quarantines(uow=uow, today=day)
        )
        report.loss_tokens_destroyed = destroy_expired_tokens(uow=uow, today=day, dry_run=dry_run)
        if report.removed and not dry_run:
            erasure.overwrite_erased(uow=uow)
    return report


def _where(list_id: str, schedule: RetentionSchedule, day: date) -> list[Any]:
    narrowed = _candidate_filter(schedule, day)
    return [Entry.list_id == list_id] + ([] if narrowed is None else [narrowed])


def _count(uow: UnitOfWork, list_id: str, schedule: RetentionSchedule, day: date) -> int:
    with uow.read_only() as session:
        query = select(func.count()).select_from(Entry).where(*_where(list_id, schedule, day))
        return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class _Candidate:
    entry_id: str
    subject_id: str
    list_id: str
    next_review_on: date
    escalated: bool
    facts: EntryFacts


def _batches(
    uow: UnitOfWork, list_id: str, schedule: RetentionSchedule, day: date, size: int
) -> Iterator[list[_Candidate]]:
    """Candidates in pages by id: memory holds one page whatever the size of the list."""
    after = ""
    # Walk the primary key: each page resumes where the last stopped, so the whole sweep reads
    # each entry once. Given the plain list_id test, SQLite (which has no statistics to go on)
    # prefers the list_id index and then sorts every candidate of the list for every page, which
    # is quadratic in the list's size; "list_id || ''" is the same test with no index to use.
    narrowed = _candidate_filter(schedule, day)
    where = [(Entry.list_id + "") == list_id] + ([] if narrowed is None else [narrowed])
    while True:
        with uow.read_only() as session:
            rows = session.execute(
                select(*_FACT_COLUMNS)
                .where(*where, Entry.id > after)
                .order_by(Entry.id)
                .limit(size)
            ).all()
            batch = _facts(session, uow, rows, day)
        if not batch:
            return
        yield batch
        after = batch[-1].entry_id


# The columns a decision reads: rows, not hydrated entries, since a page holds hundreds.
_FACT_COLUMNS = (
    Entry.id,
    Entry.subject_id,
    Entry.list_id,
    Entry.next_review_on,
    Entry.escalated_on,
    Entry.category,
    Entry.added_on,
    Entry.child_at_entry,
    Entry.score,
    Entry.band,
)


def _facts(session: Session, uow: UnitOfWork, rows: Sequence[Any], day: date) -> list[_Candidate]:
    ids = [r.id for r in rows]
    evidence: dict[str, list[Any]] = {i: [] for i in ids}
    for item in session.execute(
        select(EvidenceItem.entry_id, EvidenceItem.role, EvidenceItem.occurred_on)
        .add_columns(EvidenceItem.gang_related)
        .where(EvidenceItem.entry_id.in_(ids))
    ):
        evidence[item.entry_id].append(item)
    reviewed = dict(
        session.execute(
            select(Review.entry_id, func.max(Review.reviewed_on))
            .where(Review.entry_id.in_(ids))
            .group_by(Review.entry_id)
        ).all()
    )
    holds: dict[str, list[LegalHold]] = {i: [] for i in ids}
    for hold in session.scalars(
        select(LegalHoldRow).where(LegalHoldRow.entry_id.in_(ids), LegalHoldRow.expires_on >= day)
    ):
        holds[hold.entry_id].append(LegalHold(hold.reason, hold.reference, hold.expires_on))
    children = _children(session, uow, [r for r in rows if r.child_at_entry], day)
    return [
        _Candidate(
            r.id,
            r.subject_id,
            r.list_id,
            r.next_review_on,
            r.escalated_on is not None,
            EntryFacts(
                category=Category(r.category),
                added_on=r.added_on,
                under_18=r.subject_id in children,
                last_reviewed_on=reviewed.get(r.id),
                score=r.score,
                band=Band(r.band) if r.band else None,
                holds=tuple(holds[r.id]),
                **evidence_dates(evidence[r.id]),
            ),
        )
        for r in rows
    ]


def _children(session: Session, uow: UnitOfWork, rows: Sequence[Any], day: date) -> set[str]:
    """Subjects under 18 today: only those who were children when listed need their birth date."""
    if not rows:
        return set()
    found = session.execute(
        select(Subject.id, Subject.date_of_birth_ct).where(
            Subject.id.in_({r.subject_id for r in rows})
        )
    ).all()
    births = uow.cipher.open_many(
        (s.id, "subjects", s.id, "date_of_birth", s.date_of_birth_ct) for s in found
    )
    return {
        s.id
        for s, born in zip(found, births, strict=True)
        if is_child(date.fromisoformat(born), day)
    }


def _apply(
    uow: UnitOfWork,
    schedule: RetentionSchedule,
    batch: Sequence[_Candidate],
    day: date,
    report: SweepReport,
    dry_run: bool,
) -> None:
    removals: list[tuple[_Candidate, str]] = []
    kept: list[tuple[_Candidate, Any]] = []
    for c in batch:
        decision = decide(c.facts, schedule, day)
        if decision.outcome is RetentionOutcome.REMOVE:
            removals.append((c, decision.rule_id or "retention"))
            continue
        if decision.outcome is RetentionOutcome.HELD:
            report.held += 1
        elif decision.outcome is RetentionOutcome.REVIEW_DUE:
            report.review_due += 1
        elif decision.escalate_to_iao and not c.escalated:
            report.escalated += 1
            kept.append((c, None))
        if decision.next_review_on != c.next_review_on:
            kept.append((c, decision.next_review_on))
    if kept and not dry_run:  # review dates and escalations: one transaction a batch
        with uow.transaction() as session:
            for c, next_review_on in kept:
                if next_review_on is None:
                    _escalate(session, uow, c)
                else:
                    session.execute(
                        update(Entry)
                        .where(Entry.id == c.entry_id)
                        .values(next_review_on=next_review_on)
                    )
    for candidate, rule_id in removals:
        report.removed += 1
        if len(report.removals) < REPORTED_REMOVALS:
            report.removals.append({"entry_id": candidate.entry_id, "rule": rule_id})
    if not dry_run and removals:
        report.subjects_erased += _remove(uow, removals, day)


def _escalate(session: Session, uow: UnitOfWork, c: _Candidate) -> None:
    session.execute(update(Entry).where(Entry.id == c.entry_id).values(escalated_on=uow.today()))
    record_event(
        session,
        at=uow.now(),
        operation=Operation.ALTER,
        actor_id=None,
        list_id=c.list_id,
        entry_id=c.entry_id,
        subject_id=c.subject_id,
        reason=ESCALATED,
    )


def record_removals(
    session: Session, removals: Sequence[tuple[str, str, str]], *, day: date
) -> None:
    """Keep, once each, the identifiers-only record of many ``(subject_id, list_id, rule)``."""
    if not removals:
        return
    kept: set[tuple[str, str]] = set()
    subjects = sorted({subject_id for subject_id, _, _ in removals})
    for start in range(0, len(subjects), 500):
        kept.update(
            (row.subject_id, row.list_id)
            for row in session.execute(
                select(Removal.subject_id, Removal.list_id).where(
                    Removal.subject_id.in_(subjects[start : start + 500]),
                    Removal.removed_on == day,
                )
            )
        )
    rows = []
    for subject_id, list_id, rule in removals:
        if (subject_id, list_id) in kept:
            continue
        kept.add((subject_id, list_id))
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "subject_id": subject_id,
                "list_id": list_id,
                "removed_on": day,
                "rule": rule[:100],
            }
        )
    if rows:
        session.execute(insert(Removal), rows)


def record_removal(
    session: Session, *, subject_id: str, list_id: str, day: date, rule: str
) -> None:
    """Keep the identifiers-only record of a removal once, for the re-listing flag."""
    record_removals(session, [(subject_id, list_id, rule)], day=day)


def _remove(uow: UnitOfWork, removals: Sequence[tuple[_Candidate, str]], day: date) -> int:
    """Erase a batch's entries (and each person whose last it was); how many people went.

    The identifiers-only ``removals`` records are kept in the erasure's own transaction, so
    they commit with the deletions or not at all, and a batch costs one commit fewer.
    """
    records = [(c.subject_id, c.list_id, rule_id) for c, rule_id in removals]
    done = erasure.erase_entries(
        uow=uow,
        actor_id=None,
        removals=[
            erasure.EntryRemoval(c.entry_id, f"retention:{rule_id}", f"retention sweep: {rule_id}")
            for c, rule_id in removals
        ],
        within=lambda session: record_removals(session, records, day=day),
    )
    return sum(1 for d in done if d.scope == "subject")


def entries_due_for_removal(
    *, uow: UnitOfWork, today: date | None = None, batch_size: int = 2000
) -> list[str]:
    """The entries a sweep would remove today (held ones apart), read only: nothing changes.

    Law 12 reads this to find entries kept past their list's removal rule because no sweep ran.
    """
    day = today or uow.today()
    with uow.read_only() as session:
        lists = session.execute(
            select(RegisterList.id, RegisterList.retention_schedule_ref).order_by(RegisterList.id)
        ).all()
    due: list[str] = []
    for row in lists:
        try:
            schedule = schedule_for(row.retention_schedule_ref)
        except InvalidInput:
            continue  # a list with no schedule cannot be swept; its authorisation check says so
        for batch in _candidates_found_first(uow, row.id, schedule, day, batch_size):
            due.extend(
                c.entry_id
                for c in batch
                if decide(c.facts, schedule, day).outcome is RetentionOutcome.REMOVE
            )
    return sorted(due)  # in id order, whatever order the scan found them in


def _candidates_found_first(
    uow: UnitOfWork, list_id: str, schedule: RetentionSchedule, day: date, size: int
) -> Iterator[list[_Candidate]]:
    """:func:`_batches`, with the candidates' ids found first by one scan in storage order,
    then read in pages in that order (the sweep, and the look of law 12 that changes nothing).

    Walking the primary key fetches each row out of storage order: at a million entries the
    scan is ten times faster. Only the candidates' ids are held; a schedule that cannot be
    narrowed (every entry a candidate) walks the key as the sweep does.
    """
    narrowed = _candidate_filter(schedule, day)
    if narrowed is None:
        yield from _batches(uow, list_id, schedule, day, size)
        return
    with uow.read_only() as session:
        # Kept in the scan's order, not sorted by id: a page of entries stored side by side
        # shares its pages of the table and of the indexes that follow storage order, so each
        # batch's deletions dirty a fraction of the pages a page of random ids would.
        ids = list(
            session.scalars(select(Entry.id).where((Entry.list_id + "") == list_id, narrowed))
        )
    for start in range(0, len(ids), size):
        with uow.read_only() as session:
            rows = session.execute(
                select(*_FACT_COLUMNS)
                .where(Entry.id.in_(ids[start : start + size]))
                .order_by(Entry.id)
            ).all()
            batch = _facts(session, uow, rows, day)
        if batch:
            yield batch
