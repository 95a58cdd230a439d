"""The standard world the access tests decide in: a fully trained user, an entry, a list."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from listwarden.domain.vocabulary import Category, ListStatus, Role
from listwarden.policy.engine import EntryResource, ListResource, Principal


def principal(role: Role = Role.OFFICER, **changes: Any) -> Principal:
    """A user in BCU ``AS`` who holds every course and a current grant, with ``changes``."""
    base = Principal(
        id="u-actor",
        role=role,
        bcus=frozenset({"AS"}),
        force_wide=False,
        active=True,
        mandatory_training_current=True,
        training_current=True,
        grant_current=True,
    )
    return replace(base, **changes)


LIST = ListResource("l-1", ListStatus.AUTHORISED, owner_id="u-owner")


def entry(bcu: str = "AS", category: Category = Category.SUSPECTED) -> EntryResource:
    return EntryResource("e-1", LIST, bcu, category)
