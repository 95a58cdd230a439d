"""The name sweep: every registered family name and nickname in a text, by one automaton pass.

This is the thorough, slower half of the matcher (an Aho-Corasick automaton walks every
character). It finds names that stand alone (weak matches) and names beside a nickname or an
identifier (strong ones) where no date of birth is near. The fingerprint runs it only on "deep"
text: the head of each part of a file, and around where the fast date pass found someone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import ahocorasick  # type: ignore[import-not-found]

from listwarden.dlp.names import Entry, Window, decode_window, key_token, strip_accents

MAX_SAME_NAME = 3  # more people than this under one name: a common name, not attributed


def _word_table() -> bytes:
    table = bytearray(range(256))
    for byte in range(128):
        char = chr(byte)
        if "A" <= char <= "Z":
            table[byte] = byte + 32
        elif not char.isalnum():
            table[byte] = ord(" ")
    return bytes(table)


WORD_TABLE = _word_table()  # ASCII letters lowercased, other ASCII but digits to spaces
_BESIDE = 40  # characters either side of a family name searched for a given name or initial
_NEAR = 120  # characters either side of a name searched for a nickname beside it
_WIDE = 320  # characters either side searched for a nickname or identifier


class NameSweep:
    """An automaton over family-name and nickname keys, with the indexes to confirm each hit."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._entries = entries
        by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
        by_nick: dict[str, list[int]] = defaultdict(list)
        for index, entry in enumerate(entries):
            if not entry.family or not entry.given:
                continue
            family_key = key_token(entry.family)
            for given in {entry.given[0], entry.given[0][0]}:
                by_name[(family_key, given)].append(index)
                if len(entry.family) > 1:
                    by_name[(entry.family_joined, given)].append(index)
            for nickname in entry.nicknames:
                by_nick[key_token(nickname)].append(index)
        self._by_name = dict(by_name)
        self._by_nick = dict(by_nick)
        self._automaton = ahocorasick.Automaton()
        keys = {family for family, _ in by_name} | set(by_nick)
        for key in keys:
            if len(key) >= 2:
                self._automaton.add_word(key, key)
        self._empty = not keys
        if keys:
            self._automaton.make_automaton()

    def sweep(self, chunk: bytes) -> tuple[dict[int, set[str]], int]:
        """People named in ``chunk`` with their evidence, and the count of unattributed names."""
        found: dict[int, set[str]] = {}
        ambiguous = 0
        if self._empty:
            return found, ambiguous
        text = decode_window(chunk.translate(WORD_TABLE))
        if not text.isascii():
            text = strip_accents(text).casefold()
        size = len(text)
        by_name, by_nick = self._by_name, self._by_nick
        for last, key in self._automaton.iter(text):
            first = last - len(key) + 1
            if (first > 0 and text[first - 1].isalnum()) or (
                last + 1 < size and text[last + 1].isalnum()
            ):
                continue
            # Cheap first: is a given name or initial of someone with this family name beside it?
            beside = text[max(0, first - _BESIDE) : first].split()[-4:]
            beside += text[last + 1 : last + 1 + _BESIDE].split()[:2]
            named = any((key, word) in by_name for word in beside)
            if not named and key not in by_nick:
                continue
            near = Window(text[max(0, first - _NEAR) : last + 1 + _NEAR])
            wide = Window(text[max(0, first - _WIDE) : last + 1 + _WIDE])
            people = self._named(key, beside, near) if named else []
            common = len(people) > MAX_SAME_NAME
            ambiguous += common
            for index in people:
                evidence = wide.evidence(self._entries[index])
                if evidence or not common:
                    found.setdefault(index, set()).update({"name"} | evidence)
            for index in by_nick.get(key, ()):
                entry = self._entries[index]
                if near.has_nickname(entry) and wide.has_name(entry):
                    found.setdefault(index, set()).update({"name"} | wide.evidence(entry))
        return found, ambiguous

    def _named(self, key: str, beside: list[str], near: Window) -> list[int]:
        """People whose whole name is written as one phrase around ``key`` in ``near``."""
        people: dict[int, None] = {}
        for word in beside:
            for index in self._by_name.get((key, word), ()):
                if near.has_adjacent_name(self._entries[index]):
                    people[index] = None
        return list(people)
