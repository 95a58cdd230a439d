"""The name sweep: every registered family name and nickname in a text, by one Hyperscan pass.

This is the thorough, slower half of the matcher. Every family-name and nickname key is a
literal in one Hyperscan database, which scans the folded text in C and calls Python back at
each key (a pyahocorasick automaton, walking every character, ran twenty times slower). It
finds names that stand alone (weak matches) and names beside a nickname or an identifier
(strong ones) where no date of birth is near. The fingerprint runs it only on "deep" text: the
head of each part of a file, and around where the fast date pass found someone.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

import hyperscan

from listwarden.dlp.names import Entry, Window, decode_window, key_token, strip_accents

MAX_SAME_NAME = 3  # more people than this under one name: a common name, not attributed


def _word_table(*, digits: bool) -> bytes:
    table = bytearray(range(256))
    for byte in range(128):
        char = chr(byte)
        if "A" <= char <= "Z":
            table[byte] = byte + 32
        elif not (char.isalpha() or (digits and char.isdigit())):
            table[byte] = ord(" ")
    return bytes(table)


WORD_TABLE = _word_table(digits=True)  # ASCII letters lowercased, other ASCII but digits to spaces
LETTER_TABLE = _word_table(digits=False)  # the same with digits to spaces too
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
        # Every given name and initial of the register: the few words beside a family name
        # worth looking up (a small set, where the look-up by name pair strays over memory).
        self._givens = frozenset(given for _, given in by_name)
        self._by_nick = dict(by_nick)
        self._keys = sorted(
            k for k in {family for family, _ in by_name} | set(by_nick) if len(k) >= 2
        )
        self._lengths = [len(k.encode()) for k in self._keys]
        self._empty = not self._keys
        self._database = hyperscan.Database()
        if self._keys:
            literals = [k.encode() for k in self._keys]
            self._database.compile(
                expressions=literals,
                ids=list(range(len(literals))),
                elements=len(literals),
                literal=True,
            )
            self._scratch = hyperscan.Scratch(self._database)

    def sweep(self, chunk: bytes) -> tuple[dict[int, set[str]], int]:
        """People named in ``chunk`` with their evidence, and the count of unattributed names."""
        found: dict[int, set[str]] = {}
        ambiguous = 0
        if self._empty:
            return found, ambiguous
        data = chunk.translate(WORD_TABLE)
        if not data.isascii():
            data = _NON_ASCII.sub(_fold_run, data)
        hits: list[tuple[int, int]] = []
        keep = hits.append

        def key_at(number: int, _start: int, end: int, _flags: int, _context: object) -> None:
            keep((number, end))

        self._database.scan(data, match_event_handler=key_at, scratch=self._scratch)
        size, keys, lengths = len(data), self._keys, self._lengths
        by_name, by_nick, givens = self._by_name, self._by_nick, self._givens
        for number, last in hits:
            key = keys[number]
            first = last - lengths[number]
            if (first > 0 and _is_word(data[first - 1])) or (last < size and _is_word(data[last])):
                continue
            # Cheap first: is a given name or initial of someone with this family name beside it?
            beside = _text(data, first - _BESIDE, first).split()[-4:]
            beside += _text(data, last, last + _BESIDE).split()[:2]
            candidates = [
                i for word in beside if word in givens for i in by_name.get((key, word), ())
            ]
            if not candidates and key not in by_nick:
                continue
            near = Window(_text(data, first - _NEAR, last + _NEAR), folded=True)
            people = self._named(candidates, near) if candidates else []
            nicknamed = [i for i in by_nick.get(key, ()) if near.has_nickname(self._entries[i])]
            if not (people or nicknamed):
                continue
            wide = Window(_text(data, first - _WIDE, last + _WIDE), folded=True)
            common = len(people) > MAX_SAME_NAME
            ambiguous += common
            for index in people:
                evidence = wide.evidence(self._entries[index])
                if evidence or not common:
                    found.setdefault(index, set()).update({"name"} | evidence)
            for index in nicknamed:
                entry = self._entries[index]
                if wide.has_name(entry):
                    found.setdefault(index, set()).update({"name"} | wide.evidence(entry))
        return found, ambiguous

    def _named(self, candidates: list[int], near: Window) -> list[int]:
        """The candidates whose whole name is written as one phrase in ``near``, each name
        looked for once however many people share it."""
        people: dict[int, None] = {}
        adjacent: dict[tuple[tuple[str, ...], tuple[str, ...]], bool] = {}
        for index in candidates:
            entry = self._entries[index]
            name = (entry.family, entry.given[:1])  # all that has_adjacent_name reads
            written = adjacent.get(name)
            if written is None:
                written = adjacent[name] = near.has_adjacent_name(entry)
            if written:
                people[index] = None
        return list(people)


_NON_ASCII = re.compile(rb"[\x80-\xff]+")


def _fold_run(run: re.Match[bytes]) -> bytes:
    """A run of non-ASCII bytes folded as names are: accents stripped and casefolded, any
    character but a letter or digit made a space. Only these runs are decoded (UTF-8 when they
    are, Windows-1252 otherwise), so a text with a few accented names costs no more than one
    without."""
    folded = strip_accents(decode_window(run[0])).casefold()
    return "".join(c if c.isalnum() else " " for c in folded).encode()


def _is_word(byte: int) -> bool:
    """Whether a byte of folded text belongs to a word: a letter, a digit, or part of a
    character of another script (every other character was made a space)."""
    return byte != 32


def _text(data: bytes, low: int, high: int) -> str:
    """A stretch of folded text; a character cut at either end is dropped."""
    return data[max(0, low) : high].decode("utf-8", "ignore")
