"""The encrypted, integrity-checked backup archive: a signed-off header and AES-GCM blocks.

Layout: ``MAGIC (8) || header length (4, big-endian) || header (UTF-8 JSON)`` then blocks, each
``length (4) || AES-256-GCM ciphertext and tag`` of at most 1 MiB of plaintext. The archive key
is derived with HKDF-SHA-256 from a master key and a random 32-byte salt in the header, so a
long-lived master key never encrypts two archives under the same key. Block ``i`` uses the nonce
``i`` (11 bytes, big-endian) followed by a flag byte that is 1 on the last block only, and every
block authenticates the whole header (the STREAM construction): a block altered, reordered,
dropped or appended, a cut-off tail or an edited header all fail, and the reader names which.

The reader verifies before it trusts: it writes plaintext only to the destination it was given,
which callers keep private and discard if anything fails.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from listwarden.crypto.envelope import KEY_BYTES, check_key
from listwarden.domain.errors import CryptoError

MAGIC = b"LWBACKUP"
FORMAT = "listwarden-backup"
VERSION = 1
BLOCK_BYTES = 1 << 20
SALT_BYTES = 32
_TAG = 16
_LENGTH = struct.Struct(">I")
_MAX_HEADER = 64 * 1024


class BackupRefused(CryptoError):
    """A backup is truncated, altered, foreign or not a backup at all; nothing was restored."""

    slug = "backup-refused"


def _archive_key(master: bytes, salt: bytes) -> AESGCM:
    check_key(master)
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=b"listwarden.backup.v1"
    )
    return AESGCM(hkdf.derive(master))


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def write_archive(
    source: BinaryIO, dest: BinaryIO, *, master: bytes, salt: bytes, header: Mapping[str, Any]
) -> None:
    """Encrypt all of ``source`` into ``dest`` under ``master``; ``header`` travels in clear."""
    fields = {**header, "format": FORMAT, "version": VERSION, "block_bytes": BLOCK_BYTES}
    fields["salt"] = salt.hex()
    encoded = json.dumps(fields, sort_keys=True).encode("utf-8")
    head = MAGIC + _LENGTH.pack(len(encoded)) + encoded
    aead = _archive_key(master, salt)
    dest.write(head)
    index = 0
    block = source.read(BLOCK_BYTES)
    while True:
        following = source.read(BLOCK_BYTES)
        final = not following
        sealed = aead.encrypt(_nonce(index, final), block, head)
        dest.write(_LENGTH.pack(len(sealed)) + sealed)
        if final:
            return
        block, index = following, index + 1


def read_header(source: BinaryIO, *, name: str) -> tuple[dict[str, Any], bytes]:
    """The header of an archive and its exact bytes; ``BackupRefused`` if it is not one."""
    magic = source.read(len(MAGIC))
    if magic != MAGIC:
        raise BackupRefused(f"{name} is not a listwarden backup; nothing was restored")
    raw_length = source.read(_LENGTH.size)
    if len(raw_length) < _LENGTH.size:
        raise BackupRefused(f"backup {name} is truncated inside its header; nothing was restored")
    (length,) = _LENGTH.unpack(raw_length)
    if length > _MAX_HEADER:
        raise BackupRefused(f"backup {name} has a malformed header; nothing was restored")
    encoded = source.read(length)
    if len(encoded) < length:
        raise BackupRefused(f"backup {name} is truncated inside its header; nothing was restored")
    try:
        header = json.loads(encoded.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BackupRefused(f"backup {name} has a malformed header; nothing was restored") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupRefused(f"backup {name} has a malformed header; nothing was restored")
    if header.get("version") != VERSION:
        raise BackupRefused(
            f"backup {name} has format version {header.get('version')!r}, which this listwarden "
            f"does not read (it reads version {VERSION}); nothing was restored"
        )
    return header, MAGIC + raw_length + encoded


def read_blocks(
    source: BinaryIO,
    dest: BinaryIO,
    *,
    master: bytes,
    header: Mapping[str, Any],
    head: bytes,
    name: str,
) -> None:
    """Decrypt and check every block after the header into ``dest``; ``BackupRefused`` if flawed."""
    try:
        salt = bytes.fromhex(str(header.get("salt", "")))
    except ValueError:
        salt = b""
    if len(salt) != SALT_BYTES:
        raise BackupRefused(f"backup {name} has a malformed header; nothing was restored")
    aead = _archive_key(master, salt)
    index = 0
    while True:
        raw_length = source.read(_LENGTH.size)
        if len(raw_length) < _LENGTH.size:
            raise BackupRefused(
                f"backup {name} is truncated: it ends after {index} block(s), before its "
                "final block; nothing was restored"
            )
        (length,) = _LENGTH.unpack(raw_length)
        if length < _TAG or length > BLOCK_BYTES + _TAG:
            raise _altered(name, index)
        sealed = source.read(length)
        if len(sealed) < length:
            raise BackupRefused(
                f"backup {name} is truncated inside block {index}; nothing was restored"
            )
        plain, final = _open_block(aead, index, sealed, head, name)
        dest.write(plain)
        if final:
            if source.read(1):
                raise BackupRefused(
                    f"backup {name} has data after its final block: it was altered; "
                    "nothing was restored"
                )
            return
        index += 1


def _open_block(
    aead: AESGCM, index: int, sealed: bytes, head: bytes, name: str
) -> tuple[bytes, bool]:
    """The block's plaintext and whether it is the last; only the right flag authenticates."""
    for final in (False, True):
        try:
            return aead.decrypt(_nonce(index, final), sealed, head), final
        except InvalidTag:
            continue
    raise _altered(name, index)


def _altered(name: str, index: int) -> BackupRefused:
    return BackupRefused(
        f"backup {name} failed its integrity check at block {index}: it was altered or "
        "corrupted (or its header was edited); nothing was restored"
    )
