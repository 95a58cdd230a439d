"""The key store on a real database: keys made, fetched, destroyed beyond recovery, and evicted."""

from __future__ import annotations

import stat
import threading
from datetime import UTC
from pathlib import Path

import pytest

from listwarden.crypto.keystore import KeyStore, KeyStoreUnsupportedError
from listwarden.crypto.providers import FileKeyProvider
from listwarden.domain.errors import Conflict, InvalidInput, KeyUnavailable

from .conftest import OpenKeyStore


class CountingProvider:
    """A file provider that counts unwraps, to see when a cache was used."""

    def __init__(self, inner: FileKeyProvider) -> None:
        self.inner = inner
        self.key_id = inner.key_id
        self.unwraps = 0

    def wrap(self, data_key: bytes) -> bytes:
        return self.inner.wrap(data_key)

    def unwrap(self, wrapped: bytes) -> bytes:
        self.unwraps += 1
        return self.inner.unwrap(wrapped)


def test_create_fetch_and_destroy(keystore: KeyStore) -> None:
    key = keystore.create_data_key("subject-1")
    assert len(key) == 32
    assert keystore.data_key("subject-1") == key
    keystore.clear_cache()
    assert keystore.data_key("subject-1") == key
    assert keystore.destroy("subject-1") is True
    with pytest.raises(KeyUnavailable, match="no data key for 'subject-1'"):
        keystore.data_key("subject-1")
    assert keystore.destroy("subject-1") is False


def test_creating_twice_is_a_conflict(keystore: KeyStore) -> None:
    first = keystore.create_data_key("subject-1")
    with pytest.raises(Conflict, match="already exists"):
        keystore.create_data_key("subject-1")
    assert keystore.data_key("subject-1") == first


def test_a_bulk_create_with_one_duplicate_creates_nothing(keystore: KeyStore) -> None:
    keystore.create_data_key("subject-2")
    with pytest.raises(Conflict):
        keystore.create_data_keys(["subject-1", "subject-2", "subject-3"])
    assert keystore.data_keys(["subject-1", "subject-3"]) == {}


def test_bulk_fetch_returns_present_keys_and_omits_absent_ones(keystore: KeyStore) -> None:
    keys = keystore.create_data_keys([f"subject-{n}" for n in range(30)])
    keystore.destroy("subject-7")
    keystore.clear_cache()
    wanted = [f"subject-{n}" for n in range(35)]
    expected = {owner: key for owner, key in keys.items() if owner != "subject-7"}
    assert keystore.data_keys(wanted) == expected
    assert keystore.data_keys(wanted) == expected  # now from the cache


def test_invalid_owner_ids_are_refused(keystore: KeyStore) -> None:
    with pytest.raises(InvalidInput, match="1 to 200 characters"):
        keystore.create_data_key("")


def test_system_keys_are_created_once_and_shared(
    open_keystore: OpenKeyStore, kek: FileKeyProvider
) -> None:
    first, second = open_keystore(kek), open_keystore(kek)
    equality = first.system_key("equality")
    assert second.system_key("equality") == equality
    assert first.system_key("blind-index") != equality
    assert second.destroy_system_key("equality") is True
    assert first.system_key("equality") != equality  # a new key, the old one is gone


def test_another_worker_stops_serving_a_destroyed_key(
    open_keystore: OpenKeyStore, kek: FileKeyProvider
) -> None:
    worker_a = open_keystore(kek)
    counting = CountingProvider(kek)
    worker_b = open_keystore(counting)
    key = worker_a.create_data_key("subject-1")
    worker_a.create_data_key("subject-2")
    assert worker_b.data_key("subject-1") == key
    assert worker_b.data_keys(["subject-2"])
    assert counting.unwraps == 2
    assert worker_b.data_key("subject-1") == key
    assert counting.unwraps == 2  # served from worker B's cache

    assert worker_a.destroy("subject-1")

    with pytest.raises(KeyUnavailable):
        worker_b.data_key("subject-1")
    assert "subject-1" not in worker_b.data_keys(["subject-1", "subject-2"])
    assert counting.unwraps == 3  # the whole cache was dropped, so subject-2 was unwrapped again


def test_a_worker_keeps_the_rest_of_its_cache_after_its_own_destruction(
    open_keystore: OpenKeyStore, kek: FileKeyProvider
) -> None:
    counting = CountingProvider(kek)
    store = open_keystore(counting)
    store.create_data_keys(["subject-1", "subject-2"])
    store.data_keys(["subject-1", "subject-2"])
    assert counting.unwraps == 2
    store.destroy("subject-1")
    store.data_key("subject-2")
    assert counting.unwraps == 2
    with pytest.raises(KeyUnavailable):
        store.data_key("subject-1")


def test_a_staleness_window_is_a_stated_trade_off(
    open_keystore: OpenKeyStore, kek: FileKeyProvider
) -> None:
    """With ``max_staleness`` a worker may serve a destroyed key for that long; default is 0."""
    writer = open_keystore(kek)
    relaxed = open_keystore(kek, max_staleness=3600.0)
    key = writer.create_data_key("subject-1")
    assert relaxed.data_key("subject-1") == key
    writer.destroy("subject-1")
    assert relaxed.data_key("subject-1") == key
    relaxed.clear_cache()
    with pytest.raises(KeyUnavailable):
        relaxed.data_key("subject-1")


def test_the_erasure_ledger(keystore: KeyStore) -> None:
    keystore.create_data_keys(["subject-1", "subject-2"])
    assert keystore.destroy("subject-1", certificate_id="cert-1", signature=b"sig-1")
    seq = keystore.append_erasure("subject-2", "cert-2", b"sig-2")
    assert not keystore.destroy("subject-9", certificate_id="cert-9", signature=b"sig-9")
    records = list(keystore.erasure_ledger())
    assert [(r.owner_id, r.certificate_id, r.signature) for r in records] == [
        ("subject-1", "cert-1", b"sig-1"),
        ("subject-2", "cert-2", b"sig-2"),
    ]
    assert records[1].seq == seq > records[0].seq
    assert all(r.erased_at.tzinfo is not None for r in records)
    assert records[0].erased_at.astimezone(UTC) <= records[1].erased_at.astimezone(UTC)
    with pytest.raises(InvalidInput, match="both certificate_id and signature"):
        keystore.destroy("subject-2", certificate_id="cert-3")


def test_vacuum_runs_outside_a_transaction(keystore: KeyStore) -> None:
    keystore.create_data_keys(["subject-1", "subject-2"])
    keystore.destroy("subject-1")
    keystore.vacuum()
    assert keystore.data_keys(["subject-1", "subject-2"]).keys() == {"subject-2"}


# SQLite only: the file itself.


def _scan(paths: list[Path], needle: bytes) -> list[str]:
    return [path.name for path in paths if path.exists() and needle in path.read_bytes()]


def test_destroyed_key_bytes_are_gone_from_the_file_and_its_wal(
    sqlite_url: str, kek: FileKeyProvider, tmp_path: Path
) -> None:
    store = KeyStore(sqlite_url, kek)
    other_worker = KeyStore(sqlite_url, kek)
    try:
        store.create_data_keys([f"bystander-{n}" for n in range(50)])
        store.create_data_key("subject-erased")
        other_worker.data_key("subject-erased")  # another worker has the file open too
        engine = store._engine
        with engine.connect() as conn:
            wrapped = conn.exec_driver_sql(
                "SELECT wrapped FROM data_keys WHERE owner_id = 'subject-erased'"
            ).scalar_one()
        files = [tmp_path / "keystore.sqlite", tmp_path / "keystore.sqlite-wal"]
        sealed_part = wrapped[-48:]
        assert _scan(files, sealed_part), "the scan must see the key before it is destroyed"

        assert store.destroy("subject-erased")

        assert _scan(files, sealed_part) == []
        assert _scan(files, b"subject-erased") == []
        assert other_worker.data_keys([f"bystander-{n}" for n in range(50)]).keys() == {
            f"bystander-{n}" for n in range(50)
        }
    finally:
        store.close()
        other_worker.close()


def _wrapped_tail(store: KeyStore, owner: str) -> bytes:
    with store._engine.connect() as conn:
        wrapped = conn.exec_driver_sql(
            "SELECT wrapped FROM data_keys WHERE owner_id = ?", (owner,)
        ).scalar_one()
    return bytes(wrapped)[-48:]  # the AES-GCM ciphertext and tag of the key


def test_a_deferred_purge_leaves_the_wal_to_the_end_of_the_block_and_runs_on_error(
    sqlite_url: str, kek: FileKeyProvider, tmp_path: Path
) -> None:
    store = KeyStore(sqlite_url, kek)
    try:
        store.create_data_keys([f"subject-{n}" for n in range(3)])
        sealed = [_wrapped_tail(store, f"subject-{n}") for n in range(3)]
        files = [tmp_path / "keystore.sqlite", tmp_path / "keystore.sqlite-wal"]

        seen: list[list[str]] = []

        def failing_sweep() -> None:
            with store.wal_purge_deferred():
                assert store.destroy("subject-0")
                with store.wal_purge_deferred():  # nested: only the outermost purges
                    assert store.destroy("subject-1")
                seen.extend([_scan(files, sealed[0]), _scan(files, sealed[1])])
                raise RuntimeError("the sweep failed")

        with pytest.raises(RuntimeError):
            failing_sweep()
        # Deferred: the destroyed keys' old pages were still in the WAL inside the block ...
        assert all(seen)
        # ... and are gone once it has ended, even by an error.
        assert _scan(files, sealed[0]) == _scan(files, sealed[1]) == []

        assert store.destroy("subject-2")  # outside any block: purged at once, as before
        assert _scan(files, sealed[2]) == []
    finally:
        store.close()


def test_a_deferred_purge_defers_only_its_own_threads_destructions(
    sqlite_url: str, kek: FileKeyProvider, tmp_path: Path
) -> None:
    store = KeyStore(sqlite_url, kek)
    try:
        store.create_data_keys(["sweep-subject", "request-subject"])
        sealed = _wrapped_tail(store, "request-subject")
        files = [tmp_path / "keystore.sqlite", tmp_path / "keystore.sqlite-wal"]
        with store.wal_purge_deferred():
            store.destroy("sweep-subject")
            # A subject-rights erasure served on another thread meanwhile is purged at once.
            other = threading.Thread(target=store.destroy, args=("request-subject",))
            other.start()
            other.join()
            assert _scan(files, sealed) == []
    finally:
        store.close()


def test_store_file_is_private(sqlite_url: str, kek: FileKeyProvider, tmp_path: Path) -> None:
    store = KeyStore(sqlite_url, kek)
    store.create_data_key("subject-1")
    store.close()
    assert stat.S_IMODE((tmp_path / "keystore.sqlite").stat().st_mode) == 0o600


def test_backup_copies_keys_to_a_new_private_file(
    sqlite_url: str, kek: FileKeyProvider, tmp_path: Path
) -> None:
    store = KeyStore(sqlite_url, kek)
    try:
        key = store.create_data_key("subject-1")
        target = tmp_path / "keystore-backup.sqlite"
        store.backup(target)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        with pytest.raises(Conflict, match="already exists"):
            store.backup(target)
    finally:
        store.close()
    restored = KeyStore(f"sqlite:///{target}", kek)
    try:
        assert restored.data_key("subject-1") == key
    finally:
        restored.close()


def test_backup_of_postgresql_is_refused(kek: FileKeyProvider, tmp_path: Path) -> None:
    store = KeyStore.__new__(KeyStore)
    store._is_sqlite = False
    with pytest.raises(KeyStoreUnsupportedError, match="pg_dump"):
        store.backup(tmp_path / "x")


def test_a_store_in_a_missing_directory_is_unavailable(
    kek: FileKeyProvider, tmp_path: Path
) -> None:
    with pytest.raises(KeyUnavailable, match="cannot open the key store"):
        KeyStore(f"sqlite:///{tmp_path / 'absent' / 'keystore.sqlite'}", kek)
