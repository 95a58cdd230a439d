"""The PKCS#11 provider on a real SoftHSM2 token: wrapping on the token, a KEK nobody can read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from listwarden.crypto.keystore import KeyStore
from listwarden.crypto.providers import FileKeyProvider, Pkcs11KeyProvider
from listwarden.domain.errors import CiphertextTampered, KeyUnavailable

from .conftest import SoftHsmToken

DATA_KEY = bytes(range(32))


@pytest.fixture
def hsm(softhsm_token: SoftHsmToken, request: pytest.FixtureRequest) -> Iterator[Pkcs11KeyProvider]:
    """A provider with a key of its own on the session's token (one label per test)."""
    label = f"kek-{request.node.name}"[:60]
    provider = Pkcs11KeyProvider(
        softhsm_token.module, softhsm_token.label, softhsm_token.pin, label
    )
    assert provider.ensure_key() is True
    yield provider
    provider.close()


def test_wrap_and_unwrap_on_the_token(hsm: Pkcs11KeyProvider) -> None:
    wrapped = hsm.wrap(DATA_KEY)
    assert DATA_KEY not in wrapped
    assert hsm.unwrap(wrapped) == DATA_KEY
    assert hsm.wrap(DATA_KEY) != wrapped


def test_ensure_key_is_idempotent(hsm: Pkcs11KeyProvider, softhsm_token: SoftHsmToken) -> None:
    wrapped = hsm.wrap(DATA_KEY)
    assert hsm.ensure_key() is False
    again = Pkcs11KeyProvider(
        softhsm_token.module, softhsm_token.label, softhsm_token.pin, hsm.key_label
    )
    assert again.ensure_key() is False
    assert again.unwrap(wrapped) == DATA_KEY
    again.close()


def test_the_kek_is_sensitive_and_never_extractable(
    hsm: Pkcs11KeyProvider, softhsm_token: SoftHsmToken
) -> None:
    import pkcs11

    token = pkcs11.lib(softhsm_token.module).get_token(token_label=softhsm_token.label)
    # No PIN: the provider's login is the process's, so this session sees its private key.
    with token.open() as session:
        key: Any = session.get_key(
            pkcs11.ObjectClass.SECRET_KEY, pkcs11.KeyType.AES, label=hsm.key_label
        )
        assert key[pkcs11.Attribute.SENSITIVE] is True
        assert key[pkcs11.Attribute.EXTRACTABLE] is False
        assert key[pkcs11.Attribute.NEVER_EXTRACTABLE] is True
        assert key[pkcs11.Attribute.TOKEN] is True
        with pytest.raises(pkcs11.AttributeSensitive):
            key[pkcs11.Attribute.VALUE]


def test_a_tampered_blob_fails_authentication(hsm: Pkcs11KeyProvider) -> None:
    wrapped = bytearray(hsm.wrap(DATA_KEY))
    wrapped[-1] ^= 1
    with pytest.raises(CiphertextTampered, match="failed authentication"):
        hsm.unwrap(bytes(wrapped))


def test_another_keks_blob_is_unavailable(hsm: Pkcs11KeyProvider, tmp_path: Path) -> None:
    other = FileKeyProvider.create(tmp_path / "kek.key")
    with pytest.raises(KeyUnavailable, match="this HSM provider holds"):
        hsm.unwrap(other.wrap(DATA_KEY))


def test_a_wrong_pin_is_unavailable_with_a_plain_message(softhsm_token: SoftHsmToken) -> None:
    provider = Pkcs11KeyProvider(softhsm_token.module, softhsm_token.label, "0000", "kek-pin")
    with pytest.raises(KeyUnavailable, match="the PIN for token 'listwarden-test' was refused"):
        provider.wrap(DATA_KEY)


def test_a_wrong_pin_is_refused_even_while_the_token_is_logged_in(
    hsm: Pkcs11KeyProvider, softhsm_token: SoftHsmToken
) -> None:
    hsm.wrap(DATA_KEY)  # the process is now logged in to the token
    intruder = Pkcs11KeyProvider(softhsm_token.module, softhsm_token.label, "0000", hsm.key_label)
    with pytest.raises(KeyUnavailable, match="was refused"):
        intruder.wrap(DATA_KEY)


def test_providers_share_the_login_and_the_last_one_logs_out(
    hsm: Pkcs11KeyProvider, softhsm_token: SoftHsmToken
) -> None:
    import pkcs11

    second = Pkcs11KeyProvider(
        softhsm_token.module, softhsm_token.label, softhsm_token.pin, "kek-second"
    )
    second.ensure_key()
    wrapped = second.wrap(DATA_KEY)
    hsm.close()  # closing one provider must not log the other out
    assert second.unwrap(wrapped) == DATA_KEY
    second.close()
    token = pkcs11.lib(softhsm_token.module).get_token(token_label=softhsm_token.label)
    with token.open() as session, pytest.raises(pkcs11.NoSuchKey):
        session.get_key(label="kek-second")  # private objects are hidden once logged out


def test_an_unknown_token_is_unavailable(softhsm_token: SoftHsmToken) -> None:
    provider = Pkcs11KeyProvider(softhsm_token.module, "no-such-token", softhsm_token.pin, "k")
    with pytest.raises(KeyUnavailable, match="no PKCS#11 token labelled 'no-such-token'"):
        provider.wrap(DATA_KEY)


def test_a_missing_module_is_unavailable(tmp_path: Path) -> None:
    provider = Pkcs11KeyProvider(tmp_path / "absent.so", "token", "1234", "kek")
    with pytest.raises(KeyUnavailable, match="cannot load PKCS#11 module"):
        provider.wrap(DATA_KEY)


def test_a_key_not_yet_generated_is_unavailable(softhsm_token: SoftHsmToken) -> None:
    provider = Pkcs11KeyProvider(
        softhsm_token.module, softhsm_token.label, softhsm_token.pin, "never-generated"
    )
    with pytest.raises(KeyUnavailable, match="no AES key labelled 'never-generated'"):
        provider.wrap(DATA_KEY)
    provider.close()


def test_rotation_from_a_key_file_to_the_hsm(
    hsm: Pkcs11KeyProvider, kek: FileKeyProvider, sqlite_url: str
) -> None:
    store = KeyStore(sqlite_url, kek)
    try:
        keys = store.create_data_keys([f"subject-{n}" for n in range(12)])
        equality = store.system_key("equality")
        assert store.rotate(hsm, batch_size=5) == 13
        assert store.kek_usage() == {hsm.key_id: 13}
    finally:
        store.close()
    hsm_only = KeyStore(sqlite_url, hsm)
    try:
        assert hsm_only.data_keys(keys) == keys
        assert hsm_only.system_key("equality") == equality
    finally:
        hsm_only.close()
