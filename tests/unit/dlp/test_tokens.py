"""Erased people live on only as keyed tokens, for at most 90 days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from listwarden.dlp.fingerprint import Fingerprint, Person
from listwarden.dlp.tokens import (
    TOKEN_MAX_AGE,
    ErasureToken,
    erasure_token,
    live_tokens,
    token_expired,
)

KEY = bytes(range(32))
BORN = date(1999, 2, 3)
TODAY = date(2025, 6, 1)


def _token(
    key: bytes = KEY, given: str = "Quentin", family: str = "Falkirkson", created: date = TODAY
) -> ErasureToken:
    return erasure_token(
        key, given_name=given, family_name=family, date_of_birth=BORN, created=created
    )


def test_tokens_fold_the_name_and_depend_on_the_key() -> None:
    assert _token().name_dob == _token(given="QUENTIN ", family="falkirkson").name_dob
    assert _token().name_dob != _token(key=bytes(32)).name_dob
    assert "falkirkson" not in repr(_token()).casefold()


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        _token(key=b"short")


@pytest.mark.parametrize(("age", "expired"), [(0, False), (90, False), (91, True)])
def test_tokens_expire_after_ninety_days(age: int, expired: bool) -> None:
    assert timedelta(days=90) == TOKEN_MAX_AGE
    assert token_expired(TODAY - timedelta(days=age), TODAY) is expired


def test_expired_tokens_are_dropped_and_never_matched() -> None:
    old, fresh = _token(created=TODAY - timedelta(days=91)), _token(created=TODAY)
    assert live_tokens([old, fresh], TODAY) == [fresh]
    anchor = Person("S-1", "Amy", "Lee", date_of_birth=BORN)
    text = b"FALKIRKSON, Quentin, 03/02/1999\n"
    stale = Fingerprint.build([anchor], today=TODAY, key=KEY, erased_tokens=[old])
    assert stale.match(text).erased == set()
    live = Fingerprint.build([anchor], today=TODAY, key=KEY, erased_tokens=[fresh])
    assert live.match(text).erased == {fresh.name_dob}


def test_tokens_cannot_be_checked_without_the_key() -> None:
    with pytest.raises(ValueError, match="scanner key"):
        Fingerprint.build([], today=TODAY, erased_tokens=[_token()])
