"""Erased people's keyed-hash tokens, kept for loss detection alone for 90 days (law 11).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 12:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erased_person_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name_dob", sa.String(length=64), nullable=False),
        sa.Column("dob", sa.String(length=64), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erased_person_tokens")),
    )
    with op.batch_alter_table("erased_person_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erased_person_tokens_created_on"), ["created_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("erased_person_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erased_person_tokens_created_on"))
    op.drop_table("erased_person_tokens")
