"""``store.bulk.insert_rows`` stores every kind of value exactly as SQLAlchemy's insert does."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Dialect,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    insert,
    select,
    text,
)
from sqlalchemy.exc import StatementError

from listwarden.store.bulk import insert_rows
from listwarden.store.engine import make_engine, widen_page_cache
from listwarden.store.tables import UtcDateTime

ROW = {
    "day": date(2024, 2, 29),
    "at": datetime(2024, 2, 29, 13, 5, 7, 123456, tzinfo=UTC),
    "flag": True,
    "blob": b"\x00\xffsealed",
    "doc": {"reasons": ["a", "b"], "n": 1},
    "count": 7,
}
SPARSE = {"day": None, "at": None, "flag": False, "blob": None, "doc": None, "count": None}


def _table() -> Table:
    return Table(
        "bulk_probe",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("batch", String(8)),
        Column("day", Date, nullable=True),
        Column("at", UtcDateTime, nullable=True),
        Column("flag", Boolean),
        Column("blob", LargeBinary, nullable=True),
        Column("doc", JSON, nullable=True),
        Column("count", Integer, nullable=True),
        Column("kind", String(8), default="plain"),
        Column("tags", JSON, default=list),
    )


def test_rows_are_stored_as_sqlalchemy_stores_them(database_url: str) -> None:
    engine = make_engine(database_url)
    table = _table()
    table.create(engine)
    rows = [{"id": 1, **ROW}, {"id": 2, **SPARSE}]
    with engine.begin() as connection:
        connection.execute(insert(table), [{**r, "batch": "core"} for r in rows])
        insert_rows(connection, table, [{**r, "id": r["id"] + 10, "batch": "bulk"} for r in rows])
    columns = "day, at, flag, blob, doc, count, kind, tags"
    if engine.dialect.name == "sqlite":  # the storage class too, where SQLite keeps one per value
        columns += ", " + ", ".join(f"typeof({c})" for c in columns.split(", "))
    with engine.connect() as connection:
        stored = {
            batch: [
                tuple(r)
                for r in connection.execute(
                    text(f"SELECT {columns} FROM bulk_probe WHERE batch = :b ORDER BY id"),
                    {"b": batch},
                )
            ]
            for batch in ("core", "bulk")
        }
        read_back = connection.execute(select(table).where(table.c.id == 11)).one()
    engine.dispose()
    assert stored["bulk"] == stored["core"]
    assert stored["bulk"][1][6] == "plain"  # the column's default, for a column no row names
    assert stored["bulk"][1][7] in ("[]", [])  # a callable default, called for the row
    assert (read_back.day, read_back.at, read_back.doc) == (ROW["day"], ROW["at"], ROW["doc"])


def test_a_timestamp_repeated_through_a_batch_is_stored_as_sqlalchemy_stores_each(
    database_url: str,
) -> None:
    """Converted once per batch and remembered: the same instant in another zone, a new one,
    and a naive one (refused, never taken for a remembered aware instant) all as Core does."""
    from datetime import timedelta, timezone

    engine = make_engine(database_url)
    table = _table()
    table.create(engine)
    at = ROW["at"]
    assert isinstance(at, datetime)
    east = at.astimezone(timezone(timedelta(hours=5, minutes=30)))
    stamps = [at, east, at + timedelta(microseconds=1), at, None, east]
    rows = [{**SPARSE, "id": n, "at": stamp} for n, stamp in enumerate(stamps, start=1)]
    with engine.begin() as connection:
        connection.execute(insert(table), [{**r, "batch": "core"} for r in rows])
        insert_rows(connection, table, [{**r, "id": r["id"] + 10, "batch": "bulk"} for r in rows])
    with engine.connect() as connection:
        stored = {
            batch: list(
                connection.execute(
                    text("SELECT at FROM bulk_probe WHERE batch = :b ORDER BY id"), {"b": batch}
                ).scalars()
            )
            for batch in ("core", "bulk")
        }
    naive = [{**SPARSE, "id": 30, "at": at}, {**SPARSE, "id": 31, "at": at.replace(tzinfo=None)}]
    with engine.begin() as connection, pytest.raises((ValueError, StatementError), match="naive"):
        insert_rows(connection, table, naive)
    engine.dispose()
    assert stored["bulk"] == stored["core"]


def test_a_widened_page_cache_is_put_back_when_the_connection_returns(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        before = connection.exec_driver_sql("PRAGMA cache_size").scalar() if sqlite else None
        widen_page_cache(connection, mib=32)
        widen_page_cache(connection, mib=48)  # a second call keeps the first size to restore
        during = connection.exec_driver_sql("PRAGMA cache_size").scalar() if sqlite else None
        held = id(connection.connection.dbapi_connection)
    with engine.connect() as connection:  # the same pooled connection, back from the pool
        assert id(connection.connection.dbapi_connection) == held
        after = connection.exec_driver_sql("PRAGMA cache_size").scalar() if sqlite else None
    engine.dispose()
    if sqlite:
        assert (during, after) == (-48 * 1024, before)
        assert before != during


def test_a_batch_converts_its_repeated_utc_time_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every event of a batch is written "now": SQLite's bulk insert converts that time once."""
    calls: list[datetime | None] = []
    convert = UtcDateTime.process_bind_param

    def counted(self: UtcDateTime, value: datetime | None, dialect: Dialect) -> datetime | None:
        calls.append(value)
        return convert(self, value, dialect)

    monkeypatch.setattr(UtcDateTime, "process_bind_param", counted)
    engine = make_engine(database_url)
    table = _table()
    table.create(engine)
    rows = [{"id": n, **ROW, "batch": "same"} for n in range(1, 51)]
    with engine.begin() as connection:
        insert_rows(connection, table, rows)
    with engine.connect() as connection:
        stored = connection.execute(select(table.c.at).order_by(table.c.id)).scalars().all()
    engine.dispose()
    assert stored == [ROW["at"]] * 50
    if engine.dialect.name == "sqlite":  # PostgreSQL keeps SQLAlchemy's own path
        assert calls == [ROW["at"]]
