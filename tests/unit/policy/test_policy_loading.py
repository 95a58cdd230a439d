"""Loading access policies: the shipped set loads; anything broken is refused with every reason."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest

from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.vocabulary import Category, Purpose, Role
from listwarden.policy.engine import REGISTER, AccessAction, Context, PolicyEngine
from tests.unit.policy.standard import LIST, entry, principal

GVR = Purpose.GANG_VIOLENCE_REDUCTION


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    """A copy of the shipped policy directory that a test may break."""
    target = tmp_path / "access"
    with resources.as_file(
        resources.files("listwarden.policy").joinpath("defaults", "access")
    ) as shipped:
        shutil.copytree(shipped, target)
    return target


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def refusal(directory: Path) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        PolicyEngine.load(directory)
    return refused.value


def test_the_shipped_policies_load_with_an_id_for_each(policies: Path) -> None:
    engine = PolicyEngine.load(policies)
    catalogue = engine.catalogue
    assert len(catalogue) == 42
    assert [p.source for p in catalogue] == sorted(p.source for p in catalogue)
    assert all(p.reason for p in catalogue if p.effect == "forbid")
    assert {p.id for p in PolicyEngine.load().catalogue} == {p.id for p in catalogue}


def test_a_syntax_error_names_the_file_and_line(policies: Path) -> None:
    roles = policies / "roles.cedar"
    lines = roles.read_text(encoding="utf-8").count("\n")
    append(
        roles,
        '\n// a comment; with "a quote\n@id("broken")\npermit (principal action, resource);\n',
    )
    refused = refusal(policies)
    where = f"roles.cedar, line {lines + 3}"
    assert (
        refused.detail
        == f"the access policies cannot be loaded: {where}: unexpected token `action`"
    )
    assert refused.reasons == (
        Reason("policy-syntax", f"{where}: unexpected token `action`", "roles.cedar"),
    )


def test_a_policy_that_breaks_the_schema_is_refused(policies: Path) -> None:
    scope = policies / "scope.cedar"
    lines = scope.read_text(encoding="utf-8").count("\n")
    append(
        scope,
        '\n@id("by-rank")\npermit (principal, action == Action::"list:read", resource)\n'
        'when { principal.rank == "inspector" };\n',
    )
    assert refusal(policies).reasons == (
        Reason(
            "policy-invalid",
            f'scope.cedar, line {lines + 2}, @id("by-rank"): '
            "attribute `rank` on entity type `User` not found",
            "scope.cedar",
        ),
    )


def test_an_optional_attribute_read_without_has_is_refused(policies: Path) -> None:
    scope = policies / "scope.cedar"
    lines = scope.read_text(encoding="utf-8").count("\n")
    append(
        scope,
        '\n@id("unguarded")\n@reason("no grant")\n'
        'forbid (principal, action == Action::"entry:consult", resource)\n'
        "unless { principal.grant_current };\n",
    )
    assert refusal(policies).reasons[0].detail == (
        f'scope.cedar, line {lines + 2}, @id("unguarded"): unable to guarantee safety of access '
        "to optional attribute `grant_current` on entity type `User`"
    )


@pytest.mark.parametrize(
    ("text", "code", "detail"),
    [
        (
            'permit (principal, action == Action::"list:read", resource);',
            "policy-id-missing",
            "scope.cedar, line {line}: the policy has no @id",
        ),
        (
            '@id("officers")\npermit (principal, action == Action::"list:read", resource);',
            "policy-id-duplicate",
            'scope.cedar, line {line}: @id("officers") is already used at roles.cedar, line 60',
        ),
        (
            '@id("silent")\nforbid (principal, action == Action::"list:read", resource);',
            "policy-reason-missing",
            'scope.cedar, line {line}: forbid @id("silent") has no @reason to tell the user',
        ),
        (
            '@id("slot")\npermit (principal == ?principal, action, resource);',
            "policy-template",
            "scope.cedar: templates are not supported",
        ),
    ],
)
def test_annotation_rules(policies: Path, text: str, code: str, detail: str) -> None:
    scope = policies / "scope.cedar"
    line = scope.read_text(encoding="utf-8").count("\n") + 2
    append(scope, f"\n{text}\n")
    assert refusal(policies).reasons == (Reason(code, detail.format(line=line), "scope.cedar"),)


def test_a_missing_schema_is_refused(policies: Path) -> None:
    (policies / "schema.cedarschema").unlink()
    refused = refusal(policies)
    assert refused.detail == "the access policies cannot be loaded: schema.cedarschema is missing"
    assert refused.reasons[0].code == "schema-missing"


def test_an_unparsable_schema_is_refused(policies: Path) -> None:
    (policies / "schema.cedarschema").write_text("entity User = { role: Strin };")
    assert refusal(policies).reasons == (
        Reason(
            "schema-invalid",
            "schema.cedarschema: failed to resolve type: Strin",
            "schema.cedarschema",
        ),
    )


def test_a_directory_without_policies_is_refused(policies: Path) -> None:
    for path in policies.glob("*.cedar"):
        path.unlink()
    assert refusal(policies).reasons == (Reason("policies-missing", "no .cedar policy files"),)


def test_a_schema_missing_an_action_or_a_vocabulary_value_is_refused(policies: Path) -> None:
    schema = policies / "schema.cedarschema"
    text = schema.read_text(encoding="utf-8")
    schema.write_text(
        text.replace(', "at_risk"]', "]").replace(
            'action "log:read" in ["personal-data"]', 'action "log:view" in ["personal-data"]'
        ),
        encoding="utf-8",
    )
    incomplete = [r.detail for r in refusal(policies).reasons if r.code == "schema-incomplete"]
    assert incomplete == [
        "schema.cedarschema does not declare action `log:read`, which the engine sends",
        'schema.cedarschema does not declare Category::"at_risk", which the engine sends',
    ]


def test_every_engine_action_is_in_the_shipped_schema() -> None:
    schema = resources.files("listwarden.policy").joinpath(
        "defaults", "access", "schema.cedarschema"
    )
    text = schema.read_text(encoding="utf-8")
    for action in AccessAction:
        assert f'action "{action.value}"' in text


def test_the_hard_laws_hold_even_if_a_force_permits_everything(policies: Path) -> None:
    append(
        policies / "roles.cedar",
        '\n@id("everyone-everything")\npermit (principal, action, resource);\n',
    )
    engine = PolicyEngine.load(policies)
    enforcement = Context(purpose=Purpose.GANG_VIOLENCE_REDUCTION)
    oversight = Context(purpose=Purpose.COMPLIANCE_AUDIT)
    own = Context(requester_id="u-actor")
    cases = [
        (
            principal(Role.ADMINISTRATOR),
            AccessAction.ENTRY_CONSULT,
            entry(),
            oversight,
            "administrators-see-no-personal-data",
        ),
        (
            principal(Role.AUDITOR),
            AccessAction.ENTRY_ALTER,
            entry(),
            oversight,
            "auditors-change-nothing",
        ),
        (
            principal(Role.EQUALITY_ANALYST),
            AccessAction.MONITORING_READ,
            LIST,
            None,
            "monitoring-data-is-seen-only-in-aggregate",
        ),
        (
            principal(Role.OFFICER),
            AccessAction.MONITORING_AGGREGATE,
            LIST,
            None,
            "only-equality-analysts-see-monitoring-data",
        ),
        (
            principal(Role.IRU),
            AccessAction.AGREEMENT_APPROVE,
            REGISTER,
            own,
            "nobody-approves-their-own-request",
        ),
        (
            principal(Role.OFFICER),
            AccessAction.ENTRY_CONSULT,
            entry("NW"),
            enforcement,
            "officers-and-analysts-act-only-in-their-own-bcus",
        ),
        (
            principal(Role.OFFICER),
            AccessAction.ENTRY_CONSULT,
            entry("AS", Category.VICTIM),
            enforcement,
            "this-purpose-may-not-use-this-category",
        ),
        (
            principal(Role.OFFICER, active=False),
            AccessAction.LIST_READ,
            LIST,
            None,
            "inactive-accounts-may-do-nothing",
        ),
        (
            principal(Role.IAO, grant_current=False),
            AccessAction.ENTRY_CONSULT,
            entry(),
            enforcement,
            "no-current-grant-to-this-list",
        ),
    ]
    for actor, action, resource, context, policy in cases:
        decision = engine.decide(actor, action, resource, context)
        assert not decision.allowed
        assert policy in decision.policy_ids, (action, actor.role)
    assert engine.decide(principal(Role.OFFICER), AccessAction.LOG_READ, REGISTER).allowed


def test_a_forbid_that_errors_at_run_time_refuses_rather_than_being_skipped(
    policies: Path,
) -> None:
    """Validation cannot rule out every run-time error (an overflow, say); the engine refuses."""
    append(
        policies / "scope.cedar",
        '\n@id("overflowing")\n@reason("never shown")\n'
        'forbid (principal, action == Action::"list:read", resource)\n'
        'when { principal.bcus.contains("x") || 9223372036854775807 + 1 == 0 };\n',
    )
    engine = PolicyEngine.load(policies)
    decision = engine.decide(principal(), AccessAction.LIST_READ, LIST)
    assert not decision.allowed
    assert decision.policy_ids == ("policy-evaluation-error",)
    assert decision.reasons == ("a policy could not be evaluated for this request",)
    # Cedar names the policy by its place in the set, which moves as policy files change.
    [error] = decision.errors
    assert re.fullmatch(
        r"error while evaluating policy `policy\d+`: integer overflow while attempting to add "
        r"the values `9223372036854775807` and `1`",
        error,
    ), error


def test_the_engines_own_refusal_codes_are_reserved(policies: Path) -> None:
    scope = policies / "scope.cedar"
    line = scope.read_text(encoding="utf-8").count("\n") + 2
    append(scope, '\n@id("not-permitted-for-role")\npermit (principal, action, resource);\n')
    assert refusal(policies).reasons == (
        Reason(
            "policy-id-reserved",
            f'scope.cedar, line {line}: @id("not-permitted-for-role") is reserved for the '
            "engine's own refusals",
            "scope.cedar",
        ),
    )


def test_a_policy_naming_one_entry_is_honoured_in_a_page_of_entries(policies: Path) -> None:
    """A page is decided once per kind of entry, unless a policy names an entry by its id."""
    append(
        policies / "scope.cedar",
        '\n@id("entry-under-seal")\n@reason("this entry is under seal")\n'
        'forbid (principal, action, resource == Entry::"e-2");\n',
    )
    assert PolicyEngine.load().decides_by_kind
    engine = PolicyEngine.load(policies)
    assert not engine.decides_by_kind
    same_kind = [entry(), replace(entry(), id="e-2"), replace(entry(), id="e-3")]
    decisions = engine.decide_many(
        principal(), AccessAction.ENTRY_CONSULT, same_kind, Context(purpose=GVR)
    )
    assert [d.allowed for d in decisions] == [True, False, True]
    assert decisions[1].policy_ids == ("entry-under-seal",)
