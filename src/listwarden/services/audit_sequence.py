"""Running the sequencer and signing checkpoints: after commits, in the background, on demand.

Writers never wait on the tree: they commit their events and, every ``log_sequence_every``
events, the committing thread tries to run the sequencer once its own transaction is over (on
PostgreSQL it gives up at once if another sequencer holds the lock). ``serve`` also runs it in
the background, and every command that reads the tree runs it first. A checkpoint is signed
every ``log_checkpoint_every`` events, every ``log_checkpoint_minutes`` in ``serve`` if the log
grew, and on demand. The log never signs a tree that does not extend its last checkpoint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from listwarden.auditlog.checkpoint import verify_note
from listwarden.auditlog.heads import StoredCheckpoint, insert_checkpoint, latest_checkpoint
from listwarden.auditlog.merkle import verify_consistency
from listwarden.auditlog.proofs import consistency
from listwarden.auditlog.rows import lock_log
from listwarden.auditlog.sequencer import DEFAULT_BATCH, current_head, sequence_batch
from listwarden.domain.errors import ListwardenError, LogIntegrityError
from listwarden.services.audit_config import EventLog, engine_of, event_log, registered_log
from listwarden.services.unit_of_work import UnitOfWork, utc_now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SequenceRun:
    """What one run of the sequencer did."""

    sequenced: int
    tree_size: int
    checkpoint: StoredCheckpoint | None
    busy: bool = False


def _sign(conn: Connection, event_log: EventLog, now: datetime) -> StoredCheckpoint:
    """Sign the tree as sequenced, after proving it extends the last checkpoint."""
    head = current_head(conn)
    latest = latest_checkpoint(conn)
    signer = event_log.signer()
    if latest is not None:
        if head.size == latest.size and head.root == latest.root:
            return latest
        verify_note(latest.note, [signer.verifier], origin=signer.origin)
        if head.size < latest.size:
            raise LogIntegrityError(
                f"the log holds {head.size} leaves, fewer than its last checkpoint's "
                f"{latest.size}: refusing to sign",
                index=head.size,
            )
        if latest.size:
            try:
                proof = consistency(conn, latest.size, head.size)
                verify_consistency(latest.size, head.size, latest.root, head.root, proof)
            except LogIntegrityError as exc:
                raise LogIntegrityError(
                    f"the log no longer extends its checkpoint of size {latest.size}: "
                    f"{exc.detail}; refusing to sign",
                    index=exc.index,
                ) from None
    note = signer.sign(head.size, head.root)
    return insert_checkpoint(conn, size=head.size, root=head.root, note=note, now=now)


def run_sequencer(
    engine: Engine,
    event_log: EventLog,
    *,
    now: datetime,
    wait: bool = True,
    limit: int | None = None,
    batch: int = DEFAULT_BATCH,
) -> SequenceRun:
    """Sequence pending events, a batch per transaction, signing checkpoints as they fall due.

    A checkpoint falls due each time the tree passes a multiple of ``log_checkpoint_every``.
    """
    every = event_log.config.checkpoint_every
    total, size, signed = 0, 0, None
    while limit is None or total < limit:
        with engine.begin() as conn:
            if not lock_log(conn, wait=wait):
                return SequenceRun(total, size, signed, busy=True)
            done = sequence_batch(conn, now=now, limit=batch)
            size = done.size
            due = done.count and size // every > (size - done.count) // every
            if due and event_log.keys is not None:
                signed = _sign(conn, event_log, now)
        total += done.count
        if not done.more:
            break
    return SequenceRun(total, size, signed)


def sequence_log(*, uow: UnitOfWork, wait: bool = True, limit: int | None = None) -> SequenceRun:
    """Give every committed event its place in the log now (the on-demand path)."""
    return run_sequencer(engine_of(uow), event_log(uow), now=uow.now(), wait=wait, limit=limit)


def sign_checkpoint(*, uow: UnitOfWork, force: bool = False) -> StoredCheckpoint:
    """Sequence everything, then sign the tree unless the latest checkpoint already covers it."""
    engine, current = engine_of(uow), event_log(uow)
    run_sequencer(engine, current, now=uow.now())
    with engine.begin() as conn:
        lock_log(conn, wait=True)
        latest = latest_checkpoint(conn)
        head = current_head(conn)
        if (
            latest is not None
            and not force
            and (latest.size, latest.root) == (head.size, head.root)
        ):
            return latest
        return _sign(conn, current, uow.now())


def maintain_log(*, uow: UnitOfWork) -> SequenceRun:
    """The background round of ``serve``: sequence, and sign if the last checkpoint is stale."""
    engine, current = engine_of(uow), event_log(uow)
    run = run_sequencer(engine, current, now=uow.now())
    with engine.begin() as conn:
        if not lock_log(conn, wait=False):
            return run
        latest = latest_checkpoint(conn)
        head = current_head(conn)
        stale = latest is None or uow.now() - latest.created_at >= timedelta(
            minutes=current.config.checkpoint_minutes
        )
        grown = head.size > (0 if latest is None else latest.size)
        if stale and grown:
            return SequenceRun(run.sequenced, head.size, _sign(conn, current, uow.now()))
    return run


def after_commit(engine: Engine, events: int) -> None:
    """The commit path's hook: count committed events and sequence when enough are pending.

    It runs after the writer's transaction has committed, so nothing here may fail the write:
    a sequencing error is logged and the events wait for the next run.
    """
    current = registered_log(engine)
    if current is None or not current.count_committed(events):
        return
    if not current.sequencing.acquire(blocking=False):
        return  # this process is sequencing already; those events will be picked up
    try:
        run_sequencer(
            engine, current, now=utc_now(), wait=False, limit=4 * current.config.sequence_every
        )
    except ListwardenError as exc:
        log.warning("access log: sequencing after commit failed: %s", exc.detail)
    except Exception:
        log.exception("access log: sequencing after commit failed")
    finally:
        current.sequencing.release()
