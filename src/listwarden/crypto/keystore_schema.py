"""The key store's own small schema, engine and SQL helpers, apart from the main database.

The key store is a separate database (a SQLite file by default, or a PostgreSQL database) so it can
be backed up on its own, shorter retention: once its backups from before an erasure have aged out,
the erased person's fields are unreadable in every backup of the main database too. Its schema is
tiny and created on open with ``create_all``; it is not part of the main Alembic history.
"""

from __future__ import annotations

import os
import sqlite3
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
