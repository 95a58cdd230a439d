"""The shipped access policies against the hand-written authorisation matrix."""

from __future__ import annotations

import pytest

from listwarden.domain.vocabulary import Category, ListStatus, Purpose, Role
from listwarden.policy.engine import (
    REGISTER,
    AccessAction,
    Context,
    ListResource,
    PolicyEngine,
    Resource,
)
from tests.unit.policy import authorisation_matrix as matrix
from tests.unit.policy.standard import entry, principal

CASES = list(matrix.cases())


def _resource(case: matrix.Case) -> Resource:
    if case.bcu is not None:
        return entry(case.bcu)
    if case.action in matrix.REGISTER_ACTIONS:
        return REGISTER
    owner = "u-actor" if case.action in matrix.OWNER_ACTIONS else "u-owner"
    return ListResource("l-1", ListStatus.AUTHORISED, owner_id=owner)


def _context(case: matrix.Case) -> Context:
    purpose = (
        Purpose(matrix.PURPOSE_OF_CLASS[case.purpose_class])
        if case.purpose_class is not None
        else None
    )
    requester = "u-requester" if case.action in matrix.APPROVALS else None
    return Context(purpose=purpose, requester_id=requester)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_matrix(access_engine: PolicyEngine, case: matrix.Case) -> None:
    actor = principal(Role(case.role), bcus=matrix.ACTOR_BCUS)
    decision = access_engine.decide(
        actor, AccessAction(case.action), _resource(case), _context(case)
    )
    assert decision.allowed is case.allowed, decision
    assert not decision.errors


def test_every_action_has_rows() -> None:
    in_matrix = {*matrix.ENTRY_ACTIONS, *matrix.LIST_ACTIONS, *matrix.REGISTER_ACTIONS}
    assert in_matrix == {a.value for a in AccessAction}


def test_every_role_has_a_row_for_every_entry_action() -> None:
    assert set(matrix.ROLES) == {r.value for r in Role}
    for action, rows in matrix.ENTRY_ACTIONS.items():
        assert set(rows) == set(matrix.ROLES), action


def test_the_matrix_is_the_size_reported() -> None:
    assert len(CASES) == 5 * 9 * 5 * 2 + 30 * 9
    assert sum(c.allowed for c in CASES) == 123


CATEGORY_CASES = list(matrix.category_cases())


@pytest.mark.parametrize(
    ("category", "purpose_class", "allowed"),
    CATEGORY_CASES,
    ids=[f"{c}-{p}" for c, p, _ in CATEGORY_CASES],
)
def test_law_2_category_by_purpose_class(
    access_engine: PolicyEngine, category: str, purpose_class: str, allowed: bool
) -> None:
    actor = principal(Role(matrix.CONSULTER_FOR_CLASS[purpose_class]))
    context = Context(purpose=Purpose(matrix.PURPOSE_OF_CLASS[purpose_class]))
    decision = access_engine.decide(
        actor, AccessAction.ENTRY_CONSULT, entry("AS", Category(category)), context
    )
    assert decision.allowed is allowed
    if not allowed:
        assert decision.policy_ids == ("this-purpose-may-not-use-this-category",)
