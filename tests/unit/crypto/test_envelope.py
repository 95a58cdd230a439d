"""Field envelopes: round trips, and refusal of anything altered, truncated or moved."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from listwarden.crypto.envelope import (
    NONCE_BYTES,
    TAG_BYTES,
    Envelope,
    field_aad,
    open_sealed,
    seal,
    seal_fields,
)
from listwarden.crypto.framing import frame, frame_value
from listwarden.domain.errors import CiphertextTampered, InvalidInput

keys = st.binary(min_size=32, max_size=32)
texts = st.text(max_size=40)


@given(key=keys, plaintext=st.binary(max_size=2048), aad=st.binary(max_size=256))
def test_round_trip(key: bytes, plaintext: bytes, aad: bytes) -> None:
    blob = seal(key, plaintext, aad)
    assert len(blob) == 1 + NONCE_BYTES + len(plaintext) + TAG_BYTES
    assert blob[0] == 1
    assert open_sealed(key, blob, aad) == plaintext


@given(key=keys, plaintext=st.binary(max_size=64), data=st.data())
def test_any_flipped_bit_is_refused(key: bytes, plaintext: bytes, data: st.DataObject) -> None:
    blob = bytearray(seal(key, plaintext, b"aad"))
    position = data.draw(st.integers(0, len(blob) - 1))
    blob[position] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(CiphertextTampered):
        open_sealed(key, bytes(blob), b"aad")


@given(key=keys, plaintext=st.binary(max_size=64), data=st.data())
def test_any_truncation_is_refused(key: bytes, plaintext: bytes, data: st.DataObject) -> None:
    blob = seal(key, plaintext, b"aad")
    cut = data.draw(st.integers(0, len(blob) - 1))
    with pytest.raises(CiphertextTampered):
        open_sealed(key, blob[:cut], b"aad")


@given(key=keys, other=keys, plaintext=st.binary(max_size=64))
def test_another_key_is_refused(key: bytes, other: bytes, plaintext: bytes) -> None:
    if key == other:
        return
    with pytest.raises(CiphertextTampered, match="failed authentication"):
        open_sealed(other, seal(key, plaintext, b"aad"), b"aad")


def test_a_value_moved_to_another_row_is_refused() -> None:
    key = bytes(range(32))
    blob = seal(key, b"Jane", field_aad("subjects", "row-1", "given_name"))
    for table, row, field in [
        ("subjects", "row-2", "given_name"),
        ("subjects", "row-1", "family_name"),
        ("aliases", "row-1", "given_name"),
    ]:
        with pytest.raises(CiphertextTampered):
            open_sealed(key, blob, field_aad(table, row, field))
    assert open_sealed(key, blob, field_aad("subjects", "row-1", "given_name")) == b"Jane"


def test_unknown_version_is_refused_with_its_reason() -> None:
    key = bytes(32)
    blob = seal(key, b"x", b"")
    with pytest.raises(CiphertextTampered, match="unknown format version 2"):
        open_sealed(key, b"\x02" + blob[1:], b"")


def test_same_value_seals_differently_each_time() -> None:
    envelope = Envelope(bytes(32))
    assert envelope.seal(b"same", b"") != envelope.seal(b"same", b"")


@pytest.mark.parametrize("length", [0, 16, 31, 33])
def test_keys_other_than_256_bits_are_refused(length: int) -> None:
    with pytest.raises(InvalidInput, match="AES-256 key is 32 bytes"):
        seal(bytes(length), b"x", b"")


@given(a=st.tuples(texts, texts, texts), b=st.tuples(texts, texts, texts))
def test_field_aad_is_unambiguous(a: tuple[str, str, str], b: tuple[str, str, str]) -> None:
    assert (field_aad(*a) == field_aad(*b)) == (a == b)


@given(parts=st.lists(texts, max_size=5))
def test_field_aad_matches_the_general_framing(parts: list[str]) -> None:
    table, record, field = [*parts, "", "", ""][:3]
    assert field_aad(table, record, field) == frame("listwarden.field.v1", table, record, field)


@given(
    key=keys,
    plaintext=st.binary(max_size=64),
    place=st.tuples(texts, texts, texts),
    other=st.tuples(texts, texts, texts),
)
def test_open_field_is_open_with_field_aad(
    key: bytes, plaintext: bytes, place: tuple[str, str, str], other: tuple[str, str, str]
) -> None:
    envelope = Envelope(key)
    blob = envelope.seal(plaintext, field_aad(*place))
    assert envelope.open_field(blob, *place) == plaintext
    if other != place:
        with pytest.raises(CiphertextTampered):
            envelope.open_field(blob, *other)


@given(
    key=keys,
    plaintext=st.binary(max_size=64),
    place=st.tuples(texts, texts, texts),
    other=st.tuples(texts, texts, texts),
)
def test_seal_field_is_seal_with_field_aad(
    key: bytes, plaintext: bytes, place: tuple[str, str, str], other: tuple[str, str, str]
) -> None:
    envelope = Envelope(key)
    blob = envelope.seal_field(plaintext, *place)
    assert envelope.open(blob, field_aad(*place)) == plaintext
    if other != place:
        with pytest.raises(CiphertextTampered):
            envelope.open(blob, field_aad(*other))


@given(
    key=keys,
    other=keys,
    values=st.lists(st.tuples(st.binary(max_size=64), texts, texts), min_size=1, max_size=8),
)
def test_seal_fields_seals_each_as_seal_field_does(
    key: bytes, other: bytes, values: list[tuple[bytes, str, str]]
) -> None:
    envelopes = [Envelope(key), Envelope(other)]
    items = [
        (envelopes[n % 2], plaintext, "subjects", frame_value(record), field)
        for n, (plaintext, record, field) in enumerate(values)
    ]
    blobs = seal_fields(items)
    assert len({blob[1 : 1 + NONCE_BYTES] for blob in blobs}) == len(blobs)
    for n, ((plaintext, record, field), blob) in enumerate(zip(values, blobs, strict=True)):
        assert envelopes[n % 2].open(blob, field_aad("subjects", record, field)) == plaintext
        with pytest.raises(CiphertextTampered):
            envelopes[n % 2].open(blob, field_aad("subjects", record + "x", field))
    assert seal_fields([]) == []
