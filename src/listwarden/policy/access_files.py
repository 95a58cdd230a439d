"""Loading the access policy files: parse them, check their annotations, validate them on load.

A directory holds one Cedar schema (``schema.cedarschema``) and any number of ``*.cedar`` policy
files, read in name order. Every policy needs an ``@id`` (a stable code for refusals), every
forbid a ``@reason`` (what the refused user is told) and may name the ``@field`` concerned. The
policies must validate against the schema, and the schema must declare every action and
vocabulary value the engine sends; otherwise nothing loads and every problem is reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources.abc import Traversable

import cedarpy

from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.vocabulary import Band, Category, ListStatus, Purpose, PurposeClass, Role

SCHEMA_FILE = "schema.cedarschema"
POLICY_SUFFIX = ".cedar"

# The codes the engine gives refusals that no policy decided; no policy may take them as @id.
NOT_PERMITTED = "not-permitted-for-role"
REQUEST_INVALID = "request-does-not-match-schema"
EVALUATION_ERROR = "policy-evaluation-error"
RESERVED_IDS = frozenset({NOT_PERMITTED, REQUEST_INVALID, EVALUATION_ERROR})

# The enumerations the engine sends, by the entity type the schema must declare them as.
VOCABULARIES: dict[str, type[StrEnum]] = {
    "Role": Role,
    "Category": Category,
    "PurposeClass": PurposeClass,
    "Purpose": Purpose,
    "Band": Band,
    "ListStatus": ListStatus,
}


@dataclass(frozen=True)
class PolicyInfo:
    """One loaded policy: its ``@id``, effect, where it came from, and its refusal words."""

    id: str
    effect: str
    source: str
    line: int
    reason: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class LoadedPolicies:
    schema: cedarpy.Schema
    policies: cedarpy.PolicySet
    catalogue: dict[str, PolicyInfo]


def load_access_policies(source: Traversable, *, actions: Sequence[str]) -> LoadedPolicies:
    """Read, parse and validate a policy directory; raise ``InvalidInput`` naming every fault."""
    problems: list[Reason] = []
    schema = _schema(source, problems)
    files = _policy_files(source, problems)
    catalogue: dict[str, PolicyInfo] = {}
    for name, text in files:
        _catalogue_file(name, text, catalogue, problems)
    if schema is None or problems:
        raise _refusal(problems)
    combined = "\n".join(text for _, text in files)
    _validate(combined, schema, catalogue, problems)
    _probe_schema(schema, actions, problems)
    if problems:
        raise _refusal(problems)
    return LoadedPolicies(schema, cedarpy.PolicySet.from_str(combined), catalogue)


def _refusal(problems: Sequence[Reason]) -> InvalidInput:
    detail = "; ".join(p.detail for p in problems)
    return InvalidInput(f"the access policies cannot be loaded: {detail}", reasons=problems)


def _schema(source: Traversable, problems: list[Reason]) -> cedarpy.Schema | None:
    try:
        text = source.joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    except OSError:
        problems.append(Reason("schema-missing", f"{SCHEMA_FILE} is missing", SCHEMA_FILE))
        return None
    try:
        return cedarpy.Schema.from_str(text)
    except ValueError as error:
        problems.append(Reason("schema-invalid", f"{SCHEMA_FILE}: {error}", SCHEMA_FILE))
        return None


def _policy_files(source: Traversable, problems: list[Reason]) -> list[tuple[str, str]]:
    try:
        names = sorted(
            item.name
            for item in source.iterdir()
            if item.name.endswith(POLICY_SUFFIX) and item.is_file()
        )
        files = [(n, source.joinpath(n).read_text(encoding="utf-8")) for n in names]
    except OSError as error:
        problems.append(Reason("policies-missing", f"cannot read the policy directory: {error}"))
        return []
    if not files:
        problems.append(Reason("policies-missing", f"no {POLICY_SUFFIX} policy files"))
    return files


def _statements(text: str) -> Iterator[tuple[int, str]]:
    """Each top-level statement of a policy file with the line it starts on.

    Cedar's parse errors give no position, so a file that does not parse is parsed again one
    statement at a time to name the line of the first one at fault.
    """
    start, in_string, in_comment, escaped = 0, False, False, False
    for n, char in enumerate(text):
        if in_comment:
            in_comment = char != "\n"
        elif in_string:
            in_string = escaped or char != '"'
            escaped = not escaped and char == "\\"
        elif char == '"':
            in_string = True
        elif char == "/" and text.startswith("//", n):
            in_comment = True
        elif char == ";":
            yield _line_of(text, start), text[start : n + 1]
            start = n + 1
    rest = text[start:]
    if _significant(rest):
        yield _line_of(text, start), rest


def _significant(text: str) -> bool:
    return bool(re.sub(r"//[^\n]*", "", text).strip())


def _line_of(text: str, start: int) -> int:
    """The line of the first character of a statement that is not blank or a comment."""
    for offset, line in enumerate(text[start:].split("\n")):
        if _significant(line):
            return text.count("\n", 0, start) + offset + 1
    return text.count("\n", 0, start) + 1


def _syntax_problem(name: str, text: str, error: ValueError) -> Reason:
    for line, statement in _statements(text):
        try:
            cedarpy.policies_to_json_str(statement)
        except ValueError as at_fault:
            return Reason("policy-syntax", f"{name}, line {line}: {at_fault}", name)
    return Reason("policy-syntax", f"{name}: {error}", name)


def _catalogue_file(
    name: str, text: str, catalogue: dict[str, PolicyInfo], problems: list[Reason]
) -> None:
    try:
        parsed = json.loads(cedarpy.policies_to_json_str(text))
    except ValueError as error:
        problems.append(_syntax_problem(name, text, error))
        return
    if parsed.get("templates"):
        problems.append(Reason("policy-template", f"{name}: templates are not supported", name))
    policies = parsed.get("staticPolicies", {})
    lines = [line for line, _ in _statements(text)]
    for n, key in enumerate(sorted(policies, key=lambda k: int(k.removeprefix("policy")))):
        policy, line = policies[key], lines[n]
        annotations: dict[str, str] = policy.get("annotations", {})
        policy_id = annotations.get("id", "")
        where = f"{name}, line {line}"
        if not policy_id:
            problems.append(Reason("policy-id-missing", f"{where}: the policy has no @id", name))
            continue
        if policy_id in RESERVED_IDS:
            detail = f'{where}: @id("{policy_id}") is reserved for the engine\'s own refusals'
            problems.append(Reason("policy-id-reserved", detail, name))
            continue
        if policy_id in catalogue:
            first = catalogue[policy_id]
            detail = (
                f'{where}: @id("{policy_id}") is already used at {first.source}, line {first.line}'
            )
            problems.append(Reason("policy-id-duplicate", detail, name))
            continue
        if policy["effect"] == "forbid" and not annotations.get("reason"):
            detail = f'{where}: forbid @id("{policy_id}") has no @reason to tell the user'
            problems.append(Reason("policy-reason-missing", detail, name))
        catalogue[policy_id] = PolicyInfo(
            id=policy_id,
            effect=policy["effect"],
            source=name,
            line=line,
            reason=annotations.get("reason") or None,
            field=annotations.get("field") or None,
        )


_POSITIONAL = re.compile(r"^for policy `policy\d+`[,:]?\s*")


def _validate(
    combined: str,
    schema: cedarpy.Schema,
    catalogue: dict[str, PolicyInfo],
    problems: list[Reason],
) -> None:
    result = cedarpy.validate_policies(combined, schema)
    for error in result.errors:
        policy_id = result.id_annotations_by_policy_id.get(error.policy_id, error.policy_id)
        info = catalogue.get(policy_id)
        where = f"{info.source}, line {info.line}" if info else "policies"
        detail = f'{where}, @id("{policy_id}"): {_POSITIONAL.sub("", error.error)}'
        problems.append(Reason("policy-invalid", detail, info.source if info else None))


def _probe_schema(schema: cedarpy.Schema, actions: Sequence[str], problems: list[Reason]) -> None:
    """Refuse a schema that does not declare an action or vocabulary value the engine sends."""
    probes = [
        f'@id("action `{a}`")\npermit (principal, action == Action::"{a}", resource);'
        for a in actions
    ]
    for entity_type, vocabulary in VOCABULARIES.items():
        for value in vocabulary:
            uid = f'{entity_type}::"{value.value}"'
            label = uid.replace('"', '\\"')
            probes.append(
                f'@id("{label}")\npermit (principal, action, resource) when {{ {uid} == {uid} }};'
            )
    result = cedarpy.validate_policies("\n".join(probes), schema)
    missing = dict.fromkeys(
        result.id_annotations_by_policy_id.get(e.policy_id, e.policy_id) for e in result.errors
    )
    for item in missing:
        detail = f"{SCHEMA_FILE} does not declare {item}, which the engine sends"
        problems.append(Reason("schema-incomplete", detail, SCHEMA_FILE))
