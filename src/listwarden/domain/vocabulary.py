"""The controlled vocabularies of the register: roles, categories, purposes, operations, grading."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """The roles of DESIGN.md; each user holds exactly one."""

    IAO = "iao"
    DPO = "dpo"
    DATA_BOARD = "data_board"
    IRU = "iru"
    ANALYST = "analyst"  # BCU single point of contact / analyst
    OFFICER = "officer"
    EQUALITY_ANALYST = "equality_analyst"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"


class Category(StrEnum):
    """Data-subject categories (DPA 2018 s.38(3), plus at-risk for safeguarding)."""

    SUSPECTED = "suspected"
    CONVICTED = "convicted"
    VICTIM = "victim"
    WITNESS = "witness"
    AT_RISK = "at_risk"


class PurposeClass(StrEnum):
    """Every purpose a user can give belongs to exactly one class."""

    ENFORCEMENT = "enforcement"
    SAFEGUARDING = "safeguarding"
    INVESTIGATION = "investigation"
    OVERSIGHT = "oversight"
    RIGHTS = "rights"


class Purpose(StrEnum):
    """The purposes a user may give; ``PURPOSE_CLASS`` says which class each belongs to."""

    GANG_VIOLENCE_REDUCTION = "gang_violence_reduction"
    OFFENDER_MANAGEMENT = "offender_management"
    VICTIM_SAFEGUARDING = "victim_safeguarding"
    CHILD_SAFEGUARDING = "child_safeguarding"
    CRIMINAL_INVESTIGATION = "criminal_investigation"
    COMPLIANCE_AUDIT = "compliance_audit"
    DATA_QUALITY_REVIEW = "data_quality_review"
    SUBJECT_ACCESS = "subject_access"
    RECTIFICATION_ERASURE = "rectification_erasure"


PURPOSE_CLASS: dict[Purpose, PurposeClass] = {
    Purpose.GANG_VIOLENCE_REDUCTION: PurposeClass.ENFORCEMENT,
    Purpose.OFFENDER_MANAGEMENT: PurposeClass.ENFORCEMENT,
    Purpose.VICTIM_SAFEGUARDING: PurposeClass.SAFEGUARDING,
    Purpose.CHILD_SAFEGUARDING: PurposeClass.SAFEGUARDING,
    Purpose.CRIMINAL_INVESTIGATION: PurposeClass.INVESTIGATION,
    Purpose.COMPLIANCE_AUDIT: PurposeClass.OVERSIGHT,
    Purpose.DATA_QUALITY_REVIEW: PurposeClass.OVERSIGHT,
    Purpose.SUBJECT_ACCESS: PurposeClass.RIGHTS,
    Purpose.RECTIFICATION_ERASURE: PurposeClass.RIGHTS,
}

OPERATIONAL_CLASSES = frozenset(
    {PurposeClass.ENFORCEMENT, PurposeClass.SAFEGUARDING, PurposeClass.INVESTIGATION}
)
"""Purpose classes that use data operationally; these stop when a list is suspended."""


class Operation(StrEnum):
    """Access-log operations (DPA 2018 s.62(1)), in the ``subject:action`` grammar."""

    COLLECT = "entry:collect"
    ALTER = "entry:alter"
    CONSULT = "entry:consult"
    DISCLOSE = "entry:disclose"
    COMBINE = "entry:combine"
    ERASE = "entry:erase"
    LIST_CREATE = "list:create"
    LIST_ALTER = "list:alter"
    LIST_AUTHORISE = "list:authorise"
    LIST_SUSPEND = "list:suspend"
    LIST_CLOSE = "list:close"
    LIST_IMPORT = "list:import"
    QUARANTINE_ERASE = "quarantine:erase"
    QUARANTINE_READ = "quarantine:read"
    # A read of one person's equality monitoring record (law 9), only ever to answer their
    # own subject access request; logged apart so that every such read can be found.
    MONITORING_CONSULT = "monitoring:consult"
    SUBJECT_REQUEST = "subject_request:change"
    USER_CREATE = "user:create"
    USER_ALTER = "user:alter"
    TRAINING_RECORD = "training:record"
    GRANT_CREATE = "grant:create"
    GRANT_REVOKE = "grant:revoke"
    GRANT_RECERTIFY = "grant:recertify"
    RECIPIENT_CREATE = "recipient:create"
    RECIPIENT_APPROVE = "recipient:approve"
    RECIPIENT_NOTIFY = "recipient:notify"
    AGREEMENT_DRAFT = "agreement:draft"
    AGREEMENT_APPROVE = "agreement:approve"
    GANG_RECORD = "gang:record"
    GANG_APPROVE = "gang:approve"
    FRAMEWORK_TRIAL = "framework:trial"
    FRAMEWORK_APPROVE = "framework:approve"
    FRAMEWORK_ACTIVATE = "framework:activate"
    AGREEMENT_REVOKE = "agreement:revoke"
    DISCLOSURE_REQUEST = "disclosure:request"
    DISCLOSURE_APPROVE = "disclosure:approve"
    REFUSED = "request:refused"
    # Authentication (law 7): sign-in attempts, heard or turned away, and account credentials.
    SIGN_IN = "session:open"
    SIGN_IN_TURNED_AWAY = "session:turned_away"
    SIGN_OUT = "session:close"
    USER_CREDENTIAL = "user:credential"
    USER_UNLOCK = "user:unlock"
    USER_DISABLE = "user:disable"
    TOKEN_ISSUE = "token:issue"  # noqa: S105 - an event name, not a secret
    GUIDANCE_APPROVE = "guidance:approve"
    AUDIT_OPEN = "audit:open"
    AUDIT_CLOSE = "audit:close"
    REPORT_SIGN = "report:sign"
    LOSS_SCAN = "dlp:scan"
    LOSS_JUSTIFY = "dlp:justify"
    LOSS_TOKENS_DESTROY = "dlp:tokens_destroy"
    ALERTS_READ = "alerts:read"


class Outcome(StrEnum):
    DONE = "done"
    REFUSED = "refused"


class EvidenceRole(StrEnum):
    """The subject's role in an evidence item; only perpetrator and suspect items can score."""

    PERPETRATOR = "perpetrator"
    SUSPECT = "suspect"
    VICTIM = "victim"
    WITNESS = "witness"


SCORING_ROLES = frozenset({EvidenceRole.PERPETRATOR, EvidenceRole.SUSPECT})


class EvidenceKind(StrEnum):
    OFFENCE = "offence"
    INCIDENT = "incident"


class SourceType(StrEnum):
    POLICE = "police"
    PARTNER_AGENCY = "partner_agency"
    SOCIAL_MEDIA = "social_media"
    OPEN_SOURCE = "open_source"
    COVERT_HUMAN_SOURCE = "covert_human_source"


class Nature(StrEnum):
    """Whether a record states a fact or an assessment (a judgement)."""

    FACT = "fact"
    ASSESSMENT = "assessment"


class ListStatus(StrEnum):
    DRAFT = "draft"
    AUTHORISED = "authorised"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class EntryStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"


class Band(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class PolicyDocumentKind(StrEnum):
    GENERAL = "general"
    APPROPRIATE_POLICY = "s42_appropriate_policy"
