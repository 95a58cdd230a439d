"""Backups and the agreement of the database with the key store: back up, restore, reconcile.

The database and the key store are backed up apart, each into an encrypted, integrity-checked
archive: the database's never holds a data key, and the key store's is kept for a shorter, stated
time, so destroying a person's key makes them unreadable in every database backup once the key
store's backups from before have aged out. Restoring a database backup re-applies the erasure
ledger before the restored data goes live, so a person erased after the backup stays erased.

``reconcile_erasures`` makes the database and the key store agree after a crash: it finishes
erasures whose rows are gone but whose key is not, abandons those whose transaction never
committed, destroys keys left with no person, and re-applies the ledger.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from listwarden.domain.errors import Conflict
from listwarden.services.erasure import (
    delete_rows,
    erase_subject,
    event_reason,
    keys_of,
    log_erasure,
    overwrite_erased,
    rows_present,
)
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store import backup as snapshots
from listwarden.store.tables import Entry, Subject

DATABASE, KEYSTORE = "database", "keystore"
RECONCILE_RULE = "reconcile: key left without its person"
_CHUNK = 500
_T = TypeVar("_T")


@dataclass(frozen=True)
class BackupMade:
    """A backup written: where, of what, taken how, at which schema revision."""

    path: Path
    kind: str
    database: str
    method: str
    schema_revision: str | None
    created_at: datetime
    size_bytes: int


def back_up(*, uow: UnitOfWork, kind: str, source_url: str, out: Path, workdir: Path) -> BackupMade:
    """Snapshot the database (``kind="database"``) or the key store into a sealed archive.

    The snapshot is written to a private temporary file in ``workdir`` and sealed into ``out``
    (a new file, mode 0600, renamed into place only once complete); ``Conflict`` if ``out``
    exists. Database archives are sealed under a key-store key, key-store archives under the KEK.
    """
    keys = keys_of(uow)
    if out.exists():
        raise Conflict(f"{out} already exists; backups never overwrite a file")
    sealer = keys.backup_sealer(kind)
    created_at = datetime.now(UTC)
    with tempfile.TemporaryDirectory(dir=workdir, prefix=".backup-") as tmp:
        plain = Path(tmp) / "snapshot"
        taken = snapshots.snapshot(source_url, plain)
        meta = {
            "created_at": created_at.isoformat(),
            "database": taken.database,
            "method": taken.method,
            "schema_revision": taken.schema_revision,
        }
        partial = out.with_name(out.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with open(plain, "rb") as source, os.fdopen(fd, "wb") as dest:
                sealer.seal(source, dest, meta=meta)
                dest.flush()
                os.fsync(dest.fileno())
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupMade(
        out,
        kind,
        taken.database,
        taken.method,
        taken.schema_revision,
        created_at,
        out.stat().st_size,
    )


@dataclass
class Reapplied:
    """Rows of erased people and entries found again (in a restored backup) and deleted."""

    subjects: list[str] = field(default_factory=list)
    entries: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Restored:
    """What a restore did: which backup, and the erasures it re-applied before going live."""

    backup_created_at: str
    schema_revision: str | None
    reapplied: Reapplied
    subjects_on_no_list: int


def restore_database(
    *,
    uow: UnitOfWork,
    archive: Path,
    live_url: str,
    workdir: Path,
    open_staged: Callable[[str], AbstractContextManager[UnitOfWork]],
) -> Restored:
    """Restore a database backup against the live key store; nothing changes if it is refused.

    The archive is decrypted and checked in full into a private directory; the snapshot is staged
    beside the live database; ``open_staged(url)`` opens it (migrating it to the current schema)
    so the erasure ledger can be re-applied and logged there; only then does it replace the live
    database, in one step.
    """
    sealer = keys_of(uow).backup_sealer(DATABASE)
    with tempfile.TemporaryDirectory(dir=workdir, prefix=".restore-") as tmp:
        plain = Path(tmp) / "snapshot"
        with open(archive, "rb") as source, open(plain, "wb") as dest:
            header = sealer.open(source, dest, name=str(archive))
        staged = snapshots.stage(plain, database=str(header.get("database")), live_url=live_url)
        try:
            created = str(header.get("created_at", "an unknown time"))
            with open_staged(staged) as staged_uow:
                reapplied = reapply_erasures(
                    uow=staged_uow, reason=f"erasure re-applied on restoring a backup of {created}"
                )
                with staged_uow.read_only() as session:
                    on_no_list = session.scalar(
                        select(func.count())
                        .select_from(Subject)
                        .where(~select(Entry.id).where(Entry.subject_id == Subject.id).exists())
                    )
            snapshots.install(staged, live_url=live_url, workdir=Path(tmp))
        finally:
            snapshots.discard(staged)
    return Restored(created, header.get("schema_revision"), reapplied, int(on_no_list or 0))


def reapply_erasures(*, uow: UnitOfWork, reason: str, dry_run: bool = False) -> Reapplied:
    """Delete (and log) the rows of every person and entry the key store says were erased."""
    keys, done = keys_of(uow), Reapplied()
    for page in _pages(keys.erased_subjects()):
        certificates = dict(page)
        with uow.transaction() as session:
            present = list(
                session.scalars(select(Subject.id).where(Subject.id.in_(list(certificates))))
            )
            for subject_id in present:
                entries = [
                    (row.id, row.list_id)
                    for row in session.execute(
                        select(Entry.id, Entry.list_id).where(Entry.subject_id == subject_id)
                    )
                ]
                if not dry_run:
                    delete_rows(
                        session, uow, subject_id, [e for e, _ in entries], whole_person=True
                    )
                    _log(session, uow, subject_id, entries, reason, certificates[subject_id])
            done.subjects.extend(present)
    for page in _pages(keys.erased_entries()):
        certificates = dict(page)
        with uow.transaction() as session:
            rows = session.execute(
                select(Entry.id, Entry.list_id, Entry.subject_id).where(
                    Entry.id.in_(list(certificates))
                )
            ).all()
            for row in rows:
                if not dry_run:
                    delete_rows(session, uow, row.subject_id, [row.id], whole_person=False)
                    pair = [(row.id, row.list_id)]
                    _log(session, uow, row.subject_id, pair, reason, certificates[row.id])
            done.entries.extend(row.id for row in rows)
    return done


@dataclass
class Reconciliation:
    """What a reconciliation found and (unless a dry run) did."""

    completed: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    orphaned_keys: list[str] = field(default_factory=list)
    reapplied: Reapplied = field(default_factory=Reapplied)
    dry_run: bool = False


def reconcile_erasures(
    *, uow: UnitOfWork, grace: timedelta = timedelta(hours=1), dry_run: bool = False
) -> Reconciliation:
    """Make the database and the key store agree; see the module docstring.

    ``grace`` protects work in flight: a pending certificate younger than it may belong to a
    transaction still running, and a key younger than it to a person not yet committed.
    """
    keys, report = keys_of(uow), Reconciliation(dry_run=dry_run)
    cutoff = uow.now() - grace
    for cert in keys.pending_certificates():
        if not rows_present(uow, cert):
            report.completed.append(cert.id)
            if not dry_run:
                keys.complete_erasure(cert.id)
        elif cert.issued_at < cutoff:
            report.abandoned.append(cert.id)
            if not dry_run:
                keys.abandon_certificate(cert.id)
    for page in keys.data_key_owner_pages(created_before=cutoff):
        with uow.read_only() as session:
            held = set(session.scalars(select(Subject.id).where(Subject.id.in_(page))))
        for owner in page:
            if owner in held:
                continue
            report.orphaned_keys.append(owner)
            if not dry_run:
                erase_subject(
                    uow=uow,
                    actor_id=None,
                    subject_id=owner,
                    rule_or_request=RECONCILE_RULE,
                    reason="key store reconciliation",
                    overwrite=False,
                )
    report.reapplied = reapply_erasures(
        uow=uow, reason="erasure re-applied by key store reconciliation", dry_run=dry_run
    )
    if not dry_run and (report.completed or report.orphaned_keys or report.reapplied.subjects):
        overwrite_erased(uow=uow)
    return report


def _log(
    session: Session,
    uow: UnitOfWork,
    subject_id: str,
    entries: list[tuple[str, str]],
    reason: str,
    certificate_id: str,
) -> None:
    log_erasure(
        session,
        at=uow.now(),
        actor_id=None,
        subject_id=subject_id,
        entries=entries,
        reason=event_reason("erasure ledger re-applied", certificate_id),
        justification=reason,
        uow=uow,
    )


def _pages(items: Iterable[_T]) -> Iterator[list[_T]]:
    page: list[_T] = []
    for item in items:
        page.append(item)
        if len(page) == _CHUNK:
            yield page
            page = []
    if page:
        yield page
