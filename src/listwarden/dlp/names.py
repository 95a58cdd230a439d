"""Names as the matcher compares them: folded, tokenised, and what a window of text holds."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NON_WORD = re.compile(r"[\W_]+")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def strip_accents(text: str) -> str:
    """Text with its accents removed (``Zoë`` gives ``Zoe``), letters of other scripts kept."""
    return text if text.isascii() else _COMBINING.sub("", unicodedata.normalize("NFKD", text))


_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][0-9A-Z]?) ?([0-9][A-Z]{2})\b", re.IGNORECASE)


def fold_text(text: str) -> str:
    """Casefolded, accents stripped, punctuation and runs of blank collapsed to single spaces."""
    return " ".join(_NON_WORD.sub(" ", strip_accents(text).casefold()).split())


def name_tokens(text: str) -> tuple[str, ...]:
    """The folded words of a name (``"O'Brien-Smith"`` gives ``("o", "brien", "smith")``)."""
    return tuple(fold_text(text).split())


def compact(text: str) -> str:
    """Folded with no spaces at all, for identifiers and postcodes written with or without them."""
    return fold_text(text).replace(" ", "")


def postcodes(address: str) -> tuple[str, ...]:
    """The UK postcodes in an address, compacted (``"SW1A 1AA"`` gives ``"sw1a1aa"``)."""
    return tuple(compact(a + b) for a, b in _POSTCODE.findall(address))


def decode_window(raw: bytes) -> str:
    """Text from bytes of unknown encoding: UTF-8 when it is, Windows-1252 otherwise."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def key_token(tokens: tuple[str, ...]) -> str:
    """The token a multi-word name is indexed by: its longest word (the rarest, as a rule)."""
    return max(tokens, key=len)


@dataclass(frozen=True, slots=True)
class Entry:
    """One person of the register as the matcher holds them (folded, never written to disk)."""

    subject_id: str
    given: tuple[str, ...]
    family: tuple[str, ...]
    nicknames: tuple[tuple[str, ...], ...]
    identifiers: tuple[str, ...]
    postcodes: tuple[str, ...]
    dob: int  # the date of birth's ordinal, 0 when unknown

    @property
    def family_joined(self) -> str:
        return "".join(self.family)


class Window:
    """A stretch of text around an anchor, tokenised once and asked about several people."""

    __slots__ = ("_compact", "_tokens", "padded", "words")

    def __init__(self, text: str, *, folded: bool = False) -> None:
        """A window over ``text``; ``folded`` when it is folded already, as the name sweep's
        text is (letters casefolded without accents, every other character a space)."""
        self.words = (text if folded else fold_text(text)).split()
        self.padded = f" {' '.join(self.words)} "
        self._tokens: frozenset[str] | None = None
        self._compact: str | None = None

    @property
    def tokens(self) -> frozenset[str]:
        """The window's words as a set, made when first asked for: the name sweep's windows
        are mostly asked only about phrases, which the padded text answers."""
        if self._tokens is None:
            self._tokens = frozenset(self.words)
        return self._tokens

    @property
    def compact(self) -> str:
        if self._compact is None:
            self._compact = self.padded.replace(" ", "")
        return self._compact

    def has_family(self, entry: Entry) -> bool:
        tokens = self.tokens
        return all(t in tokens for t in entry.family) or entry.family_joined in tokens

    def has_given(self, entry: Entry) -> bool:
        """The first given name anywhere in the window, or its initial beside the family name
        (a lone letter elsewhere is as likely the word "a" or "I")."""
        if not entry.given:
            return False
        first, family = entry.given[0], " ".join(entry.family)
        initial = first[0]
        return first in self.tokens or (
            initial in self.tokens
            and (f" {initial} {family} " in self.padded or f" {family} {initial} " in self.padded)
        )

    def has_name(self, entry: Entry) -> bool:
        """Family name and given name anywhere in the window, in any order (an initial must
        stand beside the family name)."""
        if not (self.has_family(entry) and self.has_given(entry)):
            return False
        if entry.given[0] in entry.family:  # "Ali Ali": one word must not stand for both
            return self.words.count(entry.given[0]) >= 1 + entry.family.count(entry.given[0])
        return True

    def has_nickname(self, entry: Entry) -> bool:
        return any(f" {' '.join(n)} " in self.padded for n in entry.nicknames)

    def has_identifier(self, entry: Entry) -> bool:
        return any(map(self.compact.__contains__, entry.identifiers))

    def has_address(self, entry: Entry) -> bool:
        return any(map(self.compact.__contains__, entry.postcodes))

    def has_adjacent_name(self, entry: Entry) -> bool:
        """The name written as one phrase: given or initial next to the family name, either side."""
        family = " ".join(entry.family)
        for given in {entry.given[0], entry.given[0][0]} if entry.given else ():
            if f" {given} {family} " in self.padded or f" {family} {given} " in self.padded:
                return True
        return False

    def evidence(self, entry: Entry) -> set[str]:
        """What besides the name the window says about ``entry``: nickname, identifier, address."""
        found: set[str] = set()
        if entry.nicknames and self.has_nickname(entry):
            found.add("nickname")
        if entry.identifiers and self.has_identifier(entry):
            found.add("identifier")
        if entry.postcodes and self.has_address(entry):
            found.add("address")
        return found
