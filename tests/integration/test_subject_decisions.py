"""Rectification, erasure and restriction (ss.46-48) on real databases: decided, applied, told."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from listwarden.bootstrap import Register
from listwarden.domain.errors import InvalidInput
from listwarden.domain.sharing import SharingNotPermitted
from listwarden.domain.subject_rights import EntryRestricted
from listwarden.services.consult import consult_entry, search_list
from listwarden.services.disclosures import request_disclosure
from listwarden.services.subject_decisions import decide_request
from listwarden.services.subject_requests import record_request, requests
from listwarden.store.tables import Entry, Event, RecipientNotice, Subject
from tests.sharing_world import SharingWorld, sharing_world

ENFORCE = {"purpose": "gang_violence_reduction", "justification": "case review HX/2"}


def disclosed_person(register: Register) -> tuple[SharingWorld, str, str]:
    """A person whose entry has gone to a recipient: any change must be notified (s.48)."""
    world = sharing_world(register)
    request_disclosure(uow=register.uow, actor=world.cast.analyst, ask=world.ask())
    entry_id = world.entries[0]
    with register.uow.read_only() as session:
        subject_id = session.get(Entry, entry_id).subject_id  # type: ignore[union-attr]
    return world, entry_id, subject_id


def ask(register: Register, world: SharingWorld, subject_id: str, kind: str) -> str:
    return record_request(
        uow=register.uow,
        actor=world.cast.iru,
        subject_id=subject_id,
        kind=kind,
        received_on=register.uow.today(),
        identity_method="passport",
        identity_confirmed_on=register.uow.today(),
    )


def notices(register: Register, kind: str) -> int:
    with register.uow.read_only() as session:
        query = (
            select(func.count()).select_from(RecipientNotice).where(RecipientNotice.kind == kind)
        )
        return int(session.scalar(query) or 0)


def test_a_restricted_entry_is_never_used_operationally(register: Register) -> None:
    world, entry_id, subject_id = disclosed_person(register)
    uow, cast = register.uow, world.cast
    request_id = ask(register, world, subject_id, "restriction")
    decided = decide_request(
        uow=uow, actor=cast.iru, request_id=request_id, grant=True, reason="accuracy contested"
    )
    assert (decided.entries_changed, decided.notices_raised) == (1, 1)
    assert notices(register, "restriction") == 1
    with pytest.raises(EntryRestricted):
        consult_entry(uow=uow, actor=cast.officer, entry_id=entry_id, **ENFORCE)
    found = search_list(uow=uow, actor=cast.officer, list_id=world.matrix, **ENFORCE)
    shown = {s.entry_id for s in found.results}
    assert entry_id not in shown
    assert set(world.entries[1:]) <= shown
    with pytest.raises(SharingNotPermitted) as refused:
        request_disclosure(uow=uow, actor=cast.analyst, ask=world.ask([entry_id]))
    assert "entry-restricted" in {r.code for r in refused.value.reasons}
    consult_entry(
        uow=uow,
        actor=cast.auditor,
        entry_id=entry_id,
        purpose="compliance_audit",
        justification="audit of restricted entries",
    )
    (view,) = requests(uow=uow, actor=cast.iru)
    assert view.status == "answered"


def test_a_rectification_reseals_the_values_and_the_index_and_tells_recipients(
    register: Register,
) -> None:
    world, entry_id, subject_id = disclosed_person(register)
    uow, cast = register.uow, world.cast
    request_id = ask(register, world, subject_id, "rectification")
    with pytest.raises(InvalidInput) as unnamed:
        decide_request(uow=uow, actor=cast.iru, request_id=request_id, grant=True, reason="x")
    assert unnamed.value.reasons[0].code == "corrections-invalid"
    decide_request(
        uow=uow,
        actor=cast.iru,
        request_id=request_id,
        grant=True,
        reason="birth certificate shows the correct spelling",
        corrections={"family_name": "Corrected", "nicknames": "Ace; Deuce"},
    )
    view = consult_entry(uow=uow, actor=cast.officer, entry_id=entry_id, **ENFORCE)
    assert view.summary.family_name == "Corrected"
    assert view.nicknames == ["Ace", "Deuce"]
    with uow.read_only() as session:
        subject = session.get(Subject, subject_id)
        assert subject is not None
        assert b"Corrected" not in subject.family_name_ct
        born = uow.cipher.open(
            subject_id, "subjects", subject_id, "date_of_birth", subject.date_of_birth_ct
        )
        from datetime import date

        expected = uow.blind_index.name_dob("Testgiven0", "Corrected", date.fromisoformat(born))
        assert subject.name_dob_index == expected
        altered = session.scalars(
            select(Event).where(Event.operation == "entry:alter", Event.entry_id == entry_id)
        ).all()
    assert any("rectification" in (e.reason or "") for e in altered)
    assert notices(register, "rectification") == 1


def test_an_erasure_request_erases_everywhere_and_a_refusal_gives_its_reason(
    register: Register,
) -> None:
    world, _entry_id, subject_id = disclosed_person(register)
    uow, cast = register.uow, world.cast
    refused_id = ask(register, world, subject_id, "erasure")
    with pytest.raises(InvalidInput):
        decide_request(uow=uow, actor=cast.iru, request_id=refused_id, grant=False, reason=" ")
    decide_request(
        uow=uow,
        actor=cast.iru,
        request_id=refused_id,
        grant=False,
        reason="still needed: live investigation",
    )
    with uow.read_only() as session:
        assert session.get(Subject, subject_id) is not None
    granted_id = ask(register, world, subject_id, "erasure")
    decided = decide_request(
        uow=uow, actor=cast.iru, request_id=granted_id, grant=True, reason="no longer necessary"
    )
    assert decided.entries_changed == 1
    with uow.read_only() as session:
        assert session.get(Subject, subject_id) is None
    assert notices(register, "erasure") == 1
    decisions = {v.id: v.status for v in requests(uow=uow, actor=cast.iru)}
    assert decisions == {refused_id: "answered", granted_id: "answered"}
