"""A truncated, altered, foreign or mistaken backup is refused in one line, and nothing changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from listwarden.bootstrap import Register, open_register
from listwarden.cli import app
from listwarden.services.backup import back_up
from listwarden.settings import Settings
from listwarden.store.tables import Entry, Event, Subject
from tests.factories import add_person, authorised_list, make_cast


@pytest.fixture
def cli(register: Register, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    return CliRunner()


@pytest.fixture
def good(register: Register, tmp_path: Path) -> Path:
    """A sound backup of a register holding one person; a second person is added after it."""
    cast = make_cast(register)
    list_id = authorised_list(register, cast)
    add_person(register, cast, list_id, 1)
    path = tmp_path / "good.lwb"
    back_up(
        uow=register.uow,
        kind="database",
        source_url=register.settings.resolved_database_url,
        out=path,
        workdir=tmp_path,
    )
    add_person(register, cast, list_id, 2)  # a restore would lose this person
    return path


def _state(register: Register) -> list[int]:
    with register.uow.read_only() as session:
        return [
            int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in (Subject, Entry, Event)
        ]


def _truncated_mid_block(data: bytes) -> bytes:
    return data[: len(data) - 100]


def _header_only(data: bytes) -> bytes:
    return data[: 12 + int.from_bytes(data[8:12], "big")]


def _flipped(data: bytes) -> bytes:
    middle = bytearray(data)
    middle[len(data) - 40] ^= 0x01
    return bytes(middle)


def _header_edited(data: bytes) -> bytes:
    return data.replace(b'"created_at": "2', b'"created_at": "1', 1)


def _trailing(data: bytes) -> bytes:
    return data + b"\x00" * 20


CASES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "truncated": (_truncated_mid_block, "is truncated inside block 0"),
    "header only": (_header_only, "is truncated: it ends after 0 block(s), before its final block"),
    "altered": (_flipped, "failed its integrity check at block 0"),
    "header edited": (_header_edited, "failed its integrity check at block 0"),
    "trailing data": (_trailing, "has data after its final block"),
    "not a backup": (lambda data: b"SQLite format 3\x00" + data[16:], "is not a listwarden backup"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_damaged_backup_is_refused_and_nothing_changes(
    register: Register, cli: CliRunner, good: Path, tmp_path: Path, case: str
) -> None:
    damage, reason = CASES[case]
    bad = tmp_path / "bad.lwb"
    bad.write_bytes(damage(good.read_bytes()))
    before = _state(register)

    refused = cli.invoke(app, ["restore", str(bad)])

    assert refused.exit_code == 6, refused.stdout
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith(f"listwarden: error: backup {bad} {reason}") or lines[0] == (
        f"listwarden: error: {bad} {reason}; nothing was restored"
    )
    assert lines[0].endswith("nothing was restored")
    assert _state(register) == before
    assert not [p for p in register.settings.home.iterdir() if p.name.startswith(".restore-")]


def test_a_backup_from_another_register_is_refused(
    register: Register, cli: CliRunner, good: Path, tmp_path: Path, database_url: str
) -> None:
    other = open_register(
        Settings(home=tmp_path / "elsewhere", database_url=database_url),
        create=True,
        migrate_schema=False,
    )
    foreign = tmp_path / "foreign.lwb"
    try:
        back_up(
            uow=other.uow, kind="database", source_url=database_url, out=foreign, workdir=tmp_path
        )
    finally:
        other.close()
    before = _state(register)
    refused = cli.invoke(app, ["restore", str(foreign)])
    assert refused.exit_code == 6
    assert f"backup {foreign} was not made by this register" in refused.stderr
    assert refused.stderr.strip().endswith("nothing was restored")
    assert _state(register) == before


def test_a_key_store_backup_is_not_a_database_backup(
    register: Register, cli: CliRunner, good: Path, tmp_path: Path
) -> None:
    keystore_backup = tmp_path / "keystore.lwb"
    made = cli.invoke(app, ["backup", "--keystore", "--out", str(keystore_backup), "--json"])
    assert made.exit_code == 0, made.stderr
    assert json.loads(made.stdout)["kind"] == "keystore"
    before = _state(register)
    refused = cli.invoke(app, ["restore", str(keystore_backup)])
    assert refused.exit_code == 6
    assert refused.stderr.strip() == (
        f"listwarden: error: {keystore_backup} is a keystore backup, not a database backup; "
        "nothing was restored"
    )
    assert _state(register) == before


def test_a_missing_backup_file_is_named(register: Register, cli: CliRunner, tmp_path: Path) -> None:
    refused = cli.invoke(app, ["restore", str(tmp_path / "absent.lwb")])
    assert refused.exit_code == 3
    assert refused.stderr.strip() == f"listwarden: error: no backup file {tmp_path / 'absent.lwb'}"


def test_the_good_backup_restores(register: Register, cli: CliRunner, good: Path) -> None:
    restored = cli.invoke(app, ["restore", str(good)])
    assert restored.exit_code == 0, restored.stderr
    assert _state(register)[:2] == [1, 1]  # the person added after the backup is gone


def test_a_backup_from_a_newer_listwarden_is_refused(
    register: Register, cli: CliRunner, good: Path, tmp_path: Path
) -> None:
    with register.engine.begin() as conn:
        current = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    newer = tmp_path / "newer.lwb"
    try:
        back_up(
            uow=register.uow,
            kind="database",
            source_url=register.settings.resolved_database_url,
            out=newer,
            workdir=tmp_path,
        )
    finally:
        with register.engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{current}'")
    before = _state(register)
    refused = cli.invoke(app, ["restore", str(newer)])
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "listwarden: error: the backup's schema (9999_future) is newer than this listwarden "
        "knows: upgrade first"
    )
    assert _state(register) == before
