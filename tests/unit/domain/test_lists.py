"""Law 1 as pure rules: what authorisation requires, and what each list state permits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from listwarden.domain.errors import ListNotAuthorised
from listwarden.domain.lists import (
    DpiaFacts,
    ListAction,
    ListFacts,
    PolicyDocumentFacts,
    PriorConsultation,
    Schedule8Condition,
    authorisation_gaps,
    effective_status,
    require_list_permits,
)
from listwarden.domain.vocabulary import (
    Category,
    ListStatus,
    PolicyDocumentKind,
    Purpose,
    PurposeClass,
    Role,
)

TODAY = date(2026, 6, 1)
DPIA = DpiaFacts(
    description="d",
    risks="r",
    measures="m",
    safeguards="s",
    equality_impact="e",
    prior_consultation=PriorConsultation.CONSULTED,
    author_id="owner",
    approved_by="dpo-2",
    review_on=TODAY + timedelta(days=30),
)
COMPLETE = ListFacts(
    owner_id="owner",
    purposes=[Purpose.GANG_VIOLENCE_REDUCTION],
    lawful_basis="s.35",
    categories=[Category.SUSPECTED],
    holds_identity_codes=True,
    retention_schedule_ref="r",
    access_policy_ref="a",
    public_notice="n",
    dpia=DPIA,
    policy_document=PolicyDocumentFacts(
        PolicyDocumentKind.APPROPRIATE_POLICY, Schedule8Condition.STATUTORY_PURPOSES, "APD"
    ),
)


def codes(facts: ListFacts, who: str = "dpo", role: Role = Role.DPO) -> list[str]:
    return [
        g.code
        for g in authorisation_gaps(facts, authoriser_id=who, authoriser_role=role, today=TODAY)
    ]


def test_a_complete_list_has_no_gaps() -> None:
    assert codes(COMPLETE) == []


def test_an_empty_list_names_every_missing_item() -> None:
    empty = ListFacts(
        owner_id=None,
        purposes=[],
        lawful_basis="",
        categories=[],
        holds_identity_codes=False,
        retention_schedule_ref="",
        access_policy_ref="",
        public_notice="",
        dpia=None,
        policy_document=None,
    )
    assert codes(empty) == [
        "owner-missing",
        "purposes-missing",
        "lawful-basis-missing",
        "retention-schedule-ref-missing",
        "access-policy-ref-missing",
        "public-notice-missing",
        "dpia-missing",
        "policy-document-missing",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"approved_by": None}, "dpia-not-approved"),
        ({"approved_by": "owner"}, "dpia-self-approved"),
        ({"prior_consultation": None}, "dpia-prior-consultation-missing"),
        ({"equality_impact": " "}, "dpia-incomplete"),
        ({"risks": ""}, "dpia-incomplete"),
        ({"review_on": TODAY - timedelta(days=1)}, "dpia-review-overdue"),
    ],
)
def test_dpia_gaps(change: dict[str, object], expected: str) -> None:
    assert codes(replace(COMPLETE, dpia=replace(DPIA, **change))) == [expected]


def test_identity_codes_need_an_appropriate_policy_document_with_its_condition() -> None:
    general = PolicyDocumentFacts(PolicyDocumentKind.GENERAL, None, "PD")
    assert codes(replace(COMPLETE, policy_document=general)) == [
        "appropriate-policy-document-missing"
    ]
    no_condition = PolicyDocumentFacts(PolicyDocumentKind.APPROPRIATE_POLICY, None, "APD")
    assert codes(replace(COMPLETE, policy_document=no_condition)) == [
        "schedule-8-condition-missing"
    ]
    assert codes(replace(COMPLETE, holds_identity_codes=False, policy_document=general)) == []


def test_only_a_dpo_or_board_member_other_than_the_owner_authorises() -> None:
    assert codes(COMPLETE, "someone", Role.IAO) == ["authoriser-role"]
    assert codes(COMPLETE, "owner", Role.DPO) == ["authoriser-is-owner"]
    assert codes(COMPLETE, "board", Role.DATA_BOARD) == []


def test_a_category_no_declared_purpose_may_use_is_a_gap() -> None:
    facts = replace(COMPLETE, categories=[Category.SUSPECTED, Category.VICTIM])
    assert codes(facts) == ["category-without-purpose"]


def test_dpia_review_passing_suspends_an_authorised_list() -> None:
    assert effective_status(ListStatus.AUTHORISED, TODAY, TODAY) is ListStatus.AUTHORISED
    assert (
        effective_status(ListStatus.AUTHORISED, TODAY - timedelta(days=1), TODAY)
        is ListStatus.SUSPENDED
    )
    assert effective_status(ListStatus.DRAFT, None, TODAY) is ListStatus.DRAFT


@pytest.mark.parametrize(
    ("status", "action", "purpose_class", "allowed"),
    [
        (ListStatus.DRAFT, ListAction.COLLECT, None, False),
        (ListStatus.AUTHORISED, ListAction.COLLECT, None, True),
        (ListStatus.AUTHORISED, ListAction.DISCLOSE, None, True),
        (ListStatus.SUSPENDED, ListAction.COLLECT, None, False),
        (ListStatus.SUSPENDED, ListAction.DISCLOSE, None, False),
        (ListStatus.SUSPENDED, ListAction.CONSULT, PurposeClass.ENFORCEMENT, False),
        (ListStatus.SUSPENDED, ListAction.CONSULT, PurposeClass.SAFEGUARDING, False),
        (ListStatus.SUSPENDED, ListAction.CONSULT, PurposeClass.OVERSIGHT, True),
        (ListStatus.SUSPENDED, ListAction.CONSULT, PurposeClass.RIGHTS, True),
        (ListStatus.SUSPENDED, ListAction.REMOVE, None, True),
        (ListStatus.SUSPENDED, ListAction.SUBJECT_ACCESS, None, True),
        (ListStatus.CLOSED, ListAction.CONSULT, PurposeClass.OVERSIGHT, False),
        (ListStatus.CLOSED, ListAction.SUBJECT_ACCESS, None, True),
    ],
)
def test_what_each_state_permits(
    status: ListStatus, action: ListAction, purpose_class: PurposeClass | None, allowed: bool
) -> None:
    if allowed:
        require_list_permits(status, action, purpose_class)
    else:
        with pytest.raises(ListNotAuthorised):
            require_list_permits(status, action, purpose_class)
