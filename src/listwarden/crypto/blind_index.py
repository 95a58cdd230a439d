"""Keyed blind indexes: equality search on names, dates of birth and identifiers without plaintext.

A blind index is HMAC-SHA-256 under a secret key, truncated to 16 bytes, of a normalised value
framed with its kind (so a name and an identifier with the same text never collide). Without the
key nobody can test a guess against an index, which a plain hash of a name and date of birth would
allow in seconds. Normalisation makes the spellings one person is recorded under agree: case,
accents, spacing and punctuation are ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date, datetime

from listwarden.crypto.framing import frame, frame_value
from listwarden.domain.errors import InvalidInput

INDEX_BYTES = 16
MIN_KEY_BYTES = 32
_CONTEXT = "listwarden.blind-index.v1"
_NAME_DOB = frame(_CONTEXT, "name-dob")
_KIND = re.compile(r"[a-z][a-z0-9_.-]{0,49}")
# Apostrophes vanish ("O'Brien" is "obrien"); every other run of non-letters is one space.
_APOSTROPHES = dict.fromkeys(map(ord, "'\u2019\u2018\u02bc`\u00b4"), None)
# Letters NFKD leaves whole but that people routinely write without their mark.
_FOLD = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "\u0131": "i"}
)


# For ASCII text the Unicode steps below reduce to: lower case, drop apostrophes, every other
# non-alphanumeric character a space. Names are mostly ASCII, and this path is five times faster.
_ASCII_FOLD = {c: " " for c in range(128) if not chr(c).isalnum()} | _APOSTROPHES


def _normalise_part(text: str) -> str:
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_FOLD).split())
    return _normalise_unicode(text)


def _normalise_unicode(text: str) -> str:
    # Decompose before case folding as well as after: compatibility forms such as mathematical
    # letters only become letters with a case when decomposed, and must then be folded too.
    folded = unicodedata.normalize("NFKD", text).casefold().translate(_APOSTROPHES)
    decomposed = unicodedata.normalize("NFKD", folded)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_FOLD)
    return " ".join("".join(ch if ch.isalnum() else " " for ch in letters).split())


def normalise_name(given: str, family: str) -> str:
    """``given`` and ``family`` casefolded, without accents or punctuation, joined by ``|``.

    The two parts stay apart (``|`` cannot survive normalisation inside a part), so moving a word
    from one name to the other gives a different result.
    """
    return f"{_normalise_part(given)}|{_normalise_part(family)}"


def normalise_identifier(value: str) -> str:
    """An identifier compared without case, compatibility forms or whitespace."""
    return "".join(unicodedata.normalize("NFKC", value).casefold().split())


class BlindIndexer:
    """Computes blind indexes under one secret key (the scanner's, or the search index's)."""

    __slots__ = ("_mac",)

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise InvalidInput(f"a blind-index key needs at least {MIN_KEY_BYTES} bytes")
        self._mac = hmac.new(key, digestmod=hashlib.sha256)

    def _index(self, message: bytes) -> bytes:
        mac = self._mac.copy()
        mac.update(message)
        return mac.digest()[:INDEX_BYTES]

    def name_dob(self, given: str, family: str, dob: date) -> bytes:
        """The index of a person's normalised name with their date of birth."""
        if isinstance(dob, datetime):
            raise InvalidInput("a date of birth is a date, not a date and time")
        # ``frame(_CONTEXT, "name-dob", name, dob)``, its constant start framed once.
        name = normalise_name(given, family)
        return self._index(_NAME_DOB + frame_value(name) + frame_value(dob.isoformat()))

    def identifier(self, kind: str, value: str) -> bytes:
        """The index of an identifier of ``kind`` (e.g. ``pnc``, ``phone``), normalised."""
        if not _KIND.fullmatch(kind):
            raise InvalidInput(f"identifier kind must be a short lowercase word, not {kind!r}")
        normalised = normalise_identifier(value)
        if not normalised:
            raise InvalidInput("an empty identifier cannot be indexed")
        return self._index(frame(_CONTEXT, "identifier", kind, normalised))
