"""Recipients and data sharing agreements: who may receive, and the terms an agreement records."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from listwarden.domain.errors import Reason
from listwarden.domain.vocabulary import Band, Category, Purpose, Role

_AGE_X25519 = re.compile(r"^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$")
"""An age X25519 recipient; Debian's age cannot read the post-quantum types, so none is taken."""


class RecipientKind(StrEnum):
    """Statutory and non-statutory recipients are told apart (EN 40)."""

    LAW_ENFORCEMENT = "law_enforcement"
    STATUTORY = "statutory"
    NON_STATUTORY = "non_statutory"


class StatutoryFunction(StrEnum):
    """The public function a statutory body exercises when it receives list data."""

    LOCAL_AUTHORITY_HOUSING = "local_authority_housing"
    EDUCATION = "education"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care"
    ADULT_SOCIAL_CARE = "adult_social_care"
    YOUTH_JUSTICE = "youth_justice"
    PROBATION = "probation"
    COMMUNITY_SAFETY = "community_safety"


class OrganisationType(StrEnum):
    """What a non-statutory body is."""

    HOUSING_ASSOCIATION = "housing_association"
    CHARITY = "charity"
    PRIVATE_COMPANY = "private_company"


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Approval:
    """Who approved something, in which role, on which day."""

    by: str
    role: Role
    on: date


@dataclass(frozen=True)
class Recipient:
    """A named organisation that may receive disclosures, with the age key they are sealed to."""

    id: str
    name: str
    kind: RecipientKind
    notice_contact: str
    age_public_key: str
    statutory_function: StatutoryFunction | None = None
    organisation_type: OrganisationType | None = None
    approval: Approval | None = None

    @property
    def statutory(self) -> bool:
        return self.kind is not RecipientKind.NON_STATUTORY


@dataclass(frozen=True)
class IntelligencePermission:
    """The explicit permission for intelligence to go to non-statutory parties, and its approval."""

    justification: str
    approval: Approval | None = None


@dataclass(frozen=True)
class Agreement:
    """A data sharing agreement (EN 47): who, why, what, on which terms, for how long."""

    id: str
    parties: frozenset[str]  # recipient ids
    purposes: frozenset[Purpose]
    lawful_basis: str
    categories: frozenset[Category]
    bands: frozenset[Band]  # green only where named here
    fields: frozenset[str]  # names from the field catalogue
    recipient_retention_days: int
    recipient_deletion: str
    security_conditions: str
    valid_from: date
    valid_until: date
    review_on: date
    drafted_by: str
    zero_score: bool = False  # zero-score entries only where named
    unassessed: bool = False  # entries with no band (such as victims) only where named
    honours_handling_conditions: bool = False
    intelligence_permission: IntelligencePermission | None = None
    status: AgreementStatus = AgreementStatus.DRAFT
    approval: Approval | None = None
    revoked_by: str | None = None
    revocation_reason: str = ""


def effective_status(agreement: Agreement, today: date) -> AgreementStatus:
    """The status today: an approved agreement past its validity period has expired."""
    if agreement.status is AgreementStatus.APPROVED and today > agreement.valid_until:
        return AgreementStatus.EXPIRED
    return agreement.status


def recipient_gaps(recipient: Recipient, approver_role: Role) -> list[Reason]:
    """What stops a recipient being approved: its type, its key, its contact, the approver."""
    r, statutory = recipient, recipient.kind is RecipientKind.STATUTORY
    non_statutory = recipient.kind is RecipientKind.NON_STATUTORY
    checks = {
        "recipient-name-missing": ("name", not r.name.strip()),
        "notice-contact-missing": ("notice_contact", not r.notice_contact.strip()),
        "age-key-invalid": ("age_public_key", not _AGE_X25519.match(r.age_public_key)),
        "statutory-function-missing": (
            "statutory_function",
            statutory and not r.statutory_function,
        ),
        "statutory-function-unexpected": (
            "statutory_function",
            not statutory and r.statutory_function is not None,
        ),
        "organisation-type-missing": (
            "organisation_type",
            non_statutory and not r.organisation_type,
        ),
        "organisation-type-unexpected": (
            "organisation_type",
            not non_statutory and r.organisation_type is not None,
        ),
        "recipient-approver-not-iru": ("approval", approver_role is not Role.IRU),
    }
    return [
        Reason(code, _RECIPIENT_GAPS[code], where)
        for code, (where, failed) in checks.items()
        if failed
    ]


_RECIPIENT_GAPS = {
    "recipient-name-missing": "the recipient has no name",
    "notice-contact-missing": "the recipient has no contact for notices (s.48)",
    "age-key-invalid": "the key is not an age X25519 public key (age1…)",
    "statutory-function-missing": "a statutory body needs its statutory function",
    "statutory-function-unexpected": "only a statutory body has a statutory function",
    "organisation-type-missing": "a non-statutory body needs its organisation type",
    "organisation-type-unexpected": "only a non-statutory body has an organisation type",
    "recipient-approver-not-iru": "only the IRU approves a recipient",
}
