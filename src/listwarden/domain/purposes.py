"""The one rule that says which data-subject categories each purpose class may use (law 2).

Consultation, disclosure and the policy engine all call ``categories_for``; no agreement or
configuration overrides it. Victims, witnesses and people at risk are never used for enforcement.
"""

from __future__ import annotations

from listwarden.domain.errors import CategoryNotPermitted, InvalidInput, Reason
from listwarden.domain.vocabulary import PURPOSE_CLASS, Category, Purpose, PurposeClass

_OFFENDERS = frozenset({Category.SUSPECTED, Category.CONVICTED})
_EVERYONE = frozenset(Category)

_CATEGORIES_BY_CLASS: dict[PurposeClass, frozenset[Category]] = {
    PurposeClass.ENFORCEMENT: _OFFENDERS,
    PurposeClass.SAFEGUARDING: _EVERYONE,
    PurposeClass.INVESTIGATION: _OFFENDERS | {Category.VICTIM, Category.WITNESS},
    PurposeClass.OVERSIGHT: _EVERYONE,
    PurposeClass.RIGHTS: _EVERYONE,
}


def categories_for(purpose_class: PurposeClass) -> frozenset[Category]:
    """The data-subject categories a purpose of this class may use."""
    return _CATEGORIES_BY_CLASS[purpose_class]


def class_of(purpose: Purpose | str) -> PurposeClass:
    """The class of a purpose from the controlled vocabulary; anything else is refused."""
    try:
        return PURPOSE_CLASS[Purpose(purpose)]
    except ValueError:
        raise InvalidInput(
            f"unknown purpose {purpose!r}",
            reasons=[
                Reason(
                    "unknown-purpose",
                    f"purpose must be one of: {', '.join(p.value for p in Purpose)}",
                    "purpose",
                )
            ],
        ) from None


def require_category_permitted(purpose: Purpose, category: Category) -> None:
    """Refuse the use of an entry of ``category`` for ``purpose`` unless its class allows it."""
    purpose_class = PURPOSE_CLASS[purpose]
    if category not in categories_for(purpose_class):
        raise CategoryNotPermitted(
            f"a {category.value} entry may not be used for a {purpose_class.value} purpose",
            reasons=[
                Reason(
                    "category-not-permitted-for-purpose",
                    f"{purpose_class.value} purposes may use only: "
                    + ", ".join(sorted(c.value for c in categories_for(purpose_class))),
                    "purpose",
                )
            ],
        )
