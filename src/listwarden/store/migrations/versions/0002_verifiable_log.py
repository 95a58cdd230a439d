"""The verifiable access log: sealed justifications, leaves, nodes, frontiers, checkpoints.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00.000000

Justifications leave the event row in clear and come back as a ciphertext under a per-period
log key. A migration cannot reach the key store, so it refuses to run over a database whose
events already hold clear justifications (only a pre-release database can): export what you
need and start that database again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import listwarden.store.tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "the access log is append-only"
INSERT_ONLY_TABLES = ("log_leaves", "log_nodes", "log_frontiers", "checkpoints", "cosignatures")
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = listwarden.store.tables.UtcDateTime


def refuse_event_changes(table: str) -> None:
    """Make the database itself refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of ``table``.

    The same statements as revision 0001's helper of that name (a migration cannot import
    another revision's module by name), so every insert-only table is guarded alike.
    """
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action.lower()}")
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION listwarden_refuse_change() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege'; "
        "END $$ LANGUAGE plpgsql"
    )
    op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION listwarden_refuse_change()"
    )
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION listwarden_refuse_change()"
    )


def allow_event_changes(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")


def enqueue_new_events() -> None:
    """On PostgreSQL, every inserted event joins the sequencer's queue in the same statement.

    Transactions commit out of id order there, so the sequencer works from this queue instead
    of a high-water mark; on SQLite the single writer commits in id order and needs none.
    """
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION listwarden_enqueue_events() RETURNS trigger AS $$ "
        "BEGIN INSERT INTO log_queue (event_id) SELECT id FROM new_events; RETURN NULL; "
        "END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER events_enqueue AFTER INSERT ON events REFERENCING NEW TABLE AS new_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION listwarden_enqueue_events()"
    )
    # Events from before this revision wait for their first sequencing like any other.
    op.execute("INSERT INTO log_queue (event_id) SELECT id FROM events")


def _refuse_clear_justifications() -> None:
    held = op.get_bind().execute(
        sa.text("SELECT count(*) FROM events WHERE justification IS NOT NULL")
    )
    if held.scalar_one():
        raise RuntimeError(
            "this database holds events with clear-text justifications from before the "
            "verifiable log; it cannot be upgraded in place (no migration can reach the key "
            "store): export what you need and create the database again"
        )


def upgrade() -> None:
    _refuse_clear_justifications()
    allow_event_changes("events")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_actor_id")
        batch_op.drop_index("ix_events_list_id")
        batch_op.drop_index("ix_events_subject_id")
        batch_op.drop_index("ix_events_operation")
        batch_op.drop_column("justification")
        batch_op.add_column(sa.Column("justification_ct", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("log_period", sa.String(length=16), nullable=True))
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_actor_id", ["actor_id", "id"], unique=False)
        batch_op.create_index("ix_events_list_id", ["list_id", "id"], unique=False)
        batch_op.create_index("ix_events_subject_id", ["subject_id", "id"], unique=False)
        batch_op.create_index("ix_events_operation", ["operation", "id"], unique=False)

    op.create_table(
        "log_leaves",
        sa.Column("leaf_index", BIG, autoincrement=False, nullable=False),
        sa.Column("event_id", BIG, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_log_leaves")),
        sa.UniqueConstraint("event_id", name=op.f("uq_log_leaves_event_id")),
    )
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("node_index", BIG, autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "node_index", name=op.f("pk_log_nodes")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "log_frontiers",
        sa.Column("tree_size", BIG, autoincrement=False, nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("last_event_id", BIG, nullable=True),
        sa.Column("sequenced_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_log_frontiers")),
    )
    op.create_table(
        "log_queue",
        sa.Column("event_id", BIG, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_log_queue")),
    )
    op.create_table(
        "checkpoints",
        sa.Column("id", BIG, autoincrement=True, nullable=False),
        sa.Column("tree_size", BIG, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
    )
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkpoints_tree_size"), ["tree_size"], unique=False)
    op.create_table(
        "cosignatures",
        sa.Column("id", BIG, autoincrement=True, nullable=False),
        sa.Column("checkpoint_id", BIG, nullable=False),
        sa.Column("witness_name", sa.String(length=200), nullable=False),
        sa.Column("witness_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("cosigned_at", UTC(), nullable=False),
        sa.Column("recorded_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["checkpoints.id"],
            name=op.f("fk_cosignatures_checkpoint_id_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cosignatures")),
    )
    with op.batch_alter_table("cosignatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cosignatures_checkpoint_id"), ["checkpoint_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cosignatures_witness_key"), ["witness_key"], unique=False
        )

    refuse_event_changes("events")
    for table in INSERT_ONLY_TABLES:
        refuse_event_changes(table)
    enqueue_new_events()


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_enqueue ON events")
        op.execute("DROP FUNCTION IF EXISTS listwarden_enqueue_events()")
    for table in INSERT_ONLY_TABLES:
        allow_event_changes(table)
    allow_event_changes("events")
    with op.batch_alter_table("cosignatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cosignatures_witness_key"))
        batch_op.drop_index(batch_op.f("ix_cosignatures_checkpoint_id"))
    op.drop_table("cosignatures")
    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkpoints_tree_size"))
    op.drop_table("checkpoints")
    op.drop_table("log_queue")
    op.drop_table("log_frontiers")
    op.drop_table("log_nodes")
    op.drop_table("log_leaves")
    # The sealed justifications cannot be opened here (no key store): they are dropped.
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_operation")
        batch_op.drop_index("ix_events_subject_id")
        batch_op.drop_index("ix_events_list_id")
        batch_op.drop_index("ix_events_actor_id")
        batch_op.drop_column("log_period")
        batch_op.drop_column("justification_ct")
        batch_op.add_column(sa.Column("justification", sa.Text(), nullable=True))
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_actor_id", ["actor_id"], unique=False)
        batch_op.create_index("ix_events_list_id", ["list_id"], unique=False)
        batch_op.create_index("ix_events_subject_id", ["subject_id"], unique=False)
        batch_op.create_index("ix_events_operation", ["operation"], unique=False)
    refuse_event_changes("events")
