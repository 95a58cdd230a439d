"""Oversight on the record (law 12): guidance, BCU audits, monthly reports, equality snapshots.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 06:15:32.900785

No table here holds a personal value: audits freeze counts and identifiers, snapshots hold
aggregate counts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import listwarden.store.tables

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "equality_snapshots",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("taken_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_equality_snapshots")),
    )
    op.create_table(
        "monthly_reports",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("signed_note", sa.Text(), nullable=False),
        sa.Column("verifier_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_monthly_reports")),
    )
    op.create_table(
        "bcu_audits",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("bcu", sa.String(length=4), nullable=False),
        sa.Column("auditor_id", sa.String(length=36), nullable=True),
        sa.Column("opened_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("closed_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=36), nullable=True),
        sa.Column("conclusion", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["auditor_id"], ["users.id"], name=op.f("fk_bcu_audits_auditor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bcu_audits")),
    )
    with op.batch_alter_table("bcu_audits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bcu_audits_bcu"), ["bcu"], unique=False)

    op.create_table(
        "guidance_documents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("annex_step", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("binds_roles", sa.JSON(), nullable=False),
        sa.Column("approved_by", sa.String(length=36), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column(
            "superseded_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "recorded_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["users.id"], name=op.f("fk_guidance_documents_approved_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guidance_documents")),
        sa.UniqueConstraint("kind", "version", name=op.f("uq_guidance_documents_kind")),
    )
    with op.batch_alter_table("guidance_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guidance_documents_kind"), ["kind"], unique=False)

    op.create_table(
        "audit_findings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("audit_id", sa.String(length=36), nullable=False),
        sa.Column("check_id", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("closed_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column("action_taken", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["bcu_audits.id"], name=op.f("fk_audit_findings_audit_id_bcu_audits")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_audit_findings_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_findings")),
    )
    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_findings_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "guidance_acknowledgements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column(
            "acknowledged_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["guidance_documents.id"],
            name=op.f("fk_guidance_acknowledgements_document_id_guidance_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_guidance_acknowledgements_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guidance_acknowledgements")),
        sa.UniqueConstraint(
            "document_id", "user_id", name=op.f("uq_guidance_acknowledgements_document_id")
        ),
    )
    with op.batch_alter_table("guidance_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guidance_acknowledgements_document_id"), ["document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_guidance_acknowledgements_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("guidance_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guidance_acknowledgements_user_id"))
        batch_op.drop_index(batch_op.f("ix_guidance_acknowledgements_document_id"))

    op.drop_table("guidance_acknowledgements")
    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_findings_audit_id"))

    op.drop_table("audit_findings")
    with op.batch_alter_table("guidance_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guidance_documents_kind"))

    op.drop_table("guidance_documents")
    with op.batch_alter_table("bcu_audits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bcu_audits_bcu"))

    op.drop_table("bcu_audits")
    op.drop_table("monthly_reports")
    op.drop_table("equality_snapshots")
