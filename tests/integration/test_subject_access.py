"""Subject access requests on real databases: the clock, the response, restrictions, the log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select

from listwarden.bootstrap import Register
from listwarden.domain.errors import AccessDenied, Conflict, InvalidInput, NotFound
from listwarden.domain.subject_rights import NCND_STATEMENT, OFFICERS_WITHHELD
from listwarden.export.sar_document import sar_lines
from listwarden.services.consult import consult_entry
from listwarden.services.entries import NewIntelligence, add_intelligence
from listwarden.services.subject_access import as_document, compile_sar
from listwarden.services.subject_requests import (
    extend_request,
    find_subject,
    neither_confirm_nor_deny,
    record_request,
    requests,
    restrict_item,
    resume_clock,
    reveal_officers,
    stop_clock,
)
from listwarden.store.tables import Entry, Event, IntelligenceItem, MonitoringRecord
from tests.factories import Cast, add_person, authorised_list, make_cast

WHY = {"purpose": "gang_violence_reduction", "justification": "case review HX/1"}


def world(register: Register) -> tuple[Cast, str, str, str]:
    """A person on the Matrix and on a victims list, consulted once by an officer."""
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    victims = authorised_list(
        register, cast, name="Victims", purposes=("victim_safeguarding",), categories=("victim",)
    )
    on_matrix = add_person(
        register,
        cast,
        matrix,
        n=1,
        nicknames=("Ace",),
        identity_code="IC3",
        self_defined_ethnicity="mixed_white_black_caribbean",
    )
    add_person(register, cast, victims, n=1, category="victim", purpose="victim_safeguarding")
    add_person(register, cast, matrix, n=2)  # someone else, who must not appear
    for text, ref in (("seen at the estate", "SRC-1"), ("named by a witness", "SRC-2")):
        add_intelligence(
            uow=register.uow,
            actor=cast.analyst,
            entry_id=on_matrix,
            purpose="gang_violence_reduction",
            item=NewIntelligence(
                grading="2B P",
                source_type="police",
                source_ref=ref,
                text=text,
                reported_on=register.uow.today() - timedelta(days=3),
            ),
        )
    consult_entry(uow=register.uow, actor=cast.officer, entry_id=on_matrix, **WHY)
    with register.uow.read_only() as session:
        subject_id = session.get(Entry, on_matrix).subject_id  # type: ignore[union-attr]
    return cast, matrix, on_matrix, subject_id


def ask(register: Register, cast: Cast, subject_id: str, *, confirmed: bool = True) -> str:
    today = register.uow.today()
    return record_request(
        uow=register.uow,
        actor=cast.iru,
        subject_id=subject_id,
        kind="access",
        received_on=today,
        identity_method="passport seen at the front counter",
        identity_confirmed_on=today if confirmed else None,
    )


def test_the_response_holds_everything_across_lists_and_logs_the_read(
    register: Register,
) -> None:
    cast, _matrix, on_matrix, subject_id = world(register)
    request_id = ask(register, cast, subject_id)
    response = compile_sar(uow=register.uow, actor=cast.iru, request_id=request_id)
    document = as_document(response)
    assert document["person"]["given_name"] == "Testgiven1"
    assert document["person"]["nicknames"] == ["Ace"]
    assert sorted(e["list"] for e in document["entries"]) == ["Gangs Violence Matrix", "Victims"]
    matrix_entry = next(e for e in document["entries"] if e["entry_id"] == on_matrix)
    assert sorted(i["text"] for i in matrix_entry["intelligence"]) == [
        "named by a witness",
        "seen at the estate",
    ]
    assert "SRC-1" not in str(document)  # a source reference could identify someone else
    assert "Testgiven2" not in str(document)
    assert matrix_entry["added_by"] == OFFICERS_WITHHELD
    consulted = [c for c in document["consultations"] if c["what"] == "entry:consult"]
    assert consulted == [
        {
            "at": consulted[0]["at"],
            "what": "entry:consult",
            "purpose": WHY["purpose"],
            "by": OFFICERS_WITHHELD,
        }
    ]
    assert cast.officer.id not in str(document)
    assert "Oli Cer" not in str(document)
    assert response.due_on is not None
    with register.uow.read_only() as session:
        reads = session.scalars(
            select(Event).where(
                Event.purpose == "subject_access",
                Event.subject_id == subject_id,
                Event.operation == "entry:consult",
            )
        ).all()
    assert len(reads) == 2  # one consultation per entry read, by the IRU officer
    assert {e.actor_id for e in reads} == {cast.iru.id}
    assert {e.purpose_class for e in reads} == {"rights"}
    again = compile_sar(uow=register.uow, actor=cast.iru, request_id=request_id, answer=False)
    assert sum(1 for c in again.consultations if c["what"] == "entry:consult") == 3


def test_the_response_holds_the_monitoring_record_and_its_read_is_logged(
    register: Register,
) -> None:
    cast, _matrix, _on, subject_id = world(register)
    request_id = ask(register, cast, subject_id)
    document = as_document(compile_sar(uow=register.uow, actor=cast.iru, request_id=request_id))
    assert document["monitoring"]["identity_code_assigned_by_an_officer"] == "IC3"
    assert document["monitoring"]["ethnicity_as_you_defined_it"] == "mixed_white_black_caribbean"
    assert document["monitoring"]["month_of_birth"] == "1998-05"  # the factory's date of birth
    lines = sar_lines(document)
    heading = lines.index("EQUALITY MONITORING (HELD APART, USED ONLY TO CHECK FAIR TREATMENT)")
    assert lines[heading + 1 : heading + 3] == [
        "  identity code assigned by an officer: IC3",
        "  ethnicity as you defined it: mixed_white_black_caribbean",
    ]
    with register.uow.read_only() as session:
        reads = session.scalars(select(Event).where(Event.operation == "monitoring:consult")).all()
    assert [(e.actor_id, e.subject_id, e.purpose, e.purpose_class, e.entry_id) for e in reads] == [
        (cast.iru.id, subject_id, "subject_access", "rights", None)
    ]
    assert reads[0].reason == f"subject access request {request_id}: equality monitoring record"
    again = compile_sar(uow=register.uow, actor=cast.iru, request_id=request_id, answer=False)
    assert [c["what"] for c in again.consultations].count("monitoring:consult") == 1


def test_a_person_without_a_monitoring_record_gets_none_and_no_read_is_logged(
    register: Register,
) -> None:
    cast, _matrix, _on, subject_id = world(register)
    with register.uow.transaction() as session:
        session.execute(delete(MonitoringRecord).where(MonitoringRecord.subject_id == subject_id))
    request_id = ask(register, cast, subject_id)
    response = compile_sar(uow=register.uow, actor=cast.iru, request_id=request_id)
    assert response.monitoring is None
    lines = sar_lines(as_document(response))
    heading = lines.index("EQUALITY MONITORING (HELD APART, USED ONLY TO CHECK FAIR TREATMENT)")
    assert lines[heading + 1] == "  none"
    with register.uow.read_only() as session:
        assert (
            session.scalars(select(Event).where(Event.operation == "monitoring:consult")).all()
            == []
        )


def test_items_are_restricted_one_by_one_with_a_ground(register: Register) -> None:
    cast, _matrix, on_matrix, subject_id = world(register)
    request_id = ask(register, cast, subject_id)
    with register.uow.read_only() as session:
        withheld = session.scalars(
            select(IntelligenceItem.id).where(IntelligenceItem.source_ref == "SRC-2")
        ).one()
    restrict_item(
        uow=register.uow,
        actor=cast.iru,
        request_id=request_id,
        item_kind="intelligence",
        item_id=withheld,
        ground="protect_the_rights_of_others",
        reason="it would identify the witness",
    )
    with pytest.raises(InvalidInput) as refused:
        restrict_item(
            uow=register.uow,
            actor=cast.iru,
            request_id=request_id,
            item_kind="intelligence",
            item_id=withheld,
            ground="protect_the_rights_of_others",
            reason=" ",
        )
    assert refused.value.reasons[0].code == "restriction-reason-missing"
    other = ask(register, cast, subject_id)  # a second request, with nothing restricted
    listed = {v.id: v.restrictions for v in requests(uow=register.uow, actor=cast.iru)}
    assert listed == {request_id: 1, other: 0}
    response = compile_sar(uow=register.uow, actor=cast.iru, request_id=request_id)
    entry = next(e for e in response.entries if e["entry_id"] == on_matrix)
    assert [i["text"] for i in entry["intelligence"]] == ["seen at the estate"]
    assert response.restrictions == [
        {"withheld": "intelligence", "ground": "protect_the_rights_of_others"}
    ]
    assert "witness" not in str(as_document(response))


def test_officers_are_named_only_when_the_iru_decides(register: Register) -> None:
    cast, _matrix, _on, subject_id = world(register)
    request_id = ask(register, cast, subject_id)
    reveal_officers(
        uow=register.uow, actor=cast.iru, request_id=request_id, reason="no risk: tribunal order"
    )
    response = compile_sar(uow=register.uow, actor=cast.iru, request_id=request_id)
    assert "Oli Cer" in {c["by"] for c in response.consultations}


def test_neither_confirm_nor_deny_reveals_nothing(register: Register) -> None:
    cast, _matrix, _on, subject_id = world(register)
    request_id = ask(register, cast, subject_id)
    neither_confirm_nor_deny(
        uow=register.uow, actor=cast.iru, request_id=request_id, reason="live operation"
    )
    response = compile_sar(uow=register.uow, actor=cast.iru, request_id=request_id)
    assert response.neither_confirm_nor_deny
    assert response.statement == NCND_STATEMENT
    assert (response.person, response.entries, response.consultations) == (None, [], [])
    assert response.monitoring is None
    with register.uow.read_only() as session:
        assert (
            session.scalars(select(Event).where(Event.operation == "monitoring:consult")).all()
            == []
        )
    assert "Testgiven1" not in str(as_document(response))


def test_the_clock_waits_for_identity_stops_and_extends(register: Register) -> None:
    cast, _matrix, _on, subject_id = world(register)
    uow = register.uow
    today = uow.today()
    request_id = ask(register, cast, subject_id, confirmed=False)
    with pytest.raises(InvalidInput) as unconfirmed:
        compile_sar(uow=uow, actor=cast.iru, request_id=request_id)
    assert unconfirmed.value.reasons[0].code == "identity-not-confirmed"
    (view,) = requests(uow=uow, actor=cast.iru)
    assert view.due_on is None
    from listwarden.services.subject_requests import confirm_identity

    confirm_identity(uow=uow, actor=cast.iru, request_id=request_id, on=today)
    (view,) = requests(uow=uow, actor=cast.iru)
    first_due = view.due_on
    assert first_due is not None
    stop_clock(uow=uow, actor=cast.iru, request_id=request_id, on=today)
    (view,) = requests(uow=uow, actor=cast.iru)
    assert (view.clock_stopped, view.due_on) == (True, None)
    resume_clock(uow=uow, actor=cast.iru, request_id=request_id, on=today + timedelta(days=5))
    extend_request(uow=uow, actor=cast.iru, request_id=request_id, reason="many lists")
    (view,) = requests(uow=uow, actor=cast.iru)
    assert view.extended
    assert view.due_on is not None
    assert (view.due_on - first_due).days >= 57 + 5 - 2
    (overdue,) = requests(uow=uow, actor=cast.iru, today=view.due_on + timedelta(days=1))
    assert overdue.overdue
    compile_sar(uow=uow, actor=cast.iru, request_id=request_id)
    (answered,) = requests(uow=uow, actor=cast.iru, today=view.due_on + timedelta(days=1))
    assert (answered.status, answered.overdue) == ("answered", False)
    with pytest.raises(Conflict):
        extend_request(uow=uow, actor=cast.iru, request_id=request_id, reason="again")


def test_only_the_iru_handles_requests_and_refusals_are_logged(register: Register) -> None:
    cast, _matrix, _on, subject_id = world(register)
    for actor in (cast.officer, cast.analyst, cast.admin, cast.iao):
        with pytest.raises(AccessDenied):
            record_request(
                uow=register.uow,
                actor=actor,
                subject_id=subject_id,
                kind="access",
                received_on=register.uow.today(),
                identity_method="passport",
            )
    request_id = ask(register, cast, subject_id)
    with pytest.raises(AccessDenied):
        compile_sar(uow=register.uow, actor=cast.officer, request_id=request_id)
    with register.uow.read_only() as session:
        refused = session.scalars(select(Event).where(Event.operation == "request:refused")).all()
    assert len(refused) == 5


def test_a_requester_look_up_is_logged_whether_or_not_anyone_is_found(register: Register) -> None:
    """Law 4: the IRU's look-up by name and date of birth is one event, a miss included."""
    cast, _matrix, _entry, subject_id = world(register)
    born = date(1998, 5, 17)
    found = find_subject(
        uow=register.uow,
        actor=cast.iru,
        given_name="Testgiven1",
        family_name="Testfamily1",
        date_of_birth=born,
    )
    assert found == subject_id
    with pytest.raises(NotFound):
        find_subject(
            uow=register.uow,
            actor=cast.iru,
            given_name="Nobody",
            family_name="Testfamily1",
            date_of_birth=born,
        )
    with register.uow.read_only() as session:
        looked_up = session.scalars(
            select(Event)
            .where(Event.reason == "requester looked up by name and date of birth")
            .order_by(Event.id)
        ).all()
    assert [(e.actor_id, e.subject_id, e.result_count) for e in looked_up] == [
        (cast.iru.id, subject_id, 1),
        (cast.iru.id, None, 0),
    ]
