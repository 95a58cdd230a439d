"""The identity adapters registered for speed leave what SQLite stores exactly as it was."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from listwarden.store.engine import make_engine


def test_none_and_bytes_are_stored_as_null_and_blob(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'adapters.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (a, b, c)"))
        connection.execute(
            text("INSERT INTO t VALUES (:a, :b, :c)"), {"a": None, "b": b"\x00\xffct", "c": b""}
        )
        row = connection.execute(text("SELECT typeof(a), typeof(b), b, typeof(c), c FROM t")).one()
    engine.dispose()
    assert tuple(row) == ("null", "blob", b"\x00\xffct", "blob", b"")
