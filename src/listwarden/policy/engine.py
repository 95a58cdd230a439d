"""The access policy engine: Cedar policies and their schema, parsed once, decide every action.

Every decision is evaluated with the schema. Without one, Cedar skips a ``forbid`` whose condition
errors (a missing ``context`` attribute, say) and may *allow* the request, and the schema's action
groups do not exist, so every forbid scoped to a group stops applying. With it, a request that
does not match the schema is refused before any policy runs. The engine therefore refuses to exist
without a schema, parses every request's entities with the schema, and fails closed on any
evaluation error. See ``tests/unit/policy/test_schema_guard.py``.

A page of entries is decided once per distinct kind of entry (list, BCU, category, band) rather
than once per entry: the decision depends on nothing else, because no policy can name an entry
by its id — unless one does, which the engine notices when it loads and then decides each entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import cedarpy

from listwarden.domain.access import Actor
from listwarden.domain.errors import AccessDenied, Reason
from listwarden.domain.purposes import categories_for, class_of
from listwarden.domain.vocabulary import Band, Category, ListStatus, Purpose, Role
from listwarden.policy.access_files import (
    EVALUATION_ERROR,
    NOT_PERMITTED,
    REQUEST_INVALID,
    PolicyInfo,
    load_access_policies,
)


class AccessAction(StrEnum):
    """Every action the services ask the engine about, in the ``subject:action`` grammar."""

    LIST_CREATE = "list:create"
    LIST_READ = "list:read"
    LIST_ALTER = "list:alter"
    LIST_AUTHORISE = "list:authorise"
    LIST_CLOSE = "list:close"
    DPIA_APPROVE = "dpia:approve"
    GRANT_RECERTIFY = "grant:recertify"
    ENTRY_COLLECT = "entry:collect"
    ENTRY_CONSULT = "entry:consult"
    ENTRY_ALTER = "entry:alter"
    ENTRY_ERASE = "entry:erase"
    DISCLOSURE_CREATE = "disclosure:create"
    DISCLOSURE_APPROVE = "disclosure:approve"
    AGREEMENT_APPROVE = "agreement:approve"
    AGREEMENT_DRAFT = "agreement:draft"
    AGREEMENT_REVOKE = "agreement:revoke"
    RECIPIENT_MANAGE = "recipient:manage"
    RECIPIENT_APPROVE = "recipient:approve"
    GANG_RECORD = "gang:record"
    GANG_APPROVE = "gang:approve"
    FRAMEWORK_APPROVE = "framework:approve"
    FRAMEWORK_ACTIVATE = "framework:activate"
    SHARING_READ = "sharing:read"
    SHARING_REVIEW = "sharing:review"
    MONITORING_AGGREGATE = "monitoring:aggregate"
    MONITORING_READ = "monitoring:read"
    LOG_READ = "log:read"
    USER_MANAGE = "user:manage"
    SUBJECT_REQUEST_MANAGE = "subject_request:manage"
    COMPLIANCE_READ = "compliance:read"
    EQUALITY_REPORT = "equality:report"
    GUIDANCE_APPROVE = "guidance:approve"
    AUDIT_CONDUCT = "audit:conduct"
    DLP_SCAN = "dlp:scan"
    ALERTS_READ = "alerts:read"


@dataclass(frozen=True)
class Principal:
    """The acting user and the facts the services establish about them for one request.

    ``training_current`` (the list's purpose-specific course) and ``grant_current`` (an unexpired
    grant to that list) concern one list; leave them ``None`` for requests about no list, and any
    action that reaches a list's data is refused.
    """

    id: str
    role: Role
    bcus: frozenset[str]
    force_wide: bool
    active: bool
    mandatory_training_current: bool
    training_current: bool | None = None
    grant_current: bool | None = None

    @classmethod
    def of(
        cls,
        actor: Actor,
        *,
        active: bool,
        mandatory_training_current: bool,
        training_current: bool | None = None,
        grant_current: bool | None = None,
    ) -> Principal:
        return cls(
            id=actor.id,
            role=actor.role,
            bcus=actor.bcus,
            force_wide=actor.force_wide,
            active=active,
            mandatory_training_current=mandatory_training_current,
            training_current=training_current,
            grant_current=grant_current,
        )


@dataclass(frozen=True)
class RegisterResource:
    """The register as a whole: the resource of actions about no one list."""

    id: str = "listwarden"


REGISTER = RegisterResource()


@dataclass(frozen=True)
class ListResource:
    id: str
    status: ListStatus
    owner_id: str | None = None


@dataclass(frozen=True)
class EntryResource:
    """One entry as the rules see it: nothing that identifies the person."""

    id: str
    list: ListResource
    bcu: str
    category: Category
    band: Band | None = None


Resource = RegisterResource | ListResource | EntryResource


@dataclass(frozen=True)
class Context:
    """What the caller says: the purpose given, and for an approval, who made the request.

    The engine derives the rest: the purpose's class, and whether the entry's category may be
    used for it (law 2, decided by ``domain.purposes.categories_for``).
    """

    purpose: Purpose | None = None
    requester_id: str | None = None


@dataclass(frozen=True)
class Decision:
    """An answer, with the ``@id`` of each policy that decided it, in load order.

    A refusal names every forbid that refused (or ``not-permitted-for-role`` when no permit
    applied) and gives each one's ``@reason`` in plain words; an allowed request has no reasons.
    ``errors`` holds Cedar's own messages when a request could not be evaluated; they may name
    identifiers, so they are for the operator's log, never for the refused user.
    """

    allowed: bool
    policy_ids: tuple[str, ...]
    reasons: tuple[str, ...]
    errors: tuple[str, ...] = ()


DECISION_CACHE_SIZE = 4096


class PolicyEngine:
    """Decides requests against resident, schema-validated Cedar handles."""

    def __init__(
        self,
        *,
        schema: cedarpy.Schema,
        policies: cedarpy.PolicySet,
        catalogue: Mapping[str, PolicyInfo],
    ) -> None:
        if not isinstance(schema, cedarpy.Schema):
            # Without its schema Cedar skips a forbid whose condition errors, and may allow.
            raise TypeError("the policy engine never evaluates without its schema")
        if not isinstance(policies, cedarpy.PolicySet):
            raise TypeError("the policy engine needs a parsed PolicySet")
        self._schema = schema
        self._policies = policies
        self._names_entries = bool(_NAMES_AN_ENTRY.search(str(policies))) or bool(
            policies.templates()
        )
        self._catalogue = dict(catalogue)
        self._order = {policy_id: n for n, policy_id in enumerate(self._catalogue)}
        self._decided: dict[tuple[Any, ...], Decision] = {}

    @classmethod
    def load(cls, directory: Path | None = None) -> PolicyEngine:
        """Parse and validate the schema and policies once; refuse to load anything invalid."""
        source: Traversable = (
            directory
            if directory is not None
            else resources.files("listwarden.policy").joinpath("defaults", "access")
        )
        loaded = load_access_policies(source, actions=[a.value for a in AccessAction])
        return cls(schema=loaded.schema, policies=loaded.policies, catalogue=loaded.catalogue)

    @property
    def decides_by_kind(self) -> bool:
        """Whether a page of entries is decided once per kind of entry (no policy names one)."""
        return not self._names_entries

    @property
    def catalogue(self) -> tuple[PolicyInfo, ...]:
        """Every loaded policy, in load order (file name, then position in the file)."""
        return tuple(self._catalogue.values())

    def decide(
        self,
        principal: Principal,
        action: AccessAction,
        resource: Resource,
        context: Context | None = None,
    ) -> Decision:
        """Decide one request; never raises for a refusal.

        The policies are resident and a decision depends only on the principal's facts, the
        action, the context and the kind of resource (``_kind_of``), so a decision already
        made for the same of all four is given again without asking Cedar; at most
        ``DECISION_CACHE_SIZE`` are kept, and all are forgotten when that fills.
        """
        action = AccessAction(action)
        key = (principal, action, self._kind_of(resource), context or Context())
        decided = self._decided.get(key)
        if decided is None:
            decided = self.evaluate(principal, action, resource, context)
            if len(self._decided) >= DECISION_CACHE_SIZE:
                self._decided.clear()  # one atomic step, safe with the server's threads
            self._decided[key] = decided
        return decided

    def evaluate(
        self,
        principal: Principal,
        action: AccessAction,
        resource: Resource,
        context: Context | None = None,
    ) -> Decision:
        """Decide one request by asking Cedar, whatever was decided before."""
        action = AccessAction(action)
        request = _request(principal, action, resource, _context(context or Context(), resource))
        # Entities go as text, parsed with the schema: a handle parsed without it would lack
        # the schema's action groups, and every forbid scoped to a group would stop applying.
        entities = self._entities([_user(principal), *_resource_entities(resource)])
        if entities is None:
            return _INVALID
        result = cedarpy.is_authorized(request, self._policies, entities, schema=self._schema)
        return self._decision(result, principal, action)

    def _entities(self, entities: list[dict[str, Any]]) -> cedarpy.Entities | None:
        """The request's entities parsed with the schema (so its action groups exist), or None."""
        try:
            return cedarpy.Entities.from_json_str(json.dumps(entities), self._schema)
        except ValueError:
            return None

    def decide_many(
        self,
        principal: Principal,
        action: AccessAction,
        resources: Sequence[Resource],
        context: Context | None = None,
    ) -> list[Decision]:
        """Decide one action on many resources (a page of search results) in one call.

        The answers are those ``decide`` would give one by one; the user is parsed once. Two
        different resources under one id are a caller's error.
        """
        if not resources:
            return []
        action = AccessAction(action)
        ids: dict[str, Resource] = {}
        for resource in resources:
            if ids.setdefault(resource.id, resource) != resource:
                kind = _entity_type(resource)
                raise ValueError(f"two different {kind} resources share the id {resource.id!r}")
        # One representative per kind of entry: the decision depends on nothing else.
        chosen: dict[Any, Resource] = {}
        for resource in resources:
            chosen.setdefault(self._kind_of(resource), resource)
        representatives = list(chosen.values())
        entities: dict[tuple[str, str], dict[str, Any]] = {}
        for entity in [_user(principal)] + [
            e for r in representatives for e in _resource_entities(r)
        ]:
            entities.setdefault((entity["uid"]["type"], entity["uid"]["id"]), entity)
        parsed = self._entities(list(entities.values()))
        if parsed is None:
            return [_INVALID] * len(resources)
        said = context or Context()
        results = cedarpy.is_authorized_batch(
            [_request(principal, action, r, _context(said, r)) for r in representatives],
            self._policies,
            parsed,
            schema=self._schema,
        )
        decided = {
            kind: self._decision(result, principal, action)
            for kind, result in zip(chosen, results, strict=True)
        }
        return [decided[self._kind_of(r)] for r in resources]

    def _kind_of(self, resource: Resource) -> Any:
        """What a decision about ``resource`` depends on: all of it but an entry's own id."""
        if isinstance(resource, EntryResource) and not self._names_entries:
            return (EntryResource, resource.list, resource.bcu, resource.category, resource.band)
        return resource

    def require(
        self,
        principal: Principal,
        action: AccessAction,
        resource: Resource,
        context: Context | None = None,
    ) -> Decision:
        """Decide, and raise ``AccessDenied`` naming the first refusing policy unless allowed."""
        decision = self.decide(principal, action, resource, context)
        if not decision.allowed:
            raise AccessDenied(
                decision.reasons[0],
                policy=decision.policy_ids[0],
                reasons=[
                    Reason(policy_id, reason, self._field(policy_id))
                    for policy_id, reason in zip(decision.policy_ids, decision.reasons, strict=True)
                ],
            )
        return decision

    def _field(self, policy_id: str) -> str | None:
        info = self._catalogue.get(policy_id)
        return info.field if info is not None else None

    def _decision(self, result: Any, principal: Principal, action: AccessAction) -> Decision:
        errors = tuple(str(e) for e in result.diagnostics.errors)
        if result.decision is cedarpy.Decision.NoDecision:
            return Decision(
                False, (REQUEST_INVALID,), ("the request does not match the access schema",), errors
            )
        annotations: dict[str, str] = result.diagnostics.id_annotations_by_reason
        ids = sorted(
            {annotations.get(p, p) for p in result.diagnostics.reasons},
            key=lambda i: self._order.get(i, len(self._order)),
        )
        if result.allowed and not errors:
            return Decision(True, tuple(ids), ())
        if ids and not result.allowed:
            return Decision(False, tuple(ids), tuple(self._reason(i) for i in ids), errors)
        if errors:
            # Cedar skips a policy whose condition errors; a skipped forbid must never let a request
            # through, so an error refuses unless a forbid has already refused for a reason.
            reason = "a policy could not be evaluated for this request"
            return Decision(False, (EVALUATION_ERROR,), (reason,), errors)
        detail = f"no policy permits the {principal.role.value} role to {action.value}"
        return Decision(False, (NOT_PERMITTED,), (detail,))

    def _reason(self, policy_id: str) -> str:
        info = self._catalogue.get(policy_id)
        if info is None or info.reason is None:
            return policy_id.replace("-", " ")
        return info.reason


_NAMES_AN_ENTRY = re.compile(r"\bEntry\s*::")
_INVALID = Decision(False, (REQUEST_INVALID,), ("the request does not match the access schema",))


def _request(
    principal: Principal, action: AccessAction, resource: Resource, context: dict[str, Any]
) -> dict[str, Any]:
    return {
        "principal": {"type": "User", "id": principal.id},
        "action": {"type": "Action", "id": action.value},
        "resource": {"type": _entity_type(resource), "id": resource.id},
        "context": context,
    }


def _ref(entity_type: str, entity_id: str) -> dict[str, dict[str, str]]:
    return {"__entity": {"type": entity_type, "id": entity_id}}


def _entity_type(resource: Resource) -> str:
    if isinstance(resource, EntryResource):
        return "Entry"
    if isinstance(resource, ListResource):
        return "List"
    return "Register"


def _user(principal: Principal) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "role": _ref("Role", Role(principal.role).value),
        "bcus": sorted(principal.bcus),
        "force_wide": principal.force_wide,
        "active": principal.active,
        "mandatory_training_current": principal.mandatory_training_current,
    }
    if principal.training_current is not None:
        attrs["training_current"] = principal.training_current
    if principal.grant_current is not None:
        attrs["grant_current"] = principal.grant_current
    return {"uid": {"type": "User", "id": principal.id}, "attrs": attrs, "parents": []}


def _list(resource: ListResource) -> dict[str, Any]:
    attrs: dict[str, Any] = {"status": _ref("ListStatus", ListStatus(resource.status).value)}
    if resource.owner_id is not None:
        attrs["owner"] = _ref("User", resource.owner_id)
    return {"uid": {"type": "List", "id": resource.id}, "attrs": attrs, "parents": []}


def _resource_entities(resource: Resource) -> list[dict[str, Any]]:
    if isinstance(resource, RegisterResource):
        return [{"uid": {"type": "Register", "id": resource.id}, "attrs": {}, "parents": []}]
    if isinstance(resource, ListResource):
        return [_list(resource)]
    attrs: dict[str, Any] = {
        "list": resource.list.id,
        "bcu": resource.bcu,
        "category": _ref("Category", Category(resource.category).value),
    }
    if resource.band is not None:
        attrs["band"] = _ref("Band", Band(resource.band).value)
    return [{"uid": {"type": "Entry", "id": resource.id}, "attrs": attrs, "parents": []}]


def _context(context: Context, resource: Resource) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if context.purpose is not None:
        purpose_class = class_of(context.purpose)
        out["purpose"] = _ref("Purpose", Purpose(context.purpose).value)
        out["purpose_class"] = _ref("PurposeClass", purpose_class.value)
        if isinstance(resource, EntryResource):
            # Law 2 is decided by the domain's one function, never re-encoded in a policy.
            out["category_permitted"] = resource.category in categories_for(purpose_class)
    if context.requester_id is not None:
        out["requester"] = _ref("User", context.requester_id)
    return out
