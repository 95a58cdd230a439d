"""The format of a wrapped data key, shared by every key-encryption-key provider.

A wrapped key is ``version (1) || id length (1) || KEK id (ASCII) || nonce (12) || AES-GCM
ciphertext of the 32-byte key || tag (16)``. The header (version, length and id) is the GCM
associated data, so the id a blob names cannot be changed without failing authentication, and a
reader can tell which KEK a blob needs before trying to unwrap it (what rotation relies on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from listwarden.domain.errors import CiphertextTampered, InvalidInput

WRAP_VERSION = 1
NONCE_BYTES = 12
_KEK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+%-]{0,199}")


def check_kek_id(kek_id: str) -> None:
    """A KEK id is short printable ASCII with no spaces, so it fits the one-byte length field."""
    if not _KEK_ID.fullmatch(kek_id):
        raise InvalidInput(f"not a valid key-encryption-key id: {kek_id!r}")


def wrap_header(kek_id: str) -> bytes:
    """The leading bytes of every blob wrapped under ``kek_id``; also its associated data."""
    check_kek_id(kek_id)
    raw = kek_id.encode("ascii")
    return bytes([WRAP_VERSION, len(raw)]) + raw


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A parsed wrapped key: which KEK it needs, and the parts to hand to AES-GCM."""

    kek_id: str
    header: bytes
    nonce: bytes
    sealed: bytes

    def to_bytes(self) -> bytes:
        return self.header + self.nonce + self.sealed


def pack_wrapped(kek_id: str, nonce: bytes, sealed: bytes) -> bytes:
    return WrappedKey(kek_id, wrap_header(kek_id), nonce, sealed).to_bytes()


def parse_wrapped(blob: bytes) -> WrappedKey:
    """Split a wrapped key into its parts; ``CiphertextTampered`` if it is not one."""
    if len(blob) < 2 or blob[0] != WRAP_VERSION:
        raise CiphertextTampered("wrapped key has an unknown format")
    end = 2 + blob[1]
    if len(blob) < end + NONCE_BYTES + 16:
        raise CiphertextTampered("wrapped key is truncated")
    try:
        kek_id = blob[2:end].decode("ascii")
    except UnicodeDecodeError:
        raise CiphertextTampered("wrapped key names an unreadable key id") from None
    return WrappedKey(kek_id, blob[:end], blob[end : end + NONCE_BYTES], blob[end + NONCE_BYTES :])


def wrapped_key_id(blob: bytes) -> str:
    """The id of the key-encryption key that ``blob`` was wrapped under."""
    if len(blob) < 2 or blob[0] != WRAP_VERSION or len(blob) < 2 + blob[1]:
        raise CiphertextTampered("wrapped key has an unknown format")
    try:
        return blob[2 : 2 + blob[1]].decode("ascii")
    except UnicodeDecodeError:
        raise CiphertextTampered("wrapped key names an unreadable key id") from None
