"""Blind indexes: normalisation makes spellings of one name agree; the key and kind separate."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from listwarden.crypto.blind_index import (
    INDEX_BYTES,
    BlindIndexer,
    _normalise_part,
    _normalise_unicode,
    normalise_identifier,
    normalise_name,
)
from listwarden.domain.errors import InvalidInput

KEY = bytes(range(32))
DOB = date(2004, 5, 17)


@pytest.mark.parametrize(
    ("given", "family", "expected"),
    [
        ("Zoë", "Brontë", "zoe|bronte"),
        ("  JOSÉ  luis ", "García-Márquez", "jose luis|garcia marquez"),
        ("Seán", "O'Brien", "sean|obrien"),
        ("Seán", "O\u2019Brien", "sean|obrien"),
        ("Björn", "Østergård", "bjorn|ostergard"),
        ("Straße", "Łukasz", "strasse|lukasz"),
        ("Anne-Marie", "St. John", "anne marie|st john"),
        ("\uff4a\uff4f\uff48\uff4e", "\uff33\uff4d\uff49\uff54\uff48", "john|smith"),
        ("Мария", "Иванова", "мария|иванова"),
        ("", "Madonna", "|madonna"),
    ],
)
def test_normalise_name(given: str, family: str, expected: str) -> None:
    assert normalise_name(given, family) == expected


@given(st.text(max_size=30), st.text(max_size=30))
@example("", "\U0001d4d0")  # a mathematical capital A: a letter with a case only once decomposed
def test_normalising_twice_changes_nothing(given: str, family: str) -> None:
    once = normalise_name(given, family)
    assert normalise_name(*once.split("|")) == once
    assert once.count("|") == 1


def test_spellings_of_one_person_share_an_index() -> None:
    indexer = BlindIndexer(KEY)
    first = indexer.name_dob("Zoë", "O'Brien", DOB)
    assert len(first) == INDEX_BYTES
    assert indexer.name_dob("ZOE", "  o'brien ", DOB) == first
    assert indexer.name_dob("zoe", "obrien", DOB) == first


def test_different_people_and_keys_do_not_share_an_index() -> None:
    indexer = BlindIndexer(KEY)
    first = indexer.name_dob("Zoe", "Smith", DOB)
    assert indexer.name_dob("Zoe", "Smith", date(2004, 5, 18)) != first
    assert indexer.name_dob("Zoe Smith", "", DOB) != first
    assert BlindIndexer(bytes(32)).name_dob("Zoe", "Smith", DOB) != first


def test_identifier_kinds_are_domain_separated() -> None:
    indexer = BlindIndexer(KEY)
    assert indexer.identifier("pnc", "04/123456A") == indexer.identifier("pnc", " 04/123456a ")
    assert indexer.identifier("pnc", "12345") != indexer.identifier("cro", "12345")
    assert normalise_identifier("AB 12\tcd") == "ab12cd"


@pytest.mark.parametrize("kind", ["", "PNC", "p n c", "name|dob"])
def test_bad_identifier_kinds_are_refused(kind: str) -> None:
    with pytest.raises(InvalidInput, match="identifier kind"):
        BlindIndexer(KEY).identifier(kind, "1")


def test_refusals() -> None:
    with pytest.raises(InvalidInput, match="at least 32 bytes"):
        BlindIndexer(bytes(16))
    with pytest.raises(InvalidInput, match="empty identifier"):
        BlindIndexer(KEY).identifier("pnc", "  ")
    with pytest.raises(InvalidInput, match="not a date and time"):
        BlindIndexer(KEY).name_dob("a", "b", datetime(2004, 5, 17))


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
@example("O'Brien-Smith  `Jr.`")
def test_the_ascii_path_agrees_with_the_unicode_path(text: str) -> None:
    assert _normalise_part(text) == _normalise_unicode(text)


def test_the_name_and_date_index_is_the_keyed_hash_of_its_framed_parts() -> None:
    """Pinned: an index already stored must still match the same person (known answers from
    before the framing was built faster, and the definition itself)."""
    import hashlib
    import hmac

    from listwarden.crypto.framing import frame

    indexer = BlindIndexer(KEY)
    assert indexer.name_dob("Zoë", "O'Brien", DOB).hex() == "f2c0c52c3aebe22b1a95f219c76a48a8"
    assert (
        indexer.name_dob("\uff21lice", "Smith-Jones", date(1990, 1, 2)).hex()
        == "7725c8792f2efc93a5755208ffe99ba1"
    )
    framed = frame("listwarden.blind-index.v1", "name-dob", "zoe|obrien", DOB.isoformat())
    expected = hmac.new(KEY, framed, hashlib.sha256).digest()[:INDEX_BYTES]
    assert indexer.name_dob("Zoë", "O'Brien", DOB) == expected
