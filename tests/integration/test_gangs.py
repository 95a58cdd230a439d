"""Law 8 on both databases: a gang nominal is linked only to a recorded, approved, reviewed gang."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from listwarden.bootstrap import Register
from listwarden.domain.errors import AccessDenied, Conflict, InvalidInput
from listwarden.services.backup import reconcile_erasures
from listwarden.services.entries import NewIntelligence, add_intelligence
from listwarden.services.gangs import (
    GangNotUsable,
    approve_gang,
    gang_evidence,
    gang_register,
    link_to_gang,
    record_gang,
)
from listwarden.services.nominals import record_determination
from listwarden.store.tables import Entry, Gang
from tests.factories import Cast, add_person, authorised_list, grant, make_cast

PURPOSE = "gang_violence_reduction"
EVIDENCE = "Joint offending by named members over 18 months; a shared identity; Met definition"


def _nominal(register: Register, cast: Cast, list_id: str, n: int, bcu: str = "CE") -> str:
    entry_id = add_person(register, cast, list_id, n, bcu=bcu)
    for ref in ("SRC-A", "SRC-B"):
        add_intelligence(
            uow=register.uow,
            actor=cast.iao,
            entry_id=entry_id,
            purpose=PURPOSE,
            item=NewIntelligence("2B P", "police", ref, "Seen with the group", date(2026, 1, 5)),
        )
    record_determination(
        uow=register.uow,
        actor=cast.iao,
        entry_id=entry_id,
        purpose=PURPOSE,
        determination="gang_member",
        reason="Named by two independent sources as a member",
    )
    return entry_id


def _link(register: Register, cast: Cast, entry_id: str, gang_id: str) -> None:
    link_to_gang(
        uow=register.uow, actor=cast.iao, entry_id=entry_id, gang_id=gang_id, purpose=PURPOSE
    )


def _refused(register: Register, cast: Cast, entry_id: str, gang_id: str) -> list[str]:
    with pytest.raises(GangNotUsable) as refused:
        _link(register, cast, entry_id, gang_id)
    return [r.code for r in refused.value.reasons]


def test_a_gang_is_recorded_with_its_evidence_sealed_and_approved_by_another_iao(
    register: Register,
) -> None:
    cast = make_cast(register)
    with pytest.raises(InvalidInput) as empty:
        record_gang(uow=register.uow, actor=cast.analyst, name=" ", bcus=[], definition_evidence="")
    assert [r.code for r in empty.value.reasons] == [
        "invalid-field",
        "bcus-missing",
        "definition-evidence-missing",
    ]
    with pytest.raises(AccessDenied):
        record_gang(
            uow=register.uow, actor=cast.officer, name="X", bcus=["CE"], definition_evidence="y"
        )
    gang_id = record_gang(
        uow=register.uow,
        actor=cast.iao,
        name="Eastside Crew",
        bcus=["ce"],
        definition_evidence=EVIDENCE,
    )
    with pytest.raises(Conflict):
        record_gang(
            uow=register.uow,
            actor=cast.analyst,
            name="Eastside  Crew",
            bcus=["CE"],
            definition_evidence="z",
        )
    with register.uow.read_only() as session:
        stored = session.get_one(Gang, gang_id)
        assert stored.bcus == ["CE"]
        assert EVIDENCE.encode() not in stored.definition_evidence_ct
    with pytest.raises(AccessDenied) as own:
        approve_gang(uow=register.uow, actor=cast.iao, gang_id=gang_id)
    assert own.value.policy == "nobody-approves-their-own-request"
    with pytest.raises(AccessDenied):
        approve_gang(uow=register.uow, actor=cast.analyst, gang_id=gang_id)
    review_on = approve_gang(uow=register.uow, actor=cast.iao2, gang_id=gang_id)
    assert review_on == register.uow.today() + timedelta(days=182)
    # The evidence key is the gang's, not a person's: reconciling keys never destroys it.
    reconcile_erasures(uow=register.uow, grace=timedelta(0))
    assert gang_evidence(uow=register.uow, actor=cast.iao2, gang_id=gang_id) == EVIDENCE


def test_only_a_corroborated_nominal_is_linked_and_only_to_a_usable_gang(
    register: Register,
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    nominal = _nominal(register, cast, matrix, 1)
    suspect = add_person(register, cast, matrix, 2)
    gang_id = record_gang(
        uow=register.uow,
        actor=cast.analyst,
        name="Eastside Crew",
        bcus=["CE"],
        definition_evidence=EVIDENCE,
    )
    elsewhere = record_gang(
        uow=register.uow,
        actor=cast.analyst,
        name="Northwest Set",
        bcus=["NW"],
        definition_evidence=EVIDENCE,
    )
    assert _refused(register, cast, nominal, gang_id) == ["gang-not-approved"]
    approve_gang(uow=register.uow, actor=cast.iao, gang_id=gang_id)
    approve_gang(uow=register.uow, actor=cast.iao, gang_id=elsewhere)
    assert _refused(register, cast, suspect, gang_id) == ["not-a-gang-nominal"]
    assert _refused(register, cast, nominal, elsewhere) == ["gang-not-in-bcu"]

    _link(register, cast, nominal, gang_id)

    with register.uow.read_only() as session:
        assert session.scalar(select(Entry.gang_id).where(Entry.id == nominal)) == gang_id
    views = {v.name: v for v in gang_register(uow=register.uow, actor=cast.analyst)}
    assert (views["Eastside Crew"].nominals, views["Eastside Crew"].review_overdue) == (1, False)

    later = register.uow.now() + timedelta(days=183)
    register.uow.clock = lambda: later
    grant(register, cast, matrix)
    assert _refused(register, cast, nominal, gang_id) == ["gang-review-overdue"]
    assert next(
        v for v in gang_register(uow=register.uow, actor=cast.iao) if v.id == gang_id
    ).review_overdue
    approve_gang(uow=register.uow, actor=cast.iao, gang_id=gang_id)  # reviewed and approved again
    _link(register, cast, nominal, gang_id)


def _proposed_gang(register: Register, cast: Cast, name: str, proposer: str | None = None) -> Gang:
    return Gang(
        id=str(uuid.uuid4()),
        name=name,
        bcus=["CE"],
        definition_evidence_ct=b"sealed elsewhere",
        status="proposed",
        proposed_by=proposer or cast.iao.id,
        proposed_at=register.uow.now(),
    )


def _wait_until_blocked(session: Session, racer: threading.Thread) -> None:
    """Until the racer waits on our uncommitted row (PostgreSQL) or has had time to (SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        time.sleep(0.3)
        return
    deadline = time.monotonic() + 20
    waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted"
    while racer.is_alive() and time.monotonic() < deadline:
        if session.scalar(text(waiting)):
            return
        time.sleep(0.02)
    raise AssertionError("the second recording never reached the database")


def test_two_recordings_of_one_gang_at_the_same_moment_refuse_the_second_as_gang_exists(
    register: Register,
) -> None:
    """The duplicate check and the insert are not atomic on PostgreSQL: the second insert
    meets the first's unique key and must come back as the same refusal, not a fault."""
    cast = make_cast(register)
    raised: list[BaseException] = []

    def second() -> None:
        try:
            record_gang(
                uow=register.uow,
                actor=cast.iao2,
                name="Northside Crew",
                bcus=["CE"],
                definition_evidence=EVIDENCE,
            )
        except BaseException as exc:  # noqa: BLE001 - the test inspects whatever it was
            raised.append(exc)

    racer = threading.Thread(target=second)
    with register.uow.transaction() as session:
        session.add(_proposed_gang(register, cast, "Northside Crew"))
        session.flush()
        racer.start()
        _wait_until_blocked(session, racer)
    racer.join(timeout=30)
    assert [type(e) for e in raised] == [Conflict]
    assert isinstance(raised[0], Conflict)
    assert [r.code for r in raised[0].reasons] == ["gang-exists"]
    with register.uow.read_only() as session:
        assert session.scalars(select(Gang.name)).all() == ["Northside Crew"]


def test_a_duplicate_key_reaching_the_database_is_a_conflict_and_other_faults_stay_faults(
    register: Register,
) -> None:
    cast = make_cast(register)
    twins = [_proposed_gang(register, cast, "Twin"), _proposed_gang(register, cast, "Twin")]
    with pytest.raises(Conflict) as clash, register.uow.transaction() as session:
        session.add_all(twins)
    assert [r.code for r in clash.value.reasons] == ["concurrent-change"]
    with pytest.raises(IntegrityError), register.uow.transaction() as session:
        session.add(_proposed_gang(register, cast, "Orphan", proposer=str(uuid.uuid4())))
    with register.uow.read_only() as session:
        assert session.scalars(select(Gang.name)).all() == []
