"""Law 12: each law and each Annex 1 step as a registered compliance check over plain facts.

A check reads ``ComplianceFacts``, which the storage layer fills with counts and identifiers;
a fact left None means its capability has not landed: "not yet evidenced", never a pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum

from listwarden.domain.bcu import BOROUGHS_BY_BCU
from listwarden.domain.errors import InvalidInput, Reason

LAWS = tuple(range(1, 13))  # DESIGN.md's twelve laws, by number
COSIGNED_CHECKPOINT_MAX_AGE_DAYS = 7


class AnnexStep(StrEnum):
    """The sixteen steps of Annex 1 to the ICO enforcement notice of 13 November 2018."""

    DPIA = "dpia"
    LABELLING = "labelling"
    RETENTION_SCHEDULE = "retention_schedule"
    ERASE_INFORMAL_LISTS = "erase_informal_lists"
    SHARING_REVIEW = "sharing_review"
    SHARING_GUIDANCE = "sharing_guidance"
    SHARING_AGREEMENTS = "sharing_agreements"
    PURPOSE_TRAINING = "purpose_training"
    MANDATORY_TRAINING = "mandatory_training"
    DATA_LOSS_SOFTWARE = "data_loss_software"
    ACCESS_RESTRICTIONS = "access_restrictions"
    ACCESS_LOG = "access_log"
    ENCRYPTION = "encryption"
    SOCIAL_MEDIA_GUIDANCE = "social_media_guidance"
    GANGS_GUIDANCE = "gangs_guidance"
    AUDITS = "audits"


ANNEX_STEP_TEXT: Mapping[AnnexStep, str] = {
    AnnexStep.DPIA: "Conduct a data protection impact assessment",
    AnnexStep.LABELLING: "Label victims of crime apart from actual or suspected offenders",
    AnnexStep.RETENTION_SCHEDULE: "Implement a retention schedule: how and when to remove",
    AnnexStep.ERASE_INFORMAL_LISTS: "Erase informal lists of people no longer meeting criteria",
    AnnexStep.SHARING_REVIEW: "Review all data sharing: legal basis, necessity, agreements",
    AnnexStep.SHARING_GUIDANCE: "Guidance on information sharing, statutory or not",
    AnnexStep.SHARING_AGREEMENTS: "Share only under a written agreement approved by the IRU",
    AnnexStep.PURPOSE_TRAINING: "Compulsory purpose-specific training for all who process",
    AnnexStep.MANDATORY_TRAINING: "Mandatory data protection training for gang-unit staff",
    AnnexStep.DATA_LOSS_SOFTWARE: "Data loss and loss detection software",
    AnnexStep.ACCESS_RESTRICTIONS: "Restrict access of those who no longer need it",
    AnnexStep.ACCESS_LOG: "Keep a comprehensive access log",
    AnnexStep.ENCRYPTION: "Encrypt the data at rest and in transit, including to recipients",
    AnnexStep.SOCIAL_MEDIA_GUIDANCE: "Guidance on social media as verifiable intelligence",
    AnnexStep.GANGS_GUIDANCE: "Guidance on gangs, membership evidence, gang member v SYV",
    AnnexStep.AUDITS: "Regular audits of every borough unit",
}


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class CheckStatus(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    NOT_YET_EVIDENCED = "not_yet_evidenced"


class GuidanceKind(StrEnum):
    """The guidance documents Annex 1 requires."""

    SOCIAL_MEDIA = "social_media"
    GANG_DEFINITION = "gang_definition"  # what a gang is and how membership is evidenced
    GANG_MEMBER_OR_SYV = "gang_member_or_syv"  # telling a gang member from an SYV offender
    INTELLIGENCE_SOURCES = "intelligence_sources"
    INFORMATION_SHARING = "information_sharing"


_KEY = re.compile(r"[a-z][a-z0-9]*([_-][a-z0-9]+)*")


@dataclass(frozen=True)
class Check:
    """What a check is and where its duty comes from."""

    id: str
    title: str
    source: str  # the notice paragraphs and DPA 2018 sections, e.g. "EN 42, 53; s.64"
    severity: Severity
    laws: frozenset[int]
    annex_steps: frozenset[AnnexStep] = frozenset()

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.id) or not self.laws or not self.laws <= set(LAWS):
            why = [Reason("malformed-check", "a kebab-case id and laws 1-12", "check")]
            raise InvalidInput(f"malformed check {self.id!r}", reasons=why)


EvidenceValue = int | str | tuple[str, ...]
MAX_EVIDENCE_IDS = 50  # identifiers listed per result; the count beside them is complete

# An identifier is a generated id (a digit and no space: "entry-0042", a UUID), a dotted field
# path ("subjects.address"), or a code from a vocabulary (an enum member, a BCU code). Names are
# none of these; this guards against a name slipping in by mistake, not against a smuggler.
_GENERATED_ID = re.compile(r"(?=.*\d)[A-Za-z0-9][A-Za-z0-9_.:-]*")
_PATH = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")


def is_identifier(value: object) -> bool:
    if isinstance(value, Enum):
        return True
    return isinstance(value, str) and (
        value in BOROUGHS_BY_BCU or any(p.fullmatch(value) for p in (_GENERATED_ID, _PATH))
    )


def _is_evidence(value: object) -> bool:
    if isinstance(value, tuple):
        return all(is_identifier(v) for v in value)
    return (isinstance(value, int) and not isinstance(value, bool)) or is_identifier(value)


@dataclass(frozen=True)
class CheckResult:
    """A check's verdict with its evidence: counts, identifiers and codes only."""

    status: CheckStatus
    evidence: Mapping[str, EvidenceValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        bad = [k for k, v in self.evidence.items() if not _KEY.fullmatch(k) or not _is_evidence(v)]
        if bad:
            raise InvalidInput(
                "evidence may hold only counts, identifiers and vocabulary codes",
                reasons=[Reason("evidence-not-identifier", f"refused {k!r}", k) for k in bad],
            )


NOT_YET_EVIDENCED = CheckResult(CheckStatus.NOT_YET_EVIDENCED)
CheckFunction = Callable[["ComplianceFacts"], CheckResult]


class CheckRegistry:
    """Checks in the order they were registered, each id once."""

    def __init__(self) -> None:
        self._checks: dict[str, tuple[Check, CheckFunction]] = {}

    def register(self, check: Check) -> Callable[[CheckFunction], CheckFunction]:
        """Decorate a ``(facts) -> CheckResult`` function to register it as ``check``."""

        def decorate(function: CheckFunction) -> CheckFunction:
            if check.id in self._checks:
                why = [Reason("duplicate-check", check.id, "check")]
                raise InvalidInput(f"check {check.id!r} is registered twice", reasons=why)
            self._checks[check.id] = (check, function)
            return function

        return decorate

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(check for check, _ in self._checks.values())

    def run_all(self, facts: ComplianceFacts) -> dict[str, CheckResult]:
        return {check_id: function(facts) for check_id, (_, function) in self._checks.items()}

    def coverage(self) -> tuple[dict[int, tuple[str, ...]], dict[AnnexStep, tuple[str, ...]]]:
        """The checks evidencing each law and each Annex 1 step; complete when none is empty."""
        by_law = {n: tuple(c.id for c in self.checks if n in c.laws) for n in LAWS}
        by_step = {s: tuple(c.id for c in self.checks if s in c.annex_steps) for s in AnnexStep}
        return by_law, by_step


@dataclass(frozen=True)
class ComplianceFacts:
    """What the storage layer knows, as identifiers and counts; None where not yet known."""

    lists_without_current_dpia: tuple[str, ...] | None = None
    entries_overdue_for_review: tuple[str, ...] | None = None
    zero_score_entries_past_removal: tuple[str, ...] | None = None
    entries_with_disallowed_category: tuple[str, ...] | None = None
    uncorroborated_nominals: tuple[str, ...] | None = None
    social_media_items_without_checklist: tuple[str, ...] | None = None
    child_entries_missing_safeguards: tuple[str, ...] | None = None
    disclosures_outside_agreement: tuple[str, ...] | None = None
    agreements_expired_but_used: tuple[str, ...] | None = None
    users_with_access_lapsed_training: tuple[str, ...] | None = None
    gang_unit_staff_without_mandatory_course: tuple[str, ...] | None = None
    grants_unused_beyond_limit: tuple[str, ...] | None = None
    leavers_with_access: tuple[str, ...] | None = None
    log_verified: bool | None = None
    cosigned_checkpoints: int | None = None
    last_cosigned_checkpoint_age_days: int | None = None
    fields_stored_unencrypted: tuple[str, ...] | None = None
    open_loss_findings: tuple[str, ...] | None = None
    guidance_registered: frozenset[GuidanceKind] | None = None
    guidance_overdue_for_review: tuple[str, ...] | None = None
    users_with_unacknowledged_guidance: tuple[str, ...] | None = None
    overdue_subject_rights_requests: tuple[str, ...] | None = None
    frameworks_active_without_equality_trial: tuple[str, ...] | None = None
    entries_without_monitoring_record: tuple[str, ...] | None = None
    bcus_not_audited_in_period: tuple[str, ...] | None = None


def none_found(found: Iterable[str] | None) -> CheckResult:
    """Pass when the query found nothing; otherwise fail, listing what it found."""
    if found is None:
        return NOT_YET_EVIDENCED
    ids = tuple(sorted(found))
    if not ids:
        return CheckResult(CheckStatus.PASS, {"count": 0})
    return CheckResult(CheckStatus.FAIL, {"count": len(ids), "ids": ids[:MAX_EVIDENCE_IDS]})


REGISTRY = CheckRegistry()  # the checks the compliance report runs
_S, _A = Severity, AnnexStep  # short names for the declarations below


def _check(
    check_id: str, source: str, severity: Severity, laws: set[int], steps: Iterable[AnnexStep] = ()
) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function in ``REGISTRY``; its docstring is the check's title."""

    def decorate(function: CheckFunction) -> CheckFunction:
        title = (function.__doc__ or check_id).strip()
        check = Check(check_id, title, source, severity, frozenset(laws), frozenset(steps))
        return REGISTRY.register(check)(function)

    return decorate


@_check("lists-without-current-dpia", "EN 42, 53; s.64", _S.HIGH, {1}, {_A.DPIA})
def lists_without_current_dpia(facts: ComplianceFacts) -> CheckResult:
    """Every authorised list has a current, approved DPIA."""
    return none_found(facts.lists_without_current_dpia)


@_check("entries-overdue-for-review", "EN 24-26; s.39", _S.MEDIUM, {3}, {_A.RETENTION_SCHEDULE})
def entries_overdue_for_review(facts: ComplianceFacts) -> CheckResult:
    """No active entry is past its review date."""
    return none_found(facts.entries_overdue_for_review)


@_check("zero-scores-past-removal", "EN 27-28, 31; s.39", _S.HIGH, {3}, {_A.RETENTION_SCHEDULE})
def zero_score_entries_past_removal(facts: ComplianceFacts) -> CheckResult:
    """No entry that meets its list's removal rule is still on the list."""
    return none_found(facts.zero_score_entries_past_removal)


@_check("categories-not-allowed", "EN 32, 57; s.38(3)", _S.HIGH, {2}, {_A.LABELLING})
def entries_with_disallowed_category(facts: ComplianceFacts) -> CheckResult:
    """Every entry's data-subject category is one its list allows."""
    return none_found(facts.entries_with_disallowed_category)


@_check("uncorroborated-nominals", "EN 54-56; s.38", _S.HIGH, {8}, {_A.GANGS_GUIDANCE})
def uncorroborated_nominals(facts: ComplianceFacts) -> CheckResult:
    """Every gang nominal is corroborated by two independent sources."""
    return none_found(facts.uncorroborated_nominals)


@_check("social-media-unchecked", "EN 58-61; s.38", _S.MEDIUM, {8}, {_A.SOCIAL_MEDIA_GUIDANCE})
def social_media_items_without_checklist(facts: ComplianceFacts) -> CheckResult:
    """Every social-media intelligence item carries the guidance checklist."""
    return none_found(facts.social_media_items_without_checklist)


@_check("children-without-safeguards", "EN 21, 62; s.35", _S.CRITICAL, {10})
def child_entries_missing_safeguards(facts: ComplianceFacts) -> CheckResult:
    """Every entry under 18 has IAO approval, a referral and a quarterly review."""
    return none_found(facts.child_entries_missing_safeguards)


@_check(
    "disclosures-outside-agreement", "EN 35-40, 47; s.36", _S.CRITICAL, {6},
    {_A.SHARING_REVIEW, _A.SHARING_AGREEMENTS},
)  # fmt: skip
def disclosures_outside_agreement(facts: ComplianceFacts) -> CheckResult:
    """No disclosure went beyond an approved agreement."""
    return none_found(facts.disclosures_outside_agreement)


@_check("agreements-expired-but-used", "EN 47; s.36", _S.HIGH, {6}, {_A.SHARING_AGREEMENTS})
def agreements_expired_but_used(facts: ComplianceFacts) -> CheckResult:
    """No agreement was used after it expired."""
    return none_found(facts.agreements_expired_but_used)


@_check("access-with-lapsed-training", "EN 51; s.40", _S.HIGH, {7}, {_A.PURPOSE_TRAINING})
def users_with_access_lapsed_training(facts: ComplianceFacts) -> CheckResult:
    """Nobody holds access whose purpose-specific training has lapsed."""
    return none_found(facts.users_with_access_lapsed_training)


@_check("gang-unit-staff-untrained", "EN 51; s.40", _S.MEDIUM, {7}, {_A.MANDATORY_TRAINING})
def gang_unit_staff_without_mandatory_course(facts: ComplianceFacts) -> CheckResult:
    """Everyone in a gang unit has completed the mandatory data protection course."""
    return none_found(facts.gang_unit_staff_without_mandatory_course)


@_check("grants-unused-too-long", "EN 51; s.40", _S.MEDIUM, {7}, {_A.ACCESS_RESTRICTIONS})
def grants_unused_beyond_limit(facts: ComplianceFacts) -> CheckResult:
    """No grant stays live after going unused beyond the limit."""
    return none_found(facts.grants_unused_beyond_limit)


@_check("leavers-with-access", "EN 51; s.40", _S.CRITICAL, {7}, {_A.ACCESS_RESTRICTIONS})
def leavers_with_access(facts: ComplianceFacts) -> CheckResult:
    """Nobody who has moved or left still holds access."""
    return none_found(facts.leavers_with_access)


@_check("access-log-verifies", "Annex 1; s.62", _S.CRITICAL, {4}, {_A.ACCESS_LOG})
def access_log_verifies(facts: ComplianceFacts) -> CheckResult:
    """The access log verifies against its signed checkpoints."""
    if facts.log_verified is None:
        return NOT_YET_EVIDENCED
    return CheckResult(CheckStatus.PASS if facts.log_verified else CheckStatus.FAIL)


@_check("checkpoint-cosigned-recently", "EN 52; s.62", _S.HIGH, {4, 12}, {_A.ACCESS_LOG})
def checkpoint_cosigned_recently(facts: ComplianceFacts) -> CheckResult:
    """The last checkpoint cosigned by a key held outside the system is at most a week old."""
    count, age = facts.cosigned_checkpoints, facts.last_cosigned_checkpoint_age_days
    if count is None or (count and age is None):
        return NOT_YET_EVIDENCED
    if not count or age is None:
        return CheckResult(CheckStatus.FAIL, {"cosigned_checkpoints": 0})
    ok = age <= COSIGNED_CHECKPOINT_MAX_AGE_DAYS
    return CheckResult(CheckStatus.PASS if ok else CheckStatus.FAIL, {"age_days": age})


@_check("fields-stored-unencrypted", "EN 49; s.40", _S.CRITICAL, {5}, {_A.ENCRYPTION})
def fields_stored_unencrypted(facts: ComplianceFacts) -> CheckResult:
    """Every personal field is stored encrypted."""
    return none_found(facts.fields_stored_unencrypted)


@_check(
    "open-loss-findings", "EN 26, 50; s.40", _S.HIGH, {1, 11},
    {_A.DATA_LOSS_SOFTWARE, _A.ERASE_INFORMAL_LISTS},
)  # fmt: skip
def open_loss_findings(facts: ComplianceFacts) -> CheckResult:
    """No copy of list data found outside the system is left open."""
    return none_found(facts.open_loss_findings)


_GUIDANCE = (_A.SOCIAL_MEDIA_GUIDANCE, _A.GANGS_GUIDANCE, _A.SHARING_GUIDANCE)


@_check("guidance-missing", "EN 53, 59; Annex 1", _S.HIGH, {6, 8, 12}, _GUIDANCE)
def guidance_registered(facts: ComplianceFacts) -> CheckResult:
    """Every guidance document Annex 1 requires is registered."""
    if facts.guidance_registered is None:
        return NOT_YET_EVIDENCED
    return none_found(g for g in GuidanceKind if g not in facts.guidance_registered)


@_check("guidance-overdue-for-review", "EN 53; Annex 1", _S.MEDIUM, {12}, _GUIDANCE)
def guidance_overdue_for_review(facts: ComplianceFacts) -> CheckResult:
    """No guidance document is past its review date."""
    return none_found(facts.guidance_overdue_for_review)


@_check("guidance-unacknowledged", "EN 53; Annex 1", _S.LOW, {12}, _GUIDANCE)
def users_with_unacknowledged_guidance(facts: ComplianceFacts) -> CheckResult:
    """Everyone bound by a guidance document has acknowledged its current version."""
    return none_found(facts.users_with_unacknowledged_guidance)


@_check("rights-requests-overdue", "s.45, s.54", _S.HIGH, {12})
def overdue_subject_rights_requests(facts: ComplianceFacts) -> CheckResult:
    """No subject rights request is past its time limit."""
    return none_found(facts.overdue_subject_rights_requests)


@_check("frameworks-without-equality-trial", "EN 41-43", _S.HIGH, {9})
def frameworks_active_without_equality_trial(facts: ComplianceFacts) -> CheckResult:
    """No assessment framework is active without a DPO-signed trial by ethnic group."""
    return none_found(facts.frameworks_active_without_equality_trial)


@_check("entries-not-monitored", "EN 21, 41-43", _S.MEDIUM, {9})
def entries_without_monitoring_record(facts: ComplianceFacts) -> CheckResult:
    """Every entry is counted in equality monitoring, "unknown" included."""
    return none_found(facts.entries_without_monitoring_record)


@_check("bcus-not-audited", "EN 52; Annex 1", _S.MEDIUM, {12}, {_A.AUDITS})
def bcus_not_audited_in_period(facts: ComplianceFacts) -> CheckResult:
    """Every BCU has been audited within the audit period."""
    return none_found(facts.bcus_not_audited_in_period)
