"""Imports of legacy lists: the import record, its quarantine, and legacy-unreviewed entries.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 06:40:00.000000

A quarantined row is sealed under its import's own key and deleted with the import's quarantine
after 30 days; entries brought in are marked legacy-unreviewed until their first review.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import listwarden.store.tables

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC = listwarden.store.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("list_id", sa.String(length=36), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("started_at", UTC(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("loaded", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("quarantine_erase_on", sa.Date(), nullable=False),
        sa.Column("quarantine_erased_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_imports_actor_id_users")),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name=op.f("fk_imports_list_id_lists")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imports_list_id"), ["list_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_imports_quarantine_erase_on"), ["quarantine_erase_on"], unique=False
        )
    op.create_table(
        "quarantine_rows",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("import_id", sa.String(length=36), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("row_ct", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["imports.id"],
            name=op.f("fk_quarantine_rows_import_id_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_rows")),
    )
    with op.batch_alter_table("quarantine_rows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_quarantine_rows_import_id"), ["import_id"], unique=False
        )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("legacy_unreviewed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("import_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_entries_import_id_imports"), "imports", ["import_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_entries_import_id_imports"), type_="foreignkey")
        batch_op.drop_column("import_id")
        batch_op.drop_column("legacy_unreviewed")
    with op.batch_alter_table("quarantine_rows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_rows_import_id"))
    op.drop_table("quarantine_rows")
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imports_quarantine_erase_on"))
        batch_op.drop_index(batch_op.f("ix_imports_list_id"))
    op.drop_table("imports")
