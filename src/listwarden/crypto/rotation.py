"""Re-wrapping every stored key under a new key-encryption key, in resumable committed batches.

Only wrappings change; no field is re-encrypted, because the data keys themselves stay the same.
Each table is walked in primary-key order, a batch at a time, skipping rows already under the new
KEK; each batch commits before the next is read, so a rotation that is killed loses at most one
batch of work and a rerun finishes the rest. An update applies only if the row still holds the
blob that was read, so a key destroyed meanwhile is never brought back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, func, select, update

from listwarden.crypto.keystore_schema import data_keys, system_keys
from listwarden.crypto.providers import KeyProvider

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each committed batch."""

_TABLES: tuple[tuple[Table, str], ...] = ((data_keys, "owner_id"), (system_keys, "name"))


@dataclass
class Rotation:
    """One rotation run; ``writer`` begins write transactions, ``reader`` read-only ones."""

    writer: Engine
    reader: Engine
    unwrapper: KeyProvider
    new_provider: KeyProvider
    batch_size: int
    progress: Progress | None = None
    done: int = 0

    def run(self) -> int:
        """Re-wrap everything not yet under the new KEK; the number of keys this run re-wrapped."""
        total = self.remaining()
        for table, pk_name in _TABLES:
            self._rewrap(table, pk_name, total)
        return self.done

    def remaining(self) -> int:
        new_id = self.new_provider.key_id
        with self.reader.connect() as conn:
            return sum(
                conn.execute(
                    select(func.count()).select_from(table).where(table.c.kek_id != new_id)
                ).scalar_one()
                for table, _pk in _TABLES
            )

    def _rewrap(self, table: Table, pk_name: str, total: int) -> None:
        pk = table.c[pk_name]
        new_id = self.new_provider.key_id
        after = ""
        while True:
            with self.reader.connect() as conn:
                rows = conn.execute(
                    select(pk, table.c.wrapped)
                    .where(pk > after, table.c.kek_id != new_id)
                    .order_by(pk)
                    .limit(self.batch_size)
                ).all()
            if not rows:
                return
            # Unwrap and wrap before the write transaction: an HSM round trip holds no lock.
            rewrapped = [
                (name, old, self.new_provider.wrap(self.unwrapper.unwrap(old)))
                for name, old in rows
            ]
            with self.writer.begin() as conn:
                for name, old, new in rewrapped:
                    self.done += conn.execute(
                        update(table)
                        .where(pk == name, table.c.wrapped == old)
                        .values(kek_id=new_id, wrapped=new)
                    ).rowcount
            after = rows[-1][0]
            if self.progress is not None:
                self.progress(self.done, total)


def kek_usage(conn: Connection) -> dict[str, int]:
    """How many keys (data and system) are wrapped under each KEK id."""
    usage: dict[str, int] = {}
    for table, _pk in _TABLES:
        query = select(table.c.kek_id, func.count()).group_by(table.c.kek_id)
        for kek_id, count in conn.execute(query):
            usage[kek_id] = usage.get(kek_id, 0) + count
    return usage
