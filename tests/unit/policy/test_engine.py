"""The access engine's refusals: lapsed training or grant, inactive users, self-approval, scope."""

from __future__ import annotations

import pytest

from listwarden.domain.access import Actor
from listwarden.domain.errors import AccessDenied, Reason
from listwarden.domain.vocabulary import Category, ListStatus, Purpose, Role
from listwarden.policy.engine import (
    REGISTER,
    AccessAction,
    Context,
    Decision,
    EntryResource,
    ListResource,
    PolicyEngine,
    Principal,
)
from tests.unit.policy.standard import LIST, entry, principal

ENFORCEMENT = Context(purpose=Purpose.GANG_VIOLENCE_REDUCTION)
CONSULT = AccessAction.ENTRY_CONSULT


def refused_by(decision: Decision) -> tuple[str, ...]:
    assert not decision.allowed
    return decision.policy_ids


def test_a_fully_trained_officer_consults_in_their_bcu(access_engine: PolicyEngine) -> None:
    decision = access_engine.decide(principal(), CONSULT, entry(), ENFORCEMENT)
    assert decision == Decision(True, ("officers",), ())


def test_an_inactive_user_may_do_nothing(access_engine: PolicyEngine) -> None:
    for role, action, resource in [
        (Role.OFFICER, CONSULT, entry()),
        (Role.ADMINISTRATOR, AccessAction.USER_MANAGE, REGISTER),
        (Role.AUDITOR, AccessAction.LIST_READ, LIST),
    ]:
        context = ENFORCEMENT if action is CONSULT else None
        decision = access_engine.decide(principal(role, active=False), action, resource, context)
        assert refused_by(decision) == ("inactive-accounts-may-do-nothing",)


def test_lapsed_mandatory_training_refuses_everything_but_account_management(
    access_engine: PolicyEngine,
) -> None:
    lapsed = principal(mandatory_training_current=False)
    assert refused_by(access_engine.decide(lapsed, CONSULT, entry(), ENFORCEMENT)) == (
        "mandatory-data-protection-training-is-not-current",
    )
    assert refused_by(access_engine.decide(lapsed, AccessAction.LIST_READ, LIST)) == (
        "mandatory-data-protection-training-is-not-current",
    )
    admin = principal(Role.ADMINISTRATOR, mandatory_training_current=False)
    assert access_engine.decide(admin, AccessAction.USER_MANAGE, REGISTER).allowed


@pytest.mark.parametrize("training_current", [False, None])
def test_lapsed_purpose_specific_training_refuses_the_lists_data(
    access_engine: PolicyEngine, training_current: bool | None
) -> None:
    lapsed = principal(training_current=training_current)
    assert refused_by(access_engine.decide(lapsed, CONSULT, entry(), ENFORCEMENT)) == (
        "training-for-this-list-is-not-current",
    )
    # What a list is, and its counts, need no course: nothing personal is shown.
    assert access_engine.decide(lapsed, AccessAction.LIST_READ, LIST).allowed


@pytest.mark.parametrize("grant_current", [False, None])
def test_an_expired_or_missing_grant_refuses_the_lists_data(
    access_engine: PolicyEngine, grant_current: bool | None
) -> None:
    expired = principal(grant_current=grant_current)
    assert refused_by(access_engine.decide(expired, CONSULT, entry(), ENFORCEMENT)) == (
        "no-current-grant-to-this-list",
    )
    analyst = principal(Role.ANALYST, grant_current=grant_current)
    refused = access_engine.decide(analyst, AccessAction.ENTRY_COLLECT, entry(), ENFORCEMENT)
    assert refused_by(refused) == ("no-current-grant-to-this-list",)
    equality = principal(Role.EQUALITY_ANALYST, grant_current=grant_current)
    refused = access_engine.decide(equality, AccessAction.MONITORING_AGGREGATE, LIST)
    assert refused_by(refused) == ("no-current-grant-to-this-list",)


def test_every_failed_condition_is_named_in_load_order(access_engine: PolicyEngine) -> None:
    everything_wrong = principal(
        active=False, mandatory_training_current=False, training_current=None, grant_current=False
    )
    decision = access_engine.decide(
        everything_wrong, CONSULT, entry("NW", Category.VICTIM), ENFORCEMENT
    )
    assert refused_by(decision) == (
        "inactive-accounts-may-do-nothing",
        "mandatory-data-protection-training-is-not-current",
        "training-for-this-list-is-not-current",
        "no-current-grant-to-this-list",
        "this-purpose-may-not-use-this-category",
        "officers-and-analysts-act-only-in-their-own-bcus",
    )


@pytest.mark.parametrize(
    ("role", "action", "resource"),
    [
        (Role.DPO, AccessAction.LIST_AUTHORISE, LIST),
        (Role.DATA_BOARD, AccessAction.DPIA_APPROVE, LIST),
        (Role.IRU, AccessAction.DISCLOSURE_APPROVE, LIST),
        (Role.IRU, AccessAction.AGREEMENT_APPROVE, REGISTER),
        (
            Role.IAO,
            AccessAction.GRANT_RECERTIFY,
            ListResource("l-1", ListStatus.AUTHORISED, "u-actor"),
        ),
    ],
)
def test_nobody_approves_their_own_request(
    access_engine: PolicyEngine, role: Role, action: AccessAction, resource: ListResource
) -> None:
    actor = principal(role)
    assert access_engine.decide(actor, action, resource, Context(requester_id="u-someone")).allowed
    decision = access_engine.decide(actor, action, resource, Context(requester_id="u-actor"))
    assert refused_by(decision) == ("nobody-approves-their-own-request",)


def test_nobody_authorises_a_list_they_own(access_engine: PolicyEngine) -> None:
    own = ListResource("l-1", ListStatus.DRAFT, owner_id="u-actor")
    decision = access_engine.decide(
        principal(Role.DPO), AccessAction.LIST_AUTHORISE, own, Context(requester_id="u-other")
    )
    assert refused_by(decision) == ("nobody-authorises-a-list-they-own",)


def test_only_the_owner_alters_a_list(access_engine: PolicyEngine) -> None:
    iao = principal(Role.IAO)
    assert refused_by(access_engine.decide(iao, AccessAction.LIST_ALTER, LIST)) == (
        "only-the-owner-alters-a-list-or-recertifies-its-grants",
    )
    unowned = ListResource("l-2", ListStatus.DRAFT)
    assert not access_engine.decide(iao, AccessAction.LIST_ALTER, unowned).allowed


def test_a_force_wide_officer_consults_in_any_bcu(access_engine: PolicyEngine) -> None:
    force_wide = principal(force_wide=True, bcus=frozenset())
    assert access_engine.decide(force_wide, CONSULT, entry("NW"), ENFORCEMENT).allowed
    assert not access_engine.decide(
        principal(bcus=frozenset()), CONSULT, entry("NW"), ENFORCEMENT
    ).allowed


def test_the_hard_laws_name_themselves(access_engine: PolicyEngine) -> None:
    oversight = Context(purpose=Purpose.COMPLIANCE_AUDIT)
    admin = access_engine.decide(principal(Role.ADMINISTRATOR), CONSULT, entry(), oversight)
    assert refused_by(admin) == ("administrators-see-no-personal-data",)
    admin_log = access_engine.decide(principal(Role.ADMINISTRATOR), AccessAction.LOG_READ, REGISTER)
    assert refused_by(admin_log) == ("administrators-see-no-personal-data",)
    auditor = access_engine.decide(
        principal(Role.AUDITOR), AccessAction.ENTRY_COLLECT, entry(), oversight
    )
    assert refused_by(auditor) == ("auditors-change-nothing",)
    per_person = access_engine.decide(
        principal(Role.EQUALITY_ANALYST), AccessAction.MONITORING_READ, LIST
    )
    assert refused_by(per_person) == (
        "equality-analysts-see-no-individual-data",
        "monitoring-data-is-seen-only-in-aggregate",
    )
    dpo = access_engine.decide(principal(Role.DPO), AccessAction.MONITORING_AGGREGATE, LIST)
    assert refused_by(dpo) == ("only-equality-analysts-see-monitoring-data",)


def test_an_action_no_role_permits_is_refused_by_name(access_engine: PolicyEngine) -> None:
    decision = access_engine.decide(principal(), AccessAction.LOG_READ, REGISTER)
    assert decision == Decision(
        False, ("not-permitted-for-role",), ("no policy permits the officer role to log:read",)
    )


def test_require_raises_access_denied_naming_the_first_policy(access_engine: PolicyEngine) -> None:
    with pytest.raises(AccessDenied) as refused:
        access_engine.require(principal(), CONSULT, entry("NW", Category.VICTIM), ENFORCEMENT)
    assert refused.value.policy == "this-purpose-may-not-use-this-category"
    assert refused.value.detail == (
        "an entry of this data-subject category may not be used for a purpose of this class"
    )
    assert refused.value.reasons == (
        Reason(
            "this-purpose-may-not-use-this-category",
            "an entry of this data-subject category may not be used for a purpose of this class",
            "purpose",
        ),
        Reason(
            "officers-and-analysts-act-only-in-their-own-bcus",
            "officers and analysts may act only on entries in their own BCUs",
            "bcu",
        ),
    )
    assert access_engine.require(principal(), CONSULT, entry(), ENFORCEMENT).allowed


def test_principal_of_an_actor_keeps_role_and_scope() -> None:
    actor = Actor("u-9", Role.ANALYST, frozenset({"NW", "AS"}), force_wide=False)
    facts = Principal.of(actor, active=True, mandatory_training_current=False)
    assert facts == Principal(
        "u-9", Role.ANALYST, frozenset({"NW", "AS"}), False, True, False, None, None
    )


def test_decide_many_answers_as_decide_does(access_engine: PolicyEngine) -> None:
    other_list = ListResource("l-2", ListStatus.AUTHORISED, owner_id="u-owner")
    resources = [
        EntryResource(f"e-{n}", LIST if n % 2 else other_list, bcu, category)
        for n, (bcu, category) in enumerate(
            [(b, c) for b in ("AS", "NW", "CE") for c in Category], start=1
        )
    ]
    for actor in (principal(), principal(Role.AUDITOR), principal(grant_current=False)):
        for context in (ENFORCEMENT, Context(purpose=Purpose.COMPLIANCE_AUDIT)):
            batch = access_engine.decide_many(actor, CONSULT, resources, context)
            assert batch == [access_engine.decide(actor, CONSULT, r, context) for r in resources]
    assert (
        sum(
            d.allowed
            for d in access_engine.decide_many(principal(), CONSULT, resources, ENFORCEMENT)
        )
        == 2
    )


def test_decide_many_refuses_two_resources_under_one_id(access_engine: PolicyEngine) -> None:
    assert access_engine.decide_many(principal(), CONSULT, [], ENFORCEMENT) == []
    clash = [entry("AS"), entry("NW")]
    with pytest.raises(ValueError, match="two different Entry resources share the id 'e-1'"):
        access_engine.decide_many(principal(), CONSULT, clash, ENFORCEMENT)


def test_a_remembered_decision_is_the_one_cedar_gives(access_engine: PolicyEngine) -> None:
    asked = [
        (principal(), CONSULT, entry(), ENFORCEMENT),
        (principal(), CONSULT, entry(bcu="NW"), ENFORCEMENT),
        (principal(training_current=False), CONSULT, entry(), ENFORCEMENT),
        (principal(grant_current=False), CONSULT, entry(), ENFORCEMENT),
        (principal(active=False), CONSULT, entry(), ENFORCEMENT),
        (principal(), CONSULT, entry(category=Category.VICTIM), ENFORCEMENT),
        (principal(), CONSULT, entry(), Context(purpose=Purpose.COMPLIANCE_AUDIT)),
    ]
    for request in asked * 3:  # the second and third time come from what was decided
        assert access_engine.decide(*request) == access_engine.evaluate(*request)
    allowed = access_engine.decide(*asked[0])
    lapsed = access_engine.decide(*asked[2])
    assert allowed.allowed
    assert not lapsed.allowed  # a lapse is a different principal: never the remembered allow


def test_the_remembered_decisions_are_bounded(access_engine: PolicyEngine) -> None:
    from listwarden.policy import engine as engine_module

    for n in range(engine_module.DECISION_CACHE_SIZE + 10):
        access_engine.decide(principal(id=f"u-{n}"), CONSULT, entry(), ENFORCEMENT)
    assert len(access_engine._decided) <= engine_module.DECISION_CACHE_SIZE
