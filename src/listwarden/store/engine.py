"""Opening the database: SQLite tuned for a small server, or PostgreSQL; one place for both.

SQLite runs in WAL mode with a busy timeout, enforced foreign keys and ``secure_delete`` (deleted
rows are overwritten), and every write transaction starts ``BEGIN IMMEDIATE``: two workers then
queue for the write lock at the start instead of failing with "database is locked" on upgrade.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000
POOL_SIZE = 16
"""Connections an engine keeps open. The server runs at most this many requests' database work
at once (``web/app.py`` sizes its thread pool to match), so each request finds a pooled
connection; with SQLAlchemy's default of five, every request beyond the fifth opened and tuned
a connection that the pool then closed again."""

# Python's sqlite3 looks up an adapter for every bound value whose type it does not bind
# natively, and ``None`` and ``bytes`` miss its fast path: each costs a failed lookup in the
# adapter table. Registering identity adapters for both turns the lookup into a hit, which
# halves the cost of binding a row of mostly ciphertext and NULLs; what is stored is unchanged
# (``tests/unit/test_sqlite_adapters.py`` checks each value's storage class).

# ``{}.get`` returns None for None, and being built in it costs less than a Python function.
_AS_NULL = cast(Callable[[None], None], {}.get)
sqlite3.register_adapter(type(None), _AS_NULL)
sqlite3.register_adapter(bytes, bytes)


_BEGIN = {mode: f"BEGIN {mode}" for mode in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")}


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        held = _HELD.get(id(engine))
        if held is not None:  # see hold_page_cache
            cursor = dbapi_connection.cursor()
            if _WIDENED_FROM not in record.info:
                record.info[_WIDENED_FROM] = cursor.execute("PRAGMA cache_size").fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = -{int(held.mib) * 1024}")
            if held.checkpoint_pages is not None:
                if _CHECKPOINT_FROM not in record.info:
                    found = cursor.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
                    record.info[_CHECKPOINT_FROM] = found
                cursor.execute(f"PRAGMA wal_autocheckpoint = {int(held.checkpoint_pages)}")
            cursor.close()
        elif _CHECKPOINT_FROM in record.info:  # lent in a block, idle in the pool since it ended
            _put_back_checkpoints(dbapi_connection, record)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        if id(engine) in _HELD:
            return  # its pages stay for the next transaction of the block
        previous = record.info.pop(_WIDENED_FROM, None)
        if previous is not None:  # see widen_page_cache
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")
            cursor.execute("PRAGMA shrink_memory")
            cursor.close()
        if _CHECKPOINT_FROM in record.info:
            _put_back_checkpoints(dbapi_connection, record)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        # Straight to the driver: ``BEGIN`` returns no rows, and SQLAlchemy's statement path
        # (a cursor result, its events) costs more than SQLite's own work for it.
        connection.connection.driver_connection.execute(_BEGIN[mode])


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with listwarden's connection settings applied."""
    parsed = make_url(url)
    if "poolclass" not in kwargs and parsed.database not in (None, "", ":memory:"):
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", POOL_SIZE)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, **kwargs)
        _tune_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


_WIDENED_FROM = "listwarden_cache_size_before"


def widen_page_cache(connection: Connection, *, mib: int = 64) -> None:
    """SQLite: let one long write (an import) keep ``mib`` of pages in memory, not 2 MiB.

    A transaction that inserts a hundred thousand people into tables with several indexes
    otherwise evicts and re-reads index pages for every batch. The connection's own size is
    put back, and its memory released, when it returns to the pool. Other databases: nothing.
    """
    if connection.dialect.name != "sqlite":
        return
    if _WIDENED_FROM not in connection.info:
        connection.info[_WIDENED_FROM] = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{int(mib) * 1024}")


@dataclass(frozen=True)
class _Held:
    mib: int
    checkpoint_pages: int | None


_HELD: dict[int, _Held] = {}  # id(engine) -> what every connection lent keeps, while a block runs
_CHECKPOINT_FROM = "listwarden_wal_autocheckpoint_before"


def _put_back_checkpoints(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA wal_autocheckpoint = {int(record.info.pop(_CHECKPOINT_FROM))}")
    cursor.close()


@contextmanager
def hold_page_cache(
    engine: Engine, *, mib: int = 256, checkpoint_pages: int | None = None
) -> Iterator[None]:
    """SQLite: while the block runs, every connection lent keeps ``mib`` of pages between
    transactions, instead of 2 MiB dropped at each return to the pool.

    For one long job of many short transactions over a large database (the retention sweep):
    each would otherwise read every index page it needs out of the file again. A connection's
    own size is put back, and its memory released, at its first return after the block.

    With ``checkpoint_pages``, the write-ahead log is also copied back into the database only
    once it holds that many pages, not SQLite's default 1,000: a sweep's batch writes several
    thousand, so each commit would otherwise end in a checkpoint (with its syncs) of pages the
    next batch dirties again. Every connection lent in the block (the server's too) waits
    alike, or the server's next commit would run the checkpoint the job put off; each gets its
    own setting back when it is next returned or lent. Other databases: nothing.
    """
    if not is_sqlite(engine) or id(engine) in _HELD:
        yield
        return
    _HELD[id(engine)] = _Held(mib, checkpoint_pages)
    try:
        yield
    finally:
        del _HELD[id(engine)]


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
