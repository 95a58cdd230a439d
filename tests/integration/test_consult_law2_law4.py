"""Laws 2 and 4 when data is revealed: purpose first, victims kept from enforcement, all logged."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from listwarden.bootstrap import Register
from listwarden.domain.errors import AccessDenied, CategoryNotPermitted, InvalidInput
from listwarden.services.consult import consult_entry, find_person, search_list
from listwarden.services.log_search import search_events
from listwarden.store.tables import Event
from tests.factories import add_person, authorised_list, make_cast

WHY = {"purpose": "gang_violence_reduction", "justification": "pre-operation briefing CE"}


def events(register: Register) -> list[Event]:
    with register.uow.read_only() as session:
        return list(session.scalars(select(Event).order_by(Event.id)))


def mixed_list(register: Register, cast: object) -> str:
    return authorised_list(
        register,
        cast,
        name="Mixed",  # type: ignore[arg-type]
        purposes=("gang_violence_reduction", "victim_safeguarding"),
        categories=("suspected", "victim"),
    )


def test_nothing_is_shown_without_purpose_and_justification(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry_id = add_person(register, cast, matrix)
    before = len(events(register))
    for purpose, justification, code in (
        (None, "x" * 20, "purpose-required"),
        ("gang_violence_reduction", "", "justification-required"),
        ("gang_violence_reduction", "because", "justification-required"),
        ("nosiness", "x" * 20, "unknown-purpose"),
    ):
        with pytest.raises(InvalidInput) as refused:
            consult_entry(
                uow=register.uow,
                actor=cast.officer,
                entry_id=entry_id,
                purpose=purpose,
                justification=justification,
            )
        assert refused.value.reasons[0].code == code
    assert len(events(register)) == before


def test_a_consultation_is_logged_with_identifiers_not_names(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry_id = add_person(register, cast, matrix, n=42)
    view = consult_entry(uow=register.uow, actor=cast.officer, entry_id=entry_id, **WHY)
    assert (view.summary.given_name, view.summary.family_name) == ("Testgiven42", "Testfamily42")
    last = events(register)[-1]
    assert (last.operation, last.actor_id, last.entry_id, last.subject_id, last.list_id) == (
        "entry:consult",
        cast.officer.id,
        entry_id,
        view.summary.subject_id,
        matrix,
    )
    assert (last.purpose, last.purpose_class) == ("gang_violence_reduction", "enforcement")
    # The justification is kept sealed under the period's log key; the auditor reads it back.
    assert last.justification_ct is not None
    assert WHY["justification"].encode() not in last.justification_ct
    logged = search_events(uow=register.uow, actor=cast.auditor, operation="entry:consult")
    assert logged[-1].justification == WHY["justification"]
    row_text = " ".join(str(v) for v in vars(last).values())
    assert "Testgiven42" not in row_text
    assert "Testfamily42" not in row_text


def test_a_victim_is_never_consulted_for_enforcement(register: Register) -> None:
    cast = make_cast(register)
    mixed = mixed_list(register, cast)
    victim = add_person(
        register, cast, mixed, n=1, category="victim", purpose="victim_safeguarding"
    )
    before = len(events(register))
    with pytest.raises(CategoryNotPermitted) as refused:
        consult_entry(uow=register.uow, actor=cast.officer, entry_id=victim, **WHY)
    assert refused.value.reasons[0].code == "category-not-permitted-for-purpose"
    assert len(events(register)) == before
    shown = consult_entry(
        uow=register.uow,
        actor=cast.officer,
        entry_id=victim,
        purpose="victim_safeguarding",
        justification="safeguarding visit",
    )
    assert shown.summary.category == "victim"


def test_search_shows_only_permitted_categories_and_logs_each_person(register: Register) -> None:
    cast = make_cast(register)
    mixed = mixed_list(register, cast)
    for n in range(3):
        add_person(register, cast, mixed, n=n)
    add_person(register, cast, mixed, n=9, category="victim", purpose="victim_safeguarding")
    before = len(events(register))
    page = search_list(uow=register.uow, actor=cast.officer, list_id=mixed, **WHY)
    assert page.total == 3
    assert {r.category for r in page.results} == {"suspected"}
    logged = events(register)[before:]
    assert [e.operation for e in logged] == ["entry:consult"] * 3
    assert {e.entry_id for e in logged} == {r.entry_id for r in page.results}


def test_a_search_that_finds_no_one_is_logged(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    page = search_list(uow=register.uow, actor=cast.officer, list_id=matrix, band="red", **WHY)
    assert page.total == 0
    last = events(register)[-1]
    assert (last.operation, last.result_count, last.list_id, last.subject_id) == (
        "entry:consult",
        0,
        matrix,
        None,
    )


def test_an_officer_sees_only_their_bcu_and_a_refusal_is_logged_once(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    south = add_person(register, cast, matrix, n=1, bcu="SN")
    add_person(register, cast, matrix, n=2, bcu="CE")
    page = search_list(uow=register.uow, actor=cast.officer, list_id=matrix, **WHY)
    assert [r.bcu for r in page.results] == ["CE"]
    before = len(events(register))
    with pytest.raises(AccessDenied) as refused:
        consult_entry(uow=register.uow, actor=cast.officer, entry_id=south, **WHY)
    assert refused.value.policy == "officers-and-analysts-act-only-in-their-own-bcus"
    new = events(register)[before:]
    assert [(e.operation, e.outcome, e.entry_id) for e in new] == [
        ("request:refused", "refused", south)
    ]


@pytest.mark.parametrize("role", ["admin", "equality"])
def test_administrator_and_equality_analyst_see_no_individual(
    register: Register, role: str
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry_id = add_person(register, cast, matrix)
    with pytest.raises(AccessDenied):
        consult_entry(
            uow=register.uow,
            actor=getattr(cast, role),
            entry_id=entry_id,
            purpose="compliance_audit",
            justification="looking around the data",
        )


def test_a_search_across_lists_is_logged_as_a_combination(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    victims = authorised_list(
        register, cast, name="Victims", purposes=("victim_safeguarding",), categories=("victim",)
    )
    add_person(register, cast, matrix, n=5)
    add_person(register, cast, victims, n=5, category="victim", purpose="victim_safeguarding")
    found = find_person(
        uow=register.uow,
        actor=cast.auditor,
        given_name="testgiven5",
        family_name="TESTFAMILY5",
        date_of_birth=__import__("datetime").date(1998, 5, 17),
        purpose="compliance_audit",
        justification="audit of people on two lists",
    )
    assert len(found) == 2
    assert [e.operation for e in events(register)[-2:]] == ["entry:combine"] * 2
    # For enforcement, the victim entry is not even found.
    found = find_person(
        uow=register.uow,
        actor=cast.officer,
        given_name="Testgiven5",
        family_name="Testfamily5",
        date_of_birth=__import__("datetime").date(1998, 5, 17),
        **WHY,
    )
    assert [f.category for f in found] == ["suspected"]
    assert events(register)[-1].operation == "entry:consult"
    with register.uow.read_only() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Event).where(Event.operation == "entry:combine")
            )
            == 2
        )
