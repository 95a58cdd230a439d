"""The sequencer: gives committed events contiguous leaf indexes and grows the tree incrementally.

Business transactions insert events without a position. One sequencer at a time (the caller
holds :func:`listwarden.auditlog.rows.lock_log` in the same transaction) takes a batch of
committed, unsequenced events in id order, derives each leaf from the stored columns, appends it
to the compact range resumed from the last stored frontier (O(log n) per event, no rebuild), and
inserts, in that one transaction, the leaves, every perfect node the appends completed, and the
new frontier. A failed batch rolls back whole, so the log never holds half a batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert

from listwarden.auditlog.leaf import leaf_hash_of
from listwarden.auditlog.merkle import CompactRange
from listwarden.auditlog.rows import (
    dequeue,
    dialect,
    fetch_all,
    pending_events,
    queued_without_event,
)
from listwarden.domain.errors import LogIntegrityError
from listwarden.store.tables import LogFrontier, LogLeaf, LogNode

DEFAULT_BATCH = 1_000


@dataclass(frozen=True)
class TreeHead:
    """The log as last sequenced: its size, root, and the last event id it took in."""

    size: int
    root: bytes
    last_event_id: int | None


def load_frontier(conn: Connection) -> tuple[CompactRange, int | None]:
    """The compact range to resume from, checked against the leaves actually stored."""
    rows = fetch_all(
        conn,
        "SELECT tree_size, frontier, last_event_id FROM log_frontiers "
        "ORDER BY tree_size DESC LIMIT 1",
        {},
    )
    size, state, last_event_id = rows[0] if rows else (0, None, None)
    tree = CompactRange() if state is None else CompactRange.from_state(bytes(state))
    if tree.size != size:
        raise LogIntegrityError(
            f"the stored frontier for size {size} describes {tree.size} leaves",
            index=min(tree.size, size),
        )
    stored = fetch_all(conn, "SELECT max(leaf_index) FROM log_leaves", {})[0][0]
    leaves = 0 if stored is None else int(stored) + 1
    if leaves != tree.size:
        raise LogIntegrityError(
            f"the log holds {leaves} leaves but its last frontier is for {tree.size}",
            index=min(leaves, tree.size),
        )
    return tree, last_event_id


def current_head(conn: Connection) -> TreeHead:
    """The size and root of the log as last sequenced."""
    tree, last_event_id = load_frontier(conn)
    return TreeHead(tree.size, tree.root(), last_event_id)


def _insert_many(conn: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert tuples in column order: the driver's executemany on SQLite, SQLAlchemy elsewhere."""
    if not rows:
        return
    names = [column.name for column in table.columns]
    if dialect(conn) == "sqlite":
        raw = conn.connection.driver_connection
        assert raw is not None
        placeholders = ", ".join("?" for _ in names)
        raw.executemany(
            f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({placeholders})", rows
        )
        return
    conn.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])


@dataclass(frozen=True)
class Batch:
    """What one batch did: how many events it sequenced, the tree after it, whether more wait."""

    count: int
    size: int
    more: bool


def sequence_batch(conn: Connection, *, now: datetime, limit: int = DEFAULT_BATCH) -> Batch:
    """Sequence up to ``limit`` pending events inside ``conn``'s transaction.

    The caller holds the sequencer lock and commits (or rolls back) the transaction.
    """
    tree, last_event_id = load_frontier(conn)
    rows = pending_events(conn, after_event_id=last_event_id or 0, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    if not rows:
        lost = queued_without_event(conn, limit=1)
        if lost:
            raise LogIntegrityError(
                f"event {lost[0]} was committed but is gone before it could be sequenced"
            )
        return Batch(0, tree.size, False)
    first = tree.size
    append = tree.append
    leaves: list[tuple[int, int, bytes]] = []
    nodes: list[tuple[int, int, bytes]] = []
    add_leaf, add_nodes = leaves.append, nodes.extend
    for offset, row in enumerate(rows):
        leaf = leaf_hash_of(row)
        add_leaf((first + offset, row[1], leaf))
        completed = append(leaf)
        if len(completed) > 1:
            add_nodes(completed[1:])  # level 0 is the leaf itself, kept in log_leaves
    _insert_many(conn, LogLeaf.__table__, leaves)  # type: ignore[arg-type]
    _insert_many(conn, LogNode.__table__, nodes)  # type: ignore[arg-type]
    event_ids = [row[1] for row in rows]
    conn.execute(
        insert(LogFrontier),
        {
            "tree_size": tree.size,
            "frontier": tree.to_state(),
            "root": tree.root(),
            "last_event_id": max(event_ids[-1], last_event_id or 0),
            "sequenced_at": now,
        },
    )
    dequeue(conn, event_ids)
    return Batch(len(rows), tree.size, more)
