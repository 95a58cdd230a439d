"""Choosing the key provider from settings: every misconfiguration is one error naming the fix."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from listwarden.bootstrap import key_provider
from listwarden.crypto.provider_config import Pkcs11Config, make_provider, read_pin
from listwarden.crypto.providers import FileKeyProvider, Pkcs11KeyProvider
from listwarden.domain.errors import InvalidInput, KeyUnavailable
from listwarden.settings import Settings


def _hsm(tmp_path: Path, **overrides: object) -> Pkcs11Config:
    module = tmp_path / "libfake-pkcs11.so"
    module.write_bytes(b"")
    fields: dict[str, object] = {
        "module": module,
        "token_label": "token",
        "key_label": "kek",
        "pin": "1234",
    }
    fields.update(overrides)
    return Pkcs11Config(**fields)  # type: ignore[arg-type]


def _pin_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "pin"
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_the_file_provider_is_the_default_and_init_creates_it(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    with pytest.raises(KeyUnavailable, match=r"no key file at .*run 'listwarden init' first"):
        key_provider(settings)
    created = key_provider(settings, create=True)
    assert isinstance(created, FileKeyProvider)
    assert stat.S_IMODE((tmp_path / "kek.key").stat().st_mode) == 0o600
    assert key_provider(settings).key_id == created.key_id


def test_an_unknown_provider_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="must be one of file, pkcs11, not 'vault'") as refused:
        key_provider(Settings(home=tmp_path, key_provider="vault"))
    assert refused.value.reasons[0].field == "key_provider"


def test_a_configured_hsm_provider_is_built_without_touching_the_token(tmp_path: Path) -> None:
    provider = make_provider("pkcs11", key_file=tmp_path / "x", pkcs11=_hsm(tmp_path))
    assert isinstance(provider, Pkcs11KeyProvider)
    assert provider.key_id == "pkcs11:token/kek"


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"module": None}, InvalidInput, "needs LISTWARDEN_PKCS11_MODULE"),
        ({"module": Path("/nonexistent/libpkcs11.so")}, KeyUnavailable, "does not exist"),
        ({"token_label": None}, InvalidInput, "needs LISTWARDEN_PKCS11_TOKEN_LABEL"),
        ({"pin": None}, InvalidInput, "needs LISTWARDEN_PKCS11_PIN_FILE"),
    ],
)
def test_an_incomplete_hsm_configuration_names_what_is_missing(
    tmp_path: Path, overrides: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        make_provider("pkcs11", key_file=tmp_path / "x", pkcs11=_hsm(tmp_path, **overrides))


def test_the_pin_comes_from_a_private_file(tmp_path: Path) -> None:
    assert read_pin(_hsm(tmp_path, pin=None, pin_file=_pin_file(tmp_path, "98765\n"))) == "98765"


def test_a_pin_file_others_can_read_is_refused(tmp_path: Path) -> None:
    config = _hsm(tmp_path, pin=None, pin_file=_pin_file(tmp_path, "98765", mode=0o644))
    with pytest.raises(KeyUnavailable, match="readable by its owner only"):
        read_pin(config)


def test_two_pins_or_an_empty_one_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not both"):
        read_pin(_hsm(tmp_path, pin_file=_pin_file(tmp_path, "1")))
    with pytest.raises(KeyUnavailable, match="does not hold a PIN"):
        read_pin(_hsm(tmp_path, pin=None, pin_file=_pin_file(tmp_path, "\n")))
    with pytest.raises(KeyUnavailable, match="cannot be read"):
        read_pin(_hsm(tmp_path, pin=None, pin_file=tmp_path / "absent"))


def test_the_pin_is_never_printed(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, key_provider="pkcs11", pkcs11_pin="24680")
    assert "24680" not in repr(settings)
    assert "24680" not in settings.model_dump_json()
