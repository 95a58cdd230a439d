"""Wrapped-key format and the choice of provider by key id during a rotation."""

from __future__ import annotations

from pathlib import Path

import pytest

from listwarden.crypto.providers import (
    FileKeyProvider,
    KeyProvider,
    MultiKeyProvider,
    Pkcs11KeyProvider,
    provider_for,
    wrapped_key_id,
)
from listwarden.crypto.wrapping import parse_wrapped
from listwarden.domain.errors import CiphertextTampered, InvalidInput, KeyUnavailable

DATA_KEY = bytes(range(32))


@pytest.fixture
def old(tmp_path: Path) -> FileKeyProvider:
    return FileKeyProvider.create(tmp_path / "old.key")


@pytest.fixture
def new(tmp_path: Path) -> FileKeyProvider:
    return FileKeyProvider.create(tmp_path / "new.key")


def test_providers_satisfy_the_protocol(old: FileKeyProvider) -> None:
    assert isinstance(old, KeyProvider)
    assert isinstance(MultiKeyProvider(old), KeyProvider)
    assert isinstance(Pkcs11KeyProvider("/absent.so", "t", "1234", "kek"), KeyProvider)


def test_wrapped_blob_names_its_kek(old: FileKeyProvider) -> None:
    blob = old.wrap(DATA_KEY)
    assert wrapped_key_id(blob) == old.key_id
    parsed = parse_wrapped(blob)
    assert parsed.kek_id == old.key_id
    assert len(parsed.sealed) == 32 + 16
    assert DATA_KEY not in blob


def test_multi_provider_wraps_with_current_and_unwraps_with_any(
    old: FileKeyProvider, new: FileKeyProvider
) -> None:
    multi = MultiKeyProvider(new, old)
    assert multi.key_id == new.key_id
    assert wrapped_key_id(multi.wrap(DATA_KEY)) == new.key_id
    assert multi.unwrap(old.wrap(DATA_KEY)) == DATA_KEY
    assert multi.unwrap(new.wrap(DATA_KEY)) == DATA_KEY
    assert provider_for(old.wrap(DATA_KEY), [new, old]) is old


def test_an_unknown_kek_is_unavailable(old: FileKeyProvider, new: FileKeyProvider) -> None:
    with pytest.raises(KeyUnavailable, match=f"no configured provider holds .*{old.key_id}"):
        MultiKeyProvider(new).unwrap(old.wrap(DATA_KEY))
    with pytest.raises(KeyUnavailable):
        provider_for(old.wrap(DATA_KEY), [new])


def test_two_providers_cannot_claim_one_id(old: FileKeyProvider) -> None:
    twin = FileKeyProvider(key_id=old.key_id, key=bytes(32))
    with pytest.raises(InvalidInput, match="two providers claim"):
        MultiKeyProvider(old, twin)


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x02\x01a" + bytes(40), b"\x01\x05ab"])
def test_garbage_is_not_a_wrapped_key(blob: bytes) -> None:
    with pytest.raises(CiphertextTampered):
        parse_wrapped(blob)
