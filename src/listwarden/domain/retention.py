"""Law 3 as pure functions: when an entry is reviewed, kept, held or removed, and why."""

from __future__ import annotations

import calendar
import operator
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypedDict

from listwarden.domain.errors import InvalidInput, PolicyViolation, Reason
from listwarden.domain.vocabulary import SCORING_ROLES, Band, Category, EvidenceRole


class FactType(StrEnum):
    """What kind of value a fact holds, which decides the operators a rule may use on it."""

    DAYS = "days"  # whole days, never negative
    POINTS = "points"  # a score, never negative
    CHOICE = "choice"  # one value of a closed vocabulary
    FLAG = "flag"  # true or false


class Op(StrEnum):
    LT, LE, GT, GE, EQ, NE = "<", "<=", ">", ">=", "==", "!="
    IN, NOT_IN = "in", "not_in"


_COMPARE: Mapping[Op, Callable[[Any, Any], bool]] = {
    Op.LT: operator.lt,
    Op.LE: operator.le,
    Op.GT: operator.gt,
    Op.GE: operator.ge,
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
}
OPERATORS: Mapping[FactType, frozenset[Op]] = {
    FactType.DAYS: frozenset(_COMPARE),
    FactType.POINTS: frozenset(_COMPARE),
    FactType.CHOICE: frozenset({Op.EQ, Op.NE, Op.IN, Op.NOT_IN}),
    FactType.FLAG: frozenset({Op.EQ, Op.NE}),
}


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: FactType
    description: str
    choices: frozenset[str] = frozenset()


_DAYS_SINCE = "days since the last evidence in which the person was"
FACTS: Mapping[str, FactSpec] = {
    spec.name: spec
    for spec in (
        # Being the victim of a gang-related crime is not police attention to a person's gang
        # involvement: only items as perpetrator or suspect count (law 2, EN 57).
        FactSpec(
            "days_since_gang_related_attention",
            FactType.DAYS,
            f"{_DAYS_SINCE} perpetrator or suspect of a gang-related event (else since listing)",
        ),
        FactSpec(
            "days_since_last_scoring_evidence",
            FactType.DAYS,
            f"{_DAYS_SINCE} perpetrator or suspect (else since listing)",
        ),
        FactSpec(
            "days_since_last_victimisation",
            FactType.DAYS,
            f"{_DAYS_SINCE} a victim (else since listing); for safeguarding lists only",
        ),
        FactSpec("days_since_added", FactType.DAYS, "days since the entry was added"),
        FactSpec("days_since_last_review", FactType.DAYS, "days since the last review or listing"),
        FactSpec("score", FactType.POINTS, "the current score; unknown (never true) if unscored"),
        FactSpec("band", FactType.CHOICE, "the current band", frozenset(Band)),
        FactSpec("category", FactType.CHOICE, "the data-subject category", frozenset(Category)),
        FactSpec("under_18", FactType.FLAG, "the person is under 18 today"),
    )
}

VICTIMISATION_FACTS = frozenset({"days_since_last_victimisation"})
"""Facts about a person's victimisation: never a reason to keep someone on an offender list."""


class Anchor(StrEnum):
    """The date a maximum retention period is counted from; each matches one day fact."""

    ADDED_ON = "added_on"
    LAST_GANG_RELATED_ATTENTION = "last_gang_related_attention"
    LAST_SCORING_EVIDENCE = "last_scoring_evidence"
    LAST_VICTIMISATION = "last_victimisation"


ANCHOR_FACT: Mapping[Anchor, str] = {
    Anchor.ADDED_ON: "days_since_added",
    Anchor.LAST_GANG_RELATED_ATTENTION: "days_since_gang_related_attention",
    Anchor.LAST_SCORING_EVIDENCE: "days_since_last_scoring_evidence",
    Anchor.LAST_VICTIMISATION: "days_since_last_victimisation",
}

FactValue = int | str | bool | None
ConditionValue = int | str | bool | frozenset[str]


@dataclass(frozen=True)
class Condition:
    fact: str
    op: Op
    value: ConditionValue

    def holds(self, value: FactValue) -> bool:
        """Whether the condition is true of ``value``; an unknown fact never satisfies a rule."""
        if value is None:
            return False
        if isinstance(self.value, frozenset):
            return (value in self.value) == (self.op is Op.IN)
        return bool(_COMPARE[self.op](value, self.value))

    def describe(self) -> str:
        shown = sorted(self.value) if isinstance(self.value, frozenset) else self.value
        return f"{self.fact} {self.op.value} {shown}"


@dataclass(frozen=True)
class RemovalRule:
    """Remove the entry when every condition holds."""

    id: str
    description: str
    conditions: tuple[Condition, ...]


@dataclass(frozen=True)
class RetentionGroup:
    """A MoPI-style group: entries in it go once ``period_days`` pass from ``counted_from``."""

    name: str
    description: str
    period_days: int
    counted_from: Anchor


@dataclass(frozen=True)
class LegalHold:
    """A reason removal must wait (litigation, an inquiry, a pending subject access request)."""

    reason: str
    reference: str
    expires_on: date

    def active_on(self, today: date) -> bool:
        return today <= self.expires_on


@dataclass(frozen=True)
class RetentionSchedule:
    """A list's retention schedule, as loaded and checked by ``listwarden.policy.retention``."""

    list_name: str
    version: str
    categories: frozenset[Category]
    review_interval_days: int
    child_review_days: int
    notice_days: int
    removal_rules: tuple[RemovalRule, ...]
    groups: Mapping[str, RetentionGroup]
    default_group: str
    sar_only_days: int
    category_review_days: Mapping[Category, int] = field(default_factory=dict)
    hold_reasons: frozenset[str] = frozenset()
    max_hold_days: int = 0
    list_holds: tuple[LegalHold, ...] = ()
    source: str = "<memory>"


class HoldRefused(PolicyViolation):
    """A legal hold cannot be placed as asked; ``reasons`` names each problem."""

    slug = "hold-refused"


def require_valid_hold(hold: LegalHold, schedule: RetentionSchedule, today: date) -> None:
    """A hold names a reason the schedule allows, a reference, and an expiry within its limit."""
    gaps = []
    if hold.reason not in schedule.hold_reasons:
        allowed = ", ".join(sorted(schedule.hold_reasons))
        gaps.append(Reason("hold-reason-unknown", f"the schedule allows: {allowed}", "reason"))
    if not hold.reference.strip():
        gaps.append(Reason("hold-reference-missing", "a hold cites its reference", "reference"))
    if hold.expires_on < today:
        gaps.append(Reason("hold-expired", "the expiry date has passed", "expires_on"))
    if hold.expires_on > today + timedelta(days=schedule.max_hold_days):
        detail = f"a hold lasts at most {schedule.max_hold_days} days; renew it to extend"
        gaps.append(Reason("hold-too-long", detail, "expires_on"))
    if gaps:
        raise HoldRefused("the legal hold cannot be placed", reasons=gaps)


class EvidenceLike(Protocol):
    """What retention reads from an evidence item (a domain item or a stored row)."""

    @property
    def role(self) -> str: ...
    @property
    def occurred_on(self) -> date: ...
    @property
    def gang_related(self) -> bool: ...


@dataclass(frozen=True)
class EntryFacts:
    """What a retention decision looks at; built by the service from the stored entry."""

    category: Category
    added_on: date
    under_18: bool
    last_reviewed_on: date | None = None
    score: int | None = None
    band: Band | None = None
    last_gang_related_attention_on: date | None = None
    last_scoring_evidence_on: date | None = None
    last_victimisation_on: date | None = None
    retention_group: str | None = None
    holds: tuple[LegalHold, ...] = ()


class EvidenceDates(TypedDict):
    """The dates ``EntryFacts`` takes from evidence, to pass as keywords."""

    last_gang_related_attention_on: date | None
    last_scoring_evidence_on: date | None
    last_victimisation_on: date | None


def evidence_dates(evidence: Iterable[EvidenceLike]) -> EvidenceDates:
    """The last gang-related attention, scoring evidence and victimisation dates, as keywords.

    Only items where the person was perpetrator or suspect are police attention to them; a
    gang-related crime in which they were the victim restarts no clock on an offender list.
    """
    items = list(evidence)
    scoring = [i for i in items if i.role in SCORING_ROLES]
    return {
        "last_gang_related_attention_on": _latest(i for i in scoring if i.gang_related),
        "last_scoring_evidence_on": _latest(scoring),
        "last_victimisation_on": _latest(i for i in items if i.role == EvidenceRole.VICTIM),
    }


def _latest(items: Iterable[EvidenceLike]) -> date | None:
    return max((i.occurred_on for i in items), default=None)


def _anchor_date(facts: EntryFacts, anchor: Anchor) -> date:
    found = {
        Anchor.ADDED_ON: facts.added_on,
        Anchor.LAST_GANG_RELATED_ATTENTION: facts.last_gang_related_attention_on,
        Anchor.LAST_SCORING_EVIDENCE: facts.last_scoring_evidence_on,
        Anchor.LAST_VICTIMISATION: facts.last_victimisation_on,
    }[anchor]
    # With no such event, the clock runs from listing (itself an act of police attention).
    return found if found is not None else facts.added_on


def fact_values(facts: EntryFacts, today: date) -> dict[str, FactValue]:
    """The value of every fact in ``FACTS`` for this entry on ``today``."""
    values: dict[str, FactValue] = {
        fact: max(0, (today - _anchor_date(facts, anchor)).days)
        for anchor, fact in ANCHOR_FACT.items()
    }
    values["days_since_last_review"] = max(
        0, (today - (facts.last_reviewed_on or facts.added_on)).days
    )
    values["score"] = facts.score
    values["band"] = facts.band.value if facts.band is not None else None
    values["category"] = facts.category.value
    values["under_18"] = facts.under_18
    return values


def review_interval_days(facts: EntryFacts, schedule: RetentionSchedule) -> int:
    interval = schedule.category_review_days.get(facts.category, schedule.review_interval_days)
    return min(interval, schedule.child_review_days) if facts.under_18 else interval


def next_review_on(facts: EntryFacts, schedule: RetentionSchedule) -> date:
    """The date the entry's next review falls due: quarterly at most for children (law 10)."""
    base = facts.last_reviewed_on or facts.added_on
    return base + timedelta(days=review_interval_days(facts, schedule))


class RetentionOutcome(StrEnum):
    KEEP = "keep"
    REVIEW_DUE = "review_due"
    REVIEW_OVERDUE = "review_overdue"  # escalates to the IAO
    REMOVE = "remove"
    HELD = "held"  # removal is due but a legal hold defers it


@dataclass(frozen=True)
class RetentionDecision:
    outcome: RetentionOutcome
    reasons: tuple[str, ...]
    next_review_on: date
    rule_id: str | None = None
    holds: tuple[LegalHold, ...] = ()

    @property
    def removable(self) -> bool:
        return self.outcome is RetentionOutcome.REMOVE

    @property
    def escalate_to_iao(self) -> bool:
        return self.outcome is RetentionOutcome.REVIEW_OVERDUE


class DecommissionPhase(StrEnum):
    OPEN = "open"
    SAR_ONLY = "sar_only"  # closed: kept only to answer subject access requests
    DESTRUCTION_DUE = "destruction_due"


@dataclass(frozen=True)
class Decommission:
    phase: DecommissionPhase
    destroy_on: date | None = None


def decommission_phase(
    *, closed_on: date | None, schedule: RetentionSchedule, today: date
) -> Decommission:
    """Where a closed list stands: subject access only for the set period, then destruction."""
    if closed_on is None:
        return Decommission(DecommissionPhase.OPEN)
    destroy_on = closed_on + timedelta(days=schedule.sar_only_days)
    phase = DecommissionPhase.DESTRUCTION_DUE if today >= destroy_on else DecommissionPhase.SAR_ONLY
    return Decommission(phase, destroy_on)


def _removal(
    facts: EntryFacts, schedule: RetentionSchedule, today: date, closed_on: date | None
) -> tuple[str, tuple[str, ...]] | None:
    """The first reason the entry must go: closure, maximum retention, then the removal rules."""
    closure = decommission_phase(closed_on=closed_on, schedule=schedule, today=today)
    if closure.phase is DecommissionPhase.DESTRUCTION_DUE:
        return "decommissioned", (
            f"the list closed on {closed_on} and its subject access "
            f"period ended on {closure.destroy_on}",
        )
    name = facts.retention_group or schedule.default_group
    group = schedule.groups.get(name)
    if group is None:
        detail = f"the schedule has no retention group {name!r}"
        raise InvalidInput(detail, reasons=[Reason("unknown-retention-group", detail, "group")])
    since = _anchor_date(facts, group.counted_from)
    if today >= since + timedelta(days=group.period_days):
        return f"maximum-retention:{group.name}", (
            f"maximum retention for {group.name} is {group.period_days} days from "
            f"{group.counted_from.value} ({since}); it ended on "
            f"{since + timedelta(days=group.period_days)}",
        )
    values = fact_values(facts, today)
    for rule in schedule.removal_rules:
        if all(c.holds(values[c.fact]) for c in rule.conditions):
            shown = tuple(f"{c.describe()} (it is {values[c.fact]})" for c in rule.conditions)
            return rule.id, (rule.description, *shown)
    return None


def decide(
    facts: EntryFacts, schedule: RetentionSchedule, today: date, *, closed_on: date | None = None
) -> RetentionDecision:
    """Keep, remove (naming the rule that fired and why), review due or overdue, or held."""
    due_on = next_review_on(facts, schedule)
    removal = _removal(facts, schedule, today, closed_on)
    if removal is not None:
        rule_id, why = removal
        holds = tuple(h for h in (*facts.holds, *schedule.list_holds) if h.active_on(today))
        if holds:
            held = tuple(f"held: {h.reason} ({h.reference}) until {h.expires_on}" for h in holds)
            return RetentionDecision(RetentionOutcome.HELD, (*why, *held), due_on, rule_id, holds)
        return RetentionDecision(RetentionOutcome.REMOVE, why, due_on, rule_id)
    closure = decommission_phase(closed_on=closed_on, schedule=schedule, today=today)
    if closure.phase is DecommissionPhase.SAR_ONLY:
        why = (f"the list is closed: kept for subject access only until {closure.destroy_on}",)
        return RetentionDecision(RetentionOutcome.KEEP, why, due_on)
    if today > due_on:
        why = (f"review was due on {due_on}; overdue reviews escalate to the IAO",)
        return RetentionDecision(RetentionOutcome.REVIEW_OVERDUE, why, due_on)
    if today >= due_on - timedelta(days=schedule.notice_days):
        return RetentionDecision(RetentionOutcome.REVIEW_DUE, (f"review due on {due_on}",), due_on)
    return RetentionDecision(RetentionOutcome.KEEP, (f"next review on {due_on}",), due_on)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


RELISTING_MONTHS = 12


@dataclass(frozen=True)
class RelistingFlag:
    """A person put back on a list within 12 months of a removal: the IAO must look (law 3)."""

    removed_on: date
    relisted_on: date
    reason: str


def relisting_flag(*, removals: Iterable[date], added_on: date) -> RelistingFlag | None:
    """Flag a listing on ``added_on`` that falls within 12 months after any earlier removal."""
    earlier = [r for r in removals if r <= added_on < add_months(r, RELISTING_MONTHS)]
    if not earlier:
        return None
    latest = max(earlier)
    return RelistingFlag(
        latest,
        added_on,
        f"re-listed {(added_on - latest).days} days after removal on {latest}, "
        f"within {RELISTING_MONTHS} months",
    )


class NracQuestion(StrEnum):
    """The National Retention Assessment Criteria a review answers before it retains anyone."""

    SERIOUS_HARM = "serious_harm"
    CHILDREN_OR_VULNERABLE_ADULTS = "children_or_vulnerable_adults"
    BREACH_OF_TRUST = "breach_of_trust"
    LINKS_INCREASING_RISK = "links_increasing_risk"
    SUBSTANCE_MISUSE = "substance_misuse"
    MENTAL_STATE = "mental_state"


NRAC_QUESTIONS: Mapping[NracQuestion, str] = {
    NracQuestion.SERIOUS_HARM: "Is there evidence of a capacity to inflict serious harm?",
    NracQuestion.CHILDREN_OR_VULNERABLE_ADULTS: (
        "Are there concerns in relation to children or vulnerable adults?"
    ),
    NracQuestion.BREACH_OF_TRUST: "Did the behaviour involve a breach of trust?",
    NracQuestion.LINKS_INCREASING_RISK: (
        "Is there evidence of established links or associations which might increase the risk "
        "of harm?"
    ),
    NracQuestion.SUBSTANCE_MISUSE: "Are there concerns in relation to substance misuse?",
    NracQuestion.MENTAL_STATE: (
        "Are there concerns that an individual's mental state might exacerbate risk?"
    ),
}


class ReviewIncomplete(PolicyViolation):
    """A review decision lacks what it must record; ``reasons`` names each gap."""

    slug = "review-incomplete"


class ReviewOutcome(StrEnum):
    RETAIN = "retain"
    REMOVE = "remove"


def require_review_reasons(
    *, outcome: ReviewOutcome, nrac: Collection[NracQuestion], rationale: str
) -> None:
    """A review that retains answers at least one NRAC question and says why in words."""
    if outcome is ReviewOutcome.REMOVE:
        return
    gaps = []
    if not nrac:
        gaps.append(
            Reason("nrac-reason-missing", "retention needs at least one NRAC reason", "nrac")
        )
    if not rationale.strip():
        gaps.append(Reason("rationale-missing", "retention needs a rationale", "rationale"))
    if gaps:
        raise ReviewIncomplete("the review retains the entry without its reasons", reasons=gaps)
