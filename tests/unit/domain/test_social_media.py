"""The social-media checklist: an incomplete one is refused, naming each missing item."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from listwarden.domain.social_media import (
    CHECKLIST_ITEMS,
    SocialMediaChecklist,
    SocialMediaChecklistIncomplete,
    checklist_gaps,
    require_checklist,
)
from listwarden.domain.vocabulary import SourceType

COMPLETE = SocialMediaChecklist(
    platform="Video sharing site",
    attribution="Account linked to the person's phone number in custody record C-1",
    conduct="Shows the person holding a bladed article in a public place",
    relevance_to_violence="The blade matches one used in stabbing S-7; not the music",
    corroboration="Intelligence items I-3 (SRC-2) and I-9 (SRC-5)",
)
ITEMS = [f.name for f in fields(SocialMediaChecklist)]


def test_a_complete_checklist_passes() -> None:
    require_checklist(SourceType.SOCIAL_MEDIA, COMPLETE)
    assert checklist_gaps(COMPLETE) == []


def test_the_checklist_holds_the_five_items_the_guidance_requires() -> None:
    assert ITEMS == [
        "platform",
        "attribution",
        "conduct",
        "relevance_to_violence",
        "corroboration",
    ]
    assert set(CHECKLIST_ITEMS) == set(ITEMS)


@pytest.mark.parametrize("item", ITEMS)
@pytest.mark.parametrize("value", [None, "", "   ", "n/a", "TBC", "-"])
def test_each_missing_item_is_named(item: str, value: str | None) -> None:
    with pytest.raises(SocialMediaChecklistIncomplete) as caught:
        require_checklist(SourceType.SOCIAL_MEDIA, replace(COMPLETE, **{item: value}))
    assert [(r.code, r.field) for r in caught.value.reasons] == [
        ("checklist-item-missing", f"checklist.{item}")
    ]
    assert item in str(caught.value)


def test_a_social_media_item_without_a_checklist_lacks_all_five() -> None:
    with pytest.raises(SocialMediaChecklistIncomplete) as caught:
        require_checklist(SourceType.SOCIAL_MEDIA, None)
    assert [r.field for r in caught.value.reasons] == [f"checklist.{i}" for i in ITEMS]


def test_other_sources_need_no_checklist() -> None:
    require_checklist(SourceType.POLICE, None)
