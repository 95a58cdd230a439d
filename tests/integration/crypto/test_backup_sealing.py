"""Sealing backups: the key store's under its KEK, the database's under a key-store key, on both."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import make_url, select

from listwarden.crypto.archive import BackupRefused
from listwarden.crypto.backup_keys import (
    DATABASE_BACKUP_KEY,
    DatabaseBackupSealer,
    KeystoreBackupSealer,
    fingerprint,
)
from listwarden.crypto.keystore import KeyStore
from listwarden.crypto.keystore_schema import data_keys
from listwarden.crypto.providers import FileKeyProvider
from listwarden.store.backup import snapshot

from .conftest import OpenKeyStore


def _sealed(sealer: KeystoreBackupSealer | DatabaseBackupSealer, payload: bytes) -> bytes:
    out = io.BytesIO()
    sealer.seal(io.BytesIO(payload), out, meta={"created_at": "now"})
    return out.getvalue()


def _opened(sealer: KeystoreBackupSealer | DatabaseBackupSealer, blob: bytes) -> bytes:
    out = io.BytesIO()
    sealer.open(io.BytesIO(blob), out, name="x.lwb")
    return out.getvalue()


def test_a_key_store_backup_holds_the_wrapped_keys_and_opens_under_the_kek(
    keystore: KeyStore, keystore_url: str, tmp_path: Path
) -> None:
    keystore.create_data_keys(["subject-1", "subject-2"])
    with keystore.read_connection() as conn:
        wrapped = conn.execute(select(data_keys.c.wrapped)).scalars().all()
    taken = snapshot(keystore_url, tmp_path / "snapshot")
    archive = tmp_path / "keystore.lwb"
    with (tmp_path / "snapshot").open("rb") as source, archive.open("wb") as dest:
        KeystoreBackupSealer(keystore).seal(source, dest, meta={"database": taken.database})
    plain = _opened(KeystoreBackupSealer(keystore), archive.read_bytes())
    if make_url(keystore_url).get_backend_name() == "postgresql":
        tool = shutil.which("pg_restore")
        assert tool is not None
        (tmp_path / "plain").write_bytes(plain)
        listing = subprocess.run(
            [tool, "--file=-", str(tmp_path / "plain")], capture_output=True, check=True
        ).stdout
        assert all(bytes(w).hex().encode() in listing for w in wrapped)
    else:
        assert all(bytes(w) in plain for w in wrapped)
    for key in keystore.data_keys(["subject-1", "subject-2"]).values():
        assert key not in archive.read_bytes()


def test_a_key_store_backup_under_a_kek_we_do_not_hold_is_refused(
    open_keystore: OpenKeyStore, kek: FileKeyProvider, tmp_path: Path
) -> None:
    theirs = open_keystore(FileKeyProvider.create(tmp_path / "theirs.key"))
    blob = _sealed(KeystoreBackupSealer(theirs), b"their key store")
    with pytest.raises(BackupRefused, match="which this register cannot use"):
        _opened(KeystoreBackupSealer(open_keystore(kek)), blob)


def test_a_key_store_backup_survives_a_rotation_while_the_old_kek_is_kept(
    open_keystore: OpenKeyStore, kek: FileKeyProvider, tmp_path: Path
) -> None:
    store = open_keystore(kek)
    blob = _sealed(KeystoreBackupSealer(store), b"before the rotation")
    store.rotate(FileKeyProvider.create(tmp_path / "new.key"))
    assert _opened(KeystoreBackupSealer(store), blob) == b"before the rotation"


def test_database_backups_are_sealed_under_a_key_store_key_named_by_fingerprint(
    open_keystore: OpenKeyStore, kek: FileKeyProvider, tmp_path: Path
) -> None:
    ours = open_keystore(kek)
    blob = _sealed(DatabaseBackupSealer(ours), b"database pages")
    key = ours.system_key(DATABASE_BACKUP_KEY)
    assert fingerprint(key).encode() in blob
    assert key not in blob
    assert key.hex().encode() not in blob
    assert _opened(DatabaseBackupSealer(ours), blob) == b"database pages"
    ours.rotate(FileKeyProvider.create(tmp_path / "new.key"))
    assert _opened(DatabaseBackupSealer(ours), blob) == b"database pages"  # rotation-proof

    elsewhere = KeyStore(f"sqlite:///{tmp_path / 'elsewhere.sqlite'}", kek)
    try:
        with pytest.raises(BackupRefused, match="was not made by this register"):
            _opened(DatabaseBackupSealer(elsewhere), blob)
        with pytest.raises(BackupRefused, match="is a database backup, not a keystore backup"):
            _opened(KeystoreBackupSealer(elsewhere), blob)
    finally:
        elsewhere.close()
