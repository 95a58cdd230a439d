"""The backup archive: round trips, and every truncation, reordering or edit refused by name."""

from __future__ import annotations

import io
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listwarden.crypto import archive
from listwarden.crypto.archive import BackupRefused, read_blocks, read_header, write_archive

MASTER = bytes(range(32))
SMALL_BLOCK = 64


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 64 bytes, so that a few hundred bytes make an archive of many blocks."""
    monkeypatch.setattr(archive, "BLOCK_BYTES", SMALL_BLOCK)


def _seal(data: bytes, master: bytes = MASTER) -> bytes:
    out = io.BytesIO()
    write_archive(
        io.BytesIO(data), out, master=master, salt=archive.new_salt(), header={"kind": "test"}
    )
    return out.getvalue()


def _open(blob: bytes, master: bytes = MASTER) -> bytes:
    source, out = io.BytesIO(blob), io.BytesIO()
    header, head = read_header(source, name="b.lwb")
    read_blocks(source, out, master=master, header=header, head=head, name="b.lwb")
    return out.getvalue()


def _records(blob: bytes) -> tuple[bytes, list[bytes]]:
    """The header bytes and each block record (length prefix included) of an archive."""
    end = 12 + int.from_bytes(blob[8:12], "big")
    head, records, at = blob[:end], [], end
    while at < len(blob):
        length = int.from_bytes(blob[at : at + 4], "big")
        records.append(blob[at : at + 4 + length])
        at += 4 + length
    return head, records


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=5 * SMALL_BLOCK + 3))
def test_round_trip(data: bytes) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(archive, "BLOCK_BYTES", SMALL_BLOCK)
        assert _open(_seal(data)) == data


@pytest.mark.parametrize("size", [0, 1, SMALL_BLOCK - 1, SMALL_BLOCK, SMALL_BLOCK + 1, 300])
def test_block_edges(size: int) -> None:
    data = os.urandom(size)
    blob = _seal(data)
    assert _open(blob) == data
    _head, records = _records(blob)
    assert len(records) == max(1, -(-size // SMALL_BLOCK))


def test_the_header_is_in_clear_and_names_no_key() -> None:
    blob = _seal(b"payload")
    header, _ = read_header(io.BytesIO(blob), name="b.lwb")
    assert header["format"] == "listwarden-backup"
    assert header["kind"] == "test"
    assert len(bytes.fromhex(header["salt"])) == 32
    assert MASTER.hex() not in json.dumps(header)


def test_every_truncation_is_refused() -> None:
    blob = _seal(os.urandom(300))
    for cut in range(len(blob)):
        with pytest.raises(BackupRefused, match="nothing was restored"):
            _open(blob[:cut])


def test_truncation_at_a_block_boundary_says_so() -> None:
    blob = _seal(os.urandom(300))
    head, records = _records(blob)
    with pytest.raises(BackupRefused, match="ends after 2 block"):
        _open(head + b"".join(records[:2]))


def test_dropped_reordered_or_repeated_blocks_are_refused() -> None:
    head, records = _records(_seal(os.urandom(300)))
    dropped = head + records[0] + b"".join(records[2:])
    swapped = head + records[1] + records[0] + b"".join(records[2:])
    repeated = head + b"".join(records) + records[-1]
    with pytest.raises(BackupRefused, match="integrity check at block 1"):
        _open(dropped)
    with pytest.raises(BackupRefused, match="integrity check at block 0"):
        _open(swapped)
    with pytest.raises(BackupRefused, match="data after its final block"):
        _open(repeated)


def test_any_flipped_bit_is_refused() -> None:
    blob = _seal(os.urandom(200))
    for at in range(8, len(blob), 7):
        altered = bytearray(blob)
        altered[at] ^= 0x10
        with pytest.raises(BackupRefused):
            _open(bytes(altered))


def test_another_master_key_cannot_open_it() -> None:
    with pytest.raises(BackupRefused, match="integrity check at block 0"):
        _open(_seal(b"secret"), master=bytes(32))


@pytest.mark.parametrize(
    ("blob", "reason"),
    [
        (b"", "is not a listwarden backup"),
        (b"LWBACKUP\x00\x00", "truncated inside its header"),
        (b"LWBACKUP\x00\x00\x00\x04null", "malformed header"),
        (b"LWBACKUP\xff\xff\xff\xff", "malformed header"),
    ],
)
def test_headers_that_are_not_ours(blob: bytes, reason: str) -> None:
    with pytest.raises(BackupRefused, match=reason):
        read_header(io.BytesIO(blob), name="b.lwb")


def test_a_future_format_version_is_named() -> None:
    encoded = json.dumps({"format": "listwarden-backup", "version": 9}).encode()
    blob = b"LWBACKUP" + len(encoded).to_bytes(4, "big") + encoded
    with pytest.raises(BackupRefused, match="format version 9, which this listwarden"):
        read_header(io.BytesIO(blob), name="b.lwb")
