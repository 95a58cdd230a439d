"""Shared helpers for the access-log tests: an attached log, events written through services,
and an attacker's way round the database's refusal to change the log."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text

from listwarden.bootstrap import Register
from listwarden.domain.vocabulary import Operation
from listwarden.services.audit_config import EventLog, LogConfig, attach_event_log
from listwarden.services.events import record_event

LOG_TABLES = ("events", "log_leaves", "log_nodes", "log_frontiers", "checkpoints", "cosignatures")


def attach(register: Register, **config: object) -> EventLog:
    """Attach the register's log with the test's settings (no sequencing or signing unasked)."""
    settings = {"sequence_every": 10**9, "checkpoint_every": 10**9, **config}
    return attach_event_log(
        register.uow,
        keys=register.keystore,
        config=replace(LogConfig.defaults(), **settings),  # type: ignore[arg-type]
    )


@pytest.fixture
def log_register(register: Register) -> Register:
    attach(register)
    return register


def write_events(
    register: Register,
    count: int,
    *,
    actor: str = "actor-1",
    subject: str | None = "subject-1",
    justification: str | None = "a reason given for the test",
    per_transaction: int = 1,
) -> None:
    """Write ``count`` consultation events, ``per_transaction`` to a transaction."""
    uow = register.uow
    for start in range(0, count, per_transaction):
        with uow.transaction() as session:
            for _ in range(min(per_transaction, count - start)):
                record_event(
                    session,
                    at=uow.now(),
                    operation=Operation.CONSULT,
                    actor_id=actor,
                    list_id="list-1",
                    entry_id="entry-1",
                    subject_id=subject,
                    purpose="compliance_audit",
                    justification=justification,
                    uow=uow,
                )


def as_attacker(register: Register, *statements: str) -> None:
    """Run SQL round the append-only triggers, as someone with file or superuser access would.

    SQLite: drop the tables' triggers. PostgreSQL: ``session_replication_role = replica``.
    """
    with register.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            for table in LOG_TABLES:
                for action in ("update", "delete"):
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{action}"))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            conn.execute(text(statement))
