"""The relational schema: SQLAlchemy 2 typed tables, kept apart from API schemas.

Personal values are never stored in clear: columns ending ``_ct`` hold AES-GCM ciphertexts
under the subject's data key, and ``*_index`` columns hold keyed blind indexes for lookup.
The event table has no foreign keys, so erasing a person never touches the access log.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = String(36)
# SQLite autoincrements only INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        # TypeDecorator says ``object``; saying ``datetime`` lets the bulk insert convert a
        # batch's repeated times once (``store/bulk.py``), as it does for plain dates.
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 - SQLAlchemy reads it as a class attribute
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    bcus: Mapped[list[str]] = mapped_column(default=list)
    force_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # Law 7: the HR feed's unit, whether it is a gang-crime unit, and the day the user left.
    unit: Mapped[str | None] = mapped_column(String(200))
    gang_unit: Mapped[bool] = mapped_column(Boolean, default=False)
    left_at: Mapped[datetime | None]
    # Web sign-in: argon2id password hash, sealed TOTP secret, failed-attempt back-off.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    # ``failed_attempts`` consecutive failures, the last at ``last_failed_at``: the back-off's
    # history (domain/authn.py); ``locked_until`` says when the next attempt will be heard.
    last_failed_at: Mapped[datetime | None]
    # The newest TOTP time step accepted, so that a code (or an older one) is good once only.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    scopes: Mapped[list[str]] = mapped_column(default=list)


class WebSession(Base):
    """A signed-in browser: only the SHA-256 of its cookie's token is kept (never the token)."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(40))


class RegisterList(Base):
    """A list: an information asset holding entries (named so as not to shadow ``list``)."""

    __tablename__ = "lists"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    purposes: Mapped[list[str]] = mapped_column(default=list)
    lawful_basis: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[list[str]] = mapped_column(default=list)
    holds_identity_codes: Mapped[bool] = mapped_column(Boolean, default=False)
    retention_schedule_ref: Mapped[str] = mapped_column(String(200), default="")
    access_policy_ref: Mapped[str] = mapped_column(String(200), default="")
    # The purpose-specific training course everyone with access must hold (law 7).
    training_course: Mapped[str] = mapped_column(String(200), default="")
    public_notice: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    status_reason: Mapped[str | None] = mapped_column(Text)
    authorised_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    authorised_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class Dpia(Base):
    __tablename__ = "dpias"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    list_id: Mapped[str] = mapped_column(ForeignKey("lists.id"), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    safeguards: Mapped[str] = mapped_column(Text, default="")
    equality_impact: Mapped[str] = mapped_column(Text, default="")
    prior_consultation: Mapped[str | None] = mapped_column(String(32))
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    review_on: Mapped[date | None] = mapped_column(Date)


class PolicyDocument(Base):
    __tablename__ = "policy_documents"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    list_id: Mapped[str] = mapped_column(ForeignKey("lists.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    schedule_8_condition: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(200))


class Subject(Base):
    """A person, held once; every personal value encrypted under their own data key."""

    __tablename__ = "subjects"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    given_name_ct: Mapped[bytes] = mapped_column(LargeBinary)
    family_name_ct: Mapped[bytes] = mapped_column(LargeBinary)
    date_of_birth_ct: Mapped[bytes] = mapped_column(LargeBinary)
    nicknames_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    name_dob_index: Mapped[bytes] = mapped_column(LargeBinary(16), index=True)
    created_at: Mapped[datetime]


class MonitoringRecord(Base):
    """Equality monitoring data for one subject, under the equality key (law 9).

    It holds nothing that identifies the person; it is deleted with them.
    """

    __tablename__ = "monitoring_records"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    subject_id: Mapped[str] = mapped_column(
        ForeignKey("subjects.id", ondelete="CASCADE"), unique=True
    )
    identity_code_ct: Mapped[bytes] = mapped_column(LargeBinary)
    self_defined_ethnicity_ct: Mapped[bytes] = mapped_column(LargeBinary)
    birth_month_ct: Mapped[bytes] = mapped_column(LargeBinary)


class Entry(Base):
    """One person on one list."""

    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("list_id", "subject_id"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    list_id: Mapped[str] = mapped_column(ForeignKey("lists.id"), index=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    bcu: Mapped[str] = mapped_column(String(4), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    added_on: Mapped[date] = mapped_column(Date)
    added_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    next_review_on: Mapped[date] = mapped_column(Date, index=True)
    child_at_entry: Mapped[bool] = mapped_column(Boolean, default=False)
    iao_approval_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    safeguarding_referral_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The current assessment, summarised; assessments with their explanations come later.
    score: Mapped[int | None] = mapped_column(Integer)
    band: Mapped[str | None] = mapped_column(String(8))
    # Law 3: when overdue review escalated to the IAO, and a re-listing within 12 months of removal.
    escalated_on: Mapped[date | None] = mapped_column(Date)
    relisted_after_removal_on: Mapped[date | None] = mapped_column(Date)
    # Law 8: gang member or serious youth violence offender, and why (sealed), once corroborated.
    determination: Mapped[str | None] = mapped_column(String(32))
    determination_reason_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Brought in from a legacy spreadsheet and not yet reviewed: never disclosed, reviewed soon.
    legacy_unreviewed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    import_id: Mapped[str | None] = mapped_column(ForeignKey("imports.id"))
    # Law 8: the recorded gang a gang nominal is linked to.
    gang_id: Mapped[str | None] = mapped_column(ForeignKey("gangs.id"), index=True)
    # Restricted at the person's request (s.47(2)): kept, but never used operationally again.
    restricted_on: Mapped[date | None] = mapped_column(Date)


class EvidenceItem(Base):
    __tablename__ = "evidence_items"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    occurred_on: Mapped[date] = mapped_column(Date)
    gang_related: Mapped[bool] = mapped_column(Boolean, default=False)
    nature: Mapped[str] = mapped_column(String(16))
    description_ct: Mapped[bytes] = mapped_column(LargeBinary)
    # The offence class an assessment framework's criteria match on (None for incidents).
    offence_class: Mapped[str | None] = mapped_column(String(32))
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class IntelligenceItem(Base):
    __tablename__ = "intelligence_items"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    source_evaluation: Mapped[int] = mapped_column(Integer)
    intelligence_assessment: Mapped[str] = mapped_column(String(1))
    handling_code: Mapped[str] = mapped_column(String(1))
    handling_conditions: Mapped[str | None] = mapped_column(Text)
    source_type: Mapped[str] = mapped_column(String(32))
    source_ref: Mapped[str] = mapped_column(String(64))
    derived_from_id: Mapped[str | None] = mapped_column(
        ForeignKey("intelligence_items.id", ondelete="SET NULL")
    )
    nature: Mapped[str] = mapped_column(String(16))
    reported_on: Mapped[date] = mapped_column(Date)
    text_ct: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]
    # Law 8: a social-media item's checklist, sealed under the subject's key as JSON text.
    social_media_checklist_ct: Mapped[bytes | None] = mapped_column(LargeBinary)


class Event(Base):
    """One line of the access log (DPA 2018 s.62). Insert-only: the database refuses changes.

    It holds identifiers, never names. The justification, free text that may name anyone, is
    kept only as an AES-GCM ciphertext under the key of its ``log_period``; the log's leaf
    commits to that ciphertext's SHA-256, so destroying an expired period's key leaves every
    leaf verifiable. Indexes pair each searchable column with ``id`` so that a search pages
    through them in log order.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_actor_id", "actor_id", "id"),
        Index("ix_events_list_id", "list_id", "id"),
        Index("ix_events_subject_id", "subject_id", "id"),
        Index("ix_events_operation", "operation", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_version: Mapped[int] = mapped_column(Integer, default=1)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    operation: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(Id)
    list_id: Mapped[str | None] = mapped_column(Id)
    entry_id: Mapped[str | None] = mapped_column(Id)
    subject_id: Mapped[str | None] = mapped_column(Id)
    purpose: Mapped[str | None] = mapped_column(String(40))
    purpose_class: Mapped[str | None] = mapped_column(String(16))
    justification_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    log_period: Mapped[str | None] = mapped_column(String(16))
    recipient_id: Mapped[str | None] = mapped_column(Id)
    result_count: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))


# The verifiable log (law 4). Every table below is insert-only, refused changes by the database
# like ``events``, except ``log_queue``, the PostgreSQL sequencer's work list.


class LogLeaf(Base):
    """An event's place in the Merkle tree: contiguous from 0, given once by the sequencer."""

    __tablename__ = "log_leaves"

    leaf_index: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(BigId, unique=True)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogNode(Base):
    """A perfect subtree of the log above the leaves (level >= 1), as appends completed it."""

    __tablename__ = "log_nodes"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy reads it as-is

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogFrontier(Base):
    """The tree's compact range after each sequencing batch: where the next batch resumes."""

    __tablename__ = "log_frontiers"

    tree_size: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    frontier: Mapped[bytes] = mapped_column(LargeBinary)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    last_event_id: Mapped[int | None] = mapped_column(BigId)
    sequenced_at: Mapped[datetime]


class LogQueue(Base):
    """Events committed but not yet sequenced (PostgreSQL; a trigger fills it on insert)."""

    __tablename__ = "log_queue"

    event_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)


class LogCheckpoint(Base):
    """A signed tree head: the C2SP checkpoint note for ``tree_size`` and ``root``."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigId, index=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class LogCosignature(Base):
    """A witness's cosignature/v1 line on a checkpoint, from a key the system does not hold."""

    __tablename__ = "cosignatures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    witness_name: Mapped[str] = mapped_column(String(200))
    witness_key: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    line: Mapped[str] = mapped_column(Text)
    cosigned_at: Mapped[datetime]
    recorded_at: Mapped[datetime]


# Law 7: access is earned (training) and expires (grants).


class TrainingRecord(Base):
    """One course completed by one user, current until ``expires_on``."""

    __tablename__ = "training_records"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    course: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str | None] = mapped_column(Id)
    recorded_at: Mapped[datetime]


class Grant(Base):
    """Access by one user to one list: expires, lapses when unused, and is recertified."""

    __tablename__ = "grants"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    list_id: Mapped[str] = mapped_column(ForeignKey("lists.id"), index=True)
    granted_by: Mapped[str | None] = mapped_column(Id)
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))
    recertified_at: Mapped[datetime | None]
    recertified_by: Mapped[str | None] = mapped_column(Id)


# Law 3: reviews, removals, legal holds and assessments. Each belongs to an entry and goes with it.


class Review(Base):
    """One review of an entry: retain (with its NRAC reasons) or remove."""

    __tablename__ = "reviews"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    reviewed_on: Mapped[date] = mapped_column(Date)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(String(8))
    nrac: Mapped[list[str]] = mapped_column(default=list)
    rationale_ct: Mapped[bytes | None] = mapped_column(LargeBinary)


class Removal(Base):
    """That a subject left a list on a day: identifiers only, for the 12-month re-listing flag."""

    __tablename__ = "removals"
    __table_args__ = (Index("ix_removals_subject_list", "subject_id", "list_id"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    subject_id: Mapped[str] = mapped_column(Id)
    list_id: Mapped[str] = mapped_column(Id)
    removed_on: Mapped[date] = mapped_column(Date)
    rule: Mapped[str] = mapped_column(String(100))


class LegalHoldRow(Base):
    """A legal hold deferring the removal of one entry, with its reason and expiry."""

    __tablename__ = "legal_holds"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(100))
    expires_on: Mapped[date] = mapped_column(Date)
    placed_by: Mapped[str | None] = mapped_column(Id)
    placed_at: Mapped[datetime]


class AssessmentRow(Base):
    """One scoring of an entry under a framework version, with its itemised explanation."""

    __tablename__ = "assessments"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    framework: Mapped[str] = mapped_column(String(100))
    framework_version: Mapped[str] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(8))
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    computed_at: Mapped[datetime]
    assessor_id: Mapped[str | None] = mapped_column(Id)
    confirmed_at: Mapped[datetime | None]


# Law 6: sharing only under an approved agreement. Recipients and agreements hold no one's
# personal values; a disclosure's rows hold identifiers, a keyed fingerprint and sealed text.


class RecipientRow(Base):
    """An organisation that may receive disclosures, typed, with the age key it is sealed to."""

    __tablename__ = "recipients"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    statutory_function: Mapped[str | None] = mapped_column(String(40))
    organisation_type: Mapped[str | None] = mapped_column(String(40))
    notice_contact: Mapped[str] = mapped_column(String(320))
    age_public_key: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(Id)
    created_at: Mapped[datetime]
    approved_by: Mapped[str | None] = mapped_column(Id)
    approved_role: Mapped[str | None] = mapped_column(String(32))
    approved_on: Mapped[date | None] = mapped_column(Date)


class AgreementRow(Base):
    """A data sharing agreement: parties, purposes, what may go, on which terms, until when."""

    __tablename__ = "agreements"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    parties: Mapped[list[str]] = mapped_column(default=list)  # recipient ids
    purposes: Mapped[list[str]] = mapped_column(default=list)
    lawful_basis: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[list[str]] = mapped_column(default=list)
    bands: Mapped[list[str]] = mapped_column(default=list)
    fields: Mapped[list[str]] = mapped_column(default=list)
    zero_score: Mapped[bool] = mapped_column(Boolean, default=False)
    unassessed: Mapped[bool] = mapped_column(Boolean, default=False)
    honours_handling_conditions: Mapped[bool] = mapped_column(Boolean, default=False)
    recipient_retention_days: Mapped[int] = mapped_column(Integer, default=0)
    recipient_deletion: Mapped[str] = mapped_column(Text, default="")
    security_conditions: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date)
    drafted_by: Mapped[str] = mapped_column(Id)
    drafted_at: Mapped[datetime]
    # The explicit permission for intelligence to go to non-statutory parties, and its approval.
    intelligence_justification: Mapped[str | None] = mapped_column(Text)
    intelligence_approved_by: Mapped[str | None] = mapped_column(Id)
    intelligence_approved_role: Mapped[str | None] = mapped_column(String(32))
    intelligence_approved_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    approved_by: Mapped[str | None] = mapped_column(Id)
    approved_role: Mapped[str | None] = mapped_column(String(32))
    approved_on: Mapped[date | None] = mapped_column(Date)
    revoked_by: Mapped[str | None] = mapped_column(Id)
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str] = mapped_column(Text, default="")


class DisclosureRequestRow(Base):
    """A request to disclose named entries, and its decision: refused (with every reason),
    awaiting a second IRU approval, or disclosed. The justification is sealed under the log's
    period key, bound to the request."""

    __tablename__ = "disclosure_requests"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    recipient_id: Mapped[str] = mapped_column(ForeignKey("recipients.id"), index=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    purpose_class: Mapped[str | None] = mapped_column(String(16))
    fields: Mapped[list[str]] = mapped_column(default=list)
    entry_count: Mapped[int] = mapped_column(Integer)
    justification_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    log_period: Mapped[str | None] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(Id)
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(24))
    reasons: Mapped[list[str]] = mapped_column(default=list)  # "code@field" of each refusal
    decided_at: Mapped[datetime]
    second_approved_by: Mapped[str | None] = mapped_column(Id)
    second_approved_at: Mapped[datetime | None]


class DisclosureEntryRow(Base):
    """One entry named by a request, in row order; no foreign key, so erasure leaves the record.

    The entry's necessity justification is sealed under the subject's own key (erased with
    them); ``fingerprint`` is the keyed person fingerprint that attributes a stripped leak.
    """

    __tablename__ = "disclosure_entries"
    __table_args__ = (UniqueConstraint("request_id", "position"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("disclosure_requests.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[str] = mapped_column(Id, index=True)
    subject_id: Mapped[str | None] = mapped_column(Id)
    list_id: Mapped[str | None] = mapped_column(Id)
    fingerprint: Mapped[str | None] = mapped_column(String(32))
    justification_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Law 11: once the person is erased their fingerprint is kept 90 days at most.
    erased_on: Mapped[date | None] = mapped_column(Date)


class DisclosureRow(Base):
    """A package that left the register: what, to whom, under which agreement, its digest."""

    __tablename__ = "disclosures"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("disclosure_requests.id"), unique=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    recipient_id: Mapped[str] = mapped_column(ForeignKey("recipients.id"), index=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    fields: Mapped[list[str]] = mapped_column(default=list)
    fields_removed: Mapped[list[str]] = mapped_column(default=list)
    rows: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    package_sha256: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[date] = mapped_column(Date)
    disclosed_by: Mapped[str] = mapped_column(Id)
    disclosed_at: Mapped[datetime]


class RecipientNotice(Base):
    """A recipient to be told that an entry it received was erased, rectified or restricted
    (s.48); identifiers only, kept until the IRU records that the notice was sent."""

    __tablename__ = "recipient_notices"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    recipient_id: Mapped[str] = mapped_column(ForeignKey("recipients.id"), index=True)
    disclosure_id: Mapped[str] = mapped_column(ForeignKey("disclosures.id"), index=True)
    entry_id: Mapped[str] = mapped_column(Id)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    raised_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    sent_by: Mapped[str | None] = mapped_column(Id)


# Bringing legacy lists in: each import, and the rows it could not hold lawfully as they stood.


class ImportRun(Base):
    """One import of a legacy file into a list, with what it loaded and quarantined and why."""

    __tablename__ = "imports"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    list_id: Mapped[str] = mapped_column(ForeignKey("lists.id"), index=True)
    actor_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    file_format: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime]
    rows: Mapped[int] = mapped_column(Integer, default=0)
    loaded: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    quarantine_erase_on: Mapped[date] = mapped_column(Date, index=True)
    quarantine_erased_at: Mapped[datetime | None]


class QuarantineRow(Base):
    """A row that could not be held as it stood: its cells sealed under the import's own key.

    The reason codes are kept in clear (they name no one); the row itself is readable only
    while the import's quarantine key exists, and both go after 30 days.
    """

    __tablename__ = "quarantine_rows"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    import_id: Mapped[str] = mapped_column(ForeignKey("imports.id", ondelete="CASCADE"), index=True)
    source_row: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    row_ct: Mapped[bytes] = mapped_column(LargeBinary)


from listwarden.store import oversight_tables  # noqa: E402, F401 - registers law 12 tables on Base

# The rights of the people on the list (DPA 2018 Part 3, ss.45-48). Identifiers only: a request
# outlives an erasure it asked for, and its restriction reasons are sealed under the subject's key.


class SubjectRequestRow(Base):
    """A request by a person to exercise a right, with its identity check and its clock."""

    __tablename__ = "subject_requests"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(Id, index=True)
    received_on: Mapped[date] = mapped_column(Date)
    identity_method: Mapped[str] = mapped_column(String(200))
    identity_checked_by: Mapped[str | None] = mapped_column(Id)
    identity_confirmed_on: Mapped[date | None] = mapped_column(Date)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    pauses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    ncnd: Mapped[bool] = mapped_column(Boolean, default=False)
    ncnd_reason: Mapped[str | None] = mapped_column(Text)
    reveal_officers: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")
    answered_on: Mapped[date | None] = mapped_column(Date)
    # Rectification, erasure, restriction: granted or refused, why, by whom, what changed.
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(Id)
    changed_fields: Mapped[list[str]] = mapped_column(default=list)
    recorded_by: Mapped[str] = mapped_column(Id)
    recorded_at: Mapped[datetime]


class RequestRestrictionRow(Base):
    """One item withheld from a subject access response: its ground (s.45(4)) and sealed why."""

    __tablename__ = "request_restrictions"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("subject_requests.id", ondelete="CASCADE"), index=True
    )
    item_kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[str] = mapped_column(Id)
    ground: Mapped[str] = mapped_column(String(40))
    reason_ct: Mapped[bytes] = mapped_column(LargeBinary)
    decided_by: Mapped[str] = mapped_column(Id)
    decided_at: Mapped[datetime]


class Gang(Base):
    """A group recorded as a gang: the evidence that it meets the force's definition (sealed
    under the gang's own key), the BCUs it is active in, the IAO's approval and its review."""

    __tablename__ = "gangs"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    bcus: Mapped[list[str]] = mapped_column(default=list)
    definition_evidence_ct: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))  # proposed, approved, retired
    proposed_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime]
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    review_on: Mapped[date | None] = mapped_column(Date)


class FrameworkTrial(Base):
    """A trial run of an assessment framework on a list: its bands by ethnic group, in aggregate,
    computed by an equality analyst, and the DPO's sign-off that lets it be activated."""

    __tablename__ = "framework_trials"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    list_id: Mapped[str] = mapped_column(ForeignKey("lists.id"), index=True)
    framework: Mapped[str] = mapped_column(String(100))
    framework_version: Mapped[str] = mapped_column(String(40))
    run_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    run_at: Mapped[datetime]
    results: Mapped[dict[str, Any]] = mapped_column(default=dict)
    signed_off_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[datetime | None]
    sign_off_note: Mapped[str | None] = mapped_column(Text)


class FrameworkActivation(Base):
    """The framework a list scores with, and the signed-off trial that allowed it."""

    __tablename__ = "framework_activations"
    __table_args__ = (UniqueConstraint("list_id", "framework"),)

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    list_id: Mapped[str] = mapped_column(ForeignKey("lists.id"), index=True)
    framework: Mapped[str] = mapped_column(String(100))
    framework_version: Mapped[str] = mapped_column(String(40))
    trial_id: Mapped[str] = mapped_column(ForeignKey("framework_trials.id"))
    activated_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    activated_at: Mapped[datetime]


from listwarden.store import dlp_tables  # noqa: E402, F401 - registers law 11's findings on Base
