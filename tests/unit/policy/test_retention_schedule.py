"""Retention schedule loading: every guardrail refuses with its exact reason, file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from listwarden.domain.errors import InvalidInput, ListwardenError, PolicyViolation
from listwarden.domain.retention import Anchor, Op
from listwarden.policy.retention import (
    RetentionScheduleInvalid,
    RetentionScheduleRefused,
    default_schedule,
    default_schedule_names,
    load_schedule,
    parse_schedule,
)

QUIET_RULE = """
[[removal_rules]]
id = "quiet"
description = "Quiet for six months and scoring below one"
all = [
  { fact = "days_since_gang_related_attention", op = ">=", value = 183 },
  { fact = "score", op = "<", value = 1 },
]
"""

GROUPS = """
[maximum_retention]
default_group = "standard"

[maximum_retention.groups.standard]
description = "Standard"
period_days = 730
counted_from = "last_gang_related_attention"
"""


def schedule_text(
    *,
    top: str = "",
    review: str = "",
    rules: str = QUIET_RULE,
    groups: str = GROUPS,
    holds: str = "",
    categories: str = '["suspected", "convicted"]',
) -> str:
    return f"""
schema = "listwarden.retention/1"
list = "matrix"
version = "test-1"
categories = {categories}
{top}

[review]
interval_days = 182
{review}

{rules}
{groups}

[holds]
reasons = ["litigation", "public_inquiry"]
max_days = 365
{holds}

[decommissioning]
sar_only_days = 365
"""


def rule(*conditions: str, rule_id: str = "r") -> str:
    joined = ",\n  ".join(conditions)
    return f"""
[[removal_rules]]
id = "{rule_id}"
description = "A rule"
all = [
  {joined}
]
"""


def cond(fact: str, op: str, value: str) -> str:
    return f'{{ fact = "{fact}", op = "{op}", value = {value} }}'


def refused(text: str) -> ListwardenError:
    with pytest.raises((RetentionScheduleInvalid, RetentionScheduleRefused)) as caught:
        parse_schedule(text, source="test.toml")
    return caught.value


def only_reason(text: str) -> tuple[str, str | None, type[ListwardenError]]:
    error = refused(text)
    assert len(error.reasons) == 1, error.reasons
    return error.reasons[0].code, error.reasons[0].field, type(error)


def test_a_well_formed_schedule_loads() -> None:
    loaded = parse_schedule(schedule_text(), source="test.toml")
    assert loaded.list_name == "matrix"
    (quiet,) = loaded.removal_rules
    assert [(c.fact, c.op, c.value) for c in quiet.conditions] == [
        ("days_since_gang_related_attention", Op.GE, 183),
        ("score", Op.LT, 1),
    ]
    assert loaded.groups["standard"].counted_from is Anchor.LAST_GANG_RELATED_ATTENTION
    assert loaded.child_review_days == 91  # quarterly unless the schedule says less


@pytest.mark.parametrize("name", ["matrix", "victim-safeguarding"])
def test_the_shipped_schedules_load(name: str) -> None:
    assert name in default_schedule_names()
    loaded = default_schedule(name)
    assert loaded.removal_rules
    assert loaded.child_review_days <= 92


def test_the_shipped_matrix_schedule_carries_the_six_month_rule() -> None:
    matrix = default_schedule("matrix")
    quiet = {r.id: r for r in matrix.removal_rules}["quiet-six-months-score-below-one"]
    assert {(c.fact, c.op.value, c.value) for c in quiet.conditions} == {
        ("days_since_gang_related_attention", ">=", 183),
        ("score", "<", 1),
    }


def test_an_unknown_default_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        default_schedule("../../etc/passwd")
    assert caught.value.reasons[0].code == "unknown-schedule"


def test_a_schedule_without_a_removal_rule_is_refused() -> None:
    assert only_reason(schedule_text(rules="")) == (
        "no-removal-rule",
        "removal_rules",
        RetentionScheduleRefused,
    )


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (schedule_text(top="retain_forever = true"), "retain_forever"),
        (schedule_text(review="weekly = true"), "review.weekly"),
        (
            schedule_text(rules=rule('{ fact = "score", op = "<", value = 1, note = "x" }')),
            "removal_rules[0].all[0].note",
        ),
        (schedule_text(holds="indefinite = true"), "holds.indefinite"),
    ],
)
def test_unknown_fields_are_refused_anywhere(text: str, field: str) -> None:
    assert only_reason(text) == ("unknown-field", field, RetentionScheduleInvalid)


def test_a_missing_section_is_named() -> None:
    assert only_reason(schedule_text(groups="")) == (
        "missing-field",
        "maximum_retention",
        RetentionScheduleInvalid,
    )


@pytest.mark.parametrize(
    ("condition", "code", "field"),
    [
        (cond("days_since_gang_activity", ">=", "183"), "unknown-fact", "fact"),
        (cond("score", "=>", "1"), "unknown-operator", "op"),
        (cond("category", ">=", '"suspected"'), "operator-not-for-fact", "op"),
        (cond("under_18", "<", "true"), "operator-not-for-fact", "op"),
        (cond("score", "<", '"1"'), "wrong-type", "value"),
        (cond("score", "<", "true"), "wrong-type", "value"),
        (cond("score", "<", "0.5"), "wrong-type", "value"),
        (cond("under_18", "==", "1"), "wrong-type", "value"),
        (cond("band", "in", '"green"'), "wrong-type", "value"),
        (cond("band", "==", '["green"]'), "wrong-type", "value"),
        (cond("band", "in", "[]"), "wrong-type", "value"),
        (cond("band", "==", '"blue"'), "unknown-value", "value"),
    ],
)
def test_malformed_conditions_are_refused(condition: str, code: str, field: str) -> None:
    text = schedule_text(rules=rule(condition))
    assert only_reason(text) == (code, f"removal_rules[0].all[0].{field}", RetentionScheduleInvalid)


@pytest.mark.parametrize(
    ("text", "code", "field"),
    [
        (
            schedule_text(review='interval_days = "182"').replace("interval_days = 182\n", ""),
            "wrong-type",
            "review.interval_days",
        ),
        (
            schedule_text(categories='["suspected", "gang_member"]'),
            "unknown-value",
            "categories[1]",
        ),
        (
            schedule_text().replace("sar_only_days = 365", "sar_only_days = 0"),
            "out-of-range",
            "decommissioning.sar_only_days",
        ),
        (schedule_text(categories="[]"), "empty", "categories"),
    ],
)
def test_wrong_types_and_values_are_refused(text: str, code: str, field: str) -> None:
    assert only_reason(text) == (code, field, RetentionScheduleInvalid)


def test_a_wrong_schema_is_refused() -> None:
    text = schedule_text().replace("listwarden.retention/1", "listwarden.retention/9")
    assert only_reason(text) == ("unknown-value", "schema", RetentionScheduleInvalid)


def test_contradictory_bounds_never_fire() -> None:
    text = schedule_text(rules=rule(cond("score", "<", "1"), cond("score", ">=", "5")))
    code, field, kind = only_reason(text)
    assert (code, field, kind) == (
        "contradictory-conditions",
        "removal_rules[0]",
        RetentionScheduleRefused,
    )
    assert "score < 1 and score >= 5" in refused(text).reasons[0].detail


def test_equality_excluded_by_inequality_never_fires() -> None:
    text = schedule_text(rules=rule(cond("score", "==", "0"), cond("score", "!=", "0")))
    assert only_reason(text)[0] == "contradictory-conditions"


def test_a_range_with_every_value_excluded_never_fires() -> None:
    text = schedule_text(
        rules=rule(cond("score", "<", "2"), cond("score", "!=", "0"), cond("score", "!=", "1"))
    )
    assert only_reason(text)[0] == "contradictory-conditions"


def test_a_range_with_a_value_left_can_fire() -> None:
    text = schedule_text(rules=rule(cond("score", "<", "3"), cond("score", "!=", "0")))
    assert parse_schedule(text).removal_rules[0].id == "r"


@pytest.mark.parametrize(
    "condition",
    [cond("score", "<", "0"), cond("days_since_added", "<=", "-1"), cond("score", "==", "-3")],
)
def test_a_never_negative_fact_compared_below_zero_never_fires(condition: str) -> None:
    error = refused(schedule_text(rules=rule(condition)))
    assert isinstance(error, RetentionScheduleRefused)
    assert error.reasons[0].code == "condition-never-true"
    assert "never negative" in error.reasons[0].detail


def test_a_threshold_beyond_maximum_retention_never_fires() -> None:
    text = schedule_text(rules=rule(cond("days_since_gang_related_attention", ">=", "730")))
    assert only_reason(text) == (
        "beyond-maximum-retention",
        "removal_rules[0]",
        RetentionScheduleRefused,
    )
    just_inside = schedule_text(rules=rule(cond("days_since_gang_related_attention", ">=", "729")))
    assert parse_schedule(just_inside).removal_rules


def test_a_long_threshold_on_a_fact_maximum_retention_does_not_bound_is_allowed() -> None:
    text = schedule_text(rules=rule(cond("days_since_last_review", ">=", "1000")))
    assert parse_schedule(text).removal_rules


def test_a_category_the_list_does_not_hold_never_fires() -> None:
    text = schedule_text(rules=rule(cond("category", "==", '"victim"')))
    assert only_reason(text) == (
        "condition-never-true",
        "removal_rules[0]",
        RetentionScheduleRefused,
    )


def test_contradictory_choices_never_fire() -> None:
    text = schedule_text(
        rules=rule(
            cond("band", "in", '["green", "amber"]'), cond("band", "not_in", '["green", "amber"]')
        )
    )
    assert only_reason(text)[0] == "contradictory-conditions"


def test_a_rule_without_conditions_is_refused() -> None:
    text = schedule_text(rules='[[removal_rules]]\nid = "all"\ndescription = "x"\nall = []\n')
    assert only_reason(text) == (
        "rule-without-conditions",
        "removal_rules[0].all",
        RetentionScheduleRefused,
    )


def test_duplicate_rule_ids_are_refused() -> None:
    text = schedule_text(rules=QUIET_RULE + QUIET_RULE)
    assert only_reason(text) == ("duplicate-rule-id", "removal_rules[1]", RetentionScheduleInvalid)


def test_children_are_reviewed_at_least_quarterly() -> None:
    text = schedule_text(review="child_interval_days = 120")
    assert only_reason(text) == (
        "child-review-not-quarterly",
        "review.child_interval_days",
        RetentionScheduleRefused,
    )


def test_a_review_interval_for_a_category_the_list_does_not_hold_is_refused() -> None:
    text = schedule_text(review="[review.by_category]\nvictim = 30")
    assert only_reason(text) == (
        "category-not-on-list",
        "review.by_category.victim",
        RetentionScheduleInvalid,
    )


def test_an_offender_list_keeps_no_one_for_their_victimisation() -> None:
    text = schedule_text(rules=rule(cond("days_since_last_victimisation", ">=", "365")))
    assert only_reason(text) == (
        "victimisation-fact-on-offender-list",
        "removal_rules[0].all[0].fact",
        RetentionScheduleRefused,
    )
    safeguarding = schedule_text(
        categories='["victim"]',
        rules=rule(cond("days_since_last_victimisation", ">=", "365")),
    )
    assert parse_schedule(safeguarding).removal_rules


def test_an_unknown_default_group_is_refused() -> None:
    text = schedule_text(groups=GROUPS.replace('default_group = "standard"', 'default_group = "x"'))
    assert only_reason(text) == (
        "unknown-retention-group",
        "maximum_retention.default_group",
        RetentionScheduleInvalid,
    )


def test_list_wide_holds_need_a_known_reason_and_an_expiry() -> None:
    hold = '[[holds.list_wide]]\nreason = "{}"\nreference = "INQ-1"\n{}'
    good = schedule_text(holds=hold.format("public_inquiry", "expires_on = 2026-01-31"))
    assert parse_schedule(good).list_holds[0].reference == "INQ-1"
    unknown = schedule_text(holds=hold.format("because", "expires_on = 2026-01-31"))
    assert only_reason(unknown) == (
        "hold-reason-unknown",
        "holds.list_wide[0].reason",
        RetentionScheduleInvalid,
    )
    endless = schedule_text(holds=hold.format("public_inquiry", ""))
    assert only_reason(endless) == (
        "missing-field",
        "holds.list_wide[0].expires_on",
        RetentionScheduleInvalid,
    )
    as_text = schedule_text(holds=hold.format("public_inquiry", 'expires_on = "2026-01-31"'))
    assert only_reason(as_text)[0] == "wrong-type"


def test_every_problem_is_reported_at_once() -> None:
    text = schedule_text(
        top="extra = 1",
        rules=rule(cond("nope", "<", "1"), cond("score", "~", "1")),
    )
    error = refused(schedule_text(rules=rule(cond("nope", "<", "1"), cond("score", "~", "1"))))
    assert [r.code for r in error.reasons] == ["unknown-fact", "unknown-operator"]
    assert refused(text).reasons[0].code == "unknown-field"  # shape before meaning


def test_invalid_toml_is_refused() -> None:
    assert only_reason("schema = ")[0] == "toml-syntax"


def test_errors_name_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "matrix.toml"
    path.write_text(schedule_text(rules=rule(cond("score", "<", "0"))), encoding="utf-8")
    with pytest.raises(PolicyViolation) as caught:
        load_schedule(path)
    assert str(path) in str(caught.value)
    assert "removal_rules[0]" in str(caught.value)
    assert caught.value.reasons[0].field == "removal_rules[0]"


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RetentionScheduleInvalid) as caught:
        load_schedule(tmp_path / "missing.toml")
    assert caught.value.reasons[0].code == "unreadable"
