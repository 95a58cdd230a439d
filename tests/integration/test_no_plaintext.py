"""No personal value is stored in clear: the demo's names and dates of birth are nowhere on disk.

The demo is generated on each database, then the raw SQLite file and its WAL (scanned while the
database is open and being written) or a PostgreSQL dump, and the key store's file, are searched
for every generated given and family name pair and every date of birth, as ISO and as dd/mm/yyyy.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url, select

from listwarden.bootstrap import open_register
from listwarden.crypto.blind_index import normalise_name
from listwarden.demo.generator import MATRIX, demo_people, generate_demo
from listwarden.demo.people import Person, make_person
from listwarden.services.entries import NewEntry, add_entries
from listwarden.services.users import actor_of
from listwarden.settings import Settings
from listwarden.store.tables import RegisterList, Subject, User


def _needles(people: list[Person]) -> dict[bytes, str]:
    """Every way a person's name or date of birth could sit on disk in clear, and whose it is."""
    needles: dict[bytes, str] = {}
    for person in people:
        given, family, born = person.given_name, person.family_name, person.date_of_birth
        for text in (
            f"{given} {family}",
            f"{family}, {given}",
            f"{given}{family}",
            f"{given}|{family}",
            normalise_name(given, family),
            born.isoformat(),
            born.strftime("%d/%m/%Y"),
        ):
            needles[text.encode("utf-8")] = f"{given} {family} {born}"
    return needles


def _scan(data: bytes, needles: dict[bytes, str]) -> list[str]:
    return sorted(
        {f"{needle.decode()} ({who})" for needle, who in needles.items() if needle in data}
    )


def _pg_dump(url: str) -> bytes:
    parsed = make_url(url)
    tool = shutil.which("pg_dump")
    assert tool is not None, "pg_dump is needed to scan a PostgreSQL dump"
    args = [tool, "--format=plain", "--no-password", "--dbname", str(parsed.database)]
    args += ["--host", str(parsed.host), "--port", str(parsed.port or 5432)]
    args += ["--username", str(parsed.username)]
    return subprocess.run(args, capture_output=True, check=True).stdout


def test_no_generated_name_or_date_of_birth_is_stored_in_clear(settings: Settings) -> None:
    today = datetime.now(UTC).date()
    generate_demo(settings, subjects=300, seed=3, progress=False)
    people = demo_people(subjects=300, seed=3, today=today)
    rng = random.Random(4)
    extra = [make_person(rng, today, min_age=18, max_age=30) for _ in range(40)]

    register = open_register(settings)
    try:
        # The replayed people are exactly the ones the demo holds (read back through the keys).
        with register.uow.read_only() as session:
            subjects = session.scalars(select(Subject)).all()
            matrix = session.scalar(select(RegisterList.id).where(RegisterList.name == MATRIX))
            iao = session.scalar(select(User).where(User.role == "iao"))
        assert matrix is not None
        assert iao is not None
        fields = ("given_name", "family_name", "date_of_birth")
        opened = register.uow.cipher.open_many(
            (s.id, "subjects", s.id, f, getattr(s, f"{f}_ct")) for s in subjects for f in fields
        )
        held = {tuple(opened[i : i + 3]) for i in range(0, len(opened), 3)}
        assert held == {(p.given_name, p.family_name, p.date_of_birth.isoformat()) for p in people}

        # More people while the database is open, so the WAL holds fresh pages to scan too.
        added = add_entries(
            uow=register.uow,
            actor=actor_of(iao),
            list_id=matrix,
            purpose="gang_violence_reduction",
            items=[
                NewEntry(p.given_name, p.family_name, p.date_of_birth, "suspected", "CE")
                for p in extra
            ],
        )
        needles = _needles(people + extra)
        keystore = Path(str(make_url(settings.resolved_keystore_url).database))
        assert _scan(keystore.read_bytes(), needles) == []
        if register.engine.dialect.name == "sqlite":
            database = Path(str(make_url(settings.resolved_database_url).database))
            wal = database.with_name(database.name + "-wal")
            assert wal.stat().st_size > 0
            raw = database.read_bytes() + wal.read_bytes()
            assert any(entry.encode() in raw for entry in added), "the scan must see new rows"
        else:
            raw = _pg_dump(settings.resolved_database_url)
            assert all(entry.encode() in raw for entry in added), "the dump must hold new rows"
        assert MATRIX.encode() in raw, "the scan must read what is stored in clear"
        assert _scan(raw, needles) == []
    finally:
        register.close()
