"""Key-encryption-key providers behind one interface, and the choice of one by key id.

A provider wraps a 32-byte data key into a blob that names its KEK id (see
:mod:`listwarden.crypto.wrapping`) and unwraps such blobs. During a rotation several KEKs are in
use at once; :class:`MultiKeyProvider` wraps with the newest and unwraps with whichever one a blob
names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from listwarden.crypto.file_provider import FileKeyProvider
from listwarden.crypto.pkcs11_provider import Pkcs11KeyProvider
from listwarden.crypto.wrapping import wrapped_key_id
from listwarden.domain.errors import InvalidInput, KeyUnavailable

__all__ = [
    "FileKeyProvider",
    "KeyProvider",
    "MultiKeyProvider",
    "Pkcs11KeyProvider",
    "provider_for",
    "wrapped_key_id",
]


@runtime_checkable
class KeyProvider(Protocol):
    """Something holding a key-encryption key: wraps data keys, unwraps its own blobs.

    ``unwrap`` raises ``KeyUnavailable`` if the blob names another key id or the provider cannot
    be reached, and ``CiphertextTampered`` if the blob fails authentication.
    """

    @property
    def key_id(self) -> str: ...

    def wrap(self, data_key: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes) -> bytes: ...


def provider_for(wrapped: bytes, providers: Iterable[KeyProvider]) -> KeyProvider:
    """The provider whose KEK ``wrapped`` names; ``KeyUnavailable`` if none of them holds it."""
    kek_id = wrapped_key_id(wrapped)
    for provider in providers:
        if provider.key_id == kek_id:
            return provider
    raise KeyUnavailable(f"no configured provider holds key-encryption key {kek_id!r}")


class MultiKeyProvider:
    """Wraps with ``current``; unwraps with whichever of ``current`` and ``older`` a blob names."""

    def __init__(self, current: KeyProvider, *older: KeyProvider) -> None:
        by_id: dict[str, KeyProvider] = {}
        for provider in (current, *older):
            if provider.key_id in by_id and by_id[provider.key_id] is not provider:
                raise InvalidInput(f"two providers claim key id {provider.key_id!r}")
            by_id[provider.key_id] = provider
        self.current = current
        self._by_id = by_id

    @property
    def key_id(self) -> str:
        return self.current.key_id

    @property
    def providers(self) -> tuple[KeyProvider, ...]:
        """Every provider held, the current one first."""
        return tuple(self._by_id.values())

    def wrap(self, data_key: bytes) -> bytes:
        return self.current.wrap(data_key)

    def unwrap(self, wrapped: bytes) -> bytes:
        kek_id = wrapped_key_id(wrapped)
        provider = self._by_id.get(kek_id)
        if provider is None:
            raise KeyUnavailable(
                f"no configured provider holds key-encryption key {kek_id!r}: point "
                "LISTWARDEN_KEY_FILE (or the PKCS#11 settings) at the key that holds it"
            )
        return provider.unwrap(wrapped)
