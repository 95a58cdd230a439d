"""An attacker with file or superuser access rewrites the log: verification fails and says where.

Each test builds a signed log of twelve events, sequenced one at a time, then goes round the
database's refusal (dropping SQLite's triggers, or PostgreSQL's ``session_replication_role``).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from listwarden.auditlog.leaf import leaf_bytes, leaf_digest, leaf_values
from listwarden.bootstrap import Register
from listwarden.services.audit_sequence import sequence_log, sign_checkpoint
from listwarden.services.audit_verify import Verification, verify_log
from listwarden.store.tables import LogLeaf
from tests.integration.auditlog.conftest import as_attacker, write_events

SIZE = 12


@pytest.fixture
def signed(log_register: Register) -> Register:
    for _ in range(SIZE):
        write_events(log_register, 1)
        sequence_log(uow=log_register.uow)
    assert sign_checkpoint(uow=log_register.uow).size == SIZE
    assert verify_log(uow=log_register.uow).ok
    return log_register


def event_at(register: Register, index: int) -> int:
    with register.uow.read_only() as session:
        return int(session.scalar(select(LogLeaf.event_id).where(LogLeaf.leaf_index == index)) or 0)


def failed(register: Register, outside: str | None = None) -> Verification:
    result = verify_log(uow=register.uow, outside_checkpoint=outside)
    assert not result.ok
    return result


def test_changing_an_indexed_column_is_found_at_its_leaf(signed: Register) -> None:
    victim = event_at(signed, 7)
    as_attacker(signed, f"UPDATE events SET subject_id = 'someone-else' WHERE id = {victim}")
    result = failed(signed)
    assert result.first_departure == 7
    assert result.departures[0].reason == f"event {victim} at leaf 7 differs from what was logged"
    assert result.summary().startswith("the log does not verify (first departure at leaf 7)")


def test_deleting_an_event_is_found_at_its_leaf(signed: Register) -> None:
    victim = event_at(signed, 5)
    as_attacker(signed, f"DELETE FROM events WHERE id = {victim}")
    result = failed(signed)
    assert result.first_departure == 5
    assert result.departures[0].reason == f"event {victim} at leaf 5 has been deleted"


def test_deleting_a_leaf_is_found_where_the_gap_opens(signed: Register) -> None:
    as_attacker(signed, "DELETE FROM log_leaves WHERE leaf_index = 4")
    result = failed(signed)
    assert result.first_departure == 4
    assert result.departures[0].reason == "leaf 4 is missing from the log"


def test_a_backdated_event_outside_the_log_is_found(signed: Register) -> None:
    as_attacker(
        signed,
        "INSERT INTO events (id, event_version, occurred_at, operation, outcome, actor_id) "
        "VALUES (0, 1, '2026-01-01 00:00:00.000000', 'entry:consult', 'done', 'insider')",
    )
    result = failed(signed)
    assert [d.reason for d in result.departures] == [
        "event 0 is in the events table but not in the log"
    ]


def test_an_event_slipped_into_the_middle_is_found_where_it_went(signed: Register) -> None:
    # A careful attacker: a forged event, its correct leaf hash, and the later leaves renumbered.
    row = (1, 0, "2026-01-01T00:00:00.000000Z", "entry:consult", "done", "insider")
    values = leaf_values((*row, *(None,) * 10))
    forged = leaf_digest(values).hex()
    assert leaf_bytes(values).startswith(b'["listwarden.event/1",0,')
    blob = f"X'{forged}'" if signed.engine.dialect.name == "sqlite" else f"'\\x{forged}'"
    as_attacker(
        signed,
        "INSERT INTO events (id, event_version, occurred_at, operation, outcome, actor_id) "
        "VALUES (0, 1, '2026-01-01 00:00:00.000000', 'entry:consult', 'done', 'insider')",
        "UPDATE log_leaves SET leaf_index = leaf_index + 1000 WHERE leaf_index >= 3",
        "UPDATE log_leaves SET leaf_index = leaf_index - 999 WHERE leaf_index >= 1000",
        f"INSERT INTO log_leaves (leaf_index, event_id, leaf_hash) VALUES (3, 0, {blob})",
    )
    result = failed(signed)
    assert result.first_departure == 3
    assert result.departures[0].reason.startswith(
        "the log departs from the sequencing record at size 4: its root is not the one recorded"
    )
    assert any(d.checkpoint_id is not None for d in result.departures)


def test_swapping_two_events_is_found_at_the_first(signed: Register) -> None:
    a, b = event_at(signed, 4), event_at(signed, 9)
    as_attacker(
        signed,
        "UPDATE log_leaves SET event_id = -1 WHERE leaf_index = 4",
        f"UPDATE log_leaves SET event_id = {a} WHERE leaf_index = 9",
        f"UPDATE log_leaves SET event_id = {b} WHERE leaf_index = 4",
    )
    result = failed(signed)
    assert result.first_departure == 4
    assert result.departures[0].reason == f"event {b} at leaf 4 differs from what was logged"


def test_truncating_the_log_is_found_against_the_checkpoint(signed: Register) -> None:
    if signed.engine.dialect.name == "sqlite":
        tables = ("log_nodes", "log_leaves", "log_frontiers", "events")
        as_attacker(signed, *(f"DELETE FROM {t}" for t in tables))
    else:
        as_attacker(signed, "TRUNCATE events, log_leaves, log_nodes, log_frontiers, log_queue")
    result = failed(signed)
    assert result.first_departure == 0
    assert (
        result.departures[0].reason == "checkpoint 1 (size 12) covers 12 leaves but the log holds 0"
    )


def test_truncating_log_and_checkpoints_is_found_against_an_outside_checkpoint(
    signed: Register,
) -> None:
    kept = sign_checkpoint(uow=signed.uow).note
    if signed.engine.dialect.name == "sqlite":
        tables = ("log_nodes", "log_leaves", "log_frontiers", "checkpoints", "events")
        as_attacker(signed, *(f"DELETE FROM {t}" for t in tables))
    else:
        as_attacker(
            signed,
            "TRUNCATE events, log_leaves, log_nodes, log_frontiers, log_queue, checkpoints CASCADE",
        )
    result = failed(signed, outside=kept)
    assert result.first_departure == 0
    assert result.outside_checkpoint_size == SIZE
    assert result.departures[0].reason == (
        "the outside checkpoint (size 12) covers 12 leaves but the log holds 0"
    )


def test_replacing_a_checkpoint_is_found(signed: Register) -> None:
    with signed.uow.read_only() as session:
        from listwarden.store.tables import LogCheckpoint

        note = session.scalars(select(LogCheckpoint.note)).one()
    origin, _size, root, rest = note.split("\n", 3)
    forged = "\n".join([origin, "11", root, rest]).replace("'", "''")
    as_attacker(signed, f"UPDATE checkpoints SET note = '{forged}', tree_size = 11")
    result = failed(signed)
    assert result.departures[0].reason == (
        "checkpoint 1 (size 11) is not signed by this log: "
        f"the signature by {origin} does not verify: the note was altered"
    )
    assert result.departures[0].checkpoint_id == 1
    assert result.checkpoints_checked == 0


def test_an_outside_checkpoint_from_another_log_is_refused(signed: Register) -> None:
    from listwarden.auditlog.signer import LogSigner

    other = LogSigner(b"\x09" * 32).sign(SIZE, b"\x00" * 32)
    result = failed(signed, outside=other)
    assert result.departures[0].reason.startswith("the outside checkpoint does not verify")


def test_a_thorough_rewrite_is_found_after_the_last_signed_head(log_register: Register) -> None:
    # Leaf, and every sequencing record after it, rewritten to match: only signatures remain.
    from listwarden.auditlog.leaf import leaf_hash_of
    from listwarden.auditlog.merkle import root_from_leaf_hashes
    from listwarden.auditlog.rows import event_columns, fetch_all, reading

    for batch in (4, 8):
        for _ in range(batch):
            write_events(log_register, 1)
            sequence_log(uow=log_register.uow)
        sign_checkpoint(uow=log_register.uow)
    victim = event_at(log_register, 5)
    as_attacker(log_register, f"UPDATE events SET subject_id = 'someone-else' WHERE id = {victim}")
    with reading(log_register.engine) as conn:
        sql = (
            f"SELECT {event_columns(conn)} FROM log_leaves l "
            "JOIN events e ON e.id = l.event_id ORDER BY l.leaf_index"
        )
        leaves = [leaf_hash_of(row) for row in fetch_all(conn, sql, {})]
    hexed = "X'{}'" if log_register.engine.dialect.name == "sqlite" else "'\\x{}'"
    as_attacker(
        log_register,
        f"UPDATE log_leaves SET leaf_hash = {hexed.format(leaves[5].hex())} WHERE leaf_index = 5",
        *(
            f"UPDATE log_frontiers SET root = "
            f"{hexed.format(root_from_leaf_hashes(leaves[:size]).hex())} WHERE tree_size = {size}"
            for size in range(6, SIZE + 1)
        ),
    )
    result = failed(log_register)
    assert result.first_departure == 4
    assert result.departures[0].reason == (
        "the log departs from checkpoint 2 (size 12): its root is not the one signed; "
        "the first leaf that can differ is 4"
    )
