"""The key file: created 0600 and never overwritten; unsafe or malformed files are refused."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from listwarden.crypto.providers import FileKeyProvider
from listwarden.domain.errors import CiphertextTampered, Conflict, KeyUnavailable

DATA_KEY = bytes(range(32))


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return tmp_path / "home" / "kek.key"


def test_create_writes_a_self_describing_file_with_mode_0600(key_path: Path) -> None:
    provider = FileKeyProvider.create(key_path)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    document = json.loads(key_path.read_text())
    assert document["format"] == "listwarden-key-encryption-key"
    assert document["version"] == 1
    assert document["algorithm"] == "AES-256-GCM"
    assert document["key_id"] == provider.key_id
    assert provider.key_id.startswith("file:")
    assert "key=" not in repr(provider)
    assert document["key"] not in repr(provider)


def test_create_ignores_a_permissive_umask(key_path: Path) -> None:
    old = os.umask(0)
    try:
        FileKeyProvider.create(key_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600


def test_create_refuses_to_overwrite(key_path: Path) -> None:
    FileKeyProvider.create(key_path)
    before = key_path.read_bytes()
    with pytest.raises(Conflict, match="already exists; refusing to overwrite"):
        FileKeyProvider.create(key_path)
    assert key_path.read_bytes() == before


def test_open_reads_back_the_same_key(key_path: Path) -> None:
    created = FileKeyProvider.create(key_path)
    opened = FileKeyProvider.open(key_path)
    assert opened.key_id == created.key_id
    assert opened.unwrap(created.wrap(DATA_KEY)) == DATA_KEY


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeyUnavailable, match="does not exist"):
        FileKeyProvider.open(tmp_path / "absent.key")


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o644, 0o660])
def test_files_open_to_group_or_others_are_refused(key_path: Path, mode: int) -> None:
    FileKeyProvider.create(key_path)
    key_path.chmod(mode)
    with pytest.raises(KeyUnavailable, match=f"open to group or others \\(mode {mode:04o}\\)"):
        FileKeyProvider.open(key_path)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyUnavailable, match="not a regular file"):
        FileKeyProvider.open(tmp_path)


def test_an_unreadable_path_is_refused(tmp_path: Path) -> None:
    # A path through a regular file fails to open for every user, root included.
    (tmp_path / "plain").write_text("")
    with pytest.raises(KeyUnavailable, match="cannot be read: Not a directory"):
        FileKeyProvider.open(tmp_path / "plain" / "kek.key")


def _write_private(path: Path, content: str) -> None:
    path.write_text(content)
    path.chmod(0o600)


def _valid_document(**changes: object) -> str:
    document: dict[str, object] = {
        "format": "listwarden-key-encryption-key",
        "version": 1,
        "key_id": "file:0011223344556677",
        "algorithm": "AES-256-GCM",
        "created_at": "2026-01-01T00:00:00+00:00",
        "key": "A" * 43 + "=",
    }
    document.update(changes)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("not json", "Expecting value"),
        ("[]", "expected a JSON object"),
        (_valid_document(format="something-else"), "expected format"),
        (_valid_document(version=2), "expected format"),
        (_valid_document(algorithm="AES-128-CBC"), "expected algorithm"),
        (_valid_document(key="A" * 22 + "=="), "key is 16 bytes, expected 32"),
        (_valid_document(key="not base64!"), "key is not valid base64"),
        (_valid_document(key=None), "must be strings"),
        (_valid_document(key_id="has space"), "not a valid key-encryption-key id"),
    ],
)
def test_malformed_files_are_refused_with_the_reason(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "kek.key"
    _write_private(path, content)
    with pytest.raises(KeyUnavailable, match="is not a listwarden key file") as caught:
        FileKeyProvider.open(path)
    assert reason in caught.value.detail


def test_the_valid_sample_document_opens(tmp_path: Path) -> None:
    path = tmp_path / "kek.key"
    _write_private(path, _valid_document())
    assert FileKeyProvider.open(path).key_id == "file:0011223344556677"


def test_unwrap_refuses_another_keys_blob(tmp_path: Path) -> None:
    first = FileKeyProvider.create(tmp_path / "a.key")
    second = FileKeyProvider.create(tmp_path / "b.key")
    with pytest.raises(KeyUnavailable, match=f"needs key-encryption key '{first.key_id}'"):
        second.unwrap(first.wrap(DATA_KEY))


def test_unwrap_refuses_a_tampered_blob(tmp_path: Path) -> None:
    provider = FileKeyProvider.create(tmp_path / "a.key")
    blob = bytearray(provider.wrap(DATA_KEY))
    blob[-1] ^= 1
    with pytest.raises(CiphertextTampered, match="failed authentication"):
        provider.unwrap(bytes(blob))


def test_a_key_with_a_borrowed_id_cannot_unwrap(tmp_path: Path) -> None:
    genuine = FileKeyProvider.create(tmp_path / "a.key")
    impostor = FileKeyProvider(key_id=genuine.key_id, key=bytes(32))
    with pytest.raises(CiphertextTampered):
        impostor.unwrap(genuine.wrap(DATA_KEY))
