"""Laws 2 and 10 at the moment a person is put on a list: category, BCU, and children."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from listwarden.domain.errors import CategoryNotPermitted, ChildSafeguardMissing, Reason
from listwarden.domain.grading import Grading
from listwarden.domain.social_media import SocialMediaChecklist
from listwarden.domain.vocabulary import Category, Nature, SourceType

ADULT_AGE = 18
CHILD_REVIEW_INTERVAL = timedelta(days=91)
"""Entries for people under 18 are reviewed quarterly (law 10)."""
DEFAULT_REVIEW_INTERVAL = timedelta(days=365)
"""Used until a list's retention schedule states its own interval."""


def age_on(date_of_birth: date, on: date) -> int:
    """Age in whole years on ``on`` (a birthday on 29 February falls on 1 March otherwise)."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def is_child(date_of_birth: date, on: date) -> bool:
    return age_on(date_of_birth, on) < ADULT_AGE


def require_category_on_list(category: Category, allowed: Collection[Category]) -> None:
    """Refuse a category the list does not declare."""
    if category not in allowed:
        raise CategoryNotPermitted(
            f"this list may not hold {category.value} entries",
            reasons=[
                Reason(
                    "category-not-on-list",
                    "the list holds only: " + ", ".join(sorted(c.value for c in allowed)),
                    "category",
                )
            ],
        )


def require_child_safeguards(
    *, child: bool, iao_approval_by: str | None, safeguarding_referral: str | None
) -> None:
    """An entry for a person under 18 needs a recorded IAO approval and a safeguarding referral."""
    if not child:
        return
    reasons = []
    if not iao_approval_by:
        reasons.append(
            Reason("iao-approval-missing", "a person under 18 needs IAO approval", "iao_approval")
        )
    if not (safeguarding_referral or "").strip():
        reasons.append(
            Reason(
                "safeguarding-referral-missing",
                "a person under 18 needs a safeguarding referral reference",
                "safeguarding_referral",
            )
        )
    if reasons:
        raise ChildSafeguardMissing("the entry is for a person under 18", reasons=reasons)


def next_review_on(*, added_on: date, child: bool, interval: timedelta | None = None) -> date:
    """The first review date of a new entry: quarterly for children, else the list's interval."""
    if child:
        return added_on + CHILD_REVIEW_INTERVAL
    return added_on + (interval or DEFAULT_REVIEW_INTERVAL)


@dataclass(frozen=True, slots=True)
class CheckedIntelligence:
    """An intelligence item whose every field has passed the rules of collection: a valid
    3x5x2 grading, a source type of the vocabulary, a source reference and a text (both
    trimmed, neither empty), and the checklist law 8 asks of a social-media item.

    Made by ``services.entries.NewIntelligence.checked`` for an item given one at a time, and by
    the import's row check for an item read from a legacy list; what is written is built from it
    without checking again.
    """

    grading: Grading
    source_type: SourceType
    source_ref: str
    text: str
    reported_on: date
    nature: Nature = Nature.ASSESSMENT
    derived_from_id: str | None = None
    checklist: SocialMediaChecklist | None = None
