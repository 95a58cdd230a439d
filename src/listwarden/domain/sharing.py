"""Law 6 as pure rules: approving agreements, and deciding disclosures with every reason refused."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType

from listwarden.domain.access import Actor
from listwarden.domain.agreements import (
    Agreement,
    AgreementStatus,
    Approval,
    Recipient,
    effective_status,
)
from listwarden.domain.errors import PolicyViolation, Reason
from listwarden.domain.fields import INTELLIGENCE_FIELDS, Field, field_gaps, known_fields
from listwarden.domain.grading import Grading
from listwarden.domain.purposes import categories_for
from listwarden.domain.vocabulary import PURPOSE_CLASS, Band, Category, Purpose, PurposeClass, Role

# Law 2's category rule is ``categories_for``, called for every entry: no agreement overrides it.
SECOND_APPROVAL_ABOVE = 20
"""A disclosure of more entries than this needs a second IRU approval (law 6)."""

_ALL_WORDS = frozenset({"all", "*", "every", "everyone"})

REASONS: Mapping[str, str] = MappingProxyType(
    {
        # Approving or revoking an agreement.
        "agreement-not-draft": "only a draft agreement can be approved",
        "agreement-approver-not-iru": "only an IRU officer approves an agreement",
        "agreement-self-approved": "the agreement's drafter may not approve it",
        "parties-missing": "the agreement names no recipient",
        "purposes-missing": "the agreement names no purpose",
        "lawful-basis-missing": "the agreement states no lawful basis",
        "categories-missing": "the agreement names no data-subject category",
        "category-not-permitted-for-purposes": "none of its purposes may use this category",
        "bands-missing": "the agreement names no risk band",
        "fields-missing": "no field is named",
        "recipient-retention-missing": "no retention period at the recipient is stated",
        "recipient-deletion-missing": "no deletion arrangement at the recipient is stated",
        "security-conditions-missing": "no security conditions are stated",
        "validity-invalid": "the validity period ends before it starts",
        "validity-ended": "the validity period has already ended",
        "review-date-invalid": "the review date must fall between today and the end of validity",
        "handling-conditions-not-honoured": "3x5x2 handling conditions must be honoured",
        "intelligence-permission-unjustified": "the intelligence permission gives no reason",
        "intelligence-permission-not-approved": "the IRU has not approved the permission",
        "intelligence-permission-approver-not-iru": "only the IRU approves the permission",
        "intelligence-permission-self-approved": "the drafter may not approve the permission",
        "revoker-not-iru": "only an IRU officer revokes an agreement",
        "revocation-reason-missing": "say why the agreement is revoked",
        # Evaluating a disclosure.
        "agreement-mismatch": "the request names another agreement",
        "agreement-not-approved": "the agreement is not approved",
        "agreement-revoked": "the agreement has been revoked",
        "agreement-expired": "the agreement has expired",
        "agreement-not-yet-valid": "the agreement is not yet in force",
        "agreement-review-overdue": "the agreement's review date has passed",
        "recipient-mismatch": "the request names another recipient",
        "recipient-not-party": "the recipient is not party to the agreement",
        "recipient-not-approved": "the IRU has not approved the recipient",
        "unknown-purpose": "the purpose is not in the controlled vocabulary",
        "purpose-not-covered": "the agreement does not cover the purpose",
        "entries-not-explicit": "name each entry: a disclosure is never of 'all'",
        "entries-missing": "the request names no entry",
        "entry-duplicated": "the entry is named more than once",
        "entry-unknown": "no such entry",
        "field-unknown": "the field is not in the catalogue",
        "justification-missing": "state why the disclosure is necessary",
        "entry-justification-missing": "an enforcement disclosure justifies each entry",
        "entry-justification-repeated": "the same words as another entry: say why this one",
        "category-not-permitted-for-purpose": "this purpose class may not use the category (law 2)",
        "category-not-covered": "the agreement does not cover the entry's category",
        "band-not-covered": "the agreement does not cover the entry's risk band",
        "green-not-named": "green entries go only where the agreement names them",
        "legacy-unreviewed": "an imported entry is not disclosed until it has been reviewed",
        "entry-restricted": "the entry is restricted at the person's request (s.47(2))",
        "zero-score-not-named": "zero-score entries go only where the agreement names them",
        "unassessed-not-named": "unbanded entries go only where the agreement names them",
        "under-18-to-non-statutory": "a person under 18 never goes to a non-statutory body",
        "intelligence-not-permitted": "intelligence goes to a non-statutory body only under an "
        "explicit, IRU-approved permission in the agreement",
        "second-approval-missing": "more than 20 entries need a second IRU approval",
        "second-approver-not-iru": "the second approval must be an IRU officer's",
        "second-approver-not-independent": "the second approver must differ from the "
        "agreement's approver and from the requester",
    }
)
"""Every reason code the sharing rules give, with its plain words."""


class SharingNotPermitted(PolicyViolation):
    """A disclosure, or a step in an agreement's life, is refused; ``reasons`` lists them all."""

    slug = "sharing-not-permitted"


@dataclass(frozen=True)
class EntryFacts:
    """What the rules need to know about one entry; the service builds it from the store."""

    entry_id: str
    category: Category
    band: Band | None
    score: float | None
    under_18: bool
    gradings: tuple[Grading, ...] = ()  # of the entry's intelligence items
    legacy_unreviewed: bool = False  # imported and not yet reviewed: never disclosed
    restricted: bool = False  # restricted at the person's request (s.47(2)): never disclosed


@dataclass(frozen=True)
class DisclosureRequest:
    """A request to disclose named entries to a recipient under an agreement."""

    requested_by: str
    recipient_id: str
    agreement_id: str
    purpose: str
    entry_ids: Sequence[str]
    fields: Collection[str]
    justification: str
    entry_justifications: Mapping[str, str] = field(default_factory=dict)
    second_approval: Approval | None = None


@dataclass(frozen=True)
class DisclosureDecision:
    """The outcome: every reason for refusal, the fields to carry and those removed."""

    reasons: tuple[Reason, ...]
    recipient_id: str
    agreement_id: str
    entry_ids: tuple[str, ...]
    fields: frozenset[Field]
    redacted: frozenset[Field]
    handling_conditions: Mapping[str, tuple[str, ...]]  # entry id -> conditions to honour

    @property
    def permitted(self) -> bool:
        return not self.reasons

    def require_permitted(self) -> None:
        """Raise ``SharingNotPermitted`` with every reason unless the disclosure may go ahead."""
        if self.reasons:
            raise SharingNotPermitted("the disclosure is refused", reasons=self.reasons)


def _r(code: str, where: str | None = None) -> Reason:
    return Reason(code, REASONS[code], where)


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def _approval_gaps(approval: Approval | None, drafter: str, what: str) -> list[Reason]:
    """Four eyes: approved, by the IRU, by someone other than the drafter."""
    if approval is None:
        return [_r(f"{what}-not-approved", what)]
    gaps = []
    if approval.role is not Role.IRU:
        gaps.append(_r(f"{what}-approver-not-iru", what))
    if approval.by == drafter:
        gaps.append(_r(f"{what}-self-approved", what))
    return gaps


def _content_gaps(a: Agreement) -> list[Reason]:
    gaps = [_r(f"{name}-missing", name) for name in ("parties", "purposes") if not getattr(a, name)]
    gaps += [
        _r(f"{name.replace('_', '-')}-missing", name)
        for name in ("lawful_basis", "recipient_deletion", "security_conditions")
        if _blank(getattr(a, name))
    ]
    if a.recipient_retention_days <= 0:
        gaps.append(_r("recipient-retention-missing", "recipient_retention_days"))
    if not a.categories:
        gaps.append(_r("categories-missing", "categories"))
    usable = frozenset[Category]().union(*(categories_for(PURPOSE_CLASS[p]) for p in a.purposes))
    gaps += [
        _r("category-not-permitted-for-purposes", f"categories.{category.value}")
        for category in sorted(a.categories - usable)
    ]
    if not a.bands and not a.unassessed:
        gaps.append(_r("bands-missing", "bands"))
    if not a.fields:
        gaps.append(_r("fields-missing", "fields"))
    return gaps + field_gaps(a.fields)


def _term_gaps(a: Agreement, today: date) -> list[Reason]:
    gaps = []
    if a.valid_until < a.valid_from:
        gaps.append(_r("validity-invalid", "valid_until"))
    elif a.valid_until < today:
        gaps.append(_r("validity-ended", "valid_until"))
    if not today <= a.review_on <= a.valid_until:
        gaps.append(_r("review-date-invalid", "review_on"))
    if known_fields(a.fields) & INTELLIGENCE_FIELDS and not a.honours_handling_conditions:
        gaps.append(_r("handling-conditions-not-honoured", "honours_handling_conditions"))
    permission = a.intelligence_permission
    if permission is not None:
        if _blank(permission.justification):
            gaps.append(_r("intelligence-permission-unjustified", "intelligence_permission"))
        gaps += _approval_gaps(permission.approval, a.drafted_by, "intelligence-permission")
    return gaps


def agreement_gaps(agreement: Agreement, approver: Actor, today: date) -> list[Reason]:
    """Everything that stops ``approver`` approving ``agreement`` today; empty when they may."""
    gaps = []
    if agreement.status is not AgreementStatus.DRAFT:
        gaps.append(_r("agreement-not-draft", "status"))
    approval = Approval(approver.id, approver.role, today)
    gaps += _approval_gaps(approval, agreement.drafted_by, "agreement")
    return gaps + _content_gaps(agreement) + _term_gaps(agreement, today)


def approve_agreement(agreement: Agreement, approver: Actor, today: date) -> Agreement:
    """The agreement approved by ``approver``, or ``SharingNotPermitted`` with every gap."""
    gaps = agreement_gaps(agreement, approver, today)
    if gaps:
        raise SharingNotPermitted("the agreement cannot be approved", reasons=gaps)
    approval = Approval(approver.id, approver.role, today)
    return replace(agreement, status=AgreementStatus.APPROVED, approval=approval)


def revoke_agreement(agreement: Agreement, by: Actor, reason: str) -> Agreement:
    """The agreement revoked by an IRU officer, with the reason; revocation is final."""
    gaps = []
    if by.role is not Role.IRU:
        gaps.append(_r("revoker-not-iru", "revoked_by"))
    if _blank(reason):
        gaps.append(_r("revocation-reason-missing", "reason"))
    if agreement.status is AgreementStatus.REVOKED:
        gaps.append(_r("agreement-revoked", "status"))
    if gaps:
        raise SharingNotPermitted("the agreement cannot be revoked", reasons=gaps)
    return replace(
        agreement, status=AgreementStatus.REVOKED, revoked_by=by.id, revocation_reason=reason
    )


def _agreement_reasons(
    request: DisclosureRequest, agreement: Agreement, recipient: Recipient, today: date
) -> list[Reason]:
    status = effective_status(agreement, today)
    checks = {
        "agreement-mismatch": request.agreement_id != agreement.id,
        "agreement-not-approved": status is AgreementStatus.DRAFT or agreement.approval is None,
        "agreement-revoked": status is AgreementStatus.REVOKED,
        "agreement-expired": status is AgreementStatus.EXPIRED,
        "agreement-not-yet-valid": today < agreement.valid_from,
        "agreement-review-overdue": status is not AgreementStatus.EXPIRED
        and today > agreement.review_on,
    }
    reasons = [_r(code, "agreement") for code, failed in checks.items() if failed]
    approval = recipient.approval
    checks = {
        "recipient-mismatch": request.recipient_id != recipient.id,
        "recipient-not-party": recipient.id not in agreement.parties,
        "recipient-not-approved": approval is None or approval.role is not Role.IRU,
    }
    return reasons + [_r(code, "recipient") for code, failed in checks.items() if failed]


def _entries_reasons(ids: Sequence[str]) -> list[Reason]:
    if isinstance(ids, str) or any(i.strip().lower() in _ALL_WORDS for i in ids):
        return [_r("entries-not-explicit", "entry_ids")]
    if not ids:
        return [_r("entries-missing", "entry_ids")]
    return [_r("entry-duplicated", f"entries.{i}") for i, n in Counter(ids).items() if n > 1]


def _justification_reasons(
    request: DisclosureRequest, ids: Sequence[str], enforcement: bool
) -> list[Reason]:
    reasons = (
        [_r("justification-missing", "justification")] if _blank(request.justification) else []
    )
    if not enforcement:
        return reasons
    # One necessity judgement per entry (EN 35): the same words pasted onto each do not count.
    seen: set[str] = set()
    for entry_id in ids:
        text = " ".join((request.entry_justifications.get(entry_id) or "").lower().split())
        if not text:
            reasons.append(_r("entry-justification-missing", f"entries.{entry_id}"))
        elif text in seen:
            reasons.append(_r("entry-justification-repeated", f"entries.{entry_id}"))
        seen.add(text)
    return reasons


def _entry_reasons(
    f: EntryFacts, purpose_class: PurposeClass | None, agreement: Agreement, recipient: Recipient
) -> list[Reason]:
    not_green = f.band is not None and f.band is not Band.GREEN
    checks = {
        "category-not-permitted-for-purpose": purpose_class is not None
        and f.category not in categories_for(purpose_class),
        "category-not-covered": f.category not in agreement.categories,
        "unassessed-not-named": f.band is None and not agreement.unassessed,
        "green-not-named": f.band is Band.GREEN and Band.GREEN not in agreement.bands,
        "band-not-covered": not_green and f.band not in agreement.bands,
        "zero-score-not-named": f.score == 0 and not agreement.zero_score,
        "under-18-to-non-statutory": f.under_18 and not recipient.statutory,
        "legacy-unreviewed": f.legacy_unreviewed,
        "entry-restricted": f.restricted,
    }
    return [_r(code, f"entries.{f.entry_id}") for code, failed in checks.items() if failed]


def _intelligence_permitted(agreement: Agreement) -> bool:
    permission = agreement.intelligence_permission
    return (
        permission is not None
        and not _blank(permission.justification)
        and not _approval_gaps(permission.approval, agreement.drafted_by, "intelligence-permission")
    )


def _conditions(ids: Sequence[str], by_id: Mapping[str, EntryFacts]) -> dict[str, tuple[str, ...]]:
    """The handling conditions of each entry's C-coded items, which travel with its row."""
    out: dict[str, tuple[str, ...]] = {}
    for entry_id in ids:
        gradings = by_id[entry_id].gradings if entry_id in by_id else ()
        found = [g.conditions for g in gradings if g.handling == "C" and g.conditions]
        if found:
            out[entry_id] = tuple(dict.fromkeys(found))
    return out


def _volume_reasons(request: DisclosureRequest, agreement: Agreement, n: int) -> list[Reason]:
    if n <= SECOND_APPROVAL_ABOVE:
        return []
    second = request.second_approval
    if second is None:
        return [_r("second-approval-missing", "second_approval")]
    first = agreement.approval.by if agreement.approval else None
    checks = {
        "second-approver-not-iru": second.role is not Role.IRU,
        "second-approver-not-independent": second.by in (first, request.requested_by),
    }
    return [_r(code, "second_approval") for code, failed in checks.items() if failed]


def evaluate_disclosure(
    request: DisclosureRequest,
    agreement: Agreement,
    recipient: Recipient,
    entries: Sequence[EntryFacts],
    today: date,
) -> DisclosureDecision:
    """Decide a disclosure: every reason it is refused, and the fields it carries and loses."""
    reasons = _agreement_reasons(request, agreement, recipient, today)
    purpose = next((p for p in Purpose if p.value == request.purpose), None)
    purpose_class = PURPOSE_CLASS[purpose] if purpose else None
    if purpose is None:
        reasons.append(_r("unknown-purpose", "purpose"))
    elif purpose not in agreement.purposes:
        reasons.append(_r("purpose-not-covered", "purpose"))
    entry_reasons = _entries_reasons(request.entry_ids)
    explicit = not any(r.code == "entries-not-explicit" for r in entry_reasons)
    ids = tuple(dict.fromkeys(request.entry_ids)) if explicit else ()
    reasons += entry_reasons
    reasons += _justification_reasons(request, ids, purpose_class is PurposeClass.ENFORCEMENT)
    by_id = {facts.entry_id: facts for facts in entries}
    for entry_id in ids:
        if entry_id in by_id:
            reasons += _entry_reasons(by_id[entry_id], purpose_class, agreement, recipient)
        else:
            reasons.append(_r("entry-unknown", f"entries.{entry_id}"))
    # Fields the agreement does not name are removed, not refused; unknown names are refused.
    reasons += field_gaps(request.fields)
    if not request.fields:
        reasons.append(_r("fields-missing", "fields"))
    requested = known_fields(request.fields)
    carried = requested & known_fields(agreement.fields)
    intelligence = bool(carried & INTELLIGENCE_FIELDS)
    if intelligence and not recipient.statutory and not _intelligence_permitted(agreement):
        reasons.append(_r("intelligence-not-permitted", "fields"))
    conditions = _conditions(ids, by_id) if intelligence else {}
    if conditions and not agreement.honours_handling_conditions:
        reasons += [_r("handling-conditions-not-honoured", f"entries.{i}") for i in conditions]
    reasons += _volume_reasons(request, agreement, len(ids))
    return DisclosureDecision(
        reasons=tuple(reasons),
        recipient_id=recipient.id,
        agreement_id=agreement.id,
        entry_ids=ids,
        fields=carried,
        redacted=requested - carried,
        handling_conditions=MappingProxyType(conditions),
    )
