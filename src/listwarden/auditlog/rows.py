"""Reading the log's tables fast, on SQLite and PostgreSQL alike: the one place with dialect SQL.

Leaves are re-derived from event rows read in leaf order, so the column list and the event
time's text form are written once here and shared by the sequencer, the verifier and the
prover. Hot reads go through the driver's own cursor (a server-side cursor on PostgreSQL, so
a verification of millions of leaves holds one page in memory at a time).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, text

# Both dialects give the event time as the leaf writes it: UTC, microseconds, "Z". SQLite holds
# SQLAlchemy's "YYYY-MM-DD HH:MM:SS.ffffff" text; PostgreSQL a timestamptz.
_TIME = {
    "sqlite": "replace(e.occurred_at, ' ', 'T') || 'Z'",
    "postgresql": "to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
}

_EVENT_COLUMNS = (
    "e.event_version, e.id, {time}, e.operation, e.outcome, e.actor_id, e.list_id, e.entry_id, "
    "e.subject_id, e.purpose, e.purpose_class, e.recipient_id, e.result_count, e.reason, "
    "e.log_period, e.justification_ct"
)
EVENT_WIDTH = 16
"""How many columns :func:`event_columns` selects (the layout ``leaf.EventRow`` expects)."""

ADVISORY_LOCK_KEY = 0x6C77_6C6F_6773_6571  # "lwlogseq": the one sequencer of this database
STREAM_PAGE = 10_000
_cursor_names = itertools.count()


def dialect(conn: Connection) -> str:
    name = conn.dialect.name
    if name not in _TIME:
        raise NotImplementedError(f"the access log does not support {name}")
    return name


def event_columns(conn: Connection) -> str:
    """The SELECT list of an event read for its leaf, from the table aliased ``e``."""
    return _EVENT_COLUMNS.format(time=_TIME[dialect(conn)])


_NAMED = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")


def _driver_sql(conn: Connection, sql: str) -> str:
    """``:name`` parameters in the driver's own style (sqlite3 takes them as they are)."""
    if dialect(conn) == "sqlite":
        return sql
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction with one consistent view of the log, however long it lasts.

    SQLite: a deferred transaction (a snapshot that takes no write lock). PostgreSQL: repeatable
    read, so a verification sees the tables as of one instant while writers go on.
    """
    with engine.connect() as conn:
        if dialect(conn) == "sqlite":
            conn.execution_options(sqlite_begin="DEFERRED")
        else:
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def stream(conn: Connection, sql: str, params: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` as plain tuples, a page at a time, inside ``conn``'s transaction."""
    raw = conn.connection.driver_connection
    assert raw is not None
    if dialect(conn) == "sqlite":
        cursor = raw.cursor()
        try:
            cursor.execute(sql, dict(params))
            while rows := cursor.fetchmany(STREAM_PAGE):
                yield from rows
        finally:
            cursor.close()
        return
    with raw.cursor(name=f"listwarden_log_stream_{next(_cursor_names)}") as cursor:
        cursor.itersize = STREAM_PAGE
        cursor.execute(_driver_sql(conn, sql), dict(params))
        yield from cursor


def fetch_all(conn: Connection, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """All rows of a small query as plain tuples."""
    raw = conn.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.execute(_driver_sql(conn, sql), dict(params))
        return list(cursor.fetchall())  # both drivers give plain tuples
    finally:
        cursor.close()


def lock_log(conn: Connection, *, wait: bool) -> bool:
    """Take the sequencer's lock for the rest of ``conn``'s transaction; False if busy.

    PostgreSQL: a transaction-scoped advisory lock, which writers never take, so they never
    wait for the sequencer. SQLite: every write transaction already holds the one write lock.
    """
    if dialect(conn) == "sqlite":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    result = conn.execute(text(f"SELECT {function}(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar()
    return bool(result) if not wait else True


def pending_events(conn: Connection, *, after_event_id: int, limit: int) -> list[tuple[Any, ...]]:
    """Committed events not yet in the log, oldest id first, at most ``limit``.

    SQLite commits one writer at a time, in id order, and never leaves a gap, so "not yet in the
    log" is "after the last event sequenced". PostgreSQL commits concurrently and out of id
    order, so its events wait in ``log_queue``, filled by a trigger in the inserting statement.
    """
    columns = event_columns(conn)
    if dialect(conn) == "sqlite":
        sql = f"SELECT {columns} FROM events e WHERE e.id > :after ORDER BY e.id LIMIT :limit"
        return fetch_all(conn, sql, {"after": after_event_id, "limit": limit})
    sql = (
        f"SELECT {columns} FROM events e WHERE e.id IN "
        "(SELECT q.event_id FROM log_queue q ORDER BY q.event_id LIMIT :limit) ORDER BY e.id"
    )
    return fetch_all(conn, sql, {"limit": limit})


def queued_without_event(conn: Connection, *, limit: int) -> list[int]:
    """Queue entries whose event is gone (PostgreSQL): a deletion the sequencer must not hide."""
    if dialect(conn) == "sqlite":
        return []
    sql = (
        "SELECT q.event_id FROM log_queue q LEFT JOIN events e ON e.id = q.event_id "
        "WHERE e.id IS NULL ORDER BY q.event_id LIMIT :limit"
    )
    return [row[0] for row in fetch_all(conn, sql, {"limit": limit})]


def dequeue(conn: Connection, event_ids: list[int]) -> None:
    """Remove sequenced events from the PostgreSQL queue (SQLite has none)."""
    if dialect(conn) == "sqlite" or not event_ids:
        return
    conn.execute(text("DELETE FROM log_queue WHERE event_id = ANY(:ids)"), {"ids": list(event_ids)})
