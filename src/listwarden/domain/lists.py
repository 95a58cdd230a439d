"""Law 1: what a list needs before it may hold anyone, and what each lifecycle state permits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from listwarden.domain.errors import ListNotAuthorised, Reason
from listwarden.domain.purposes import categories_for
from listwarden.domain.vocabulary import (
    OPERATIONAL_CLASSES,
    PURPOSE_CLASS,
    Category,
    ListStatus,
    PolicyDocumentKind,
    Purpose,
    PurposeClass,
    Role,
)


class PriorConsultation(StrEnum):
    """The DPIA's answer on prior consultation with the Commissioner (DPA 2018 s.65)."""

    NOT_REQUIRED = "not_required"  # residual risk is not high
    CONSULTED = "consulted"


class Schedule8Condition(StrEnum):
    """DPA 2018 Schedule 8 conditions for sensitive processing for law enforcement."""

    STATUTORY_PURPOSES = "statutory_purposes"
    ADMINISTRATION_OF_JUSTICE = "administration_of_justice"
    VITAL_INTERESTS = "vital_interests"
    SAFEGUARDING = "safeguarding_children_and_individuals_at_risk"
    PUBLIC_DOMAIN = "personal_data_already_in_public_domain"
    LEGAL_CLAIMS = "legal_claims"
    JUDICIAL_ACTS = "judicial_acts"
    PREVENTING_FRAUD = "preventing_fraud"
    ARCHIVING = "archiving"


class ListAction(StrEnum):
    """What can be done to a list's entries, as far as the list's state is concerned."""

    COLLECT = "collect"
    CONSULT = "consult"
    DISCLOSE = "disclose"
    REMOVE = "remove"  # removal, erasure and rectification
    SUBJECT_ACCESS = "subject_access"


@dataclass(frozen=True)
class DpiaFacts:
    description: str
    risks: str
    measures: str
    safeguards: str
    equality_impact: str
    prior_consultation: PriorConsultation | None
    author_id: str
    approved_by: str | None
    review_on: date | None


@dataclass(frozen=True)
class PolicyDocumentFacts:
    kind: PolicyDocumentKind
    schedule_8_condition: Schedule8Condition | None
    reference: str


@dataclass(frozen=True)
class ListFacts:
    """What authorisation looks at; built by the service from the stored list."""

    owner_id: str | None
    purposes: Collection[Purpose]
    lawful_basis: str
    categories: Collection[Category]
    holds_identity_codes: bool
    retention_schedule_ref: str
    access_policy_ref: str
    public_notice: str
    dpia: DpiaFacts | None
    policy_document: PolicyDocumentFacts | None


AUTHORISING_ROLES = frozenset({Role.DPO, Role.DATA_BOARD})


def _missing(code: str, detail: str, field: str) -> Reason:
    return Reason(code, detail, field)


def _dpia_gaps(dpia: DpiaFacts | None, today: date) -> list[Reason]:
    if dpia is None:
        return [_missing("dpia-missing", "the list has no DPIA", "dpia")]
    gaps: list[Reason] = []
    # The contents DPA 2018 s.64(3) requires, plus the equality impact assessment.
    for name in ("description", "risks", "measures", "safeguards", "equality_impact"):
        if not getattr(dpia, name).strip():
            gaps.append(_missing("dpia-incomplete", f"the DPIA has no {name}", f"dpia.{name}"))
    if dpia.prior_consultation is None:
        gaps.append(
            _missing(
                "dpia-prior-consultation-missing",
                "the DPIA does not answer whether the Commissioner must be consulted (s.65)",
                "dpia.prior_consultation",
            )
        )
    if dpia.approved_by is None:
        gaps.append(_missing("dpia-not-approved", "the DPIA is not approved", "dpia.approved_by"))
    elif dpia.approved_by == dpia.author_id:
        gaps.append(
            _missing(
                "dpia-self-approved",
                "the DPIA was approved by its own author",
                "dpia.approved_by",
            )
        )
    if dpia.review_on is None:
        gaps.append(_missing("dpia-review-date-missing", "the DPIA has no review date", "dpia"))
    elif dpia.review_on < today:
        gaps.append(
            _missing("dpia-review-overdue", "the DPIA's review date has passed", "dpia.review_on")
        )
    return gaps


def _policy_document_gaps(facts: ListFacts) -> list[Reason]:
    doc = facts.policy_document
    if doc is None:
        return [_missing("policy-document-missing", "the list has no policy document", "policy")]
    if facts.holds_identity_codes:
        if doc.kind is not PolicyDocumentKind.APPROPRIATE_POLICY:
            return [
                _missing(
                    "appropriate-policy-document-missing",
                    "a list holding identity codes needs an s.42 appropriate policy document",
                    "policy_document.kind",
                )
            ]
        if doc.schedule_8_condition is None:
            return [
                _missing(
                    "schedule-8-condition-missing",
                    "the appropriate policy document must name its Schedule 8 condition",
                    "policy_document.schedule_8_condition",
                )
            ]
    return []


def _purpose_gaps(facts: ListFacts) -> list[Reason]:
    if not facts.purposes:
        return [_missing("purposes-missing", "the list declares no purpose", "purposes")]
    if not facts.categories:
        return [_missing("categories-missing", "the list declares no category", "categories")]
    classes = {PURPOSE_CLASS[p] for p in facts.purposes}
    usable = set().union(*(categories_for(c) for c in classes))
    return [
        _missing(
            "category-without-purpose",
            f"no declared purpose may use {category.value} entries",
            "categories",
        )
        for category in sorted(facts.categories)
        if category not in usable
    ]


def authorisation_gaps(
    facts: ListFacts, *, authoriser_id: str, authoriser_role: Role, today: date
) -> list[Reason]:
    """Every reason this list may not be authorised now by this person; empty when it may."""
    gaps: list[Reason] = []
    if facts.owner_id is None:
        gaps.append(_missing("owner-missing", "the list has no owner", "owner"))
    gaps += _purpose_gaps(facts)
    for name, label in (
        ("lawful_basis", "lawful basis"),
        ("retention_schedule_ref", "retention schedule"),
        ("access_policy_ref", "access policy"),
        ("public_notice", "general notice to the public (s.44)"),
    ):
        if not getattr(facts, name).strip():
            gaps.append(_missing(f"{name.replace('_', '-')}-missing", f"no {label}", name))
    gaps += _dpia_gaps(facts.dpia, today)
    gaps += _policy_document_gaps(facts)
    if authoriser_role not in AUTHORISING_ROLES:
        gaps.append(
            _missing(
                "authoriser-role",
                "only a DPO or Data Board member may authorise a list",
                "authorised_by",
            )
        )
    if authoriser_id == facts.owner_id:
        gaps.append(
            _missing("authoriser-is-owner", "the owner may not authorise their own list", "owner")
        )
    return gaps


def effective_status(status: ListStatus, dpia_review_on: date | None, today: date) -> ListStatus:
    """The state a list is in today: an authorised list whose DPIA review has passed is suspended.

    This is evaluated on every operation, so suspension takes effect on the day even before the
    scheduled job records it.
    """
    if status is ListStatus.AUTHORISED and (dpia_review_on is None or dpia_review_on < today):
        return ListStatus.SUSPENDED
    return status


_PERMITTED: dict[ListStatus, frozenset[ListAction]] = {
    ListStatus.DRAFT: frozenset(),
    ListStatus.AUTHORISED: frozenset(ListAction),
    ListStatus.SUSPENDED: frozenset(
        {ListAction.CONSULT, ListAction.REMOVE, ListAction.SUBJECT_ACCESS}
    ),
    ListStatus.CLOSED: frozenset({ListAction.REMOVE, ListAction.SUBJECT_ACCESS}),
}


def require_list_permits(
    status: ListStatus, action: ListAction, purpose_class: PurposeClass | None = None
) -> None:
    """Refuse ``action`` unless a list in ``status`` permits it.

    A suspended list may still be consulted for oversight and rights purposes, never operationally.
    """
    allowed = action in _PERMITTED[status]
    if allowed and status is ListStatus.SUSPENDED and action is ListAction.CONSULT:
        allowed = purpose_class is not None and purpose_class not in OPERATIONAL_CLASSES
    if not allowed:
        raise ListNotAuthorised(
            f"the list is {status.value}: {action.value} is not permitted",
            reasons=[
                Reason(
                    f"list-{status.value}",
                    f"a {status.value} list does not permit {action.value}"
                    + (" for an operational purpose" if status is ListStatus.SUSPENDED else ""),
                    "list_id",
                )
            ],
        )
