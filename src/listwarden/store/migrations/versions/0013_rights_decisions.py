"""Rights decisions: a request's decision and reason, and entries restricted at a person's request.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 07:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("restricted_on", sa.Date(), nullable=True))
    with op.batch_alter_table("subject_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("decision_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("decided_by", sa.String(length=36), nullable=True))
        batch_op.add_column(
            sa.Column("changed_fields", sa.JSON(), server_default="[]", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("subject_requests", schema=None) as batch_op:
        batch_op.drop_column("changed_fields")
        batch_op.drop_column("decided_by")
        batch_op.drop_column("decision_reason")
        batch_op.drop_column("decision")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_column("restricted_on")
