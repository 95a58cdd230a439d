"""Erasure survives being killed: a rerun or ``keys reconcile`` finishes, a rollback abandons."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from listwarden.bootstrap import Register
from listwarden.crypto.register_keys import RegisterKeys
from listwarden.domain.errors import KeyUnavailable
from listwarden.services import erasure as erasure_service
from listwarden.services.backup import RECONCILE_RULE, reconcile_erasures
from listwarden.services.erasure import erase_subject
from listwarden.store.tables import Entry, Event, Subject
from tests.factories import add_person, authorised_list, make_cast

RULE = "retention:matrix-removal"


class SimulatedKillError(Exception):
    """Stands for the process dying at that point."""


def _subject(register: Register) -> str:
    cast = make_cast(register)
    entry = add_person(register, cast, authorised_list(register, cast))
    with register.uow.read_only() as session:
        subject_id = session.scalar(select(Entry.subject_id).where(Entry.id == entry))
    assert subject_id is not None
    return subject_id


def _present(register: Register, subject_id: str) -> bool:
    with register.uow.read_only() as session:
        return session.get(Subject, subject_id) is not None


def _erase_events(register: Register) -> int:
    with register.uow.read_only() as session:
        query = select(func.count()).select_from(Event).where(Event.operation == "entry:erase")
        return int(session.scalar(query) or 0)


@pytest.mark.parametrize("recovery", ["rerun", "reconcile"])
def test_killed_between_the_commit_and_the_key_destruction(
    register: Register, monkeypatch: pytest.MonkeyPatch, recovery: str
) -> None:
    subject_id = _subject(register)
    keys = register.uow.keys
    assert keys is not None

    def killed(self: RegisterKeys, certificate_id: str) -> bool:
        raise SimulatedKillError

    with monkeypatch.context() as patch:
        patch.setattr(RegisterKeys, "complete_erasure", killed)
        with pytest.raises(SimulatedKillError):
            erase_subject(
                uow=register.uow,
                actor_id=None,
                subject_id=subject_id,
                rule_or_request=RULE,
                reason="x",
            )

    # The rows are gone and logged, but the key is still there, with a pending certificate.
    assert not _present(register, subject_id)
    assert _erase_events(register) == 1
    assert register.keystore.data_key(subject_id)
    pending = keys.pending_certificates()
    assert [c.subject_id for c in pending] == [subject_id]
    assert list(register.keystore.erasure_ledger()) == []

    if recovery == "rerun":
        done = erase_subject(
            uow=register.uow, actor_id=None, subject_id=subject_id, rule_or_request=RULE, reason="x"
        )
        assert done.certificate_id == pending[0].id
    else:
        report = reconcile_erasures(uow=register.uow)
        assert report.completed == [pending[0].id]
        assert report.orphaned_keys == []

    with pytest.raises(KeyUnavailable):
        register.keystore.data_key(subject_id)
    assert keys.pending_certificates() == []
    assert [(r.owner_id, r.certificate_id) for r in register.keystore.erasure_ledger()] == [
        (subject_id, pending[0].id)
    ]
    assert _erase_events(register) == 1


def test_a_transaction_that_fails_abandons_its_certificate(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject_id = _subject(register)

    def broken(*args: object, **kwargs: object) -> None:
        raise SimulatedKillError

    monkeypatch.setattr(erasure_service, "log_erasure", broken)
    with pytest.raises(SimulatedKillError):
        erase_subject(
            uow=register.uow, actor_id=None, subject_id=subject_id, rule_or_request=RULE, reason="x"
        )
    assert _present(register, subject_id)
    assert register.keystore.data_key(subject_id)
    assert register.uow.keys is not None
    assert register.uow.keys.pending_certificates() == []
    assert list(register.keystore.erasure_ledger()) == []


def test_reconcile_destroys_keys_left_without_a_person_and_abandons_stale_certificates(
    register: Register,
) -> None:
    kept = _subject(register)
    orphan = str(uuid.uuid4())  # a key whose person never committed, or was restored away
    register.keystore.create_data_key(orphan)
    keys = register.uow.keys
    assert keys is not None
    stale = keys.issue_certificate(
        scope="subject",
        subject_id=kept,
        entries=[],
        list_names={},
        by="system",
        rule=RULE,
        erased_at=datetime.now(UTC),
    )

    young = reconcile_erasures(uow=register.uow, grace=timedelta(hours=1))
    assert (young.orphaned_keys, young.abandoned, young.completed) == ([], [], [])

    preview = reconcile_erasures(uow=register.uow, grace=timedelta(0), dry_run=True)
    assert preview.orphaned_keys == [orphan]
    assert preview.abandoned == [stale.id]
    assert register.keystore.data_key(orphan)

    report = reconcile_erasures(uow=register.uow, grace=timedelta(0))
    assert report.orphaned_keys == [orphan]
    assert report.abandoned == [stale.id]
    with pytest.raises(KeyUnavailable):
        register.keystore.data_key(orphan)
    certificate = keys.certificate_for_subject(orphan)
    assert certificate is not None
    assert certificate.completed
    assert certificate.document["rule_or_request"] == RECONCILE_RULE
    assert certificate.document["entry_ids"] == []
    assert _present(register, kept)
    assert register.keystore.data_key(kept)
    assert keys.pending_certificates() == []
