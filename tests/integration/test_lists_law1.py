"""Law 1 on real databases: no informal lists, authorisation, automatic suspension."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from listwarden.bootstrap import Register
from listwarden.domain.errors import AccessDenied, AuthorisationIncomplete, ListNotAuthorised
from listwarden.services import lists
from listwarden.services.consult import consult_entry
from listwarden.store.tables import Entry, Event, RegisterList, Subject
from tests.factories import add_person, authorised_list, draft_list, grant, make_cast


def counts(register: Register) -> tuple[int, int, int]:
    with register.uow.read_only() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(t)) or 0
            for t in (Subject, Entry, Event)
        )  # type: ignore[return-value]


def test_authorisation_refused_naming_every_missing_item(register: Register) -> None:
    cast = make_cast(register)
    list_id = draft_list(register, cast, complete=False)
    with pytest.raises(AuthorisationIncomplete) as refused:
        lists.authorise_list(uow=register.uow, actor=cast.dpo, list_id=list_id)
    assert [r.code for r in refused.value.reasons] == [
        "lawful-basis-missing",
        "dpia-missing",
        "policy-document-missing",
    ]
    with register.uow.read_only() as session:
        assert session.get(RegisterList, list_id).status == "draft"  # type: ignore[union-attr]


def test_the_owner_cannot_authorise_their_own_list(register: Register) -> None:
    cast = make_cast(register)
    list_id = draft_list(register, cast)
    with pytest.raises(AuthorisationIncomplete) as refused:
        lists.authorise_list(uow=register.uow, actor=cast.iao, list_id=list_id)
    assert {r.code for r in refused.value.reasons} == {"authoriser-role", "authoriser-is-owner"}


def test_a_dpia_author_cannot_approve_it(register: Register) -> None:
    cast = make_cast(register)
    list_id = lists.create_list(uow=register.uow, actor=cast.iao, name="L")
    lists.record_dpia(
        uow=register.uow,
        actor=cast.iao,
        list_id=list_id,
        description="d",
        risks="r",
        measures="m",
        safeguards="s",
        equality_impact="e",
        prior_consultation="not_required",
        review_on=None,
    )
    with pytest.raises(AccessDenied):
        lists.approve_dpia(uow=register.uow, actor=cast.iao, list_id=list_id)


def test_nothing_is_written_to_a_draft_list(register: Register) -> None:
    cast = make_cast(register)
    list_id = draft_list(register, cast)
    before = counts(register)
    with pytest.raises(ListNotAuthorised) as refused:
        add_person(register, cast, list_id)
    assert refused.value.reasons[0].code == "list-draft"
    assert counts(register) == before


def test_a_list_is_suspended_the_day_its_dpia_review_passes(register: Register) -> None:
    cast = make_cast(register)
    list_id = authorised_list(register, cast)
    entry_id = add_person(register, cast, list_id)
    # A year and a day later the DPIA review date has passed.
    later = datetime.now(UTC) + timedelta(days=366)
    register.uow.clock = lambda: later
    grant(register, cast, list_id)  # training and grants renewed: only the list has lapsed
    before = counts(register)
    with pytest.raises(ListNotAuthorised) as refused:
        add_person(register, cast, list_id, n=2)
    assert refused.value.reasons[0].code == "list-suspended"
    with pytest.raises(ListNotAuthorised):
        consult_entry(
            uow=register.uow,
            actor=cast.officer,
            entry_id=entry_id,
            purpose="gang_violence_reduction",
            justification="briefing for patrol",
        )
    assert counts(register) == before
    # Oversight goes on: an auditor may still consult (and is logged).
    view = consult_entry(
        uow=register.uow,
        actor=cast.auditor,
        entry_id=entry_id,
        purpose="compliance_audit",
        justification="audit of BCU CE entries",
    )
    assert view.summary.entry_id == entry_id
    # The scheduled job records the suspension in the register and the log.
    assert lists.suspend_overdue_lists(uow=register.uow) == [list_id]
    assert lists.suspend_overdue_lists(uow=register.uow) == []
    with register.uow.read_only() as session:
        assert session.get(RegisterList, list_id).status == "suspended"  # type: ignore[union-attr]
        ops = session.scalars(select(Event.operation).where(Event.list_id == list_id)).all()
    assert "list:suspend" in ops


def test_a_closed_list_cannot_be_authorised_again(register: Register) -> None:
    cast = make_cast(register)
    list_id = authorised_list(register, cast)
    lists.close_list(uow=register.uow, actor=cast.dpo, list_id=list_id, reason="decommissioned")
    with pytest.raises(ListNotAuthorised):
        add_person(register, cast, list_id)
    overview = lists.overview(uow=register.uow, actor=cast.admin, list_id=list_id)
    assert overview.status.value == "closed"
    assert overview.entries == 0
