"""The leaf encoding: the fast path is RFC 8785 byte for byte, and leaves hold no free text."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from listwarden.auditlog.leaf import (
    LEAF_FIELDS,
    justification_digest,
    leaf_bytes,
    leaf_digest,
    leaf_hash_of,
    leaf_values,
    named_leaf,
    reference_leaf_bytes,
    timestamp_text,
)
from listwarden.auditlog.merkle import leaf_hash
from listwarden.domain.errors import LogIntegrityError

# Every string a database column could hand back: any code point but lone surrogates.
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
VALUE = st.one_of(st.none(), TEXT, st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1))

ROW = (
    1,
    42,
    "2026-11-22T04:02:44.372632Z",
    "entry:consult",
    "done",
    "actor-1",
    "list-1",
    "entry-1",
    "subject-1",
    "gang_violence_reduction",
    "enforcement",
    None,
    3,
    None,
    "2026-11",
    b"\x01sealed-bytes",
)


@settings(max_examples=300, deadline=None)
@given(st.lists(VALUE, max_size=20))
def test_the_fast_encoder_is_rfc_8785(values: list[str | int | None]) -> None:
    assert leaf_bytes(values) == rfc8785.dumps(values) == reference_leaf_bytes(values)


@pytest.mark.parametrize(
    "text",
    [
        'quote " and \\ backslash',
        "tab\tnew\nline\r\x08\x0c",
        "\x00\x1f\x7f",
        "é ü 中文 😀",
        "\u2028",
    ],
)
def test_escapes_match_rfc_8785(text: str) -> None:
    assert leaf_bytes([text]) == rfc8785.dumps([text])


def test_a_leaf_is_the_event_in_fixed_order_with_the_ciphertext_digest() -> None:
    values = leaf_values(ROW)
    assert values[0] == "listwarden.event/1"
    assert values[1:15] == ROW[1:15]
    assert values[15] == hashlib.sha256(b"\x01sealed-bytes").hexdigest()
    assert named_leaf(values)["justification_sha256"] == values[15]
    assert len(values) == len(LEAF_FIELDS)
    assert leaf_hash_of(ROW) == leaf_digest(values) == leaf_hash(leaf_bytes(values))


def test_no_justification_leaves_null() -> None:
    assert leaf_values((*ROW[:15], None))[15] is None
    assert justification_digest(None) is None


def test_an_unknown_event_version_has_no_leaf() -> None:
    with pytest.raises(LogIntegrityError) as refused:
        leaf_values((2, *ROW[1:]))
    assert refused.value.detail == "events of version 2 have no leaf format"


def test_values_that_are_not_json_scalars_are_refused() -> None:
    with pytest.raises(LogIntegrityError, match="cannot be encoded as a leaf"):
        leaf_bytes([b"bytes"])  # type: ignore[list-item]


def test_event_times_are_utc_with_microseconds() -> None:
    at = datetime(2026, 11, 22, 5, 2, 44, 372632, tzinfo=timezone(timedelta(hours=1)))
    assert timestamp_text(at) == "2026-11-22T04:02:44.372632Z"
    assert timestamp_text(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000000Z"
