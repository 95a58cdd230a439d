"""The key store's own small schema, engine and SQL helpers, apart from the main database.

The key store is a separate database (a SQLite file by default, or a PostgreSQL database) so it can
be backed up on its own, shorter retention: once its backups from before an erasure have aged out,
the erased person's fields are unreadable in every backup of the main database too. Its schema is
tiny and created on open with ``create_all``; it is not part of the main Alembic history.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from listwarden.domain.errors import Conflict

SQLITE_BUSY_TIMEOUT_MS = 30_000
GENERATION = "generation"

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)

data_keys = Table(
    "data_keys",
    metadata,
    Column("owner_id", String(200), primary_key=True),
    Column("kek_id", String(200), nullable=False),
    Column("wrapped", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

system_keys = Table(
    "system_keys",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("kek_id", String(200), nullable=False),
    Column("wrapped", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One counter, ``generation``, bumped by each destruction so other workers drop their cached keys.
keystore_state = Table(
    "keystore_state",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

erasure_ledger = Table(
    "erasure_ledger",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("owner_id", String(200), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False),
    Column("certificate_id", String(200), nullable=False),
    Column("signature", LargeBinary, nullable=False),
    sqlite_autoincrement=True,
)

# Signed erasure certificates, kept with the keys they account for. A certificate is written
# (signed) before the main database commits the erasure and completed in the same transaction
# that destroys the key and appends the ledger line; one never completed is an erasure that was
# interrupted (finished by a rerun or ``keys reconcile``) or abandoned (the database rolled back).
erasure_certificates = Table(
    "erasure_certificates",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("scope", String(16), nullable=False),
    Column("subject_id", String(200), nullable=False, index=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("document", Text, nullable=False),
    Column("signature", LargeBinary, nullable=False),
)

# Which certificate accounts for each erased entry, so a rerun or a restore can find it.
erased_entries = Table(
    "erased_entries",
    metadata,
    Column("entry_id", String(200), primary_key=True),
    Column("certificate_id", String(36), nullable=False, index=True),
)


def make_keystore_engine(url: str) -> Engine:
    """An engine for the key store: SQLite tuned for durability and overwriting, or PostgreSQL.

    SQLite runs in WAL mode with ``synchronous=FULL`` (a created key must survive a power cut:
    losing it loses the person's data) and ``secure_delete`` (a destroyed key's bytes are zeroed,
    not left in free pages). Write transactions begin ``IMMEDIATE`` so workers queue for the lock.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database
    if not database or database == ":memory:":
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        _create_private_file(database)
        engine = create_engine(url)
    _tune_sqlite(engine, wal=bool(database) and database != ":memory:")
    return engine


def _create_private_file(path: str) -> None:
    """Create the SQLite file with mode 0600; SQLite gives its -wal and -shm files the same mode."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _tune_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let the "begin" listener below decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if wal:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def init_generation(engine: Engine) -> None:
    """Insert the destruction counter if this is a new store (tolerating a racing worker)."""
    with engine.begin() as conn:
        query = select(keystore_state.c.value).where(keystore_state.c.name == GENERATION)
        if conn.execute(query).first() is not None:
            return
        try:
            with conn.begin_nested():
                conn.execute(insert(keystore_state).values(name=GENERATION, value=0))
        except IntegrityError:
            pass  # Another worker initialised the store at the same moment.


class KeyReader:
    """Reads the destruction counter, and a few wrapped keys, on one connection of its own.

    Every use of a key checks the counter first (see :class:`KeyStore`), so the check must cost
    little: a pooled connection with a transaction around one ``SELECT`` costs some 150 µs, this
    a few microseconds on SQLite. The connection runs in autocommit mode, so each read sees the
    latest commit and no transaction is held open; it is shared under a lock, so only small reads
    (a person's key, a page of people's) come here, and bulk reads go through the pool. A broken
    connection is dropped and the read tried once more on a new one.
    """

    SMALL = 64
    _GENERATION = "SELECT value FROM keystore_state WHERE name = 'generation'"

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._raw: Any = None
        self._mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._shared = isinstance(engine.pool, StaticPool)  # in memory: one connection for all

    def generation(self) -> int:
        rows = self._run(self._GENERATION, ())
        if not rows:
            raise RuntimeError("the key store has no destruction counter")
        return int(rows[0][0])

    def wrapped(self, table: Table, column: str, names: Sequence[str]) -> list[tuple[str, bytes]]:
        """``(name, wrapped)`` for those of at most ``SMALL`` names that have a key."""
        assert len(names) <= self.SMALL
        marks = ", ".join([self._mark] * len(names))
        sql = f"SELECT {column}, wrapped FROM {table.name} WHERE {column} IN ({marks})"
        return [(str(name), bytes(blob)) for name, blob in self._run(sql, tuple(names))]

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _run(self, sql: str, params: tuple[str, ...]) -> list[Any]:
        if self._shared:
            with self._engine.connect() as conn:
                return list(conn.exec_driver_sql(sql, params).all())
        with self._lock:
            try:
                return self._execute(sql, params)
            except self._engine.dialect.loaded_dbapi.Error:
                self._drop()
                return self._execute(sql, params)

    def _execute(self, sql: str, params: tuple[str, ...]) -> list[Any]:
        if self._raw is None:
            raw = self._engine.raw_connection()
            if self._engine.dialect.name != "sqlite":
                # SQLite connections here already run statements outside transactions.
                raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            self._raw = raw
        cursor = self._raw.cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _drop(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            # Never back to the pool: its autocommit setting must not reach another user.
            raw.invalidate()


def append_ledger(conn: Connection, owner_id: str, certificate_id: str, signature: bytes) -> int:
    """Append one erasure-ledger line in the caller's transaction; its sequence number."""
    result = conn.execute(
        insert(erasure_ledger).values(
            owner_id=owner_id,
            erased_at=datetime.now(UTC),
            certificate_id=certificate_id,
            signature=signature,
        )
    )
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no sequence number for the ledger line")
    return int(key[0])


def run_outside_transaction(engine: Engine, sql: str) -> Any:
    """Run a SQLite statement that refuses transactions (VACUUM, checkpoints); its first value."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql)
        row = cursor.fetchone()
        cursor.close()
        return row[0] if row else None
    finally:
        raw.close()


def backup_sqlite(engine: Engine, dest_path: Path) -> None:
    """Copy the SQLite store into a new file created with mode 0600 (online backup API)."""
    try:
        fd = os.open(dest_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict(f"backup file {dest_path} already exists") from None
    os.close(fd)
    raw = engine.raw_connection()
    try:
        dest = sqlite3.connect(dest_path)
        try:
            raw.driver_connection.backup(dest)  # type: ignore[union-attr]
        finally:
            dest.close()
    except BaseException:
        dest_path.unlink(missing_ok=True)
        raise
    finally:
        raw.close()
