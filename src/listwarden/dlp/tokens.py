"""Keyed-hash tokens of erased people, kept for loss detection alone and for at most 90 days.

When a person is erased, the register keeps nothing readable about them. For loss detection
(law 11) the scanner keeps two HMAC-SHA256 tokens under a key only the scanner holds: one of the
folded name with the date of birth, and one of the date of birth alone, so that a scan computes
name tokens only around dates that are some erased person's date of birth. The date token links
erased people who share a birthday, and nothing else; without the key neither token can be
checked against a guess. Tokens older than ``TOKEN_MAX_AGE`` are destroyed by the retention sweep
and ignored by the matcher.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta

from listwarden.dlp.names import name_tokens
from listwarden.domain.erasure import ERASED_TOKEN_DAYS

TOKEN_MAX_AGE = timedelta(days=ERASED_TOKEN_DAYS)
_DIGEST_BYTES = 16


@dataclass(frozen=True, slots=True)
class ErasureToken:
    """The only trace of an erased person the scanner may hold: two keyed hashes and a date."""

    name_dob: str  # hex HMAC of "given|family|yyyy-mm-dd", folded
    dob: str  # hex HMAC of "yyyy-mm-dd"
    created: date


def _mac(key: bytes, label: bytes, message: str) -> str:
    digest = hmac.new(key, label + b"\x00" + message.encode(), hashlib.sha256).digest()
    return digest[:_DIGEST_BYTES].hex()


def name_dob_token(key: bytes, given: str, family: str, dob: date) -> str:
    """The name-and-date token; ``given`` is the first given name, ``family`` all family words."""
    return _mac(key, b"name-dob", f"{given}|{family}|{dob.isoformat()}")


def dob_token(key: bytes, dob: date) -> str:
    """The date-of-birth token, which gates the costlier name tokens during a scan."""
    return _mac(key, b"dob", dob.isoformat())


def erasure_token(
    key: bytes, *, given_name: str, family_name: str, date_of_birth: date, created: date
) -> ErasureToken:
    """Mint the token kept for an erased person, from their name and date of birth."""
    if len(key) < 32:
        raise ValueError("the scanner key must be at least 32 bytes")
    given = name_tokens(given_name)
    family = "".join(name_tokens(family_name))
    if not given or not family:
        raise ValueError("an erasure token needs a given name and a family name")
    return ErasureToken(
        name_dob=name_dob_token(key, given[0], family, date_of_birth),
        dob=dob_token(key, date_of_birth),
        created=created,
    )


def token_expired(created: date, today: date, *, max_age: timedelta = TOKEN_MAX_AGE) -> bool:
    """Whether a token created on ``created`` is past its 90 days by ``today``."""
    return today - created > max_age


def live_tokens(tokens: list[ErasureToken], today: date) -> list[ErasureToken]:
    """The tokens still within their 90 days; the rest are for the sweep to destroy."""
    return [t for t in tokens if not token_expired(t.created, today)]
