"""The HSM provider chosen by configuration, on a real SoftHSM2 token, on both databases."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from listwarden.bootstrap import Register, open_register
from listwarden.cli import app
from listwarden.crypto.providers import FileKeyProvider
from listwarden.domain.errors import KeyUnavailable
from listwarden.services.consult import consult_entry
from listwarden.settings import Settings
from listwarden.setup import initialise
from tests.factories import add_person, authorised_list, make_cast

from .conftest import SoftHsmToken

WHY = {"purpose": "gang_violence_reduction", "justification": "reading through the HSM"}


def _hsm_settings(settings: Settings, token: SoftHsmToken, **overrides: object) -> Settings:
    fields: dict[str, object] = {
        "key_provider": "pkcs11",
        "pkcs11_module": Path(token.module),
        "pkcs11_token_label": token.label,
        "pkcs11_key_label": f"kek-{uuid.uuid4().hex[:12]}",
        "pkcs11_pin": SecretStr(token.pin),
    }
    fields.update(overrides)
    return settings.model_copy(update=fields)


def _first_reading(register: Register) -> str:
    cast = make_cast(register)
    entry = add_person(register, cast, authorised_list(register, cast), 7)
    return consult_entry(
        uow=register.uow, actor=cast.officer, entry_id=entry, **WHY
    ).summary.given_name


def test_init_generates_the_kek_on_the_token_and_the_register_runs_on_it(
    settings: Settings, softhsm_token: SoftHsmToken
) -> None:
    hsm = _hsm_settings(settings, softhsm_token)
    result = initialise(hsm)
    assert result.key_provider == "pkcs11"
    assert result.key_id == f"pkcs11:{softhsm_token.label}/{hsm.pkcs11_key_label}"
    assert not (hsm.home / "kek.key").exists()
    register = open_register(hsm)
    try:
        assert _first_reading(register) == "Testgiven7"
        assert set(register.keystore.kek_usage()) == {result.key_id}
    finally:
        register.close()
    assert initialise(hsm).admin_token is None  # a second init finds the key and changes nothing


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pkcs11_token_label": "no-such-token"}, "no PKCS#11 token labelled 'no-such-token'"),
        ({"pkcs11_pin": SecretStr("0000")}, "the PIN for token 'listwarden-test' was refused"),
        ({"pkcs11_module": Path("/usr/lib/absent/libpkcs11.so")}, "does not exist"),
        ({}, "no AES key labelled 'kek-.*' on token 'listwarden-test' .run 'listwarden init'"),
    ],
)
def test_an_unreachable_or_misconfigured_hsm_stops_start_up(
    settings: Settings, softhsm_token: SoftHsmToken, overrides: dict[str, object], message: str
) -> None:
    """A key store with nothing in it yet: opening it has to reach the token to make a key."""
    with pytest.raises(KeyUnavailable, match=message):
        open_register(_hsm_settings(settings, softhsm_token, **overrides))


def test_a_key_store_wrapped_under_another_hsm_key_names_that_key(
    settings: Settings, softhsm_token: SoftHsmToken
) -> None:
    first = _hsm_settings(settings, softhsm_token)
    result = initialise(first)
    with pytest.raises(KeyUnavailable, match=f"holds key-encryption key '{result.key_id}'"):
        open_register(_hsm_settings(settings, softhsm_token))


def test_rotation_from_the_key_file_to_the_hsm_and_back(
    register: Register,
    softhsm_token: SoftHsmToken,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    cast = make_cast(register)
    entry = add_person(register, cast, authorised_list(register, cast), 3)
    monkeypatch.setenv("LISTWARDEN_HOME", str(register.settings.home))
    monkeypatch.setenv("LISTWARDEN_DATABASE_URL", register.settings.resolved_database_url)
    monkeypatch.setenv("LISTWARDEN_PKCS11_PIN", softhsm_token.pin)
    label = f"kek-{uuid.uuid4().hex[:12]}"
    total = sum(register.keystore.kek_usage().values())
    cli = CliRunner()

    to_hsm = cli.invoke(
        app,
        [
            "keys",
            "rotate",
            "--to-pkcs11",
            "--module",
            softhsm_token.module,
            "--token",
            softhsm_token.label,
            "--key-label",
            label,
            "--json",
        ],
    )
    assert to_hsm.exit_code == 0, to_hsm.stderr
    hsm_id = f"pkcs11:{softhsm_token.label}/{label}"
    assert json.loads(to_hsm.stdout)["keys_by_kek"] == {hsm_id: total}

    for name, value in {
        "LISTWARDEN_KEY_PROVIDER": "pkcs11",
        "LISTWARDEN_PKCS11_MODULE": softhsm_token.module,
        "LISTWARDEN_PKCS11_TOKEN_LABEL": softhsm_token.label,
        "LISTWARDEN_PKCS11_KEY_LABEL": label,
    }.items():
        monkeypatch.setenv(name, value)
    on_hsm = open_register(Settings.load())
    try:
        view = consult_entry(uow=on_hsm.uow, actor=cast.officer, entry_id=entry, **WHY)
        assert view.summary.given_name == "Testgiven3"
    finally:
        on_hsm.close()

    back = cli.invoke(app, ["keys", "rotate", "--to-file", str(tmp_path / "back.key"), "--json"])
    assert back.exit_code == 0, back.stderr
    moved = json.loads(back.stdout)
    assert moved["rewrapped"] >= total  # consulting may have made a key since (a log key)
    assert list(moved["keys_by_kek"]) == [FileKeyProvider.open(tmp_path / "back.key").key_id]
    monkeypatch.setenv("LISTWARDEN_KEY_PROVIDER", "file")
    monkeypatch.setenv("LISTWARDEN_KEY_FILE", str(tmp_path / "back.key"))
    on_file = open_register(Settings.load())
    try:
        view = consult_entry(uow=on_file.uow, actor=cast.officer, entry_id=entry, **WHY)
        assert view.summary.family_name == "Testfamily3"
    finally:
        on_file.close()
