"""The key store: per-person data keys and named system keys, wrapped by a KEK, in a database apart.

Destroying a person's data key is how they are erased from every copy of the main database
(crypto-shredding, law 5). So the key store keeps nothing once a key is destroyed: on SQLite the
row is overwritten (``secure_delete``) and the write-ahead log is checkpointed and truncated at
once; on PostgreSQL the caller runs :meth:`KeyStore.vacuum`. A long run of destructions (the
retention sweep) can ask, with :meth:`KeyStore.wal_purge_deferred`, for one truncation when it
ends instead of one each: that thread's destructions then wait for it, nobody else's do.

Unwrapped keys are cached per process (LRU). Every worker must stop serving a key as soon as any
worker destroys it, so each destruction bumps a ``generation`` counter in the store, in the same
transaction as the delete, and a worker reads that counter (one primary-key lookup) before it
trusts its cache: by default on every call, or at most every ``max_staleness`` seconds if the
caller accepts that window. A moved counter empties the cache. ``open_many`` checks once a batch.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from listwarden.crypto.envelope import KEY_BYTES
from listwarden.crypto.keycache import CacheKey, KeyCache
from listwarden.crypto.keystore_schema import (
    GENERATION,
    KeyReader,
    append_ledger,
    backup_sqlite,
    data_keys,
    init_generation,
    keystore_state,
    make_keystore_engine,
    metadata,
    run_outside_transaction,
    system_keys,
)
from listwarden.crypto.ledger import ErasureRecord, read_ledger
from listwarden.crypto.providers import KeyProvider, MultiKeyProvider
from listwarden.crypto.rotation import Progress, Rotation, kek_usage
from listwarden.domain.errors import Conflict, CryptoError, InvalidInput, KeyUnavailable

log = logging.getLogger(__name__)

_FETCH_CHUNK = 10_000  # Owners per bulk query: well under SQLite's and PostgreSQL's parameter caps.
DATA, SYSTEM = "data", "system"

Within = Callable[[Connection, int], None]
"""Work done inside a destruction's transaction, told how many keys it destroyed."""


class KeyStoreUnsupportedError(CryptoError):
    """The operation is not available on this key store's database (file backup of PostgreSQL)."""

    slug = "keystore-unsupported"


class KeyStore:
    """Wrapped data keys and system keys in a database of their own; see the module docstring.

    ``provider`` wraps new keys; ``old_providers`` can still unwrap keys wrapped before a rotation.
    ``cache_size`` bounds the unwrapped keys held in memory (0 disables the cache).
    """

    def __init__(
        self,
        url: str,
        provider: KeyProvider,
        *,
        old_providers: Sequence[KeyProvider] = (),
        cache_size: int = 50_000,
        max_staleness: float = 0.0,
    ) -> None:
        self.url = url
        try:
            self._engine = make_keystore_engine(url)
        except OSError as exc:
            raise KeyUnavailable(f"cannot open the key store: {exc.strerror}") from None
        self._reader = self._engine.execution_options(sqlite_begin="DEFERRED")
        self._is_sqlite = self._engine.dialect.name == "sqlite"
        self._providers = MultiKeyProvider(provider, *old_providers)
        self._cache = KeyCache(cache_size)
        self._max_staleness = max_staleness
        self._checked_at = float("-inf")
        self._fast = KeyReader(self._engine)
        self._deferral = threading.local()  # per thread: purges deferred, and whether one is owed
        try:
            metadata.create_all(self._engine)
            init_generation(self._engine)
        except OperationalError as exc:
            self._engine.dispose()
            raise KeyUnavailable(f"cannot open the key store: {exc.orig}") from None

    @property
    def provider(self) -> KeyProvider:
        """The provider new keys are wrapped with."""
        return self._providers.current

    @property
    def providers(self) -> MultiKeyProvider:
        """Every KEK provider this store can unwrap with, the current one wrapping new keys."""
        return self._providers

    @property
    def is_sqlite(self) -> bool:
        return self._is_sqlite

    @contextmanager
    def write_transaction(self) -> Iterator[Connection]:
        """A write transaction on the store, for the crypto package's own records (certificates)."""
        with self._engine.begin() as conn:
            yield conn

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A read-only connection (SQLite: a deferred transaction, so readers never queue)."""
        with self._reader.connect() as conn:
            yield conn

    def close(self) -> None:
        self._fast.close()
        self._engine.dispose()

    def clear_cache(self) -> None:
        """Forget every unwrapped key held in memory (the next use unwraps again)."""
        self._cache.clear()

    # Data keys, one per person.

    def create_data_key(self, owner_id: str) -> bytes:
        """Make, wrap and store a new random key for ``owner_id``; ``Conflict`` if one exists.

        Never idempotent: returning an existing key under "create" would hide a caller reusing
        an owner id, which for an erased-and-recreated person would be a bug worth hearing about.
        """
        return self.create_data_keys([owner_id])[owner_id]

    def create_data_keys(self, owner_ids: Iterable[str]) -> dict[str, bytes]:
        """Create keys for many owners in one transaction; ``Conflict`` (none made) if any exist."""
        keys = {_check_name(owner_id): secrets.token_bytes(KEY_BYTES) for owner_id in owner_ids}
        now = datetime.now(UTC)
        rows = [
            {
                "owner_id": owner_id,
                "kek_id": self.provider.key_id,
                "wrapped": self.provider.wrap(key),
                "created_at": now,
            }
            for owner_id, key in keys.items()
        ]
        if not rows:
            return {}
        try:
            with self._engine.begin() as conn:
                self._insert_data_keys(conn, rows)
        except IntegrityError:
            raise Conflict("a data key already exists for one of these owners") from None
        return keys

    def _insert_data_keys(self, conn: Connection, rows: list[dict[str, object]]) -> None:
        """One ``executemany`` of whole rows; on SQLite straight to the driver.

        Core's executemany builds a parameter set per row, which for a batch of new people costs
        more than the insert. The creation time, the same for every row, is converted for the
        driver once by the column's own bind processor, so rows are stored as Core stores them.
        """
        if not self._is_sqlite:
            conn.execute(insert(data_keys), rows)
            return
        dialect = conn.dialect
        bind = data_keys.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
        created = rows[0]["created_at"]
        at = bind(created) if bind is not None else created
        conn.exec_driver_sql(
            "INSERT INTO data_keys (owner_id, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?)",
            [(row["owner_id"], row["kek_id"], row["wrapped"], at) for row in rows],
        )

    def data_key(self, owner_id: str) -> bytes:
        """The unwrapped key for ``owner_id``; ``KeyUnavailable`` if never created or destroyed."""
        key = self._get(DATA, owner_id)
        if key is None:
            raise KeyUnavailable(f"no data key for {owner_id!r}: never created, or destroyed")
        return key

    def data_keys(self, owner_ids: Iterable[str]) -> dict[str, bytes]:
        """Keys for many owners, fetched with one query per 10,000 uncached owners.

        Owners without a key (never created, or destroyed) are left out of the result.
        """
        wanted = list(dict.fromkeys(owner_ids))
        found: dict[str, bytes] = {}
        generation = self._observe()
        missing: list[str] = []
        for owner_id in wanted:
            key = self._cache.get((DATA, owner_id))
            if key is None:
                missing.append(owner_id)
            else:
                found[owner_id] = key
        wrapped: list[tuple[str, bytes]] = []
        if len(missing) <= KeyReader.SMALL:
            wrapped = self._fast.wrapped(data_keys, "owner_id", missing) if missing else []
        else:
            with self._reader.connect() as conn:
                for start in range(0, len(missing), _FETCH_CHUNK):
                    chunk = missing[start : start + _FETCH_CHUNK]
                    query = select(data_keys.c.owner_id, data_keys.c.wrapped).where(
                        data_keys.c.owner_id.in_(chunk)
                    )
                    wrapped.extend((row.owner_id, row.wrapped) for row in conn.execute(query))
        unwrap = self._providers.unwrap
        fetched = {(DATA, owner_id): unwrap(blob) for owner_id, blob in wrapped}
        self._cache.put_many(fetched, generation=generation)
        found.update((owner_id, key) for (_kind, owner_id), key in fetched.items())
        return found

    def destroy(
        self,
        owner_id: str,
        *,
        certificate_id: str | None = None,
        signature: bytes | None = None,
    ) -> bool:
        """Destroy ``owner_id``'s key; True if there was one. Their fields become unreadable.

        Given ``certificate_id`` and ``signature``, the erasure ledger line is appended in the
        same transaction, so a key is never gone without its record (nor recorded yet present).
        """
        within: Within | None = None
        if certificate_id is not None or signature is not None:
            if certificate_id is None or signature is None:
                raise InvalidInput("a ledger entry needs both certificate_id and signature")
            cert_id, sig = certificate_id, signature

            def within(conn: Connection, destroyed: int) -> None:
                if destroyed:
                    append_ledger(conn, owner_id, cert_id, sig)

        return self._destroy(data_keys, "owner_id", DATA, [owner_id], within) == 1

    def destroy_within(self, owner_id: str, within: Within) -> bool:
        """Destroy ``owner_id``'s key and run ``within(conn, destroyed)`` in the same transaction.

        ``within`` runs whether or not there was a key, so a record can be completed even when an
        earlier, interrupted run already destroyed it. True if a key was destroyed by this call.
        """
        return self._destroy(data_keys, "owner_id", DATA, [owner_id], within) == 1

    def destroy_many_within(self, owner_ids: Iterable[str], within: Within) -> int:
        """Destroy many owners' keys and run ``within`` in the same transaction (one WAL purge).

        ``within`` runs whether or not any key was there, as with :meth:`destroy_within`.
        """
        names = list(owner_ids)
        if not names:
            with self._engine.begin() as conn:
                within(conn, 0)
            return 0
        return self._destroy(data_keys, "owner_id", DATA, names, within)

    def destroy_many(self, owner_ids: Iterable[str]) -> int:
        """Destroy many owners' keys in one transaction and one WAL purge; the number destroyed."""
        return self._destroy(data_keys, "owner_id", DATA, list(owner_ids), None)

    # System keys: the equality key, the blind-index key, log period keys.

    def system_key(self, name: str) -> bytes:
        """The named system key, created (by whichever worker gets there first) if absent."""
        key = self._get(SYSTEM, _check_name(name))
        if key is not None:
            return key
        key = secrets.token_bytes(KEY_BYTES)
        row = {
            "name": name,
            "kek_id": self.provider.key_id,
            "wrapped": self.provider.wrap(key),
            "created_at": datetime.now(UTC),
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(system_keys), row)
        except IntegrityError:
            pass  # Another worker created it first; use theirs.
        key = self._get(SYSTEM, name)
        if key is None:
            raise KeyUnavailable(f"system key {name!r} was destroyed while being created")
        return key

    def destroy_system_key(self, name: str) -> bool:
        """Destroy a system key (for example an expired log period's); True if there was one."""
        return self._destroy(system_keys, "name", SYSTEM, [name], None) == 1

    # Rotation of the key-encryption key.

    def rotate(
        self,
        new_provider: KeyProvider,
        *,
        batch_size: int = 500,
        progress: Progress | None = None,
    ) -> int:
        """Re-wrap every key not yet under ``new_provider``; the number re-wrapped by this call.

        Resumable: see :mod:`listwarden.crypto.rotation`. ``progress(done, total)`` is called after
        each committed batch. Afterwards this store wraps new keys with ``new_provider`` and can
        still unwrap with every provider it knew.
        """
        if batch_size < 1:
            raise InvalidInput("batch_size must be at least 1")
        new_id = new_provider.key_id
        old = [p for p in self._providers.providers if p.key_id != new_id]
        rotation = Rotation(
            writer=self._engine,
            reader=self._reader,
            unwrapper=MultiKeyProvider(new_provider, *old),
            new_provider=new_provider,
            batch_size=batch_size,
            progress=progress,
        )
        done = rotation.run()
        self._providers = MultiKeyProvider(new_provider, *old)
        return done

    def kek_usage(self) -> dict[str, int]:
        """How many keys (data and system) are wrapped under each KEK id."""
        with self._reader.connect() as conn:
            return kek_usage(conn)

    # The erasure ledger.

    def append_erasure(self, owner_id: str, certificate_id: str, signature: bytes) -> int:
        """Record an erasure certificate; its sequence number in the ledger."""
        with self._engine.begin() as conn:
            return append_ledger(conn, owner_id, certificate_id, signature)

    def erasure_ledger(self) -> Iterator[ErasureRecord]:
        """Every ledger line in order, read a page at a time (no transaction held between pages)."""
        return read_ledger(self.read_connection)

    # Maintenance.

    def backup(self, dest_path: Path) -> None:
        """Copy a SQLite key store to a new file (mode 0600) with SQLite's online backup API."""
        if not self._is_sqlite:
            raise KeyStoreUnsupportedError(
                "back up a PostgreSQL key store with the database's own tools (pg_dump)"
            )
        backup_sqlite(self._engine, dest_path)

    @contextmanager
    def wal_purge_deferred(self) -> Iterator[None]:
        """Within, this thread's destructions leave the WAL to one purge when the outermost exits.

        The purge runs however the block ends (an error, an interrupt), so destroyed key bytes
        outlive the block only if the process itself dies, and then only until the next purge.
        """
        state = self._deferral
        depth = getattr(state, "depth", 0)
        state.depth = depth + 1
        if depth == 0:
            state.owed = False
        try:
            yield
        finally:
            state.depth = depth
            if depth == 0 and state.owed:
                state.owed = False
                self.purge_wal()

    def purge_wal(self) -> None:
        """SQLite: checkpoint and truncate the WAL now (its older frames hold what was deleted)."""
        if self._is_sqlite:
            self._purge_wal()

    def vacuum(self) -> None:
        """Rewrite the store so deleted rows leave no trace: ``VACUUM`` outside any transaction."""
        if self._is_sqlite:
            run_outside_transaction(self._engine, "VACUUM")
            self._purge_wal()
        else:
            with self._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM data_keys, system_keys")

    # Internals.

    def _get(self, kind: str, name: str) -> bytes | None:
        cache_key: CacheKey = (kind, name)
        if time.monotonic() - self._checked_at < self._max_staleness:
            key = self._cache.get(cache_key)
            if key is not None:
                return key
        table, column = (data_keys, "owner_id") if kind == DATA else (system_keys, "name")
        # The counter is read before the key: a key destroyed after this read is either not
        # found below, or cached under a generation the next call sees has moved.
        generation = self._observe()
        key = self._cache.get(cache_key)
        if key is not None:
            return key
        found = self._fast.wrapped(table, column, [name])
        if not found:
            return None
        key = self._providers.unwrap(found[0][1])
        self._cache.put(cache_key, key, generation=generation)
        return key

    def _observe(self) -> int:
        generation = self._fast.generation()
        self._cache.observe(generation)
        self._checked_at = time.monotonic()
        return generation

    def _destroy(
        self,
        table: Table,
        pk_name: str,
        kind: str,
        names: list[str],
        within: Within | None,
    ) -> int:
        if not names:
            return 0
        pk = table.c[pk_name]
        with self._engine.begin() as conn:
            destroyed = 0
            for start in range(0, len(names), _FETCH_CHUNK):
                chunk = names[start : start + _FETCH_CHUNK]
                destroyed += conn.execute(delete(table).where(pk.in_(chunk))).rowcount
            if within is not None:
                within(conn, destroyed)
            if not destroyed:
                return 0
            # Increment in place, then read: the row stays locked until commit, so concurrent
            # destructions get distinct generations and none is lost (which a read-then-write
            # would allow on PostgreSQL).
            conn.execute(
                update(keystore_state)
                .where(keystore_state.c.name == GENERATION)
                .values(value=keystore_state.c.value + 1)
            )
            new = conn.execute(
                select(keystore_state.c.value).where(keystore_state.c.name == GENERATION)
            ).scalar_one()
        self._cache.advance(new - 1, new, [(kind, name) for name in names])
        if self._is_sqlite:
            if getattr(self._deferral, "depth", 0):
                self._deferral.owed = True
            else:
                self._purge_wal()
        return destroyed

    def _purge_wal(self) -> None:
        """Checkpoint and truncate the WAL, whose older frames still hold the deleted bytes."""
        busy = run_outside_transaction(self._engine, "PRAGMA wal_checkpoint(TRUNCATE)")
        if busy:
            log.warning(
                "key store WAL could not be truncated (busy); destroyed key bytes may remain "
                "in it until a later checkpoint"
            )


def _check_name(name: str) -> str:
    if not name or len(name) > 200:
        raise InvalidInput("a key owner or name must be 1 to 200 characters")
    return name
