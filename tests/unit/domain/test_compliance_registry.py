"""The compliance check registry: every check fires, passes, and waits for missing facts."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest

from listwarden.domain.compliance import (
    ANNEX_STEP_TEXT,
    LAWS,
    MAX_EVIDENCE_IDS,
    REGISTRY,
    AnnexStep,
    Check,
    CheckRegistry,
    CheckResult,
    CheckStatus,
    ComplianceFacts,
    GuidanceKind,
    Severity,
    none_found,
)
from listwarden.domain.errors import InvalidInput
from listwarden.domain.vocabulary import Category

ALL_CLEAR = ComplianceFacts(
    lists_without_current_dpia=(),
    entries_overdue_for_review=(),
    zero_score_entries_past_removal=(),
    entries_with_disallowed_category=(),
    uncorroborated_nominals=(),
    social_media_items_without_checklist=(),
    child_entries_missing_safeguards=(),
    disclosures_outside_agreement=(),
    agreements_expired_but_used=(),
    users_with_access_lapsed_training=(),
    gang_unit_staff_without_mandatory_course=(),
    grants_unused_beyond_limit=(),
    leavers_with_access=(),
    log_verified=True,
    cosigned_checkpoints=4,
    last_cosigned_checkpoint_age_days=2,
    fields_stored_unencrypted=(),
    open_loss_findings=(),
    guidance_registered=frozenset(GuidanceKind),
    guidance_overdue_for_review=(),
    users_with_unacknowledged_guidance=(),
    overdue_subject_rights_requests=(),
    frameworks_active_without_equality_trial=(),
    entries_without_monitoring_record=(),
    bcus_not_audited_in_period=(),
)
"""Every capability landed and nothing wrong: every check must pass."""

# For each check: the facts that make it fire, and the evidence it must then give.
FIRING: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "lists-without-current-dpia": (
        {"lists_without_current_dpia": ("list-0002", "list-0001")},
        {"count": 2, "ids": ("list-0001", "list-0002")},
    ),
    "entries-overdue-for-review": (
        {"entries_overdue_for_review": ("entry-0007",)},
        {"count": 1, "ids": ("entry-0007",)},
    ),
    "zero-scores-past-removal": (
        {"zero_score_entries_past_removal": ("entry-0100",)},
        {"count": 1, "ids": ("entry-0100",)},
    ),
    "categories-not-allowed": (
        {"entries_with_disallowed_category": ("entry-0003",)},
        {"count": 1, "ids": ("entry-0003",)},
    ),
    "uncorroborated-nominals": (
        {"uncorroborated_nominals": ("entry-0011",)},
        {"count": 1, "ids": ("entry-0011",)},
    ),
    "social-media-unchecked": (
        {"social_media_items_without_checklist": ("intel-0042",)},
        {"count": 1, "ids": ("intel-0042",)},
    ),
    "children-without-safeguards": (
        {"child_entries_missing_safeguards": ("entry-0016",)},
        {"count": 1, "ids": ("entry-0016",)},
    ),
    "disclosures-outside-agreement": (
        {"disclosures_outside_agreement": ("disclosure-0009",)},
        {"count": 1, "ids": ("disclosure-0009",)},
    ),
    "agreements-expired-but-used": (
        {"agreements_expired_but_used": ("dsa-2019-04",)},
        {"count": 1, "ids": ("dsa-2019-04",)},
    ),
    "access-with-lapsed-training": (
        {"users_with_access_lapsed_training": ("user-0031",)},
        {"count": 1, "ids": ("user-0031",)},
    ),
    "gang-unit-staff-untrained": (
        {"gang_unit_staff_without_mandatory_course": ("user-0032", "user-0033")},
        {"count": 2, "ids": ("user-0032", "user-0033")},
    ),
    "grants-unused-too-long": (
        {"grants_unused_beyond_limit": ("grant-0005",)},
        {"count": 1, "ids": ("grant-0005",)},
    ),
    "leavers-with-access": (
        {"leavers_with_access": ("user-0099",)},
        {"count": 1, "ids": ("user-0099",)},
    ),
    "access-log-verifies": ({"log_verified": False}, {}),
    "checkpoint-cosigned-recently": (
        {"last_cosigned_checkpoint_age_days": 30},
        {"age_days": 30},
    ),
    "fields-stored-unencrypted": (
        {"fields_stored_unencrypted": ("subjects.address",)},
        {"count": 1, "ids": ("subjects.address",)},
    ),
    "open-loss-findings": (
        {"open_loss_findings": ("finding-0001",)},
        {"count": 1, "ids": ("finding-0001",)},
    ),
    "guidance-missing": (
        {"guidance_registered": frozenset({GuidanceKind.INFORMATION_SHARING})},
        {
            "count": 4,
            "ids": (
                GuidanceKind.GANG_DEFINITION,
                GuidanceKind.GANG_MEMBER_OR_SYV,
                GuidanceKind.INTELLIGENCE_SOURCES,
                GuidanceKind.SOCIAL_MEDIA,
            ),
        },
    ),
    "guidance-overdue-for-review": (
        {"guidance_overdue_for_review": ("guidance-0002",)},
        {"count": 1, "ids": ("guidance-0002",)},
    ),
    "guidance-unacknowledged": (
        {"users_with_unacknowledged_guidance": ("user-0040",)},
        {"count": 1, "ids": ("user-0040",)},
    ),
    "rights-requests-overdue": (
        {"overdue_subject_rights_requests": ("sar-0012",)},
        {"count": 1, "ids": ("sar-0012",)},
    ),
    "frameworks-without-equality-trial": (
        {"frameworks_active_without_equality_trial": ("framework-v2",)},
        {"count": 1, "ids": ("framework-v2",)},
    ),
    "entries-not-monitored": (
        {"entries_without_monitoring_record": ("entry-0050",)},
        {"count": 1, "ids": ("entry-0050",)},
    ),
    "bcus-not-audited": (
        {"bcus_not_audited_in_period": ("NE", "CE")},
        {"count": 2, "ids": ("CE", "NE")},
    ),
}
CHECK_IDS = [c.id for c in REGISTRY.checks]


def test_every_registered_check_has_a_firing_case_here() -> None:
    assert sorted(FIRING) == sorted(CHECK_IDS)


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_check_passes_when_all_is_well(check_id: str) -> None:
    result = REGISTRY.run_all(ALL_CLEAR)[check_id]
    assert result.status == CheckStatus.PASS


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_check_fires_with_its_evidence(check_id: str) -> None:
    overrides, evidence = FIRING[check_id]
    result = REGISTRY.run_all(dataclasses.replace(ALL_CLEAR, **overrides))[check_id]
    assert result.status == CheckStatus.FAIL
    assert dict(result.evidence) == evidence


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_check_is_not_yet_evidenced_while_its_fact_is_missing(check_id: str) -> None:
    overrides, _ = FIRING[check_id]
    missing = dict.fromkeys(overrides)
    if check_id == "checkpoint-cosigned-recently":
        missing = {"cosigned_checkpoints": None}
    result = REGISTRY.run_all(dataclasses.replace(ALL_CLEAR, **missing))[check_id]
    assert result.status == CheckStatus.NOT_YET_EVIDENCED


def test_nothing_known_means_nothing_passes() -> None:
    results = REGISTRY.run_all(ComplianceFacts())
    assert {r.status for r in results.values()} == {CheckStatus.NOT_YET_EVIDENCED}


def test_no_check_stays_not_yet_evidenced_once_its_facts_exist() -> None:
    results = REGISTRY.run_all(ALL_CLEAR)
    waiting = [i for i, r in results.items() if r.status == CheckStatus.NOT_YET_EVIDENCED]
    assert waiting == []


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(ComplianceFacts)])
def test_every_fact_is_read_by_some_check(name: str) -> None:
    results = REGISTRY.run_all(dataclasses.replace(ALL_CLEAR, **{name: None}))
    assert any(r.status == CheckStatus.NOT_YET_EVIDENCED for r in results.values())


def test_checkpoint_never_cosigned_fails_and_a_missing_age_waits() -> None:
    never = dataclasses.replace(ALL_CLEAR, cosigned_checkpoints=0)
    assert REGISTRY.run_all(never)["checkpoint-cosigned-recently"] == CheckResult(
        CheckStatus.FAIL, {"cosigned_checkpoints": 0}
    )
    no_age = dataclasses.replace(ALL_CLEAR, last_cosigned_checkpoint_age_days=None)
    result = REGISTRY.run_all(no_age)["checkpoint-cosigned-recently"]
    assert result.status == CheckStatus.NOT_YET_EVIDENCED
    today = dataclasses.replace(ALL_CLEAR, last_cosigned_checkpoint_age_days=0)
    assert REGISTRY.run_all(today)["checkpoint-cosigned-recently"].status == CheckStatus.PASS


def test_every_law_and_every_annex_step_has_a_check() -> None:
    by_law, by_step = REGISTRY.coverage()
    assert sorted(by_law) == list(range(1, 13)) == list(LAWS)
    assert [n for n, ids in by_law.items() if not ids] == []
    assert [s for s, ids in by_step.items() if not ids] == []


def test_annex_1_has_sixteen_steps_each_with_its_text() -> None:
    assert len(AnnexStep) == 16
    assert set(ANNEX_STEP_TEXT) == set(AnnexStep)
    assert all(ANNEX_STEP_TEXT[s] for s in AnnexStep)


def test_checks_cite_their_source_and_title() -> None:
    for check in REGISTRY.checks:
        assert check.title
        assert check.title.endswith(".")
        assert check.source


def test_coverage_finds_a_bare_law_in_a_registry_missing_it() -> None:
    registry = CheckRegistry()
    registry.register(Check("only-dpia", "DPIA.", "EN 42", Severity.HIGH, frozenset({1})))(
        lambda facts: none_found(facts.lists_without_current_dpia)
    )
    by_law, by_step = registry.coverage()
    assert [n for n, ids in by_law.items() if not ids] == list(range(2, 13))
    assert all(not ids for ids in by_step.values())


def test_a_check_id_is_registered_once() -> None:
    registry = CheckRegistry()
    check = Check("twice", "Twice.", "EN 1", Severity.LOW, frozenset({12}))
    registry.register(check)(lambda facts: none_found(()))
    with pytest.raises(InvalidInput) as caught:
        registry.register(check)(lambda facts: none_found(()))
    assert caught.value.reasons[0].code == "duplicate-check"


@pytest.mark.parametrize(
    ("check_id", "laws"), [("Bad Id", frozenset({1})), ("ok", frozenset({13})), ("ok", frozenset())]
)
def test_a_malformed_check_is_refused(check_id: str, laws: frozenset[int]) -> None:
    with pytest.raises(InvalidInput) as caught:
        Check(check_id, "T.", "EN 1", Severity.LOW, laws)
    assert caught.value.reasons[0].code == "malformed-check"


@pytest.mark.parametrize(
    "value",
    [
        0,
        12,
        "entry-0042",
        str(uuid.UUID(int=7)),
        "subjects.address",
        Category.VICTIM,
        "CE",
        ("entry-1", "entry-2"),
        (GuidanceKind.SOCIAL_MEDIA,),
    ],
)
def test_evidence_accepts_counts_identifiers_and_codes(value: Any) -> None:
    assert CheckResult(CheckStatus.FAIL, {"found": value}).evidence["found"] == value


@pytest.mark.parametrize(
    "value",
    ["John Smith", "john", "Smith", "O'Brien 2", ("entry-1", "Jane Doe"), True, 1.5, None, ["e-1"]],
)
def test_evidence_refuses_anything_like_a_name(value: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        CheckResult(CheckStatus.FAIL, {"found": value})
    assert caught.value.reasons[0].code == "evidence-not-identifier"
    assert caught.value.reasons[0].field == "found"


def test_evidence_keys_are_snake_case_words() -> None:
    with pytest.raises(InvalidInput):
        CheckResult(CheckStatus.FAIL, {"Jane Doe": 1})


def test_long_findings_list_some_ids_but_count_them_all() -> None:
    found = [f"entry-{n:04d}" for n in range(MAX_EVIDENCE_IDS + 25)]
    result = none_found(found)
    assert result.evidence["count"] == MAX_EVIDENCE_IDS + 25
    assert len(result.evidence["ids"]) == MAX_EVIDENCE_IDS
