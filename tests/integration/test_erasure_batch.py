"""Erasing a batch of entries (the sweep's path): one certificate a person, safe to kill."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from listwarden.bootstrap import Register
from listwarden.crypto.register_keys import RegisterKeys
from listwarden.domain.errors import KeyUnavailable
from listwarden.services import erasure as erasure_service
from listwarden.services.erasure import EntryRemoval, erase_entries, finish_interrupted
from listwarden.store.tables import Entry, Event, Subject
from tests.factories import add_person, authorised_list, make_cast

RULE = "retention:matrix-removal"


class SimulatedKillError(Exception):
    """Stands for the process dying at that point."""


def _people(register: Register) -> tuple[str, str, str, str]:
    """Two people: the first on two lists, the second on one; their entries and the first's id."""
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    other = authorised_list(register, cast, name="Second Matrix")
    both_first, both_second = (
        add_person(register, cast, matrix, 1),
        add_person(register, cast, other, 1),
    )
    alone = add_person(register, cast, matrix, 2)
    return both_first, both_second, alone, _subject_of(register, both_first)


def _subject_of(register: Register, entry_id: str) -> str:
    with register.uow.read_only() as session:
        subject_id = session.scalar(select(Entry.subject_id).where(Entry.id == entry_id))
    assert subject_id is not None
    return subject_id


def _count(register: Register, table: type, *where: object) -> int:
    with register.uow.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def _removals(*entry_ids: str) -> list[EntryRemoval]:
    return [EntryRemoval(e, RULE, "retention sweep: matrix-removal") for e in entry_ids]


def test_a_person_whose_every_entry_is_in_the_batch_is_erased_whole(register: Register) -> None:
    first, second, alone, subject_id = _people(register)
    lone_subject = _subject_of(register, alone)

    done = erase_entries(uow=register.uow, actor_id=None, removals=_removals(first, second, alone))

    by_subject = {d.subject_id: d for d in done}
    assert set(by_subject) == {subject_id, lone_subject}
    assert by_subject[subject_id].scope == "subject"
    assert sorted(by_subject[subject_id].entry_ids) == sorted([first, second])
    assert all(d.completed for d in done)
    assert _count(register, Subject) == 0
    for person in (subject_id, lone_subject):
        with pytest.raises(KeyUnavailable):
            register.keystore.data_key(person)
    assert sorted(r.owner_id for r in register.keystore.erasure_ledger()) == sorted(
        [subject_id, lone_subject]
    )
    assert _count(register, Event, Event.operation == "entry:erase") == 3


def test_a_person_left_on_another_list_keeps_their_key(register: Register) -> None:
    first, second, _alone, subject_id = _people(register)

    (done,) = erase_entries(uow=register.uow, actor_id=None, removals=_removals(first))

    assert (done.scope, done.entry_ids, done.completed) == ("entry", (first,), True)
    assert _count(register, Entry, Entry.id == first) == 0
    assert _count(register, Entry, Entry.id == second) == 1
    assert register.keystore.data_key(subject_id)
    assert list(register.keystore.erasure_ledger()) == []
    assert erase_entries(uow=register.uow, actor_id=None, removals=_removals(first)) == []


def test_killed_after_the_commit_the_next_sweep_finishes_the_erasures(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, alone, subject_id = _people(register)

    def killed(self: RegisterKeys, certificate_ids: object) -> int:
        raise SimulatedKillError

    with monkeypatch.context() as patch:
        patch.setattr(RegisterKeys, "complete_erasures", killed)
        with pytest.raises(SimulatedKillError):
            erase_entries(uow=register.uow, actor_id=None, removals=_removals(first, second, alone))
    keys = register.uow.keys
    assert keys is not None
    assert _count(register, Subject) == 0  # the rows went with the commit ...
    assert register.keystore.data_key(subject_id)  # ... but the keys are still there
    assert len(keys.pending_certificates()) == 2

    assert finish_interrupted(uow=register.uow) == 2

    assert keys.pending_certificates() == []
    with pytest.raises(KeyUnavailable):
        register.keystore.data_key(subject_id)
    assert len(list(register.keystore.erasure_ledger())) == 2


def test_a_batch_whose_transaction_fails_abandons_every_certificate(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, alone, subject_id = _people(register)

    def broken(*args: object, **kwargs: object) -> None:
        raise SimulatedKillError

    monkeypatch.setattr(erasure_service, "add_events", broken)
    with pytest.raises(SimulatedKillError):
        erase_entries(uow=register.uow, actor_id=None, removals=_removals(first, second, alone))
    assert _count(register, Entry) == 3
    assert register.keystore.data_key(subject_id)
    assert register.uow.keys is not None
    assert register.uow.keys.pending_certificates() == []
    assert finish_interrupted(uow=register.uow) == 0
