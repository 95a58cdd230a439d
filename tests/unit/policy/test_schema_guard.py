"""Why the engine never evaluates without its schema, and proof that it does not.

Two pitfalls of calling Cedar without the schema. First, Cedar skips a policy whose condition
errors: a request that lacks a context attribute makes a ``forbid`` reading it error, so it is
skipped, and a ``permit`` that does not read it *allows*. Second, action groups are declared in
the schema: without it, ``action in Action::"purposeful"`` matches nothing, so every forbid scoped
to a group silently stops applying. With the schema, both requests are refused.
"""

from __future__ import annotations

import json
from importlib import resources

import cedarpy
import pytest

from listwarden.domain.vocabulary import Category
from listwarden.policy.engine import (
    REQUEST_INVALID,
    AccessAction,
    Context,
    PolicyEngine,
)
from tests.unit.policy.standard import entry, principal

_SHIPPED = resources.files("listwarden.policy").joinpath("defaults", "access")
POLICIES = "\n".join(
    p.read_text(encoding="utf-8")
    for p in sorted(_SHIPPED.iterdir(), key=lambda p: p.name)
    if p.name.endswith(".cedar")
)
SCHEMA = _SHIPPED.joinpath("schema.cedarschema").read_text(encoding="utf-8")

# An officer in BCU AS, fully trained, asks to consult a *victim* entry in another BCU, and the
# request carries no purpose at all: three forbids (category, purpose class, BCU) should refuse it.
ENTITIES = [
    {
        "uid": {"type": "User", "id": "u-officer"},
        "attrs": {
            "role": {"__entity": {"type": "Role", "id": "officer"}},
            "bcus": ["AS"],
            "force_wide": False,
            "active": True,
            "mandatory_training_current": True,
            "training_current": True,
            "grant_current": True,
        },
        "parents": [],
    },
    {
        "uid": {"type": "List", "id": "l-1"},
        "attrs": {"status": {"__entity": {"type": "ListStatus", "id": "authorised"}}},
        "parents": [],
    },
    {
        "uid": {"type": "Entry", "id": "e-1"},
        "attrs": {
            "list": "l-1",
            "bcu": "AS",
            "category": {"__entity": {"type": "Category", "id": "victim"}},
        },
        "parents": [],
    },
]
REQUEST_WITHOUT_PURPOSE = {
    "principal": {"type": "User", "id": "u-officer"},
    "action": {"type": "Action", "id": "entry:consult"},
    "resource": {"type": "Entry", "id": "e-1"},
    "context": {},
}


MINIMAL_SCHEMA = """
entity User;
entity Entry;
action "entry:consult" appliesTo { principal: User, resource: Entry, context: { purpose: String } };
"""
MINIMAL_POLICIES = """
@id("everyone-consults")
permit (principal, action, resource);
@id("no-consulting-out-of-curiosity")
forbid (principal, action, resource) when { context.purpose == "curiosity" };
"""
MINIMAL_REQUEST = {
    "principal": {"type": "User", "id": "u-1"},
    "action": {"type": "Action", "id": "entry:consult"},
    "resource": {"type": "Entry", "id": "e-1"},
    "context": {},
}


def test_without_the_schema_a_forbid_that_errors_is_skipped_and_the_request_allowed() -> None:
    """The first pitfall: do not call Cedar this way."""
    result = cedarpy.is_authorized(MINIMAL_REQUEST, MINIMAL_POLICIES, "[]")
    assert result.allowed
    assert result.diagnostics.errors == [
        "error while evaluating policy `policy1`: record does not have the attribute `purpose`"
    ]
    refused = cedarpy.is_authorized(
        MINIMAL_REQUEST, MINIMAL_POLICIES, "[]", schema=cedarpy.Schema.from_str(MINIMAL_SCHEMA)
    )
    assert not refused.allowed


def test_without_the_schema_the_shipped_forbids_on_action_groups_never_apply() -> None:
    """The second pitfall, with the shipped policies: a victim consulted for no purpose."""
    result = cedarpy.is_authorized(REQUEST_WITHOUT_PURPOSE, POLICIES, json.dumps(ENTITIES))
    assert result.allowed
    assert result.diagnostics.errors == []


def test_with_the_schema_the_same_request_is_refused() -> None:
    result = cedarpy.is_authorized(
        REQUEST_WITHOUT_PURPOSE,
        POLICIES,
        json.dumps(ENTITIES),
        schema=cedarpy.Schema.from_str(SCHEMA),
    )
    assert not result.allowed
    assert result.diagnostics.errors == [
        "failed to build request: while parsing context, expected the record to have an "
        "attribute `category_permitted`, but it does not"
    ]


def test_the_engine_refuses_a_request_missing_its_purpose(access_engine: PolicyEngine) -> None:
    victim = entry("AS", Category.VICTIM)
    decision = access_engine.decide(principal(), AccessAction.ENTRY_CONSULT, victim, Context())
    assert not decision.allowed
    assert decision.policy_ids == (REQUEST_INVALID,)
    assert decision.reasons == ("the request does not match the access schema",)
    assert decision.errors  # Cedar's words, for the operator's log only


def test_the_engine_refuses_a_resource_of_the_wrong_type(access_engine: PolicyEngine) -> None:
    decision = access_engine.decide(principal(), AccessAction.LIST_READ, entry(), Context())
    assert decision.policy_ids == (REQUEST_INVALID,)


def test_the_engine_cannot_be_built_without_a_schema() -> None:
    with pytest.raises(TypeError, match="never evaluates without its schema"):
        PolicyEngine(schema=None, policies=cedarpy.PolicySet.from_str(POLICIES), catalogue={})  # type: ignore[arg-type]


def test_entities_parsed_without_the_schema_lose_the_action_groups() -> None:
    """A third pitfall: the schema passed to the call does not repair a pre-parsed handle.

    Action groups reach the entity set when entities are parsed with the schema. A handle parsed
    without it has no groups, so the group-scoped forbids stop applying even though the call
    itself is given the schema. The engine parses every request's entities with the schema.
    """
    request = dict(
        REQUEST_WITHOUT_PURPOSE,
        context={
            "purpose": {"__entity": {"type": "Purpose", "id": "gang_violence_reduction"}},
            "purpose_class": {"__entity": {"type": "PurposeClass", "id": "enforcement"}},
            "category_permitted": False,
        },
    )
    schema = cedarpy.Schema.from_str(SCHEMA)
    policies = cedarpy.PolicySet.from_str(POLICIES)
    text = json.dumps(ENTITIES)
    with_schema = cedarpy.Entities.from_json_str(text, schema)
    without_schema = cedarpy.Entities.from_json_str(text)
    assert not cedarpy.is_authorized(request, policies, text, schema=schema).allowed
    assert not cedarpy.is_authorized(request, policies, with_schema, schema=schema).allowed
    assert cedarpy.is_authorized(request, policies, without_schema, schema=schema).allowed
