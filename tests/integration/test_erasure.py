"""Erasure (law 5) on both databases: rows gone, key destroyed everywhere, a signed certificate."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from listwarden.bootstrap import Register, open_register
from listwarden.cli import app
from listwarden.crypto.keystore_schema import erasure_certificates
from listwarden.domain.errors import InvalidInput, KeyUnavailable, NotFound
from listwarden.services.entries import NewEvidence, NewIntelligence
from listwarden.services.erasure import check_certificate, erase_entry, erase_subject
from listwarden.settings import Settings
from listwarden.store.tables import (
    Entry,
    Event,
    EvidenceItem,
    IntelligenceItem,
    MonitoringRecord,
    Subject,
)
from tests.factories import Cast, add_person, authorised_list, make_cast

RULE = "request:SAR-2026-0042"


def _person_with_history(register: Register, cast: Cast, list_id: str, n: int) -> str:
    return add_person(
        register,
        cast,
        list_id,
        n,
        identity_code="IC3",
        self_defined_ethnicity="black_caribbean",
        evidence=[NewEvidence("offence", "perpetrator", date(2025, 1, 2), f"Evidence text {n}")],
        intelligence=[
            NewIntelligence("2B P", "police", f"SRC-{n}", "Intel text", date(2025, 2, 3))
        ],
    )


def _subject_of(register: Register, entry_id: str) -> Subject:
    with register.uow.read_only() as session:
        subject = session.scalar(
            select(Subject).join(Entry, Entry.subject_id == Subject.id).where(Entry.id == entry_id)
        )
    assert subject is not None
    return subject


def _count(register: Register, table: type, **where: str) -> int:
    with register.uow.read_only() as session:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return int(session.scalar(query) or 0)


def test_erasing_a_person_deletes_their_rows_destroys_their_key_and_certifies_it(
    register: Register,
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    victims = authorised_list(
        register,
        cast,
        name="Victims",
        purposes=("victim_safeguarding",),
        categories=("victim", "witness"),
    )
    entry = _person_with_history(register, cast, matrix, 1)
    second = add_person(
        register, cast, victims, 1, category="victim", purpose="victim_safeguarding"
    )
    bystander = _person_with_history(register, cast, matrix, 2)
    subject = _subject_of(register, entry)
    captured = [
        ("subjects", subject.id, "given_name", subject.given_name_ct),
        ("subjects", subject.id, "date_of_birth", subject.date_of_birth_ct),
    ]
    key = register.keystore.data_key(subject.id)

    erasure = erase_subject(
        uow=register.uow,
        actor_id=cast.dpo.id,
        subject_id=subject.id,
        rule_or_request=RULE,
        reason="erasure request upheld by the DPO",
    )

    assert erasure.completed
    assert erasure.scope == "subject"
    assert set(erasure.entry_ids) == {entry, second}
    for table in (Subject, MonitoringRecord):
        column = "id" if table is Subject else "subject_id"
        assert _count(register, table, **{column: subject.id}) == 0
    assert _count(register, Entry, subject_id=subject.id) == 0
    assert _count(register, EvidenceItem, entry_id=entry) == 0
    assert _count(register, IntelligenceItem, entry_id=entry) == 0
    with register.uow.read_only() as session:
        events = session.scalars(
            select(Event).where(Event.operation == "entry:erase").order_by(Event.entry_id)
        ).all()
    assert sorted((e.entry_id, e.list_id, e.subject_id) for e in events) == sorted(
        [(entry, matrix, subject.id), (second, victims, subject.id)]
    )
    assert all(erasure.certificate_id in (e.reason or "") for e in events)
    assert all(e.actor_id == cast.dpo.id for e in events)

    # The key is gone, so the ciphertexts captured before (as any backup holds them) are dead.
    with pytest.raises(KeyUnavailable):
        register.keystore.data_key(subject.id)
    register.keystore.clear_cache()
    for table, record, field, blob in captured:
        with pytest.raises(KeyUnavailable):
            register.uow.cipher.open(subject.id, table, record, field, blob)
    assert key not in json.dumps(erasure.document).encode()

    # Everyone else reads back intact.
    other = _subject_of(register, bystander)
    assert register.uow.cipher.open(
        other.id, "subjects", other.id, "given_name", other.given_name_ct
    ) == ("Testgiven2")

    # The ledger line and the signed certificate, with its dates and no personal data.
    ledger = list(register.keystore.erasure_ledger())
    assert [(r.owner_id, r.certificate_id) for r in ledger] == [
        (subject.id, erasure.certificate_id)
    ]
    document = erasure.document
    erased_at = datetime.fromisoformat(document["erased_at"])
    assert document["rule_or_request"] == RULE
    assert document["by"] == cast.dpo.id
    assert {item["id"] for item in document["lists"]} == {matrix, victims}
    assert datetime.fromisoformat(
        document["no_backup_restores_identifying_data_after"]
    ) == erased_at + timedelta(days=30)
    assert datetime.fromisoformat(document["monitoring_residue_gone_after"]) == (
        erased_at + timedelta(days=90)
    )
    text = json.dumps(document)
    for personal in ("Testgiven1", "Testfamily1", "1998-05-17", "erasure request upheld"):
        assert personal not in text
    check = check_certificate(uow=register.uow, certificate_id=erasure.certificate_id)
    assert check.valid
    assert check.completed


def test_every_worker_stops_serving_the_erased_key(register: Register, settings: Settings) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    subject = _subject_of(register, add_person(register, cast, matrix, 1))
    other_worker = open_register(settings, migrate_schema=False)
    try:
        blob = subject.given_name_ct
        assert (
            other_worker.uow.cipher.open(subject.id, "subjects", subject.id, "given_name", blob)
            == "Testgiven1"
        )
        erase_subject(
            uow=register.uow,
            actor_id=None,
            subject_id=subject.id,
            rule_or_request="retention:matrix-removal",
            reason="no gang-related police attention for six months",
        )
        with pytest.raises(KeyUnavailable):
            other_worker.uow.cipher.open(subject.id, "subjects", subject.id, "given_name", blob)
    finally:
        other_worker.close()


def test_erasing_again_returns_the_same_certificate_and_logs_nothing_more(
    register: Register,
) -> None:
    cast = make_cast(register)
    subject_id = _subject_of(register, add_person(register, cast, authorised_list(register, cast)))
    first = erase_subject(
        uow=register.uow,
        actor_id=None,
        subject_id=subject_id.id,
        rule_or_request=RULE,
        reason="upheld",
    )
    events = _count(register, Event, operation="entry:erase")
    again = erase_subject(
        uow=register.uow,
        actor_id=None,
        subject_id=subject_id.id,
        rule_or_request=RULE,
        reason="upheld",
    )
    assert again.certificate_id == first.certificate_id
    assert again.document["by"] == "system"
    assert _count(register, Event, operation="entry:erase") == events
    assert len(list(register.keystore.erasure_ledger())) == 1


def test_removing_one_entry_keeps_the_person_until_their_last_entry_goes(
    register: Register,
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    victims = authorised_list(
        register, cast, name="Victims", purposes=("victim_safeguarding",), categories=("victim",)
    )
    on_matrix = _person_with_history(register, cast, matrix, 1)
    on_victims = add_person(
        register, cast, victims, 1, category="victim", purpose="victim_safeguarding"
    )
    subject = _subject_of(register, on_matrix)

    removed = erase_entry(
        uow=register.uow,
        actor_id=None,
        entry_id=on_matrix,
        rule_or_request="retention:matrix-removal",
        reason="score below one",
    )
    assert (removed.scope, removed.entry_ids, removed.completed) == ("entry", (on_matrix,), True)
    assert removed.document["data_key_destroyed"] is False
    assert removed.document["monitoring_residue_gone_after"] is None
    assert _count(register, EvidenceItem, entry_id=on_matrix) == 0
    assert _count(register, IntelligenceItem, entry_id=on_matrix) == 0
    assert _count(register, Subject, id=subject.id) == 1
    assert register.keystore.data_key(subject.id)  # their other entry still needs it
    assert list(register.keystore.erasure_ledger()) == []
    assert erase_entry(
        uow=register.uow,
        actor_id=None,
        entry_id=on_matrix,
        rule_or_request="retention:matrix-removal",
        reason="again",
    ).certificate_id == (removed.certificate_id)

    last = erase_entry(
        uow=register.uow,
        actor_id=None,
        entry_id=on_victims,
        rule_or_request="retention:safeguarding-review",
        reason="no longer at risk",
    )
    assert (last.scope, last.entry_ids) == ("subject", (on_victims,))
    assert _count(register, Subject, id=subject.id) == 0
    assert _count(register, MonitoringRecord, subject_id=subject.id) == 0
    with pytest.raises(KeyUnavailable):
        register.keystore.data_key(subject.id)
    assert [r.owner_id for r in register.keystore.erasure_ledger()] == [subject.id]


def test_a_tampered_certificate_fails_verification(register: Register) -> None:
    cast = make_cast(register)
    subject = _subject_of(register, add_person(register, cast, authorised_list(register, cast)))
    erasure = erase_subject(
        uow=register.uow, actor_id=None, subject_id=subject.id, rule_or_request=RULE, reason="x"
    )
    forged = dict(erasure.document, rule_or_request="request:someone-else")
    with register.keystore.write_transaction() as conn:
        conn.execute(
            update(erasure_certificates)
            .where(erasure_certificates.c.id == erasure.certificate_id)
            .values(document=json.dumps(forged))
        )
    check = check_certificate(uow=register.uow, certificate_id=erasure.certificate_id)
    assert check.problem == "its signature does not match its contents"


def test_unknown_people_and_missing_reasons_are_refused(register: Register) -> None:
    with pytest.raises(NotFound, match="no subject nobody"):
        erase_subject(
            uow=register.uow, actor_id=None, subject_id="nobody", rule_or_request=RULE, reason="x"
        )
    with pytest.raises(NotFound, match="no entry nothing"):
        erase_entry(
            uow=register.uow, actor_id=None, entry_id="nothing", rule_or_request=RULE, reason="x"
        )
    with pytest.raises(InvalidInput) as refused:
        erase_subject(
            uow=register.uow, actor_id=None, subject_id="nobody", rule_or_request=" ", reason="x"
        )
    assert refused.value.reasons[0].field == "rule_or_request"
    with pytest.raises(NotFound, match="no erasure certificate"):
        check_certificate(uow=register.uow, certificate_id="no-such-certificate")


def test_erasure_show_verifies_the_certificate(
    register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast = make_cast(register)
    subject = _subject_of(register, add_person(register, cast, authorised_list(register, cast)))
    erasure = erase_subject(
        uow=register.uow, actor_id=None, subject_id=subject.id, rule_or_request=RULE, reason="x"
    )
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    cli = CliRunner()

    shown = cli.invoke(app, ["erasure", "show", erasure.certificate_id, "--json"])
    assert shown.exit_code == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["valid"] is True
    assert body["completed"] is True
    assert body["document"] == erasure.document
    assert len(bytes.fromhex(body["public_key_hex"])) == 32

    with register.keystore.write_transaction() as conn:
        conn.execute(
            update(erasure_certificates)
            .where(erasure_certificates.c.id == erasure.certificate_id)
            .values(signature=bytes(64))
        )
    forged = cli.invoke(app, ["erasure", "show", erasure.certificate_id])
    assert forged.exit_code == 6
    assert "signature: INVALID" in forged.stdout
    assert forged.stderr.strip() == (
        f"listwarden: error: erasure certificate {erasure.certificate_id} fails: "
        "its signature does not match its contents"
    )
