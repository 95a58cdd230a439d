"""Revision 0002 on a database from before it: events carry over into the log; clear
justifications stop the upgrade, since no migration can reach the key store to seal them."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from listwarden.bootstrap import open_register
from listwarden.services.audit_sequence import sequence_log
from listwarden.services.audit_verify import verify_log
from listwarden.settings import Settings
from listwarden.store import migrate
from listwarden.store.engine import make_engine


def downgrade_to_0001(engine: Engine) -> None:
    with engine.connect() as connection:
        config = Config()
        config.set_main_option("script_location", str(migrate.MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
        connection.commit()


def insert_old_event(engine: Engine, justification: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (event_version, occurred_at, operation, outcome, actor_id, "
                "justification) VALUES (1, :at, 'entry:consult', 'done', 'old-actor', :why)"
            ),
            {"at": "2026-01-01 00:00:00+00:00", "why": justification},
        )


def test_events_from_before_the_log_carry_over(database_url: str, tmp_path: Path) -> None:
    engine = make_engine(database_url)
    try:
        downgrade_to_0001(engine)
        insert_old_event(engine, None)
        migrate.upgrade(engine)
        assert migrate.pending_differences(engine) == []
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT actor_id, justification_ct FROM events")).all()
        assert [tuple(r) for r in rows] == [("old-actor", None)]
    finally:
        engine.dispose()
    register = open_register(
        Settings(home=tmp_path / "home", database_url=database_url),
        create=True,
        migrate_schema=False,
    )
    try:
        assert sequence_log(uow=register.uow).tree_size == 1
        assert verify_log(uow=register.uow).ok
    finally:
        register.close()


def test_clear_justifications_stop_the_upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        downgrade_to_0001(engine)
        insert_old_event(engine, "about a named person")
        with pytest.raises(RuntimeError, match="clear-text justifications"):
            migrate.upgrade(engine)
    finally:
        engine.dispose()
