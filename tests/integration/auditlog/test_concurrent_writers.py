"""Eight writers at once: every committed event is in the log exactly once, the log contiguous.

Writers commit out of id order on PostgreSQL, some roll back (leaving holes in the id sequence),
and the commit path and a ninth thread run the sequencer while they write.
"""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.domain.vocabulary import Operation
from listwarden.services.audit_sequence import sequence_log
from listwarden.services.audit_verify import verify_log
from listwarden.services.events import record_event
from listwarden.store.tables import Event, LogLeaf
from tests.integration.auditlog.conftest import attach

WRITERS = 8
TRANSACTIONS = 25


class Abandoned(Exception):
    """A business transaction that fails after writing its events."""


def writer(register: Register, number: int, errors: list[BaseException]) -> None:
    uow = register.uow
    try:
        for t in range(TRANSACTIONS):
            try:
                with uow.transaction() as session:
                    for _ in range(1 + (number + t) % 3):
                        record_event(
                            session,
                            at=uow.now(),
                            operation=Operation.CONSULT,
                            actor_id=f"writer-{number}",
                            subject_id=f"subject-{t}",
                            purpose="compliance_audit",
                            justification=f"writer {number} transaction {t}",
                            uow=uow,
                        )
                    if t % 5 == 4:
                        raise Abandoned
            except Abandoned:
                pass
    except BaseException as exc:  # noqa: BLE001 - handed to the main thread to re-raise
        errors.append(exc)


def test_concurrent_writers_are_sequenced_exactly_once(register: Register) -> None:
    attach(register, sequence_every=7, checkpoint_every=40)
    errors: list[BaseException] = []
    stop = threading.Event()

    def sequencer() -> None:
        try:
            while not stop.is_set():
                sequence_log(uow=register.uow)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread to re-raise
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(register, n, errors)) for n in range(WRITERS)]
    background = threading.Thread(target=sequencer)
    background.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    background.join()
    assert errors == []

    sequence_log(uow=register.uow)
    with register.uow.read_only() as session:
        committed = list(session.scalars(select(Event.id)))
        logged = session.execute(select(LogLeaf.leaf_index, LogLeaf.event_id)).all()
    expected = sum(
        1 + (n + t) % 3 for n in range(WRITERS) for t in range(TRANSACTIONS) if t % 5 != 4
    )
    assert len(committed) == expected
    assert sorted(index for index, _ in logged) == list(range(expected))
    counts = Counter(event_id for _, event_id in logged)
    assert set(counts) == set(committed)
    assert max(counts.values()) == 1
    result = verify_log(uow=register.uow)
    assert result.ok, result.departures
    assert result.checkpoints_checked >= 1
