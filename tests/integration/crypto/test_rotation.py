"""KEK rotation: re-wrapping in committed batches, resumable after being killed half-way."""

from __future__ import annotations

from pathlib import Path

import pytest

from listwarden.crypto.providers import FileKeyProvider
from listwarden.domain.errors import KeyUnavailable

from .conftest import OpenKeyStore


class SimulatedKillError(Exception):
    """Raised from the progress callback to stop a rotation as a killed process would."""


def test_rotation_resumes_after_a_kill(
    open_keystore: OpenKeyStore, kek: FileKeyProvider, tmp_path: Path
) -> None:
    new = FileKeyProvider.create(tmp_path / "new.key")
    store = open_keystore(kek)
    keys = store.create_data_keys([f"subject-{n:03d}" for n in range(23)])
    system = {name: store.system_key(name) for name in ("equality", "blind-index")}
    seen: list[tuple[int, int]] = []

    def killed_after_two_batches(done: int, total: int) -> None:
        seen.append((done, total))
        if len(seen) == 2:
            raise SimulatedKillError

    with pytest.raises(SimulatedKillError):
        store.rotate(new, batch_size=5, progress=killed_after_two_batches)
    assert seen == [(5, 25), (10, 25)]
    assert store.kek_usage() == {new.key_id: 10, kek.key_id: 15}

    resumed = open_keystore(new, old_providers=[kek])
    progress: list[tuple[int, int]] = []
    assert resumed.rotate(new, batch_size=5, progress=lambda d, t: progress.append((d, t))) == 15
    assert progress[-1] == (15, 15)
    assert resumed.kek_usage() == {new.key_id: 25}
    assert resumed.rotate(new) == 0

    retired_old_kek = open_keystore(new)
    assert retired_old_kek.data_keys(keys) == keys
    assert {name: retired_old_kek.system_key(name) for name in system} == system


def test_after_rotation_new_keys_use_the_new_kek(
    open_keystore: OpenKeyStore, kek: FileKeyProvider, tmp_path: Path
) -> None:
    new = FileKeyProvider.create(tmp_path / "new.key")
    store = open_keystore(kek)
    old_key = store.create_data_key("subject-1")
    assert store.rotate(new) == 1
    store.create_data_key("subject-2")
    assert store.kek_usage() == {new.key_id: 2}
    assert store.provider is new
    store.clear_cache()
    assert store.data_key("subject-1") == old_key


def test_rotation_stops_on_a_key_no_provider_holds(
    open_keystore: OpenKeyStore, kek: FileKeyProvider, tmp_path: Path
) -> None:
    stranger = FileKeyProvider.create(tmp_path / "stranger.key")
    open_keystore(stranger).create_data_key("subject-1")
    store = open_keystore(kek)
    with pytest.raises(KeyUnavailable, match="no configured provider holds"):
        store.rotate(FileKeyProvider.create(tmp_path / "new.key"))
