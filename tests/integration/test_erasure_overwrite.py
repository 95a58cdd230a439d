"""After erasure no byte of the person is left: not their key, not their rows, not in the WAL.

On SQLite the raw files are scanned (the main database and the key store, each with its WAL).
On PostgreSQL the erased tables' pages are read with ``pageinspect``: after the erasure's
``VACUUM`` no tuple, live or dead, holds the person; after ``VACUUM FULL`` no page holds a byte.
The key store (a SQLite file beside the data in both cases) is scanned for the key itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, make_url, select, update

from listwarden.bootstrap import Register
from listwarden.crypto.keystore_schema import data_keys
from listwarden.services.entries import NewEvidence, NewIntelligence
from listwarden.services.erasure import ERASED_TABLES, erase_subject, overwrite_erased
from listwarden.services.retention import sweep
from listwarden.store.tables import Entry, EvidenceItem, IntelligenceItem, MonitoringRecord, Subject
from tests.factories import add_person, authorised_list, make_cast


@dataclass
class Traces:
    """Everything of one person that must vanish: key bytes, ciphertexts, index, identifiers."""

    subject_id: str
    key: bytes
    wrapped: bytes
    rows: list[bytes]


def _sqlite_files(url: str) -> list[Path]:
    path = Path(str(make_url(url).database))
    return [path, path.with_name(path.name + "-wal")]


def _found(paths: list[Path], needles: list[bytes]) -> list[str]:
    found = []
    for path in paths:
        data = path.read_bytes() if path.exists() else b""
        found += [f"{path.name}: {needle[:8].hex()}" for needle in needles if needle in data]
    return found


def _setup(register: Register) -> Traces:
    cast = make_cast(register)
    list_id = authorised_list(register, cast)
    for n in range(2, 40):
        add_person(register, cast, list_id, n)
    entry = add_person(
        register,
        cast,
        list_id,
        1,
        nicknames=("Shadow",),
        address="1 Synthetic Street",
        identity_code="IC1",
        evidence=[NewEvidence("offence", "suspect", date(2025, 3, 1), "Synthetic evidence")],
        intelligence=[NewIntelligence("1A P", "police", "SRC-1", "Synthetic intel", date.today())],
    )
    with register.uow.read_only() as session:
        subject = session.scalar(
            select(Subject).join(Entry, Entry.subject_id == Subject.id).where(Entry.id == entry)
        )
        assert subject is not None
        evidence = session.scalar(select(EvidenceItem).where(EvidenceItem.entry_id == entry))
        intel = session.scalar(select(IntelligenceItem).where(IntelligenceItem.entry_id == entry))
        monitoring = session.scalar(
            select(MonitoringRecord).where(MonitoringRecord.subject_id == subject.id)
        )
        assert evidence is not None
        assert intel is not None
        assert monitoring is not None
    with register.keystore.read_connection() as conn:
        wrapped = conn.execute(
            select(data_keys.c.wrapped).where(data_keys.c.owner_id == subject.id)
        ).scalar_one()
    rows = [
        subject.given_name_ct,
        subject.family_name_ct,
        subject.date_of_birth_ct,
        subject.address_ct or b"",
        subject.name_dob_index,
        evidence.description_ct,
        intel.text_ct,
        monitoring.identity_code_ct,
        monitoring.self_defined_ethnicity_ct,
    ]
    return Traces(subject.id, register.keystore.data_key(subject.id), bytes(wrapped), rows)


def _erase(register: Register, traces: Traces) -> None:
    erase_subject(
        uow=register.uow,
        actor_id=None,
        subject_id=traces.subject_id,
        rule_or_request="request:test",
        reason="test",
    )


def test_no_byte_of_an_erased_person_or_their_key_remains(register: Register) -> None:
    traces = _setup(register)
    keystore_files = _sqlite_files(register.settings.resolved_keystore_url)
    sealed = traces.wrapped[-48:]  # the AES-GCM ciphertext and tag of the key
    assert _found(keystore_files, [sealed]), "the scan must see the wrapped key beforehand"

    _erase(register, traces)

    # The key store keeps the subject id (in the ledger and the certificate), never the key.
    assert _found(keystore_files, [traces.key, sealed]) == []
    if register.engine.dialect.name == "sqlite":
        main_files = _sqlite_files(register.settings.resolved_database_url)
        assert _found(main_files, [traces.key, sealed, *traces.rows]) == []
    else:
        _assert_no_tuple_holds(register.engine, [traces.subject_id.encode(), *traces.rows])
        overwrite_erased(uow=register.uow, full=True)
        _assert_no_page_holds(register.engine, [traces.subject_id.encode(), *traces.rows])


def _blocks(engine: Engine, relation: str) -> int:
    with engine.connect() as conn:
        size = conn.exec_driver_sql(
            "SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int",
            (relation,),
        ).scalar_one()
    return int(size)


def _relations(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
        conn.commit()
        indexes = conn.exec_driver_sql(
            "SELECT indexrelid::regclass::text FROM pg_index "
            "WHERE indrelid::regclass::text = ANY(%s)",
            (list(ERASED_TABLES),),
        ).scalars()
        return [*ERASED_TABLES, *indexes]


def _assert_no_tuple_holds(engine: Engine, needles: list[bytes]) -> None:
    """No heap tuple of the erased tables, live or dead, contains any of ``needles``."""
    _relations(engine)
    with engine.connect() as conn:
        for table in ERASED_TABLES:
            for block in range(_blocks(engine, table)):
                for (data,) in conn.exec_driver_sql(
                    "SELECT t_data FROM heap_page_items(get_raw_page(%s, %s)) "
                    "WHERE t_data IS NOT NULL",
                    (table, block),
                ):
                    assert not [n for n in needles if n in bytes(data)], f"{table} block {block}"


def _assert_no_page_holds(engine: Engine, needles: list[bytes]) -> None:
    """No page of the erased tables or their indexes contains any of ``needles`` at all."""
    with engine.connect() as conn:
        for relation in _relations(engine):
            for block in range(_blocks(engine, relation)):
                page = bytes(
                    conn.exec_driver_sql(
                        "SELECT get_raw_page(%s, %s)", (relation, block)
                    ).scalar_one()
                )
                assert not [n for n in needles if n in page], f"{relation} block {block}"


def test_no_byte_of_a_person_the_sweep_removed_remains(register: Register) -> None:
    """The sweep lets its WAL gather thousands of pages between checkpoints: it must still
    leave none of them, nor any page it wrote, holding the people it removed."""
    traces = _setup(register)
    with register.uow.transaction() as session:
        session.execute(update(Entry).values(score=0))
    moved = register.uow.now() + timedelta(days=400)
    register.uow.clock = lambda: moved

    assert sweep(uow=register.uow).subjects_erased == 39

    if register.engine.dialect.name == "sqlite":
        main_files = _sqlite_files(register.settings.resolved_database_url)
        assert _found(main_files, [traces.key, *traces.rows]) == []
    else:
        _assert_no_tuple_holds(register.engine, [traces.subject_id.encode(), *traces.rows])
