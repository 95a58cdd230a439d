"""Schema migrations: Alembic, driven in-process on an existing engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from listwarden.store.tables import Base

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the latest by default)."""
    with engine.connect() as connection:
        command.upgrade(_config(connection), revision)
        connection.commit()


def pending_differences(engine: Engine) -> list[object]:
    """What the tables declare that the migrated database lacks (what ``alembic check`` finds)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a migration (for developers; review it by hand before committing)."""
    with engine.connect() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)
