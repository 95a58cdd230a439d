"""A key-encryption key kept in a local file readable by its owner only (mode 0600).

The file is small, self-describing JSON: a format name and version, the key's id, the algorithm,
its creation time and the 256-bit key in base64. Opening refuses a file that anyone but its owner
can read or write: a KEK that others can read protects nothing, and one they can write can be
swapped for theirs.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from listwarden.crypto.envelope import KEY_BYTES, check_key
from listwarden.crypto.wrapping import (
    NONCE_BYTES,
    check_kek_id,
    parse_wrapped,
    wrap_header,
)
from listwarden.domain.errors import (
    CiphertextTampered,
    Conflict,
    InvalidInput,
    KeyUnavailable,
)

FILE_FORMAT = "listwarden-key-encryption-key"
FILE_VERSION = 1
ALGORITHM = "AES-256-GCM"
_MAX_FILE_BYTES = 64 * 1024
_FILE_MODE = 0o600


class FileKeyProvider:
    """Wraps and unwraps data keys with AES-256-GCM under a KEK read from a key file."""

    __slots__ = ("_aead", "_header", "key_id", "path")

    def __init__(self, *, key_id: str, key: bytes, path: Path | None = None) -> None:
        check_kek_id(key_id)
        check_key(key)
        self.key_id = key_id
        self.path = path
        self._header = wrap_header(key_id)
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return f"FileKeyProvider(key_id={self.key_id!r}, path={str(self.path)!r})"

    @classmethod
    def create(cls, path: Path) -> FileKeyProvider:
        """Write a fresh random KEK to a new file with mode 0600; never overwrite a file."""
        key = secrets.token_bytes(KEY_BYTES)
        key_id = f"file:{secrets.token_hex(8)}"
        document = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "key_id": key_id,
            "algorithm": ALGORITHM,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "key": base64.b64encode(key).decode("ascii"),
        }
        _write_new_private_file(path, (json.dumps(document, indent=2) + "\n").encode("utf-8"))
        return cls(key_id=key_id, key=key, path=path)

    @classmethod
    def open(cls, path: Path) -> FileKeyProvider:
        """Read a key file; ``KeyUnavailable`` saying why if it is missing, unsafe or malformed."""
        raw = _read_private_file(path)
        try:
            document = json.loads(raw.decode("utf-8"))
            key_id, key = _parse_document(document)
            return cls(key_id=key_id, key=key, path=path)
        except (ValueError, TypeError, InvalidInput) as exc:
            raise KeyUnavailable(f"key file {path} is not a listwarden key file: {exc}") from None

    def wrap(self, data_key: bytes) -> bytes:
        check_key(data_key)
        nonce = os.urandom(NONCE_BYTES)
        # ``pack_wrapped`` with the header made once: an import wraps a key per new person.
        return self._header + nonce + self._aead.encrypt(nonce, data_key, self._header)

    def unwrap(self, wrapped: bytes) -> bytes:
        parsed = parse_wrapped(wrapped)
        if parsed.kek_id != self.key_id:
            raise KeyUnavailable(
                f"wrapped key needs key-encryption key {parsed.kek_id!r}; "
                f"this key file holds {self.key_id!r}"
            )
        try:
            return self._aead.decrypt(parsed.nonce, parsed.sealed, parsed.header)
        except InvalidTag:
            raise CiphertextTampered(
                f"wrapped key failed authentication under {self.key_id!r}"
            ) from None


def _parse_document(document: Any) -> tuple[str, bytes]:
    if not isinstance(document, dict):
        raise TypeError("expected a JSON object")
    if document.get("format") != FILE_FORMAT or document.get("version") != FILE_VERSION:
        raise ValueError(f"expected format {FILE_FORMAT!r} version {FILE_VERSION}")
    if document.get("algorithm") != ALGORITHM:
        raise ValueError(f"expected algorithm {ALGORITHM!r}")
    key_id, encoded = document.get("key_id"), document.get("key")
    if not isinstance(key_id, str) or not isinstance(encoded, str):
        raise TypeError("key_id and key must be strings")
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise ValueError("key is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"key is {len(key)} bytes, expected {KEY_BYTES}")
    return key_id, key


def _write_new_private_file(path: Path, content: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, _FILE_MODE)
    except FileExistsError:
        raise Conflict(f"key file {path} already exists; refusing to overwrite it") from None
    try:
        # The umask may only have narrowed the mode; set it exactly all the same.
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb", closefd=True) as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _read_private_file(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise KeyUnavailable(f"key file {path} does not exist") from None
    except OSError as exc:
        raise KeyUnavailable(f"key file {path} cannot be read: {exc.strerror}") from None
    try:
        # Check the file actually opened, not the path, so it cannot be swapped in between.
        _check_private(path, os.fstat(fd))
        return os.read(fd, _MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise KeyUnavailable(f"key file {path} cannot be read: {exc.strerror}") from None
    finally:
        os.close(fd)


def _check_private(path: Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise KeyUnavailable(f"key file {path} is not a regular file")
    if info.st_mode & 0o077:
        raise KeyUnavailable(
            f"key file {path} is open to group or others (mode "
            f"{stat.S_IMODE(info.st_mode):04o}); it must be 0600: run chmod 600 {path}"
        )
    if info.st_size > _MAX_FILE_BYTES:
        raise KeyUnavailable(f"key file {path} is too large to be a listwarden key file")
