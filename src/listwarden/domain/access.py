"""Who may do what, as far as the foundation decides it: role, purpose class and BCU scope.

This is the interim rule table; the policy engine (Cedar) replaces it with the same outcomes.
The administrator and the equality analyst never see an individual's personal data.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum

from listwarden.domain.errors import AccessDenied, Reason
from listwarden.domain.vocabulary import PURPOSE_CLASS, Purpose, PurposeClass, Role


class Permission(StrEnum):
    """Permissions in the ``subject:action`` grammar shared with event operations."""

    LIST_CREATE = "list:create"
    LIST_AUTHORISE = "list:authorise"
    LIST_READ = "list:read"
    ENTRY_COLLECT = "entry:collect"
    ENTRY_CONSULT = "entry:consult"
    LOG_READ = "log:read"
    USER_MANAGE = "user:manage"


@dataclass(frozen=True)
class Actor:
    """The acting user as the rules see them."""

    id: str
    role: Role
    bcus: frozenset[str] = field(default_factory=frozenset)
    force_wide: bool = False

    def covers(self, bcu: str) -> bool:
        return self.force_wide or bcu in self.bcus


_OPERATIONAL = {PurposeClass.ENFORCEMENT, PurposeClass.SAFEGUARDING, PurposeClass.INVESTIGATION}

_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.IAO: frozenset(
        {
            Permission.LIST_CREATE,
            Permission.LIST_READ,
            Permission.ENTRY_COLLECT,
            Permission.ENTRY_CONSULT,
        }
    ),
    Role.DPO: frozenset(
        {
            Permission.LIST_AUTHORISE,
            Permission.LIST_READ,
            Permission.ENTRY_CONSULT,
            Permission.LOG_READ,
        }
    ),
    Role.DATA_BOARD: frozenset({Permission.LIST_AUTHORISE, Permission.LIST_READ}),
    Role.IRU: frozenset({Permission.LIST_READ, Permission.ENTRY_CONSULT}),
    Role.ANALYST: frozenset(
        {Permission.LIST_READ, Permission.ENTRY_COLLECT, Permission.ENTRY_CONSULT}
    ),
    Role.OFFICER: frozenset({Permission.LIST_READ, Permission.ENTRY_CONSULT}),
    Role.EQUALITY_ANALYST: frozenset({Permission.LIST_READ}),
    Role.AUDITOR: frozenset({Permission.LIST_READ, Permission.ENTRY_CONSULT, Permission.LOG_READ}),
    Role.ADMINISTRATOR: frozenset(
        {Permission.LIST_READ, Permission.USER_MANAGE, Permission.LOG_READ}
    ),
}

_PURPOSE_CLASSES: dict[Role, frozenset[PurposeClass]] = {
    Role.IAO: frozenset(_OPERATIONAL | {PurposeClass.OVERSIGHT}),
    Role.DPO: frozenset({PurposeClass.OVERSIGHT, PurposeClass.RIGHTS}),
    Role.DATA_BOARD: frozenset({PurposeClass.OVERSIGHT}),
    Role.IRU: frozenset({PurposeClass.RIGHTS}),
    Role.ANALYST: frozenset(_OPERATIONAL),
    Role.OFFICER: frozenset(_OPERATIONAL),
    Role.EQUALITY_ANALYST: frozenset(),
    Role.AUDITOR: frozenset({PurposeClass.OVERSIGHT}),
    Role.ADMINISTRATOR: frozenset(),
}

BCU_SCOPED = frozenset({Role.ANALYST, Role.OFFICER})
"""Roles that act only within the BCUs they are assigned to."""


def require_permission(actor: Actor, permission: Permission) -> None:
    if permission not in _PERMISSIONS[actor.role]:
        raise AccessDenied(
            f"a {actor.role.value} may not {permission.value}",
            policy=f"role-permission:{permission.value}",
            reasons=[
                Reason(
                    "role-not-permitted",
                    f"the {actor.role.value} role does not hold {permission.value}",
                )
            ],
        )


def require_purpose_class(actor: Actor, purpose_class: PurposeClass) -> None:
    if purpose_class not in _PURPOSE_CLASSES[actor.role]:
        raise AccessDenied(
            f"a {actor.role.value} may not act for a {purpose_class.value} purpose",
            policy="role-purpose-class",
            reasons=[
                Reason(
                    "purpose-class-not-permitted-for-role",
                    f"{actor.role.value} may act only for: "
                    + (", ".join(sorted(_PURPOSE_CLASSES[actor.role])) or "no purpose"),
                    "purpose",
                )
            ],
        )


def require_bcu_scope(actor: Actor, bcu: str) -> None:
    if actor.role in BCU_SCOPED and not actor.covers(bcu):
        raise AccessDenied(
            "the entry is outside your BCUs",
            policy="bcu-scope",
            reasons=[Reason("outside-bcu", "you may act only in your own BCUs", "bcu")],
        )


def visible_bcus(actor: Actor, all_bcus: Collection[str]) -> frozenset[str]:
    """The BCUs whose entries a search by this actor may return."""
    if actor.role in BCU_SCOPED and not actor.force_wide:
        return frozenset(actor.bcus) & frozenset(all_bcus)
    return frozenset(all_bcus)


def purposes_for(role: Role) -> list[Purpose]:
    """The purposes a role may give, in vocabulary order (pages offer no others)."""
    return [p for p, c in PURPOSE_CLASS.items() if c in _PURPOSE_CLASSES[role]]
