"""Stored signed tree heads: the checkpoints the log signed and the cosignatures witnesses gave.

Both tables are insert-only. A checkpoint row repeats the size and root of its note so they can
be searched; verification re-reads the note and refuses a row whose columns disagree with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Select, insert, select

from listwarden.store.tables import LogCheckpoint, LogCosignature


@dataclass(frozen=True)
class StoredCheckpoint:
    id: int
    size: int
    root: bytes
    note: str
    created_at: datetime


@dataclass(frozen=True)
class StoredCosignature:
    id: int
    checkpoint: StoredCheckpoint
    witness_name: str
    witness_key: bytes
    line: str
    cosigned_at: datetime


def insert_checkpoint(
    conn: Connection, *, size: int, root: bytes, note: str, now: datetime
) -> StoredCheckpoint:
    new_id = conn.execute(
        insert(LogCheckpoint)
        .values(tree_size=size, root=root, note=note, created_at=now)
        .returning(LogCheckpoint.id)
    ).scalar_one()
    return StoredCheckpoint(new_id, size, root, note, now)


def latest_checkpoint(conn: Connection) -> StoredCheckpoint | None:
    """The checkpoint of the largest tree (the latest signed of that size)."""
    row = conn.execute(
        select(LogCheckpoint.__table__)
        .order_by(LogCheckpoint.tree_size.desc(), LogCheckpoint.id.desc())
        .limit(1)
    ).first()
    return None if row is None else StoredCheckpoint(*_columns(row))


def checkpoint_at(conn: Connection, size: int) -> StoredCheckpoint | None:
    """The latest checkpoint signed for exactly ``size`` leaves, if any."""
    row = conn.execute(
        select(LogCheckpoint.__table__)
        .where(LogCheckpoint.tree_size == size)
        .order_by(LogCheckpoint.id.desc())
        .limit(1)
    ).first()
    return None if row is None else StoredCheckpoint(*_columns(row))


def all_checkpoints(conn: Connection) -> list[StoredCheckpoint]:
    """Every stored checkpoint, smallest tree first (one per signing; a few per day)."""
    rows = conn.execute(
        select(LogCheckpoint.__table__).order_by(LogCheckpoint.tree_size, LogCheckpoint.id)
    )
    return [StoredCheckpoint(*_columns(row)) for row in rows]


def _columns(row: object) -> tuple[int, int, bytes, str, datetime]:
    mapping = row._mapping  # type: ignore[attr-defined]
    return (
        mapping["id"],
        mapping["tree_size"],
        bytes(mapping["root"]),
        mapping["note"],
        mapping["created_at"],
    )


def insert_cosignature(
    conn: Connection,
    *,
    checkpoint: StoredCheckpoint,
    witness_name: str,
    witness_key: bytes,
    line: str,
    cosigned_at: datetime,
    now: datetime,
) -> StoredCosignature:
    new_id = conn.execute(
        insert(LogCosignature)
        .values(
            checkpoint_id=checkpoint.id,
            witness_name=witness_name,
            witness_key=witness_key,
            line=line,
            cosigned_at=cosigned_at,
            recorded_at=now,
        )
        .returning(LogCosignature.id)
    ).scalar_one()
    return StoredCosignature(new_id, checkpoint, witness_name, witness_key, line, cosigned_at)


def _cosignatures() -> Select[int, str, bytes, str, datetime, int, int, bytes, str, datetime]:
    return select(
        LogCosignature.id,
        LogCosignature.witness_name,
        LogCosignature.witness_key,
        LogCosignature.line,
        LogCosignature.cosigned_at,
        LogCheckpoint.id.label("checkpoint_id"),
        LogCheckpoint.tree_size,
        LogCheckpoint.root,
        LogCheckpoint.note,
        LogCheckpoint.created_at,
    ).join(LogCheckpoint, LogCheckpoint.id == LogCosignature.checkpoint_id)


def _cosignature(row: object) -> StoredCosignature:
    m = row._mapping  # type: ignore[attr-defined]
    checkpoint = StoredCheckpoint(
        m["checkpoint_id"], m["tree_size"], bytes(m["root"]), m["note"], m["created_at"]
    )
    return StoredCosignature(
        m["id"], checkpoint, m["witness_name"], bytes(m["witness_key"]), m["line"], m["cosigned_at"]
    )


def last_cosignature_by(conn: Connection, witness_key: bytes) -> StoredCosignature | None:
    """The cosignature this witness key gave on the largest tree."""
    row = conn.execute(
        _cosignatures()
        .where(LogCosignature.witness_key == witness_key)
        .order_by(LogCheckpoint.tree_size.desc(), LogCosignature.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _cosignature(row)


def all_cosignatures(conn: Connection) -> list[StoredCosignature]:
    """Every stored cosignature, oldest first."""
    rows = conn.execute(_cosignatures().order_by(LogCosignature.id))
    return [_cosignature(row) for row in rows]


def latest_cosignatures(conn: Connection, limit: int = 20) -> list[StoredCosignature]:
    """The most recent cosignatures by their signed time, newest first."""
    rows = conn.execute(
        _cosignatures()
        .order_by(LogCosignature.cosigned_at.desc(), LogCosignature.id.desc())
        .limit(limit)
    )
    return [_cosignature(row) for row in rows]
