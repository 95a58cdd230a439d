"""Recipient notices (s.48) and the erasure date of a disclosed row's person (law 11).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 06:45:42.849660

A recipient is told of every erasure, rectification and restriction of an entry it received;
an erased person's keyed fingerprint is kept for loss detection 90 days at most.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import listwarden.store.tables

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recipient_notices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("recipient_id", sa.String(length=36), nullable=False),
        sa.Column("disclosure_id", sa.String(length=36), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("raised_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["disclosure_id"],
            ["disclosures.id"],
            name=op.f("fk_recipient_notices_disclosure_id_disclosures"),
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_recipient_notices_recipient_id_recipients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient_notices")),
    )
    with op.batch_alter_table("recipient_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recipient_notices_disclosure_id"), ["disclosure_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recipient_notices_recipient_id"), ["recipient_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_recipient_notices_sent_at"), ["sent_at"], unique=False)

    with op.batch_alter_table("disclosure_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("disclosure_entries", schema=None) as batch_op:
        batch_op.drop_column("erased_on")

    with op.batch_alter_table("recipient_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recipient_notices_sent_at"))
        batch_op.drop_index(batch_op.f("ix_recipient_notices_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_recipient_notices_disclosure_id"))

    op.drop_table("recipient_notices")
