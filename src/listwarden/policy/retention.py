"""Loading retention schedules from TOML, refusing any that could keep people longer than needed.

Shape errors (unknown or missing fields, wrong types) raise ``RetentionScheduleInvalid``; a schedule
that is well formed but breaks law 3 or law 10 (no removal rule, a rule that can never fire, a
child review interval longer than a quarter) raises ``RetentionScheduleRefused``. Every reason
names the file and the field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Sequence
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from listwarden.domain.entries import CHILD_REVIEW_INTERVAL
from listwarden.domain.errors import InvalidInput, PolicyViolation, Reason
from listwarden.domain.retention import (
    ANCHOR_FACT,
    FACTS,
    OPERATORS,
    VICTIMISATION_FACTS,
    Anchor,
    Condition,
    FactType,
    LegalHold,
    Op,
    RemovalRule,
    RetentionGroup,
    RetentionSchedule,
)
from listwarden.domain.vocabulary import Category

SCHEMA = "listwarden.retention/1"
CHILD_REVIEW_MAX_DAYS = CHILD_REVIEW_INTERVAL.days + 1  # a calendar quarter is at most 92 days
_OFFENDER_ONLY = frozenset({Category.SUSPECTED, Category.CONVICTED})


class RetentionScheduleInvalid(InvalidInput):
    """A retention schedule file is malformed; ``source`` names it, each reason its field."""

    slug = "retention-schedule-invalid"

    def __init__(self, source: str, reasons: Sequence[Reason]) -> None:
        shown = "; ".join(f"{r.field}: {r.detail}" for r in reasons)
        super().__init__(f"retention schedule {source} is invalid: {shown}", reasons=reasons)
        self.source = source


class RetentionScheduleRefused(PolicyViolation):
    """A retention schedule is well formed but could keep people longer than the law allows."""

    slug = "retention-schedule-refused"

    def __init__(self, source: str, reasons: Sequence[Reason]) -> None:
        shown = "; ".join(f"{r.field}: {r.detail}" for r in reasons)
        super().__init__(f"retention schedule {source} is refused: {shown}", reasons=reasons)
        self.source = source


Text = Annotated[str, Strict(), Field(min_length=1)]
Days = Annotated[int, Strict(), Field(gt=0)]
Day = Annotated[date, Strict()]


class _Model(BaseModel):
    # Strictness is set per field (Text, Days, Day) so that vocabularies still accept strings.
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Condition(_Model):
    fact: Text
    op: Text
    value: Any  # checked against the fact's type once the fact is known


class _Rule(_Model):
    id: Text
    description: Text
    all: list[_Condition]


class _Review(_Model):
    interval_days: Days
    child_interval_days: Days = CHILD_REVIEW_INTERVAL.days
    notice_days: Annotated[int, Strict(), Field(ge=0)] = 14
    by_category: dict[Category, Days] = Field(default_factory=dict)


class _Group(_Model):
    description: Text
    period_days: Days
    counted_from: Anchor


class _MaximumRetention(_Model):
    default_group: Text
    groups: dict[str, _Group] = Field(min_length=1)


class _Hold(_Model):
    reason: Text
    reference: Text
    expires_on: Day


class _Holds(_Model):
    reasons: list[Text] = Field(min_length=1)
    max_days: Days
    list_wide: list[_Hold] = Field(default_factory=list)


class _Decommissioning(_Model):
    sar_only_days: Days


class _Schedule(_Model):
    schema_: Literal["listwarden.retention/1"] = Field(alias="schema")
    list_: Text = Field(alias="list")
    version: Text
    description: Annotated[str, Strict()] = ""
    categories: list[Category] = Field(min_length=1)
    review: _Review
    removal_rules: list[_Rule] = Field(default_factory=list)
    maximum_retention: _MaximumRetention
    holds: _Holds
    decommissioning: _Decommissioning


def _path(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def shape_reasons(error: ValidationError) -> list[Reason]:
    """Pydantic's errors as our reasons: unknown field, missing field or wrong type, by path."""
    reasons = []
    for err in error.errors():
        where = _path(err["loc"])
        if err["type"] == "extra_forbidden":
            reasons.append(Reason("unknown-field", f"unknown field {where!r}", where))
        elif err["type"] == "missing":
            reasons.append(Reason("missing-field", f"{where!r} is required", where))
        elif err["type"] in ("enum", "literal_error"):
            reasons.append(Reason("unknown-value", f"{err['msg']} (got {err['input']!r})", where))
        elif err["type"].startswith(("greater_than", "less_than")):
            reasons.append(Reason("out-of-range", f"{err['msg']} (got {err['input']!r})", where))
        elif err["type"] in ("too_short", "string_too_short"):
            reasons.append(Reason("empty", f"{where!r} may not be empty", where))
        else:
            got = type(err["input"]).__name__
            reasons.append(Reason("wrong-type", f"{err['msg']} (got {got})", where))
    return reasons


def _condition(raw: _Condition, where: str) -> Condition | Reason:
    """The condition, or the reason it is malformed (unknown fact, operator or value)."""
    spec = FACTS.get(raw.fact)
    if spec is None:
        detail = f"unknown fact {raw.fact!r}; known: {', '.join(sorted(FACTS))}"
        return Reason("unknown-fact", detail, f"{where}.fact")
    try:
        op = Op(raw.op)
    except ValueError:
        detail = f"unknown operator {raw.op!r}; one of: {' '.join(Op)}"
        return Reason("unknown-operator", detail, f"{where}.op")
    if op not in OPERATORS[spec.type]:
        allowed = " ".join(sorted(OPERATORS[spec.type]))
        detail = f"{raw.fact} is {spec.type.value}: it takes only {allowed}"
        return Reason("operator-not-for-fact", detail, f"{where}.op")
    value = _value(raw.value, spec.type, op, spec.choices)
    if isinstance(value, tuple):
        return Reason(value[0], value[1], f"{where}.value")
    return Condition(raw.fact, op, value)


def _value(
    raw: Any, kind: FactType, op: Op, choices: frozenset[str]
) -> int | str | bool | frozenset[str] | tuple[str, str]:
    """The typed value, or (code, detail) saying why it does not suit the fact."""
    got = type(raw).__name__
    if kind in (FactType.DAYS, FactType.POINTS):
        ok = isinstance(raw, int) and not isinstance(raw, bool)
        return raw if ok else ("wrong-type", f"a whole number is required (got {got})")
    if kind is FactType.FLAG:
        return (
            raw
            if isinstance(raw, bool)
            else ("wrong-type", f"true or false is required (got {got})")
        )
    listed = op in (Op.IN, Op.NOT_IN)
    if listed != isinstance(raw, list) or raw == []:
        shape = "a non-empty list of values" if listed else "a single value"
        return "wrong-type", f"{op.value} takes {shape} (got {got})"
    items = raw if listed else [raw]
    if not all(isinstance(i, str) for i in items):
        return "wrong-type", "values must be strings"
    unknown = sorted(set(items) - choices)
    if unknown:
        return "unknown-value", f"unknown value(s) {unknown}; one of: {sorted(choices)}"
    return frozenset(items) if listed else items[0]


def _admits(conditions: Sequence[Condition], hi: int | None) -> bool:
    """Whether some whole number >= 0 (and <= ``hi``) satisfies every condition."""
    lo, excluded = 0, set()
    for c in conditions:
        assert isinstance(c.value, int)
        v = c.value
        if c.op in (Op.LT, Op.LE):
            cap = v - 1 if c.op is Op.LT else v
            hi = cap if hi is None else min(hi, cap)
        elif c.op in (Op.GT, Op.GE):
            lo = max(lo, v + 1 if c.op is Op.GT else v)
        elif c.op is Op.EQ:
            lo, hi = max(lo, v), (v if hi is None else min(hi, v))
        else:
            excluded.add(v)
    if hi is None:
        return True
    # Among the first len(excluded) + 1 candidates, one is free unless the range runs out.
    return any(x not in excluded for x in range(lo, min(hi, lo + len(excluded)) + 1))


def _numeric_reason(
    conditions: Sequence[Condition], fact: str, upper: int | None, where: str
) -> Reason | None:
    shown = " and ".join(c.describe() for c in conditions)
    for c in conditions:
        if not _admits([c], None):
            detail = f"{fact} is never negative: {c.describe()} can never be true"
            return Reason("condition-never-true", detail, where)
    if not _admits(conditions, None):
        return Reason("contradictory-conditions", f"{shown} leave no possible value", where)
    if upper is not None and not _admits(conditions, upper - 1):
        detail = (
            f"{shown} is beyond the maximum retention of {upper} days: maximum retention "
            "removes the entry first"
        )
        return Reason("beyond-maximum-retention", detail, where)
    return None


def _choice_reason(
    conditions: Sequence[Condition], fact: str, domain: Collection[object], where: str
) -> Reason | None:
    possible = set(domain)
    for c in conditions:
        values = c.value if isinstance(c.value, frozenset) else frozenset({c.value})
        possible = possible & values if c.op in (Op.EQ, Op.IN) else possible - values
    if possible:
        return None
    shown = " and ".join(c.describe() for c in conditions)
    if len(conditions) == 1:
        detail = f"{shown} can never be true: {fact} is one of {sorted(map(str, domain))}"
        return Reason("condition-never-true", detail, where)
    return Reason("contradictory-conditions", f"{shown} leave no possible value", where)


def _never_fires(rule: RemovalRule, where: str, parsed: _Schedule) -> Reason | None:
    """Why a rule can never fire, if so; conditions on different facts are independent."""
    groups = parsed.maximum_retention.groups.values()
    anchors = {g.counted_from for g in groups}
    # A day fact counted from the same date as every group's maximum retention cannot reach it.
    capped = ANCHOR_FACT[anchors.pop()] if len(anchors) == 1 else None
    longest = max(g.period_days for g in groups)
    domains: dict[str, Collection[object]] = {
        "category": {c.value for c in parsed.categories},
        "under_18": {True, False},
    }
    for fact in dict.fromkeys(c.fact for c in rule.conditions):
        conds = [c for c in rule.conditions if c.fact == fact]
        spec = FACTS[fact]
        if spec.type in (FactType.DAYS, FactType.POINTS):
            reason = _numeric_reason(conds, fact, longest if fact == capped else None, where)
        else:
            reason = _choice_reason(conds, fact, domains.get(fact, spec.choices), where)
        if reason is not None:
            return reason
    return None


def _rules(parsed: _Schedule) -> tuple[list[RemovalRule], list[Reason], list[Reason]]:
    """The rules, with the reasons they are malformed and the reasons they break the law."""
    rules: list[RemovalRule] = []
    shape: list[Reason] = []
    law: list[Reason] = []
    if not parsed.removal_rules:
        detail = "a schedule must state at least one removal rule"
        law.append(Reason("no-removal-rule", detail, "removal_rules"))
    offender_list = set(parsed.categories) <= _OFFENDER_ONLY
    seen: set[str] = set()
    for i, raw in enumerate(parsed.removal_rules):
        where = f"removal_rules[{i}]"
        if raw.id in seen:
            shape.append(Reason("duplicate-rule-id", f"rule id {raw.id!r} is used twice", where))
        seen.add(raw.id)
        if not raw.all:
            detail = "a rule with no conditions would remove everyone at once"
            law.append(Reason("rule-without-conditions", detail, f"{where}.all"))
            continue
        parsed_conditions = [_condition(c, f"{where}.all[{j}]") for j, c in enumerate(raw.all)]
        shape += [c for c in parsed_conditions if isinstance(c, Reason)]
        conditions = tuple(c for c in parsed_conditions if isinstance(c, Condition))
        for j, c in enumerate(conditions):
            if offender_list and c.fact in VICTIMISATION_FACTS:
                detail = "a list of suspected and convicted people keeps no one for victimisation"
                law.append(
                    Reason("victimisation-fact-on-offender-list", detail, f"{where}.all[{j}].fact")
                )
        if len(conditions) == len(raw.all):
            rule = RemovalRule(raw.id, raw.description, conditions)
            dead = _never_fires(rule, where, parsed)
            if dead is not None:
                detail = f"rule {raw.id!r} can never fire: {dead.detail}"
                law.append(Reason(dead.code, detail, dead.field))
            rules.append(rule)
    return rules, shape, law


def _other_reasons(parsed: _Schedule) -> tuple[list[Reason], list[Reason]]:
    shape: list[Reason] = []
    law: list[Reason] = []
    for category in parsed.review.by_category:
        if category not in parsed.categories:
            where = f"review.by_category.{category.value}"
            detail = f"the list holds no {category.value} entries"
            shape.append(Reason("category-not-on-list", detail, where))
    if parsed.review.child_interval_days > CHILD_REVIEW_MAX_DAYS:
        detail = f"under-18s are reviewed at least quarterly ({CHILD_REVIEW_MAX_DAYS} days at most)"
        law.append(Reason("child-review-not-quarterly", detail, "review.child_interval_days"))
    mr = parsed.maximum_retention
    if mr.default_group not in mr.groups:
        detail = f"default group {mr.default_group!r} is not among maximum_retention.groups"
        shape.append(Reason("unknown-retention-group", detail, "maximum_retention.default_group"))
    for i, hold in enumerate(parsed.holds.list_wide):
        if hold.reason not in parsed.holds.reasons:
            detail = f"hold reason {hold.reason!r} is not among holds.reasons"
            shape.append(Reason("hold-reason-unknown", detail, f"holds.list_wide[{i}].reason"))
    return shape, law


def parse_schedule(text: str, *, source: str = "<string>") -> RetentionSchedule:
    """Parse and check a schedule's TOML text; ``source`` names it in every error."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RetentionScheduleInvalid(
            source, [Reason("toml-syntax", str(exc), "(file)")]
        ) from None
    try:
        parsed = _Schedule.model_validate(data)
    except ValidationError as exc:
        raise RetentionScheduleInvalid(source, shape_reasons(exc)) from None
    rules, shape, law = _rules(parsed)
    more_shape, more_law = _other_reasons(parsed)
    if shape + more_shape:
        raise RetentionScheduleInvalid(source, shape + more_shape)
    if law + more_law:
        raise RetentionScheduleRefused(source, law + more_law)
    mr = parsed.maximum_retention
    return RetentionSchedule(
        list_name=parsed.list_,
        version=parsed.version,
        categories=frozenset(parsed.categories),
        review_interval_days=parsed.review.interval_days,
        child_review_days=parsed.review.child_interval_days,
        notice_days=parsed.review.notice_days,
        category_review_days=dict(parsed.review.by_category),
        removal_rules=tuple(rules),
        groups={
            name: RetentionGroup(name, g.description, g.period_days, g.counted_from)
            for name, g in mr.groups.items()
        },
        default_group=mr.default_group,
        hold_reasons=frozenset(parsed.holds.reasons),
        max_hold_days=parsed.holds.max_days,
        list_holds=tuple(
            LegalHold(h.reason, h.reference, h.expires_on) for h in parsed.holds.list_wide
        ),
        sar_only_days=parsed.decommissioning.sar_only_days,
        source=source,
    )


def load_schedule(path: Path | str) -> RetentionSchedule:
    """Load a schedule an organisation keeps in its own files."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RetentionScheduleInvalid(
            str(file), [Reason("unreadable", str(exc), "(file)")]
        ) from None
    return parse_schedule(text, source=str(file))


_DEFAULTS = ("defaults", "retention")


def default_schedule_names() -> list[str]:
    folder = resources.files("listwarden.policy").joinpath(*_DEFAULTS)
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def default_schedule(name: str) -> RetentionSchedule:
    """One of the schedules shipped with listwarden (``matrix``, ``victim-safeguarding``)."""
    if name not in default_schedule_names():
        raise InvalidInput(
            f"no default retention schedule {name!r}",
            reasons=[
                Reason("unknown-schedule", f"one of: {', '.join(default_schedule_names())}", "name")
            ],
        )
    file = resources.files("listwarden.policy").joinpath(*_DEFAULTS, f"{name}.toml")
    return parse_schedule(
        file.read_text(encoding="utf-8"), source=f"defaults/retention/{name}.toml"
    )
