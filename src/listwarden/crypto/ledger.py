"""Reading the erasure ledger: the signed, append-only list of whose data key was destroyed when.

Each line names the owner (a subject id), when the key went and the id and signature of the
erasure certificate that accounts for it. A restore re-applies the ledger, so a person erased
after a backup was taken stays erased when that backup is restored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from listwarden.crypto.keystore_schema import erasure_ledger

_LEDGER_PAGE = 1_000


@dataclass(frozen=True, slots=True)
class ErasureRecord:
    """One line of the erasure ledger: whose key went, when, and the signed certificate's id."""

    seq: int
    owner_id: str
    erased_at: datetime
    certificate_id: str
    signature: bytes


def read_ledger(
    connect: Callable[[], AbstractContextManager[Connection]],
) -> Iterator[ErasureRecord]:
    """Every ledger line in order, read a page at a time (no transaction held between pages)."""
    after = 0
    while True:
        with connect() as conn:
            rows = conn.execute(
                select(erasure_ledger)
                .where(erasure_ledger.c.seq > after)
                .order_by(erasure_ledger.c.seq)
                .limit(_LEDGER_PAGE)
            ).all()
        for row in rows:
            yield ErasureRecord(
                row.seq,
                row.owner_id,
                as_utc(row.erased_at),
                row.certificate_id,
                bytes(row.signature),
            )
        if len(rows) < _LEDGER_PAGE:
            return
        after = rows[-1].seq


def as_utc(value: datetime) -> datetime:
    """A stored timestamp as aware UTC (SQLite keeps no zone; the store always writes UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
