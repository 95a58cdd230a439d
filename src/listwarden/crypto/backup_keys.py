"""The keys that seal backups: the database's under a key-store key, the key store's under the KEK.

A database backup is sealed under the key store's ``database-backup`` system key. It survives a
rotation of the key-encryption key (the system key is only re-wrapped), it is never inside the
database it protects, and a backup made by another register is recognised by the key's
fingerprint and refused. A key-store backup cannot be sealed under a key it contains, so it gets a
fresh random key wrapped by the key-encryption key itself (key file or HSM): restoring one needs
that KEK, which is why an old KEK is kept until the key-store backups made under it have aged out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any, BinaryIO

from listwarden.crypto.archive import (
    BackupRefused,
    new_salt,
    read_blocks,
    read_header,
    write_archive,
)
from listwarden.crypto.envelope import KEY_BYTES
from listwarden.crypto.keystore import KeyStore
from listwarden.domain.errors import CryptoError, InvalidInput

DATABASE_BACKUP_KEY = "database-backup"
DATABASE, KEYSTORE = "database", "keystore"


def fingerprint(key: bytes) -> str:
    """A public name for a secret key: a keyed hash that reveals nothing of the key."""
    return hmac.new(key, b"listwarden.backup-key-fingerprint.v1", hashlib.sha256).hexdigest()[:32]


def _check_kind(header: Mapping[str, Any], expected: str, name: str) -> None:
    kind = header.get("kind")
    if kind != expected:
        raise BackupRefused(
            f"{name} is a {kind or 'unknown'} backup, not a {expected} backup; nothing was restored"
        )


class DatabaseBackupSealer:
    """Seals database backups under the key store's ``database-backup`` key."""

    kind = DATABASE

    def __init__(self, keystore: KeyStore) -> None:
        self._keystore = keystore

    def _master(self) -> bytes:
        return self._keystore.system_key(DATABASE_BACKUP_KEY)

    def seal(self, source: BinaryIO, dest: BinaryIO, *, meta: Mapping[str, Any]) -> None:
        master = self._master()
        key = {
            "source": "keystore",
            "name": DATABASE_BACKUP_KEY,
            "fingerprint": fingerprint(master),
        }
        header = {**meta, "kind": DATABASE, "key": key}
        write_archive(source, dest, master=master, salt=new_salt(), header=header)

    def open(self, source: BinaryIO, dest: BinaryIO, *, name: str) -> dict[str, Any]:
        header, head = read_header(source, name=name)
        _check_kind(header, DATABASE, name)
        master = self._master()
        key = header.get("key")
        theirs = key.get("fingerprint") if isinstance(key, dict) else None
        if theirs != fingerprint(master):
            raise BackupRefused(
                f"backup {name} was not made by this register: it is sealed under backup key "
                f"{theirs!r}, and this register's is {fingerprint(master)!r}; nothing was restored"
            )
        read_blocks(source, dest, master=master, header=header, head=head, name=name)
        return header


class KeystoreBackupSealer:
    """Seals key-store backups under a fresh key wrapped by the key-encryption key."""

    kind = KEYSTORE

    def __init__(self, keystore: KeyStore) -> None:
        self._keystore = keystore

    def seal(self, source: BinaryIO, dest: BinaryIO, *, meta: Mapping[str, Any]) -> None:
        master = secrets.token_bytes(KEY_BYTES)
        provider = self._keystore.provider
        key = {"source": "kek", "kek_id": provider.key_id, "wrapped": provider.wrap(master).hex()}
        header = {**meta, "kind": KEYSTORE, "key": key}
        write_archive(source, dest, master=master, salt=new_salt(), header=header)

    def open(self, source: BinaryIO, dest: BinaryIO, *, name: str) -> dict[str, Any]:
        header, head = read_header(source, name=name)
        _check_kind(header, KEYSTORE, name)
        key = header.get("key")
        kek_id = key.get("kek_id") if isinstance(key, dict) else None
        try:
            wrapped = bytes.fromhex(str(key.get("wrapped") if isinstance(key, dict) else ""))
            master = self._keystore.providers.unwrap(wrapped)
        except (ValueError, CryptoError):
            raise BackupRefused(
                f"key-store backup {name} is sealed under key-encryption key {kek_id!r}, which "
                "this register cannot use (a retired or foreign KEK); nothing was restored"
            ) from None
        read_blocks(source, dest, master=master, header=header, head=head, name=name)
        return header


def sealer_for(keystore: KeyStore, kind: str) -> DatabaseBackupSealer | KeystoreBackupSealer:
    if kind == DATABASE:
        return DatabaseBackupSealer(keystore)
    if kind == KEYSTORE:
        return KeystoreBackupSealer(keystore)
    raise InvalidInput(f"no backup kind {kind!r}: choose {DATABASE} or {KEYSTORE}")
