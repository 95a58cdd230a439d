"""``listwarden keys``: rotation re-wraps without re-encrypting, resumes, says what comes next."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from listwarden.bootstrap import Register, open_register
from listwarden.cli import app
from listwarden.crypto.keystore import KeyStore
from listwarden.crypto.providers import FileKeyProvider
from listwarden.domain.errors import KeyUnavailable
from listwarden.services.consult import consult_entry
from listwarden.settings import Settings
from tests.factories import Cast, add_person, authorised_list, make_cast

WHY = {"purpose": "gang_violence_reduction", "justification": "checking rotation kept data"}


class SimulatedKillError(Exception):
    """Stands for the rotation process dying."""


@pytest.fixture
def cli(register: Register, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    return CliRunner()


def _people(register: Register, n: int = 6) -> tuple[Cast, list[str]]:
    cast = make_cast(register)
    list_id = authorised_list(register, cast)
    return cast, [add_person(register, cast, list_id, i) for i in range(n)]


def _reads(settings: Settings, cast: Cast, entries: list[str]) -> list[str]:
    register = open_register(settings)
    try:
        return [
            consult_entry(
                uow=register.uow, actor=cast.officer, entry_id=e, **WHY
            ).summary.given_name
            for e in entries
        ]
    finally:
        register.close()


def test_rotation_to_a_new_key_file(
    register: Register, cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast, entries = _people(register)
    total = sum(register.keystore.kek_usage().values())
    old_id = register.keystore.provider.key_id
    new_file = tmp_path / "new-kek.key"

    rotated = cli.invoke(app, ["keys", "rotate", "--to-file", str(new_file), "--json"])

    assert rotated.exit_code == 0, rotated.stderr
    result = json.loads(rotated.stdout)
    new_id = FileKeyProvider.open(new_file).key_id
    assert result["rewrapped"] == total
    assert result["keys_by_kek"] == {new_id: total}
    assert f"LISTWARDEN_KEY_FILE={new_file}" in result["next_step"]
    assert "30 days" in result["next_step"]
    assert new_id != old_id

    monkeypatch.setenv("LISTWARDEN_KEY_FILE", str(new_file))
    after = Settings.load()
    assert _reads(after, cast, entries) == [f"Testgiven{i}" for i in range(len(entries))]
    # The old key file no longer opens anything: the server would refuse to start.
    with pytest.raises(
        KeyUnavailable, match=f"no configured provider holds key-encryption key '{new_id}'"
    ):
        open_register(register.settings)
    again = cli.invoke(app, ["keys", "rotate", "--to-file", str(new_file), "--json"])
    assert json.loads(again.stdout)["rewrapped"] == 0


def test_an_interrupted_rotation_is_finished_by_running_it_again(
    register: Register, cli: CliRunner, tmp_path: Path
) -> None:
    cast, entries = _people(register, 12)
    new_file = tmp_path / "new-kek.key"
    new = FileKeyProvider.create(new_file)
    total = sum(register.keystore.kek_usage().values())

    def killed(done: int, _total: int) -> None:
        raise SimulatedKillError

    partial = KeyStore(register.settings.resolved_keystore_url, register.keystore.provider)
    try:
        with pytest.raises(SimulatedKillError):
            partial.rotate(new, batch_size=5, progress=killed)
    finally:
        partial.close()
    assert register.keystore.kek_usage()[new.key_id] == 5

    resumed = cli.invoke(app, ["keys", "rotate", "--to-file", str(new_file), "--json"])
    assert resumed.exit_code == 0, resumed.stderr
    assert json.loads(resumed.stdout)["rewrapped"] == total - 5
    settings = register.settings.model_copy(update={"key_file": new_file})
    assert _reads(settings, cast, entries)[-1] == "Testgiven11"


def test_a_rotation_resumed_after_the_settings_moved_needs_the_old_file(
    register: Register, cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _people(register, 3)
    old_file = register.settings.resolved_key_file
    new_file = tmp_path / "new-kek.key"
    new = FileKeyProvider.create(new_file)
    monkeypatch.setenv("LISTWARDEN_KEY_FILE", str(new_file))

    stuck = cli.invoke(app, ["keys", "rotate", "--to-file", str(new_file)])
    assert stuck.exit_code == 6
    assert "no configured provider holds key-encryption key" in stuck.stderr

    finished = cli.invoke(
        app, ["keys", "rotate", "--to-file", str(new_file), "--from-file", str(old_file), "--json"]
    )
    assert finished.exit_code == 0, finished.stderr
    assert set(json.loads(finished.stdout)["keys_by_kek"]) == {new.key_id}


def test_rotate_needs_exactly_one_target(cli: CliRunner) -> None:
    refused = cli.invoke(app, ["keys", "rotate"])
    assert refused.exit_code == 2
    assert refused.stderr.strip() == (
        "listwarden: error: give exactly one of --to-file FILE and --to-pkcs11"
    )


def test_status_and_reconcile(register: Register, cli: CliRunner) -> None:
    _people(register, 2)
    status = cli.invoke(app, ["keys", "status", "--json"])
    assert status.exit_code == 0, status.stderr
    shown = json.loads(status.stdout)
    assert shown["current_key_id"] == register.keystore.provider.key_id
    assert shown["pending_erasures"] == []
    reconciled = cli.invoke(app, ["keys", "reconcile", "--json"])
    assert reconciled.exit_code == 0, reconciled.stderr
    assert json.loads(reconciled.stdout)["orphaned_keys"] == []
    plain = cli.invoke(app, ["keys", "reconcile", "--dry-run"])
    assert "0 keys left without a person would be destroyed" in plain.stdout
