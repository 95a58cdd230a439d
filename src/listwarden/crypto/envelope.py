"""AES-256-GCM sealing of one field value, bound to its row and field by associated data.

A sealed blob is ``version (1 byte) || nonce (12 bytes) || ciphertext || tag (16 bytes)``. The
version byte is authenticated too (it is prepended to the associated data), so a blob cannot be
relabelled as another format. Nonces are random: every key here encrypts far fewer than the 2**32
messages NIST SP 800-38D allows for random 96-bit nonces (a data key serves one person).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from listwarden.crypto.framing import frame, frame_name, frame_value
from listwarden.domain.errors import CiphertextTampered, InvalidInput

VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_HEADER = bytes([VERSION])
_MIN_BLOB = 1 + NONCE_BYTES + TAG_BYTES
_AAD_CONTEXT = frame("listwarden.field.v1")


def field_aad(table: str, record_id: str, field: str) -> bytes:
    """Associated data naming a field's table, row and column, so a blob cannot change place.

    Equal to ``frame("listwarden.field.v1", table, record_id, field)``, built faster.
    """
    return b"".join((_AAD_CONTEXT, frame_name(table), frame_value(record_id), frame_name(field)))


@lru_cache(maxsize=4096)
def _field_aad_ends(table: str, field: str) -> tuple[bytes, bytes]:
    """The parts of the authenticated data around the record id, version byte included."""
    return _HEADER + _AAD_CONTEXT + frame_name(table), frame_name(field)


def check_key(key: bytes) -> None:
    """Refuse anything but a 256-bit key; a short key is a programming error, not tampering."""
    if len(key) != KEY_BYTES:
        raise InvalidInput(f"an AES-256 key is {KEY_BYTES} bytes, not {len(key)}")


class Envelope:
    """One key ready to seal and open many values (the AES key schedule is computed once)."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        check_key(key)
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return _HEADER + nonce + self._aead.encrypt(nonce, plaintext, _HEADER + aad)

    def seal_field(self, plaintext: bytes, table: str, record_id: str, field: str) -> bytes:
        """``seal(plaintext, field_aad(table, record_id, field))`` with less copying, for bulk
        writes (an import seals some eight fields a person)."""
        head, tail = _field_aad_ends(table, field)
        nonce = os.urandom(NONCE_BYTES)
        aad = head + frame_value(record_id) + tail
        return _HEADER + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        """The plaintext, or ``CiphertextTampered`` whatever went wrong with the blob."""
        return self._open(blob, _HEADER + aad)

    def open_field(self, blob: bytes, table: str, record_id: str, field: str) -> bytes:
        """``open(blob, field_aad(table, record_id, field))`` with less copying, for bulk reads."""
        return self.open_framed(blob, table, frame_value(record_id), field)

    def open_framed(self, blob: bytes, table: str, framed_record: bytes, field: str) -> bytes:
        """:meth:`open_field` given ``frame_value(record_id)``, for many fields of one record."""
        head, tail = _field_aad_ends(table, field)
        return self._open(blob, head + framed_record + tail)

    def _open(self, blob: bytes, headed_aad: bytes) -> bytes:
        if len(blob) < _MIN_BLOB:
            raise CiphertextTampered("sealed value is truncated")
        if blob[0] != VERSION:
            raise CiphertextTampered(f"sealed value has unknown format version {blob[0]}")
        nonce = blob[1 : 1 + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, blob[1 + NONCE_BYTES :], headed_aad)
        except InvalidTag:
            raise CiphertextTampered(
                "sealed value failed authentication: altered, moved, or under another key"
            ) from None


FieldToSeal = tuple[Envelope, bytes, str, bytes, str]
"""``(envelope, plaintext, table, frame_value(record_id), field)``: one value for
:func:`seal_fields`."""


def seal_fields(items: Sequence[FieldToSeal]) -> list[bytes]:
    """Seal many values, each as its envelope's :meth:`Envelope.seal_field` would, in order.

    Each value still has its own AES-GCM encryption under its own key, its own random nonce and
    its own row-bound associated data; what is shared is the one call to the operating system
    that draws all the nonces (a bulk write seals some ten values a person). The nonces are
    drawn here, for this call alone, so no two values ever share one.
    """
    nonces = os.urandom(NONCE_BYTES * len(items))
    out: list[bytes] = []
    append, ends = out.append, _field_aad_ends
    for n, (envelope, plaintext, table, framed_record, field) in enumerate(items):
        head, tail = ends(table, field)
        nonce = nonces[n * NONCE_BYTES : (n + 1) * NONCE_BYTES]
        sealed = envelope._aead.encrypt(nonce, plaintext, head + framed_record + tail)
        append(_HEADER + nonce + sealed)
    return out


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt ``plaintext`` under ``key``, authenticating ``aad`` alongside."""
    return Envelope(key).seal(plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """Decrypt a blob from :func:`seal`; ``CiphertextTampered`` on any failure."""
    return Envelope(key).open(blob, aad)
