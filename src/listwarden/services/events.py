"""Appending access-log events inside the caller's transaction (law 4): the one event builder.

Every event, whichever use case writes it, is built by :func:`build_event` and inserted by
:func:`add_events`, so every row has the same shape: identifiers and codes in clear, and the
justification (free text that may name anyone) only as a ciphertext under its period's log key.
Events are inserted without a place in the log; once their transaction has committed, the
commit hook counts them toward the next sequencer run (see ``audit_sequence``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Engine, Table, event
from sqlalchemy.orm import Session

from listwarden.auditlog.sealing import EventRef
from listwarden.domain.errors import InvalidInput
from listwarden.domain.vocabulary import PURPOSE_CLASS, Operation, Outcome, Purpose
from listwarden.services.audit_config import EventLog, event_log
from listwarden.store.bulk import insert_rows
from listwarden.store.tables import Event

if TYPE_CHECKING:
    from listwarden.services.unit_of_work import UnitOfWork

EVENT_VERSION = 1
"""The event layout written now; ``auditlog.leaf`` derives a leaf for each version it knows."""

_PENDING = "listwarden.log.pending_events"
_EVENTS = cast(Table, Event.__table__)
_CLASS_OF = {purpose.value: kind.value for purpose, kind in PURPOSE_CLASS.items()}
"""Each purpose's class by the purpose's text: a dict lookup, not an enum lookup per event."""


def build_event(
    *,
    at: datetime,
    operation: Operation,
    actor_id: str | None,
    outcome: Outcome = Outcome.DONE,
    list_id: str | None = None,
    entry_id: str | None = None,
    subject_id: str | None = None,
    purpose: Purpose | str | None = None,
    purpose_class: str | None = None,
    recipient_id: str | None = None,
    result_count: int | None = None,
    reason: str | None = None,
    justification: str | None = None,
    log: EventLog | None = None,
) -> dict[str, Any]:
    """One event row; a justification is sealed under the period key of ``log``."""
    purpose_value = purpose.value if isinstance(purpose, Purpose) else purpose
    if purpose_class is None and purpose_value is not None:
        purpose_class = _CLASS_OF.get(purpose_value)
        if purpose_class is None:  # not a purpose: Purpose() refuses it, naming it
            purpose_class = PURPOSE_CLASS[Purpose(purpose_value)].value
    sealed: bytes | None = None
    period: str | None = None
    if justification is not None:
        if log is None:
            raise InvalidInput("a justification can only be logged sealed: pass the unit of work")
        ref = EventRef(at, operation.value, actor_id, list_id, entry_id, subject_id)
        sealed, period = log.sealer.seal(justification, ref)
    return {
        "event_version": EVENT_VERSION,
        "occurred_at": at,
        "operation": operation.value,
        "outcome": outcome.value,
        "actor_id": actor_id,
        "list_id": list_id,
        "entry_id": entry_id,
        "subject_id": subject_id,
        "purpose": purpose_value,
        "purpose_class": purpose_class,
        "justification_ct": sealed,
        "log_period": period,
        "recipient_id": recipient_id,
        "result_count": result_count,
        "reason": reason,
    }


def add_events(target: Session | Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert built events in ``target``'s transaction; they commit or roll back with it.

    A session counts them toward the sequencer when it commits (its commit hook); a connection
    leaves that to :func:`connection_committed`, which ``UnitOfWork.core`` calls for it.
    """
    if not rows:
        return
    insert_rows(target, _EVENTS, rows)
    if isinstance(target, Session):
        _install_commit_hooks()
    target.info[_PENDING] = target.info.get(_PENDING, 0) + len(rows)


def connection_committed(connection: Connection) -> None:
    """Count the events a connection's transaction has just committed toward the sequencer."""
    count = connection.info.pop(_PENDING, 0)
    if count:
        from listwarden.services.audit_sequence import after_commit

        after_commit(connection.engine, count)


def connection_rolled_back(connection: Connection) -> None:
    """Forget the events a connection's rolled-back transaction had added.

    A connection's ``info`` outlives its checkout from the pool, so the count must not linger.
    """
    connection.info.pop(_PENDING, None)


def record_event(
    session: Session | Connection,
    *,
    at: datetime,
    operation: Operation,
    actor_id: str | None,
    list_id: str | None = None,
    entry_id: str | None = None,
    subject_id: str | None = None,
    purpose: Purpose | str | None = None,
    purpose_class: str | None = None,
    justification: str | None = None,
    recipient_id: str | None = None,
    result_count: int | None = None,
    reason: str | None = None,
    outcome: Outcome = Outcome.DONE,
    uow: UnitOfWork | None = None,
) -> None:
    """Add one event to ``session``'s transaction (give ``uow`` to log a justification)."""
    add_events(
        session,
        [
            build_event(
                at=at,
                operation=operation,
                actor_id=actor_id,
                outcome=outcome,
                list_id=list_id,
                entry_id=entry_id,
                subject_id=subject_id,
                purpose=purpose,
                purpose_class=purpose_class,
                recipient_id=recipient_id,
                result_count=result_count,
                reason=reason,
                justification=justification,
                log=event_log(uow) if uow is not None else None,
            )
        ],
    )


def record_consultations(
    session: Session | Connection,
    *,
    uow: UnitOfWork,
    operation: Operation,
    actor_id: str,
    purpose: Purpose,
    purpose_class: str,
    justification: str,
    shown: Sequence[tuple[str, str, str]],
    list_id: str | None,
) -> None:
    """One event per person shown, ``(list, entry, subject)``; one with no one if none were."""
    at, log = uow.now(), event_log(uow)

    def one(list_: str | None, entry: str | None, subject: str | None) -> dict[str, Any]:
        return build_event(
            at=at,
            operation=operation,
            actor_id=actor_id,
            list_id=list_,
            entry_id=entry,
            subject_id=subject,
            purpose=purpose,
            purpose_class=purpose_class,
            result_count=len(shown),
            justification=justification,
            log=log,
        )

    if not shown:
        add_events(session, [one(list_id, None, None)])
        return
    add_events(session, [one(*person) for person in shown])


@functools.cache
def _install_commit_hooks() -> None:
    """Listen, once per process, for commits that carried events and rollbacks that dropped them."""
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    count = session.info.pop(_PENDING, 0)
    if count:
        from listwarden.services.audit_sequence import after_commit

        bind = session.get_bind()
        after_commit(bind if isinstance(bind, Engine) else bind.engine, count)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
