"""Initial schema, and the database's own refusal to change or delete events.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:02:44.372632
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import listwarden.store.tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", listwarden.store.tables.UtcDateTime(), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("list_id", sa.String(length=36), nullable=True),
        sa.Column("entry_id", sa.String(length=36), nullable=True),
        sa.Column("subject_id", sa.String(length=36), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=True),
        sa.Column("purpose_class", sa.String(length=16), nullable=True),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("recipient_id", sa.String(length=36), nullable=True),
        sa.Column("result_count", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_list_id"), ["list_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_operation"), ["operation"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "subjects",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("given_name_ct", sa.LargeBinary(), nullable=False),
        sa.Column("family_name_ct", sa.LargeBinary(), nullable=False),
        sa.Column("date_of_birth_ct", sa.LargeBinary(), nullable=False),
        sa.Column("nicknames_ct", sa.LargeBinary(), nullable=True),
        sa.Column("address_ct", sa.LargeBinary(), nullable=True),
        sa.Column("name_dob_index", sa.LargeBinary(length=16), nullable=False),
        sa.Column("created_at", listwarden.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subjects")),
    )
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subjects_name_dob_index"), ["name_dob_index"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("bcus", sa.JSON(), nullable=False),
        sa.Column("force_wide", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", listwarden.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", listwarden.store.tables.UtcDateTime(), nullable=False),
        sa.Column("expires_at", listwarden.store.tables.UtcDateTime(), nullable=True),
        sa.Column("revoked_at", listwarden.store.tables.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "lists",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("lawful_basis", sa.Text(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("holds_identity_codes", sa.Boolean(), nullable=False),
        sa.Column("retention_schedule_ref", sa.String(length=200), nullable=False),
        sa.Column("access_policy_ref", sa.String(length=200), nullable=False),
        sa.Column("public_notice", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("authorised_by", sa.String(length=36), nullable=True),
        sa.Column("authorised_at", listwarden.store.tables.UtcDateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", listwarden.store.tables.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["authorised_by"], ["users.id"], name=op.f("fk_lists_authorised_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_lists_created_by_users")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_lists_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lists")),
        sa.UniqueConstraint("name", name=op.f("uq_lists_name")),
    )
    op.create_table(
        "dpias",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("list_id", sa.String(length=36), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("risks", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("safeguards", sa.Text(), nullable=False),
        sa.Column("equality_impact", sa.Text(), nullable=False),
        sa.Column("prior_consultation", sa.String(length=32), nullable=True),
        sa.Column("author_id", sa.String(length=36), nullable=False),
        sa.Column("approved_by", sa.String(length=36), nullable=True),
        sa.Column("approved_at", listwarden.store.tables.UtcDateTime(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["users.id"], name=op.f("fk_dpias_approved_by_users")
        ),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_dpias_author_id_users")),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name=op.f("fk_dpias_list_id_lists")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dpias")),
        sa.UniqueConstraint("list_id", name=op.f("uq_dpias_list_id")),
    )
    op.create_table(
        "entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("list_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("bcu", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("added_by", sa.String(length=36), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=False),
        sa.Column("child_at_entry", sa.Boolean(), nullable=False),
        sa.Column("iao_approval_by", sa.String(length=36), nullable=True),
        sa.Column("safeguarding_referral_ct", sa.LargeBinary(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["added_by"], ["users.id"], name=op.f("fk_entries_added_by_users")),
        sa.ForeignKeyConstraint(
            ["iao_approval_by"],
            ["users.id"],
            name=op.f("fk_entries_iao_approval_by_users"),
        ),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name=op.f("fk_entries_list_id_lists")),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_entries_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
        sa.UniqueConstraint("list_id", "subject_id", name=op.f("uq_entries_list_id")),
    )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entries_bcu"), ["bcu"], unique=False)
        batch_op.create_index(batch_op.f("ix_entries_list_id"), ["list_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_entries_next_review_on"), ["next_review_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_entries_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "policy_documents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("list_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("schedule_8_condition", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lists.id"], name=op.f("fk_policy_documents_list_id_lists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_documents")),
        sa.UniqueConstraint("list_id", name=op.f("uq_policy_documents_list_id")),
    )
    op.create_table(
        "evidence_items",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("gang_related", sa.Boolean(), nullable=False),
        sa.Column("nature", sa.String(length=16), nullable=False),
        sa.Column("description_ct", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", listwarden.store.tables.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_evidence_items_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_evidence_items_recorded_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_items")),
    )
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_items_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "intelligence_items",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("source_evaluation", sa.Integer(), nullable=False),
        sa.Column("intelligence_assessment", sa.String(length=1), nullable=False),
        sa.Column("handling_code", sa.String(length=1), nullable=False),
        sa.Column("handling_conditions", sa.Text(), nullable=True),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("derived_from_id", sa.String(length=36), nullable=True),
        sa.Column("nature", sa.String(length=16), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("text_ct", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", listwarden.store.tables.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["derived_from_id"],
            ["intelligence_items.id"],
            name=op.f("fk_intelligence_items_derived_from_id_intelligence_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_intelligence_items_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_intelligence_items_recorded_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence_items")),
    )
    with op.batch_alter_table("intelligence_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intelligence_items_entry_id"), ["entry_id"], unique=False
        )

    op.create_table(
        "monitoring_records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("identity_code_ct", sa.LargeBinary(), nullable=False),
        sa.Column("self_defined_ethnicity_ct", sa.LargeBinary(), nullable=False),
        sa.Column("birth_month_ct", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_monitoring_records_subject_id_subjects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_records")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_monitoring_records_subject_id")),
    )
    refuse_event_changes("events")


APPEND_ONLY_MESSAGE = "the access log is append-only"


def refuse_event_changes(table: str) -> None:
    """Make the database itself refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of ``table``."""
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
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
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION listwarden_refuse_change()"
    )
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


def downgrade() -> None:
    allow_event_changes("events")
    op.drop_table("monitoring_records")
    with op.batch_alter_table("intelligence_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intelligence_items_entry_id"))

    op.drop_table("intelligence_items")
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_items_entry_id"))

    op.drop_table("evidence_items")
    op.drop_table("policy_documents")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entries_subject_id"))
        batch_op.drop_index(batch_op.f("ix_entries_next_review_on"))
        batch_op.drop_index(batch_op.f("ix_entries_list_id"))
        batch_op.drop_index(batch_op.f("ix_entries_bcu"))

    op.drop_table("entries")
    op.drop_table("dpias")
    op.drop_table("lists")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subjects_name_dob_index"))

    op.drop_table("subjects")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_subject_id"))
        batch_op.drop_index(batch_op.f("ix_events_operation"))
        batch_op.drop_index(batch_op.f("ix_events_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_events_list_id"))
        batch_op.drop_index(batch_op.f("ix_events_actor_id"))

    op.drop_table("events")
