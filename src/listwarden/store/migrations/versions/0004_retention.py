"""Retention and assessment: reviews, removals, holds, assessments, offence class, checklist.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-22 06:00:00.000000

Reviews, holds and assessments belong to an entry and are deleted with it (ON DELETE CASCADE);
removals hold identifiers only, for the 12-month re-listing flag (law 3).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import listwarden.store.tables

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC = listwarden.store.tables.UtcDateTime


def _entry_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["entry_id"],
        ["entries.id"],
        name=op.f(f"fk_{table}_entry_id_entries"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalated_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("relisted_after_removal_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("determination", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("determination_reason_ct", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("offence_class", sa.String(length=32), nullable=True))
    with op.batch_alter_table("intelligence_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("social_media_checklist_ct", sa.LargeBinary(), nullable=True))

    op.create_table(
        "reviews",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("reviewer_id", sa.String(length=36), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("nrac", sa.JSON(), nullable=False),
        sa.Column("rationale_ct", sa.LargeBinary(), nullable=True),
        _entry_fk("reviews"),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_reviews_reviewer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    op.create_index(op.f("ix_reviews_entry_id"), "reviews", ["entry_id"], unique=False)

    op.create_table(
        "removals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("list_id", sa.String(length=36), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_removals")),
    )
    op.create_index("ix_removals_subject_list", "removals", ["subject_id", "list_id"])

    op.create_table(
        "legal_holds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("placed_by", sa.String(length=36), nullable=True),
        sa.Column("placed_at", UTC(), nullable=False),
        _entry_fk("legal_holds"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_index(op.f("ix_legal_holds_entry_id"), "legal_holds", ["entry_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("framework", sa.String(length=100), nullable=False),
        sa.Column("framework_version", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=8), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("computed_at", UTC(), nullable=False),
        sa.Column("assessor_id", sa.String(length=36), nullable=True),
        sa.Column("confirmed_at", UTC(), nullable=True),
        _entry_fk("assessments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    op.create_index(op.f("ix_assessments_entry_id"), "assessments", ["entry_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_assessments_entry_id"), table_name="assessments")
    op.drop_table("assessments")
    op.drop_index(op.f("ix_legal_holds_entry_id"), table_name="legal_holds")
    op.drop_table("legal_holds")
    op.drop_index("ix_removals_subject_list", table_name="removals")
    op.drop_table("removals")
    op.drop_index(op.f("ix_reviews_entry_id"), table_name="reviews")
    op.drop_table("reviews")
    with op.batch_alter_table("intelligence_items", schema=None) as batch_op:
        batch_op.drop_column("social_media_checklist_ct")
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.drop_column("offence_class")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_column("determination_reason_ct")
        batch_op.drop_column("determination")
        batch_op.drop_column("relisted_after_removal_on")
        batch_op.drop_column("escalated_on")
