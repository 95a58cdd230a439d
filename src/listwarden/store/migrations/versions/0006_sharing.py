"""Sharing under agreements (law 6): recipients, agreements, disclosure requests, disclosures.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:11:14.684681

Disclosure rows hold identifiers, keyed fingerprints and sealed justifications only, and no
foreign key to entries, so erasing a person leaves the record of what was disclosed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import listwarden.store.tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("lawful_basis", sa.Text(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("bands", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("zero_score", sa.Boolean(), nullable=False),
        sa.Column("unassessed", sa.Boolean(), nullable=False),
        sa.Column("honours_handling_conditions", sa.Boolean(), nullable=False),
        sa.Column("recipient_retention_days", sa.Integer(), nullable=False),
        sa.Column("recipient_deletion", sa.Text(), nullable=False),
        sa.Column("security_conditions", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("drafted_by", sa.String(length=36), nullable=False),
        sa.Column("drafted_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("intelligence_justification", sa.Text(), nullable=True),
        sa.Column("intelligence_approved_by", sa.String(length=36), nullable=True),
        sa.Column("intelligence_approved_role", sa.String(length=32), nullable=True),
        sa.Column("intelligence_approved_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("approved_by", sa.String(length=36), nullable=True),
        sa.Column("approved_role", sa.String(length=32), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("revoked_by", sa.String(length=36), nullable=True),
        sa.Column("revoked_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
    )
    op.create_table(
        "recipients",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("statutory_function", sa.String(length=40), nullable=True),
        sa.Column("organisation_type", sa.String(length=40), nullable=True),
        sa.Column("notice_contact", sa.String(length=320), nullable=False),
        sa.Column("age_public_key", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=36), nullable=True),
        sa.Column("approved_role", sa.String(length=32), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipients")),
        sa.UniqueConstraint("name", name=op.f("uq_recipients_name")),
    )
    op.create_table(
        "disclosure_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("recipient_id", sa.String(length=36), nullable=False),
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("purpose_class", sa.String(length=16), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("justification_ct", sa.LargeBinary(), nullable=True),
        sa.Column("log_period", sa.String(length=16), nullable=True),
        sa.Column("requested_by", sa.String(length=36), nullable=False),
        sa.Column(
            "requested_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("decided_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("second_approved_by", sa.String(length=36), nullable=True),
        sa.Column(
            "second_approved_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_disclosure_requests_agreement_id_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["recipients.id"],
            name=op.f("fk_disclosure_requests_recipient_id_recipients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_requests")),
    )
    with op.batch_alter_table("disclosure_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disclosure_requests_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_disclosure_requests_recipient_id"), ["recipient_id"], unique=False
        )

    op.create_table(
        "disclosure_entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=True),
        sa.Column("list_id", sa.String(length=36), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=True),
        sa.Column("justification_ct", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["disclosure_requests.id"],
            name=op.f("fk_disclosure_entries_request_id_disclosure_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_entries")),
        sa.UniqueConstraint(
            "request_id", "position", name=op.f("uq_disclosure_entries_request_id")
        ),
    )
    with op.batch_alter_table("disclosure_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disclosure_entries_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_disclosure_entries_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "disclosures",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("recipient_id", sa.String(length=36), nullable=False),
        sa.Column("agreement_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("fields_removed", sa.JSON(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("package_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("disclosed_by", sa.String(length=36), nullable=False),
        sa.Column(
            "disclosed_at", listwarden.store.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_disclosures_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["recipients.id"], name=op.f("fk_disclosures_recipient_id_recipients")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["disclosure_requests.id"],
            name=op.f("fk_disclosures_request_id_disclosure_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
        sa.UniqueConstraint("reference", name=op.f("uq_disclosures_reference")),
        sa.UniqueConstraint("request_id", name=op.f("uq_disclosures_request_id")),
    )
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disclosures_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_disclosures_recipient_id"), ["recipient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosures_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_disclosures_agreement_id"))

    op.drop_table("disclosures")
    with op.batch_alter_table("disclosure_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_entries_request_id"))
        batch_op.drop_index(batch_op.f("ix_disclosure_entries_entry_id"))

    op.drop_table("disclosure_entries")
    with op.batch_alter_table("disclosure_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_requests_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_disclosure_requests_agreement_id"))

    op.drop_table("disclosure_requests")
    op.drop_table("recipients")
    op.drop_table("agreements")
