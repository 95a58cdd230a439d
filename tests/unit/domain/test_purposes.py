"""Law 2 as a pure rule: which categories each purpose class may use."""

from __future__ import annotations

import pytest

from listwarden.domain.errors import CategoryNotPermitted, InvalidInput
from listwarden.domain.purposes import categories_for, class_of, require_category_permitted
from listwarden.domain.vocabulary import Category, Purpose, PurposeClass

# Written out by hand, not derived from the code under test.
EXPECTED = {
    PurposeClass.ENFORCEMENT: {"suspected", "convicted"},
    PurposeClass.SAFEGUARDING: {"suspected", "convicted", "victim", "witness", "at_risk"},
    PurposeClass.INVESTIGATION: {"suspected", "convicted", "victim", "witness"},
    PurposeClass.OVERSIGHT: {"suspected", "convicted", "victim", "witness", "at_risk"},
    PurposeClass.RIGHTS: {"suspected", "convicted", "victim", "witness", "at_risk"},
}


@pytest.mark.parametrize("purpose_class", list(PurposeClass))
def test_categories_for_each_class(purpose_class: PurposeClass) -> None:
    assert {c.value for c in categories_for(purpose_class)} == EXPECTED[purpose_class]


@pytest.mark.parametrize("category", [Category.VICTIM, Category.WITNESS, Category.AT_RISK])
@pytest.mark.parametrize("purpose", [Purpose.GANG_VIOLENCE_REDUCTION, Purpose.OFFENDER_MANAGEMENT])
def test_victims_are_never_used_for_enforcement(purpose: Purpose, category: Category) -> None:
    with pytest.raises(CategoryNotPermitted) as refused:
        require_category_permitted(purpose, category)
    assert refused.value.reasons[0].code == "category-not-permitted-for-purpose"


def test_every_purpose_has_a_class() -> None:
    assert {class_of(p) for p in Purpose} == set(PurposeClass)


def test_unknown_purpose_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        class_of("curiosity")
    assert refused.value.reasons[0].field == "purpose"
    assert refused.value.reasons[0].code == "unknown-purpose"
