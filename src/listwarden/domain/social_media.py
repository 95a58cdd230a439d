"""Law 8 for social media: no intelligence from it without the checklist the guidance requires.

The Commissioner found boroughs reading the same videos in opposite ways, with no guidance on
what such material shows or how accurate it is (EN 58-61). Each social-media item therefore says
where it was seen, why the account is this person's, what conduct it shows, why that conduct is
relevant to violence rather than to taste in music, and what corroborates it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.vocabulary import SourceType

_PLACEHOLDERS = frozenset({"", "-", "n/a", "na", "none", "tbc", "tbd", "unknown", "?", "."})


@dataclass(frozen=True)
class SocialMediaChecklist:
    platform: str | None = None
    attribution: str | None = None  # how the account is attributed to the person
    conduct: str | None = None  # what conduct the material shows
    relevance_to_violence: str | None = None  # why it bears on violence, not on musical taste
    corroboration: str | None = None  # what else supports it (other items, their references)


CHECKLIST_ITEMS: dict[str, str] = {
    "platform": "the platform the material was seen on",
    "attribution": "how the account is attributed to the person",
    "conduct": "what conduct the material shows",
    "relevance_to_violence": "why it is relevant to violence rather than to taste in music",
    "corroboration": "what corroborates it",
}


class SocialMediaChecklistIncomplete(InvalidInput):
    """A social-media intelligence item lacks part of its checklist; each reason names one."""

    slug = "social-media-checklist-incomplete"


def checklist_gaps(checklist: SocialMediaChecklist | None) -> list[Reason]:
    """Each checklist item that is missing, blank or a placeholder such as "n/a"."""
    given = checklist or SocialMediaChecklist()
    gaps = []
    for item in fields(SocialMediaChecklist):
        value = getattr(given, item.name)
        if value is None or value.strip().lower() in _PLACEHOLDERS:
            detail = f"the checklist must state {CHECKLIST_ITEMS[item.name]}"
            gaps.append(Reason("checklist-item-missing", detail, f"checklist.{item.name}"))
    return gaps


def require_checklist(source_type: SourceType, checklist: SocialMediaChecklist | None) -> None:
    """Refuse a social-media item whose checklist is incomplete, naming every missing item."""
    if source_type is not SourceType.SOCIAL_MEDIA:
        return
    gaps = checklist_gaps(checklist)
    if gaps:
        missing = ", ".join(r.field.removeprefix("checklist.") for r in gaps if r.field)
        raise SocialMediaChecklistIncomplete(
            f"the social media checklist is incomplete: {missing}", reasons=gaps
        )
