"""Proofs from the stored tree: inclusion and consistency, each in one or two indexed reads.

A proof's shape depends only on the sizes and the index, never on the hashes, so the prover
first walks the proof with a recording lookup to learn which perfect nodes it needs, reads them
all at once (leaves from ``log_leaves``, higher nodes from ``log_nodes``), then walks it again
with the real hashes. A proof at a million leaves is then about twenty primary-key lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TypeVar

from sqlalchemy import Connection

from listwarden.auditlog.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    NodeLookup,
    consistency_proof,
    inclusion_proof,
    subtree_hash,
)
from listwarden.auditlog.rows import event_columns, fetch_all
from listwarden.domain.errors import LogIntegrityError

T = TypeVar("T")
_PLACEHOLDER = bytes(HASH_SIZE)
_CHUNK = 200  # keys per query: well under every driver's parameter limit


def _point_lookups(table: str, keys: list[tuple[int, int]]) -> tuple[str, dict[str, int]]:
    """One query for many primary keys: ORed equalities, which both databases answer by index.

    (A row-value ``IN`` list is not: SQLite scans the whole table for it.)
    """
    params: dict[str, int] = {}
    terms = []
    for n, (level, index) in enumerate(keys):
        params[f"l{n}"], params[f"i{n}"] = level, index
        if table == "log_leaves":
            terms.append(f"leaf_index = :i{n}")
        else:
            terms.append(f"(level = :l{n} AND node_index = :i{n})")
    if table == "log_leaves":
        sql = f"SELECT 0, leaf_index, leaf_hash FROM log_leaves WHERE {' OR '.join(terms)}"
    else:
        sql = f"SELECT level, node_index, hash FROM log_nodes WHERE {' OR '.join(terms)}"
    return sql, params


def fetch_nodes(
    conn: Connection, wanted: Collection[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """The stored hashes of the perfect subtrees ``wanted``, as (level, index) -> hash."""
    found: dict[tuple[int, int], bytes] = {}
    leaves = sorted(key for key in wanted if key[0] == 0)
    inner = sorted(key for key in wanted if key[0] > 0)
    for table, keys in (("log_leaves", leaves), ("log_nodes", inner)):
        for start in range(0, len(keys), _CHUNK):
            sql, params = _point_lookups(table, keys[start : start + _CHUNK])
            for level, index, value in fetch_all(conn, sql, params):
                found[level, index] = bytes(value)
    missing = [key for key in wanted if key not in found]
    if missing:
        level, index = min(missing)
        raise LogIntegrityError(
            f"the stored tree lacks the node at level {level}, index {index}",
            index=index << level,
        )
    return found


def with_stored_nodes(conn: Connection, build: Callable[[NodeLookup], T]) -> T:
    """Run ``build`` (a proof or root computation) over the stored tree, reading it once."""
    wanted: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        wanted.add((level, index))
        return _PLACEHOLDER

    build(record)
    nodes = fetch_nodes(conn, wanted)
    return build(lambda level, index: nodes[level, index])


def root_at(conn: Connection, size: int) -> bytes:
    """The root of the first ``size`` leaves, from stored perfect subtrees alone."""
    if size == 0:
        return EMPTY_ROOT
    return with_stored_nodes(conn, lambda node: subtree_hash(0, size, node))


def inclusion(conn: Connection, index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves."""
    return with_stored_nodes(conn, lambda node: inclusion_proof(index, size, node))


def consistency(conn: Connection, size1: int, size2: int) -> list[bytes]:
    """The proof that the tree of ``size1`` leaves is a prefix of the tree of ``size2``."""
    return with_stored_nodes(conn, lambda node: consistency_proof(size1, size2, node))


def leaf_of_event(conn: Connection, event_id: int) -> tuple[int, bytes] | None:
    """Where an event sits in the log: (leaf index, stored leaf hash), or None if unsequenced."""
    sql = "SELECT leaf_index, leaf_hash FROM log_leaves WHERE event_id = :event"
    rows = fetch_all(conn, sql, {"event": event_id})
    return None if not rows else (rows[0][0], bytes(rows[0][1]))


def event_at(conn: Connection, leaf_index: int) -> tuple[int, tuple[object, ...] | None] | None:
    """The event id a leaf names and that event's row as leaves read it (None if it is gone)."""
    sql = (
        f"SELECT l.event_id, {event_columns(conn)} FROM log_leaves l "
        "LEFT JOIN events e ON e.id = l.event_id WHERE l.leaf_index = :index"
    )
    rows = fetch_all(conn, sql, {"index": leaf_index})
    if not rows:
        return None
    event_id, *event = rows[0]
    return event_id, (tuple(event) if event[1] is not None else None)
