"""Equality tallies: each list's entries counted by cell, sealed under the equality key (law 9).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 12:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from listwarden.store.tables import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty at first: the first equality report of each list counts it from the monitoring
    # records and stores the tally, which every later change then keeps.
    op.create_table(
        "equality_tallies",
        sa.Column("list_id", sa.String(length=36), nullable=False),
        sa.Column("cells_ct", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lists.id"], name=op.f("fk_equality_tallies_list_id_lists")
        ),
        sa.PrimaryKeyConstraint("list_id", name=op.f("pk_equality_tallies")),
    )


def downgrade() -> None:
    op.drop_table("equality_tallies")
