"""A name given in a justification is nowhere in the database in clear, yet the auditor reads it.

SQLite: the raw database file and its write-ahead log. PostgreSQL: a ``pg_dump`` and a SELECT of
every row of every table as text, and of every binary column as raw bytes.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from listwarden.bootstrap import Register
from listwarden.domain.errors import AccessDenied
from listwarden.services.audit_sequence import sign_checkpoint
from listwarden.services.consult import consult_entry, search_list
from listwarden.services.log_search import search_events
from tests.factories import add_person, authorised_list, make_cast

NAME = "Zebedee Quarterfield-Xylophone"
NEEDLES = [NAME.encode(), b"Quarterfield", b"Zebedee", NAME.lower().encode()]


def found_in(data: bytes) -> list[bytes]:
    return [needle for needle in NEEDLES if needle in data]


def sqlite_bytes(register: Register) -> bytes:
    path = Path(str(make_url(register.settings.resolved_database_url).database))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def postgres_rows(register: Register) -> bytes:
    out = bytearray()
    with register.engine.connect() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        for table in list(tables):
            for (row,) in conn.execute(text(f'SELECT t::text FROM "{table}" t')):
                out += row.encode() + b"\n"
        binary = conn.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND data_type = 'bytea'"
            )
        ).all()
        for table, column in binary:
            for (value,) in conn.execute(text(f'SELECT "{column}" FROM "{table}"')):
                out += bytes(value or b"") + b"\n"
    return bytes(out)


def pg_dump(register: Register) -> bytes:
    url = make_url(register.settings.resolved_database_url)
    tool = shutil.which("pg_dump")
    assert tool is not None, "pg_dump is needed to scan a PostgreSQL dump"
    args = [tool, "--no-password", "--host", str(url.host), "--port", str(url.port or 5432)]
    args += ["--username", str(url.username), "--dbname", str(url.database)]
    return subprocess.run(args, capture_output=True, check=True).stdout


def test_a_justification_naming_someone_is_stored_sealed(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry = add_person(register, cast, matrix, n=7)
    why = {"purpose": "gang_violence_reduction", "justification": f"briefing about {NAME}"}
    consult_entry(uow=register.uow, actor=cast.officer, entry_id=entry, **why)
    search_list(uow=register.uow, actor=cast.officer, list_id=matrix, **why)
    sign_checkpoint(uow=register.uow)

    read_back = search_events(uow=register.uow, actor=cast.auditor, operation="entry:consult")
    assert {e.justification for e in read_back} == {f"briefing about {NAME}"}
    # Administrators see no personal data: the policy engine refuses them the log altogether.
    with pytest.raises(AccessDenied) as refused:
        search_events(uow=register.uow, actor=cast.admin, operation="entry:consult")
    assert refused.value.policy == "administrators-see-no-personal-data"

    # Each scan sees the log's identifiers in clear, so it would see the name if it were there.
    if register.engine.dialect.name == "sqlite":
        scans = [sqlite_bytes(register)]
        register.engine.dispose()  # the last connection checkpoints the WAL into the file
        scans.append(sqlite_bytes(register))
    else:
        scans = [postgres_rows(register), pg_dump(register)]
    for data in scans:
        assert cast.officer.id.encode() in data
        assert found_in(data) == []
