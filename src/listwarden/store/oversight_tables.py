"""Law 12's records: guidance and its acknowledgements, BCU audits and their findings, the
signed monthly progress reports and the month-end equality snapshots.

None holds a personal value: audits freeze the compliance evidence (counts and identifiers),
and snapshots hold aggregate counts only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from listwarden.store.tables import Base, Id


class GuidanceDocument(Base):
    """One version of a guidance document Annex 1 requires, with who approved it and when."""

    __tablename__ = "guidance_documents"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    annex_step: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(200))  # where the text is kept
    binds_roles: Mapped[list[str]] = mapped_column(default=list)
    approved_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    approved_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date)
    superseded_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime]


class GuidanceAcknowledgement(Base):
    """That one user has read and accepted one version of a guidance document."""

    __tablename__ = "guidance_acknowledgements"
    __table_args__ = (UniqueConstraint("document_id", "user_id"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("guidance_documents.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    acknowledged_at: Mapped[datetime]


class BcuAudit(Base):
    """An audit of one BCU: the compliance evidence frozen when it was opened, then closed."""

    __tablename__ = "bcu_audits"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    bcu: Mapped[str] = mapped_column(String(4), index=True)
    auditor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime]
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(Id)
    conclusion: Mapped[str | None] = mapped_column(Text)


class AuditFinding(Base):
    """One finding of an audit: the check behind it, its owner, when it is due, what was done."""

    __tablename__ = "audit_findings"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    audit_id: Mapped[str] = mapped_column(ForeignKey("bcu_audits.id"), index=True)
    check_id: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime | None]
    action_taken: Mapped[str | None] = mapped_column(Text)


class MonthlyReport(Base):
    """The monthly progress report against each Annex 1 step, as signed (one per month)."""

    __tablename__ = "monthly_reports"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    signed_note: Mapped[str] = mapped_column(Text)
    verifier_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class EqualitySnapshotRow(Base):
    """Month-end aggregate equality counts (``domain.equality.EqualitySnapshot`` as JSON)."""

    __tablename__ = "equality_snapshots"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    taken_at: Mapped[datetime]


class EqualityTallyRow(Base):
    """One list's entries counted by cell, sealed under the equality key (law 9).

    ``services/equality_tallies.py`` keeps it in the transaction of every change that alters
    the counts; the equality report reads it instead of opening every monitoring record.
    """

    __tablename__ = "equality_tallies"

    list_id: Mapped[str] = mapped_column(ForeignKey("lists.id"), primary_key=True)
    cells_ct: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime]
