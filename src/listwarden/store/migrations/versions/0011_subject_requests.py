"""Subject rights: requests with their identity check and clock, and item-by-item restrictions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import listwarden.store.tables

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UTC = listwarden.store.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "subject_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("identity_method", sa.String(length=200), nullable=False),
        sa.Column("identity_checked_by", sa.String(length=36), nullable=True),
        sa.Column("identity_confirmed_on", sa.Date(), nullable=True),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("pauses", sa.JSON(), nullable=False),
        sa.Column("ncnd", sa.Boolean(), nullable=False),
        sa.Column("ncnd_reason", sa.Text(), nullable=True),
        sa.Column("reveal_officers", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=36), nullable=False),
        sa.Column("recorded_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_requests")),
    )
    with op.batch_alter_table("subject_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_requests_subject_id"), ["subject_id"], unique=False
        )
    op.create_table(
        "request_restrictions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("item_kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("ground", sa.String(length=40), nullable=False),
        sa.Column("reason_ct", sa.LargeBinary(), nullable=False),
        sa.Column("decided_by", sa.String(length=36), nullable=False),
        sa.Column("decided_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["subject_requests.id"],
            name=op.f("fk_request_restrictions_request_id_subject_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_restrictions")),
    )
    with op.batch_alter_table("request_restrictions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_restrictions_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("request_restrictions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_restrictions_request_id"))
    op.drop_table("request_restrictions")
    with op.batch_alter_table("subject_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_requests_subject_id"))
    op.drop_table("subject_requests")
