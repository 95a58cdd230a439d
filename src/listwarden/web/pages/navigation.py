"""Which pages each role is offered: a page a role cannot use is not linked for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from listwarden.domain.access import Actor
from listwarden.domain.vocabulary import Role


@dataclass(frozen=True)
class NavItem:
    href: str
    text: str


LISTS = NavItem("/lists", "Lists")
REVIEWS = NavItem("/reviews", "Reviews")
ACCESS_LOG = NavItem("/access-log", "Access log")
SHARING = NavItem("/sharing", "Sharing")
PEOPLE = NavItem("/people", "Find a person")
COMPLIANCE = NavItem("/compliance", "Compliance")
EQUALITY = NavItem("/equality", "Equality")
RIGHTS = NavItem("/subject-requests", "Rights requests")
IMPORT = NavItem("/imports", "Import")

_BY_ROLE: dict[Role, tuple[NavItem, ...]] = {
    Role.IAO: (LISTS, PEOPLE, REVIEWS, IMPORT, SHARING, COMPLIANCE),
    Role.DPO: (LISTS, ACCESS_LOG, SHARING, COMPLIANCE, EQUALITY),
    Role.DATA_BOARD: (LISTS, COMPLIANCE),
    Role.IRU: (LISTS, RIGHTS, SHARING),
    Role.ANALYST: (LISTS, PEOPLE, REVIEWS, IMPORT, SHARING),
    Role.OFFICER: (LISTS, PEOPLE),
    Role.EQUALITY_ANALYST: (LISTS, EQUALITY),
    Role.AUDITOR: (LISTS, ACCESS_LOG, SHARING, COMPLIANCE),
    Role.ADMINISTRATOR: (LISTS, ACCESS_LOG),
}


def items_for(role: Role) -> tuple[NavItem, ...]:
    return _BY_ROLE.get(role, ())


def navigation_for(actor: Actor | None, path: str) -> list[dict[str, Any]]:
    """Service-navigation items for the signed-in actor, the current one marked."""
    if actor is None:
        return []
    home = {"href": "/", "text": "Home", "active": path == "/"}
    return [home] + [
        {"href": i.href, "text": i.text, "active": path.startswith(i.href)}
        for i in items_for(actor.role)
    ]
