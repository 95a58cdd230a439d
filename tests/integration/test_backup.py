"""Back up, erase, restore, on both databases: the erased stay gone, everyone else reads back.

The commands are driven as an operator would (``listwarden backup`` and ``restore``); the erasures
in between go through the service the retention sweep and subject rights call.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import make_url, select
from typer.testing import CliRunner

from listwarden.bootstrap import Register, open_register
from listwarden.cli import app
from listwarden.crypto.keystore import KeyStore
from listwarden.domain.errors import KeyUnavailable
from listwarden.services.consult import consult_entry
from listwarden.services.entries import NewEvidence
from listwarden.services.erasure import erase_entry, erase_subject
from listwarden.settings import Settings
from listwarden.store.tables import Entry, Event, Subject
from tests.factories import Cast, add_person, authorised_list, make_cast

WHY = {"purpose": "gang_violence_reduction", "justification": "checking the restore worked"}


@pytest.fixture
def cli(register: Register, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The command line, on the register the test set up."""
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    return CliRunner()


def _subject(register: Register, entry_id: str) -> Subject:
    with register.uow.read_only() as session:
        subject = session.scalar(
            select(Subject).join(Entry, Entry.subject_id == Subject.id).where(Entry.id == entry_id)
        )
    assert subject is not None
    return subject


def _plain_dump(register: Register, archive: Path, tmp_path: Path) -> bytes:
    """The archive decrypted, as text a search can read (a PostgreSQL dump is compressed)."""
    assert register.uow.keys is not None
    plain = tmp_path / "plain.dump"
    with archive.open("rb") as source, plain.open("wb") as dest:
        register.uow.keys.backup_sealer("database").open(source, dest, name=archive.name)
    if register.engine.dialect.name == "sqlite":
        return plain.read_bytes()
    tool = shutil.which("pg_restore")
    assert tool is not None
    done = subprocess.run([tool, "--file=-", str(plain)], capture_output=True, check=True)
    return done.stdout


def _setup(register: Register) -> tuple[Cast, dict[str, str]]:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    victims = authorised_list(
        register, cast, name="Victims", purposes=("victim_safeguarding",), categories=("victim",)
    )
    evidence = [NewEvidence("offence", "perpetrator", date(2025, 4, 1), "Synthetic offence")]
    entries = {f"p{n}": add_person(register, cast, matrix, n, evidence=evidence) for n in range(4)}
    entries["p3-victim"] = add_person(
        register, cast, victims, 3, category="victim", purpose="victim_safeguarding"
    )
    return cast, entries


def test_back_up_erase_restore(
    register: Register, settings: Settings, cli: CliRunner, tmp_path: Path
) -> None:
    cast, entries = _setup(register)
    erased, kept = _subject(register, entries["p0"]), _subject(register, entries["p1"])
    keys_before = register.keystore.data_keys([erased.id, kept.id])

    made = cli.invoke(app, ["backup", "--out", str(tmp_path / "db.lwb"), "--json"])
    assert made.exit_code == 0, made.stderr
    assert json.loads(made.stdout)["keep_for_days"] == 90
    made_keys = cli.invoke(app, ["backup", "--keystore", "--out", str(tmp_path / "ks.lwb")])
    assert made_keys.exit_code == 0, made_keys.stderr
    assert "no longer than 30 days" in made_keys.stdout

    # A database backup never holds a data key, though it holds everyone's ciphertexts.
    dump = _plain_dump(register, tmp_path / "db.lwb", tmp_path)
    assert erased.given_name_ct in dump or erased.given_name_ct.hex().encode() in dump
    for key in keys_before.values():
        assert key not in dump
        assert key.hex().encode() not in dump

    whole = erase_subject(
        uow=register.uow, actor_id=None, subject_id=erased.id, rule_or_request="r", reason="x"
    )
    one_entry = erase_entry(
        uow=register.uow,
        actor_id=None,
        entry_id=entries["p3"],
        rule_or_request="retention:matrix-removal",
        reason="score below one",
    )
    late = add_person(register, cast, authorised_list(register, cast, name="Later"), 9)

    restored = cli.invoke(app, ["restore", str(tmp_path / "db.lwb"), "--json"])
    assert restored.exit_code == 0, restored.stderr
    report = json.loads(restored.stdout)
    assert report["reapplied"] == {"subjects": [erased.id], "entries": [entries["p3"]]}

    after = open_register(settings)
    try:
        with after.uow.read_only() as session:
            ids = set(session.scalars(select(Entry.id)))
            assert session.get(Subject, erased.id) is None
            reapplied = session.scalars(
                select(Event.reason).where(
                    Event.operation == "entry:erase", Event.reason.contains("re-applied")
                )
            ).all()
        assert entries["p0"] not in ids
        assert entries["p3"] not in ids
        assert entries["p3-victim"] in ids  # the person stays on their other list
        assert late not in ids  # the restore went back to the backup
        assert {whole.certificate_id, one_entry.certificate_id} == {
            reason.split("certificate ")[1].rstrip("]") for reason in reapplied
        }
        # The erased person's ciphertexts, as the backup holds them, cannot be opened.
        with pytest.raises(KeyUnavailable):
            after.uow.cipher.open(
                erased.id, "subjects", erased.id, "given_name", erased.given_name_ct
            )
        # Everyone else reads back intact.
        for n in (1, 2):
            view = consult_entry(
                uow=after.uow, actor=cast.officer, entry_id=entries[f"p{n}"], **WHY
            )
            assert (view.summary.given_name, view.summary.family_name) == (
                f"Testgiven{n}",
                f"Testfamily{n}",
            )
            assert view.evidence[0].description == "Synthetic offence"
    finally:
        after.close()

    # The key store's backup is sealed under the KEK and holds the keys as they were.
    assert register.uow.keys is not None
    copy = tmp_path / "keystore-copy.sqlite"
    with (tmp_path / "ks.lwb").open("rb") as source, copy.open("wb") as dest:
        register.uow.keys.backup_sealer("keystore").open(source, dest, name="ks.lwb")
    old_store = KeyStore(f"sqlite:///{copy}", register.keystore.provider)
    try:
        assert old_store.data_keys([erased.id, kept.id]) == keys_before
    finally:
        old_store.close()


def test_a_backup_refuses_to_overwrite_a_file(cli: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "exists.lwb"
    target.write_bytes(b"precious")
    refused = cli.invoke(app, ["backup", "--out", str(target)])
    assert refused.exit_code == 4
    assert (
        refused.stderr.strip()
        == f"listwarden: error: {target} already exists; backups never overwrite a file"
    )
    assert target.read_bytes() == b"precious"


def test_the_backup_file_is_private(cli: CliRunner, tmp_path: Path, settings: Settings) -> None:
    assert cli.invoke(app, ["backup", "--out", str(tmp_path / "db.lwb")]).exit_code == 0
    assert (tmp_path / "db.lwb").stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob("*.partial"))
    assert not [p for p in settings.home.iterdir() if p.name.startswith(".backup-")]
    if make_url(settings.resolved_database_url).get_backend_name() == "sqlite":
        assert (tmp_path / "db.lwb").read_bytes()[:8] == b"LWBACKUP"
