"""Gang records and an entry's link to one (law 8); assessment framework trials and activation.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 07:03:08.672282

A framework scores a list's entries only once activated for it, and activation needs a trial
run, its bands by ethnic group in aggregate, signed off by the DPO.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import listwarden.store.tables

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gangs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("bcus", sa.JSON(), nullable=False),
        sa.Column("definition_evidence_ct", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.String(length=36), nullable=False),
        sa.Column(
            "proposed_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("approved_by", sa.String(length=36), nullable=True),
        sa.Column("approved_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["users.id"], name=op.f("fk_gangs_approved_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["users.id"], name=op.f("fk_gangs_proposed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gangs")),
        sa.UniqueConstraint("name", name=op.f("uq_gangs_name")),
    )
    op.create_table(
        "framework_trials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("list_id", sa.String(length=36), nullable=False),
        sa.Column("framework", sa.String(length=100), nullable=False),
        sa.Column("framework_version", sa.String(length=40), nullable=False),
        sa.Column("run_by", sa.String(length=36), nullable=False),
        sa.Column("run_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("signed_off_by", sa.String(length=36), nullable=True),
        sa.Column(
            "signed_off_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("sign_off_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lists.id"], name=op.f("fk_framework_trials_list_id_lists")
        ),
        sa.ForeignKeyConstraint(
            ["run_by"], ["users.id"], name=op.f("fk_framework_trials_run_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["signed_off_by"], ["users.id"], name=op.f("fk_framework_trials_signed_off_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_trials")),
    )
    with op.batch_alter_table("framework_trials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_framework_trials_list_id"), ["list_id"], unique=False)

    op.create_table(
        "framework_activations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("list_id", sa.String(length=36), nullable=False),
        sa.Column("framework", sa.String(length=100), nullable=False),
        sa.Column("framework_version", sa.String(length=40), nullable=False),
        sa.Column("trial_id", sa.String(length=36), nullable=False),
        sa.Column("activated_by", sa.String(length=36), nullable=False),
        sa.Column(
            "activated_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["activated_by"], ["users.id"], name=op.f("fk_framework_activations_activated_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lists.id"], name=op.f("fk_framework_activations_list_id_lists")
        ),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["framework_trials.id"],
            name=op.f("fk_framework_activations_trial_id_framework_trials"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_activations")),
        sa.UniqueConstraint("list_id", "framework", name=op.f("uq_framework_activations_list_id")),
    )
    with op.batch_alter_table("framework_activations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_framework_activations_list_id"), ["list_id"], unique=False
        )

    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gang_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_entries_gang_id"), ["gang_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_entries_gang_id_gangs"), "gangs", ["gang_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_entries_gang_id_gangs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_entries_gang_id"))
        batch_op.drop_column("gang_id")

    with op.batch_alter_table("framework_activations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_framework_activations_list_id"))

    op.drop_table("framework_activations")
    with op.batch_alter_table("framework_trials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_framework_trials_list_id"))

    op.drop_table("framework_trials")
    op.drop_table("gangs")
