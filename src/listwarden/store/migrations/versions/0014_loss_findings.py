"""Loss findings: what each loss-detection scan found, by identifiers only (law 11).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 07:35:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listwarden.store.tables import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loss_findings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("scan_id", sa.String(length=36), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("path_sha256", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("strength", sa.String(length=8), nullable=False),
        sa.Column("informal_list", sa.Boolean(), nullable=False),
        sa.Column("strong_subject_ids", sa.JSON(), nullable=False),
        sa.Column("weak_subject_ids", sa.JSON(), nullable=False),
        sa.Column("erased_matches", sa.Integer(), nullable=False),
        sa.Column("disclosure_ids", sa.JSON(), nullable=False),
        sa.Column("tagged_rows", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("found_at", UtcDateTime(), nullable=False),
        sa.Column("found_by", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=36), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["found_by"], ["users.id"], name=op.f("fk_loss_findings_found_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loss_findings")),
    )
    with op.batch_alter_table("loss_findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loss_findings_scan_id"), ["scan_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_loss_findings_path_sha256"), ["path_sha256"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_loss_findings_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("loss_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loss_findings_status"))
        batch_op.drop_index(batch_op.f("ix_loss_findings_path_sha256"))
        batch_op.drop_index(batch_op.f("ix_loss_findings_scan_id"))
    op.drop_table("loss_findings")
