"""The migrations: they build exactly what the tables declare (``alembic check``), on both."""

from __future__ import annotations

from sqlalchemy import inspect

from listwarden.store import migrate
from listwarden.store.engine import make_engine
from listwarden.store.tables import Base


def test_migrated_schema_matches_the_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert migrate.pending_differences(engine) == []
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
    finally:
        engine.dispose()


def test_sqlite_connection_settings(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        if engine.dialect.name != "sqlite":
            with engine.connect() as connection:
                assert connection.exec_driver_sql("SHOW server_version").scalar()
            return
        with engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "secure_delete", "busy_timeout")
            }
        assert pragmas == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "secure_delete": 1,
            "busy_timeout": 30000,
        }
    finally:
        engine.dispose()
