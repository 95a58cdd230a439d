"""Law 8 on both databases: corroborated nominals only, and the social-media checklist."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.domain.corroboration import NotAGangNominal
from listwarden.domain.social_media import SocialMediaChecklist, SocialMediaChecklistIncomplete
from listwarden.services.entries import NewIntelligence, add_intelligence
from listwarden.services.nominals import record_determination
from listwarden.store.tables import Entry, IntelligenceItem
from tests.factories import Cast, add_person, authorised_list, make_cast

PURPOSE = "gang_violence_reduction"
ON = date(2026, 1, 5)


def _intel(
    register: Register, cast: Cast, entry_id: str, ref: str, derived: str | None = None
) -> str:
    return add_intelligence(
        uow=register.uow,
        actor=cast.iao,
        entry_id=entry_id,
        purpose=PURPOSE,
        item=NewIntelligence(
            "2B P", "police", ref, "Seen with the group", ON, derived_from_id=derived
        ),
    )


def _determine(register: Register, cast: Cast, entry_id: str) -> str:
    return record_determination(
        uow=register.uow,
        actor=cast.iao,
        entry_id=entry_id,
        purpose=PURPOSE,
        determination="gang_member",
        reason="Named by two sources as a member, with joint offending",
    )


def test_single_source_and_self_corroborating_nominals_are_refused(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry_id = add_person(register, cast, matrix, 1)
    first = _intel(register, cast, entry_id, "SRC-A")
    _intel(register, cast, entry_id, "SRC-A")  # the same source again
    with pytest.raises(NotAGangNominal) as single:
        _determine(register, cast, entry_id)
    assert [r.code for r in single.value.reasons] == ["single-source"]

    _intel(register, cast, entry_id, "SRC-B", derived=first)  # derived from the first item
    with pytest.raises(NotAGangNominal) as derived:
        _determine(register, cast, entry_id)
    assert [r.code for r in derived.value.reasons] == ["sources-not-independent"]

    _intel(register, cast, entry_id, "SRC-C")
    assert _determine(register, cast, entry_id).startswith("2 independent sources")
    with register.uow.read_only() as session:
        assert session.scalar(select(Entry.determination).where(Entry.id == entry_id)) == (
            "gang_member"
        )


def test_a_serious_youth_violence_determination_needs_its_reason(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry_id = add_person(register, cast, matrix, 1)
    with pytest.raises(NotAGangNominal) as refused:
        record_determination(
            uow=register.uow,
            actor=cast.iao,
            entry_id=entry_id,
            purpose=PURPOSE,
            determination="serious_youth_violence",
            reason=" ",
        )
    assert [r.code for r in refused.value.reasons] == ["determination-reason-missing"]


def test_social_media_intelligence_needs_its_whole_checklist(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry_id = add_person(register, cast, matrix, 1)
    partial = SocialMediaChecklist(platform="Video site", attribution="n/a")

    def add(checklist: SocialMediaChecklist | None) -> str:
        item = NewIntelligence(
            "2B P", "social_media", "SM-1", "Posted a video", ON, checklist=checklist
        )
        return add_intelligence(
            uow=register.uow, actor=cast.iao, entry_id=entry_id, purpose=PURPOSE, item=item
        )

    with pytest.raises(SocialMediaChecklistIncomplete) as refused:
        add(partial)
    assert [r.field for r in refused.value.reasons] == [
        "checklist.attribution",
        "checklist.conduct",
        "checklist.relevance_to_violence",
        "checklist.corroboration",
    ]
    complete = SocialMediaChecklist(
        platform="Video site",
        attribution="Account linked by a phone number on the custody record",
        conduct="Displays a knife and threatens a named rival",
        relevance_to_violence="A direct threat of violence, not the genre of the music",
        corroboration="Item SRC-9 reports the same threat",
    )
    item_id = add(complete)
    with register.uow.read_only() as session:
        sealed = session.scalar(
            select(IntelligenceItem.social_media_checklist_ct).where(IntelligenceItem.id == item_id)
        )
    assert sealed is not None
    assert b"threatens" not in sealed
