"""The register's fingerprint: an in-memory matcher over its people, built at scan time.

Design. The naive matcher runs one automaton over every full name, visiting every character in
Python's slowest kind of loop. A date of birth is a rarer anchor than a name and has few written
shapes, so the fast pass is one Hyperscan scan of the raw bytes (``dates.FastDates``) that calls
back only at a whole date whose four-digit year is some registered person's year of birth
(dates of ordinary business never reach Python). The date is looked up whole, by one dict
lookup, in every shape the registered days are written in (nobody's date of birth is passed
over, and the lookup gives the day and the keys of the people born that day), then the words
of the line are looked up among those keys (in bytes, unless the line is outside ASCII), and
only for a key found is a window decoded and folded to confirm the name (the line, or a few
lines for a record card). Deep search, which costs ten times as much a byte, runs where it
pays: on the head of each part of a file, and around each place the fast pass found someone.
There it adds two-digit years and spelled-out months, and the name sweep (``sweep.NameSweep``)
for names alone and names beside a nickname or identifier.

The fingerprint lives in memory only; nothing in it is written to disk. Erased people are held
only as keyed-hash tokens (``tokens.ErasureToken``); with tokens held, a date in no registered
shape is parsed and its day checked against them.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from listwarden.dlp.dates import FOLD, MONTHS, DateFinder, FastDates, date_key, fold_bytes
from listwarden.dlp.names import (
    Entry,
    Window,
    compact,
    decode_window,
    fold_text,
    key_token,
    name_tokens,
    postcodes,
)
from listwarden.dlp.sweep import LETTER_TABLE, NameSweep
from listwarden.dlp.sweep import WORD_TABLE as _WORDS
from listwarden.dlp.tokens import (
    ErasureToken,
    dob_token,
    erasure_token,
    name_dob_token,
    token_expired,
)

_UNSEEN: tuple[int, int, tuple[int, ...]] = (0, 0, ())  # a date not yet parsed
_CHECKED = -(1 << 62)  # a spot where a date of birth was checked, whoever it matched
_LONE_AMONG = 12  # more checked dates of birth than this around a lone match: a list of others
_LONE_REACH = 2 << 10  # bytes either side of a lone match among others searched deep
_LINE_REACH = 240  # bytes either side of a date that its window may take from its line
_ESCALATION_REACH = 16 << 10  # bytes either side of a match that are then searched deep
_TOKEN_REACH_YEARS = 100  # years of birth looked back for held tokens, whose year is hidden
_CARD_REACH = 480  # reach of a record-card window (name and date on neighbouring lines)
_DIGIT = re.compile(rb"[0-9]")  # in a name key, it keeps digits in the words looked up
_CARD_FIELD = re.compile(rb"[ \t]*(?:[A-Za-z][A-Za-z .]{0,30}[:=]?)?[ \t]*\Z")  # "Date of birth:"


@dataclass(frozen=True, slots=True)
class Person:
    """One person of the register, as the service layer hands them over (decrypted, in memory)."""

    subject_id: str
    given_name: str
    family_name: str
    nicknames: tuple[str, ...] = ()
    date_of_birth: date | None = None
    addresses: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    erased: bool = False


@dataclass(slots=True)
class ChunkMatches:
    """What one chunk of text revealed: people with their evidence, erased tokens, common names."""

    people: dict[int, set[str]] = field(default_factory=dict)
    erased: set[str] = field(default_factory=set)
    ambiguous: int = 0
    deep_bytes: int = 0  # how much of the chunk was searched deep
    regions: list[tuple[int, int]] = field(default_factory=list)  # the stretches searched deep
    # Lines with the family name and date of birth of someone registered but not their given
    # name: how often chance pairs a registered name with a date in this text.
    near_misses: int = 0
    lone: set[int] = field(default_factory=set)  # matched alone among others' dates of birth
    clustered: set[int] = field(default_factory=set)  # matched beside other people matched

    def add(self, index: int, kinds: set[str]) -> None:
        self.people.setdefault(index, set()).update(kinds)


class Fingerprint:
    """The matcher; build it with ``Fingerprint.build`` and ask it about chunks of bytes."""

    def __init__(
        self,
        entries: list[Entry],
        *,
        today: date,
        dob_years: tuple[int, int],
        erased: Iterable[ErasureToken] = (),
        key: bytes | None = None,
    ) -> None:
        self._entries = entries
        self._finder = DateFinder(first_year=dob_years[0], last_year=dob_years[1], today=today)
        by_dob: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for index, entry in enumerate(entries):
            if not entry.dob:
                continue
            keys = {key_token(entry.family), entry.family_joined}
            keys.update(key_token(n) for n in entry.nicknames)
            for token in keys:
                by_dob[entry.dob][token].append(index)
        self._by_dob = {day: dict(people) for day, people in by_dob.items()}
        dob_keys = {day: frozenset(k.encode() for k in people) for day, people in by_dob.items()}
        # A date's line is split into words to be looked up among the keys of the people born
        # that day; with no digit in any key, digits are blanked first and so never looked up.
        digit_free = not any(map(_DIGIT.search, (k for keys in dob_keys.values() for k in keys)))
        self._line_table = LETTER_TABLE if digit_free else _WORDS
        self._sweep = NameSweep(entries)
        given = Counter(entry.given[0] for entry in entries)
        total = sum(given.values())
        # The chance that two people on the register share a first given name: how often a
        # near miss (family name and date of birth) would, by chance alone, be a whole match.
        self.given_chance = sum(n * n for n in given.values()) / total**2 if total else 0.0
        live = [t for t in erased if not token_expired(t.created, today)]
        if live and key is None:
            raise ValueError("erasure tokens need the scanner key to be checked")
        self._key = key or b""
        self._erased_names = frozenset(t.name_dob for t in live)
        self._erased_dobs = frozenset(t.dob for t in live)
        self._erased_day: dict[int, bool] = {}
        self._relevant: dict[bytes, tuple[int, int, tuple[int, ...]] | None] = {}
        self._fast = FastDates(first_year=dob_years[0], last_year=dob_years[1])
        # Every way a fast form can write a registered day, to its ordinal and the keys of the
        # people born that day: a whole date is looked up, never parsed. Erased people's days
        # are hidden in tokens, so with tokens held a date found in no shape is parsed and its
        # day checked against them.
        self._shapes = {
            shape: (ordinal, dob_keys[ordinal])
            for shape, ordinal in _dob_shapes(self._by_dob, today=today).items()
        }
        self._whole: dict[bytes, tuple[int, ...]] = {}
        self.dob_years = dob_years

    @classmethod
    def build(
        cls,
        people: Iterable[Person],
        *,
        today: date,
        key: bytes | None = None,
        erased_tokens: Iterable[ErasureToken] = (),
        dob_years: tuple[int, int] | None = None,
    ) -> Fingerprint:
        """Fold the register's people into a matcher; erased people become tokens at once."""
        entries: list[Entry] = []
        held = list(erased_tokens)
        tokens = list(held)
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        erased_years: list[int] = []
        for person in people:
            if person.erased:
                if key is None or person.date_of_birth is None:
                    continue
                erased_years.append(person.date_of_birth.year)
                tokens.append(
                    erasure_token(
                        key,
                        given_name=person.given_name,
                        family_name=person.family_name,
                        date_of_birth=person.date_of_birth,
                        created=today,
                    )
                )
                continue
            entry = _entry(person, shared)
            if entry is not None:
                entries.append(entry)
        years = dob_years or _years_of(entries, erased_years, today)
        if dob_years is None and held:
            # Tokens held from earlier erasures carry no year in clear: look back a century.
            years = (min(years[0], today.year - _TOKEN_REACH_YEARS), years[1])
        return cls(entries, today=today, dob_years=years, erased=tokens, key=key)

    def __len__(self) -> int:
        return len(self._entries)

    def subject_id(self, index: int) -> str:
        return self._entries[index].subject_id

    def match(self, chunk: bytes, *, deep: bool = False, escalate: bool = True) -> ChunkMatches:
        """Find the register's people in ``chunk``: all of it deep when asked, and otherwise,
        with ``escalate``, deep around each place where the fast pass found someone."""
        found = ChunkMatches()
        spots: list[tuple[int, int]] = []
        windows: dict[tuple[int, int], Window] = {}
        self._fast_pass(chunk, found, windows, spots)
        if deep:
            regions = [(0, len(chunk))]
            self._deep_pass(chunk, found, windows, spots)
        elif escalate and any(who != _CHECKED for _, who in spots):
            regions = _regions(spots, len(chunk))
            for low, high in regions:
                near: list[tuple[int, int]] = []
                self._deep_pass(chunk[low:high], found, {}, near)
                spots.extend((spot + low, who) for spot, who in near)
        else:
            regions = []
        found.regions = regions
        _lone_or_clustered(spots, len(chunk), found)
        for low, high in regions:
            people, ambiguous = self._sweep.sweep(chunk[low:high])
            found.ambiguous += ambiguous
            found.deep_bytes += high - low
            for index, kinds in people.items():
                found.add(index, kinds)
        return found

    def _fast_pass(
        self,
        chunk: bytes,
        found: ChunkMatches,
        windows: dict[tuple[int, int], Window],
        spots: list[tuple[int, int]],
    ) -> None:
        """Confirm the people born on each whole date of the fast forms (one Hyperscan pass)."""
        shapes, tokens, table = self._shapes, bool(self._erased_dobs), self._line_table
        for start, end in self._fast.find(chunk):
            whole = chunk[start:end].translate(FOLD)
            known = shapes.get(whole)
            if known is not None:
                ordinal, keys = known
                if not tokens:
                    # The commonest case, in a list of other people, inline and without a
                    # window: no family name or nickname of anyone born that day is a word of
                    # the date's line (a record card's field is left to _check).
                    first, last, card = _date_line(chunk, start, end)
                    if not card:
                        line = chunk[first:last]
                        words = line.translate(table).split() if line.isascii() else _folded(line)
                        if keys.isdisjoint(words):
                            spots.append((start, _CHECKED))
                            continue
                self._check(chunk, start, end, (ordinal,), found, windows, spots)
            elif tokens:
                ordinals = self._whole.get(whole)
                if ordinals is None:
                    ordinals = tuple(
                        o for o in self._finder.readings_of(whole) if self._is_erased_day(o)
                    )
                    if len(self._whole) > 200_000:
                        self._whole.clear()
                    self._whole[whole] = ordinals
                if ordinals:
                    self._check(chunk, start, end, ordinals, found, windows, spots)

    def _deep_pass(
        self,
        chunk: bytes,
        found: ChunkMatches,
        windows: dict[tuple[int, int], Window],
        spots: list[tuple[int, int]],
    ) -> None:
        """Confirm the people born on each date of the deep forms: two-digit years and months
        spelled out, which cost more a byte to find (on the folded copy, by ``re``)."""
        folded = fold_bytes(chunk)
        finder, relevant = self._finder, self._relevant
        for match in finder.deep.finditer(folded):
            slash = match.start()
            key = date_key(folded, slash)
            date_at = relevant.get(key, _UNSEEN)
            if date_at is _UNSEEN:
                date_at = self._relevant_date(finder.parse_at(folded, slash))
                if len(relevant) > 200_000:
                    relevant.clear()
                relevant[key] = date_at
            if date_at is not None:
                start, end, ordinals = date_at
                self._check(chunk, slash + start, slash + end, ordinals, found, windows, spots)
        for start, end, ordinals in finder.find_spelled(folded):
            self._check(chunk, start, end, ordinals, found, windows, spots)

    def _relevant_date(
        self, parsed: tuple[int, int, tuple[int, ...]]
    ) -> tuple[int, int, tuple[int, ...]] | None:
        """A parsed date kept only if someone on the register, or someone erased, was born then."""
        start, end, readings = parsed
        ordinals = tuple(
            o
            for o in readings
            if o in self._by_dob or (self._erased_dobs and self._is_erased_day(o))
        )
        return (start, end, ordinals) if ordinals else None

    def _check(
        self,
        chunk: bytes,
        start: int,
        end: int,
        ordinals: tuple[int, ...],
        found: ChunkMatches,
        windows: dict[tuple[int, int], Window],
        spots: list[tuple[int, int]],
    ) -> None:
        for ordinal in ordinals:
            candidates = self._by_dob.get(ordinal)
            erased = bool(self._erased_dobs) and self._is_erased_day(ordinal)
            if candidates is None and not erased:
                continue
            spots.append((start, _CHECKED))
            first, last, card = _date_line(chunk, start, end)
            if card:
                first, last = _card_bounds(chunk, first, start, end, last)
            window = windows.get((first, last))
            if window is None:
                if candidates is not None and not erased:
                    named = self._may_name(candidates, chunk[first:last])
                    if not named:
                        found.near_misses += named is False
                        continue
                window = Window(decode_window(chunk[first:last]))
                windows[(first, last)] = window
            if candidates is not None:
                spots.extend((start, index) for index in self._confirm(candidates, window, found))
            if erased:
                tokens = self._erased_in(window, date.fromordinal(ordinal))
                found.erased.update(tokens)
                spots.extend((start, -1 - n) for n, _ in enumerate(tokens))

    def _may_name(self, candidates: dict[str, list[int]], line: bytes) -> bool | None:
        """A cheap look before any decoding: does the line hold the family name (or nickname)
        of someone born that day, with their given name, its initial or their nickname? Only
        what ``Window.has_name`` and ``has_nickname`` need of the words, never more. False
        for a near miss (the family name without the rest), None for no name at all."""
        if not line.isascii():
            return True  # accents and other scripts are folded only by the full window
        words = set(line.translate(_WORDS).decode().split())
        keys = candidates.keys() & words
        if not keys:
            return None
        for key in keys:
            for index in candidates[key]:
                entry = self._entries[index]
                if entry.given and (entry.given[0] in words or entry.given[0][0] in words):
                    return True
                if any(words.issuperset(nickname) for nickname in entry.nicknames):
                    return True
        return False

    def _confirm(
        self, candidates: dict[str, list[int]], window: Window, found: ChunkMatches
    ) -> list[int]:
        """The candidates named in the window (added to ``found`` with their evidence)."""
        named_here: list[int] = []
        keys = candidates.keys() & window.tokens
        for token in keys:
            for index in candidates[token]:
                entry = self._entries[index]
                named = window.has_name(entry)
                if named or (entry.nicknames and window.has_nickname(entry)):
                    kinds = {"dob"} | window.evidence(entry)
                    if named:
                        kinds.add("name")
                    found.add(index, kinds)
                    named_here.append(index)
        found.near_misses += bool(keys) and not named_here
        return named_here

    def _is_erased_day(self, ordinal: int) -> bool:
        known = self._erased_day.get(ordinal)
        if known is None:
            token = dob_token(self._key, date.fromordinal(ordinal))
            known = self._erased_day[ordinal] = token in self._erased_dobs
        return known

    def _erased_in(self, window: Window, dob: date) -> set[str]:
        """Erased people's tokens matched by a name pair in ``window`` (either order)."""
        words, hits = window.words, set()
        for i in range(len(words) - 1):
            pairs = [(words[i], words[i + 1]), (words[i + 1], words[i])]
            if i + 2 < len(words):
                pairs.append((words[i], words[i + 1] + words[i + 2]))
                pairs.append((words[i + 2], words[i] + words[i + 1]))
            for given, family in pairs:
                token = name_dob_token(self._key, given, family, dob)
                if token in self._erased_names:
                    hits.add(token)
        return hits


def _dob_shapes(by_dob: Iterable[int], *, today: date) -> dict[bytes, int]:
    """Every way the fast forms write a registered date of birth, folded, to its day ordinal:
    the one reading the parser gives that text. Day and month with or without a leading zero,
    the month also by a name of three or four letters; ``d/m/yyyy`` and ``yyyy/m/d``, and
    ``m/d/yyyy`` where only the American reading can be meant (the day past 12)."""
    names: dict[int, list[str]] = defaultdict(list)
    for name, number in MONTHS.items():
        if 3 <= len(name) <= 4:
            names[number].append(name)
    shapes: dict[bytes, int] = {}
    for ordinal in by_dob:
        day = date.fromordinal(ordinal)
        if day > today:
            continue  # the parser reads no date after today
        d, m, y = day.day, day.month, day.year
        days = {str(d), f"{d:02d}"}
        numbers = {str(m), f"{m:02d}"}
        for dd in days:
            for mm in [*numbers, *names[m]]:
                shapes[f"{dd}/{mm}/{y}".encode()] = ordinal
                shapes[f"{y}/{mm}/{dd}".encode()] = ordinal
            if d > 12:
                for mm in numbers:
                    shapes[f"{mm}/{dd}/{y}".encode()] = ordinal
    return shapes


def _groups(spots: list[tuple[int, int]], size: int) -> list[tuple[int, int, set[int], list[int]]]:
    """The matches, grouped where their stretches of ``_ESCALATION_REACH`` either side meet:
    each group's bounds, the people in it and where they were matched."""
    merged: list[tuple[int, int, set[int], list[int]]] = []
    for spot, who in sorted(s for s in spots if s[1] != _CHECKED):
        low, high = max(0, spot - _ESCALATION_REACH), min(size, spot + _ESCALATION_REACH)
        if merged and low <= merged[-1][1]:
            merged[-1][2].add(who)
            merged[-1][3].append(spot)
            merged[-1] = (merged[-1][0], high, merged[-1][2], merged[-1][3])
        else:
            merged.append((low, high, {who}, [spot]))
    return merged


def _regions(spots: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """Stretches within ``_ESCALATION_REACH`` of matches, merged where they meet. Where one
    person alone was matched among many other dates of birth (a long list of other people,
    where a lone match is most often a namesake born the same day), only the few lines
    around the match are searched deep: enough for a short list hidden there."""
    checked = sorted(spot for spot, who in spots if who == _CHECKED)
    regions: list[tuple[int, int]] = []
    for low, high, people, at in _groups(spots, size):
        lone = len(people) == 1 and min(people) >= 0
        if lone and bisect_right(checked, high) - bisect_left(checked, low) > _LONE_AMONG:
            for spot in at:
                near = (max(0, spot - _LONE_REACH), min(size, spot + _LONE_REACH))
                if regions and near[0] <= regions[-1][1]:
                    regions[-1] = (regions[-1][0], max(regions[-1][1], near[1]))
                else:
                    regions.append(near)
        else:
            regions.append((low, high))
    return regions


def _lone_or_clustered(spots: list[tuple[int, int]], size: int, found: ChunkMatches) -> None:
    """Sort the people matched into ``found.lone`` (alone among more than ``_LONE_AMONG``
    other dates of birth within ``_ESCALATION_REACH``: a row in someone else's long list, where
    a namesake born the same day is likeliest) and ``found.clustered`` (beside others
    matched, as an informal list has them)."""
    checked = sorted(spot for spot, who in spots if who == _CHECKED)
    for low, high, people, _at in _groups(spots, size):
        among = bisect_right(checked, high) - bisect_left(checked, low)
        if len(people) == 1 and min(people) >= 0 and among > _LONE_AMONG:
            found.lone.update(people)
        else:
            found.clustered.update(who for who in people if who >= 0)


def _folded(line: bytes) -> list[bytes]:
    """The words of a line outside ASCII as a window folds them (accents stripped)."""
    return fold_text(decode_window(line)).encode().split()


def _date_line(chunk: bytes, start: int, end: int) -> tuple[int, int, bool]:
    """The bounds of the line of the date at ``start:end`` (at most ``_LINE_REACH`` bytes
    either side of it), and whether the date is a record card's field there: alone on its
    line behind at most a label (``DOB: 3/2/99``). Called for every date of birth found, so
    the card's cheap tests come first."""
    low = start - _LINE_REACH if start > _LINE_REACH else 0
    first = chunk.rfind(b"\n", low, start) + 1 or low
    last = chunk.find(b"\n", end, end + _LINE_REACH)
    if last == -1:
        last = min(len(chunk), end + _LINE_REACH)
    card = (
        last - end <= 3
        and start - first <= 32
        and _CARD_FIELD.match(chunk, first, start) is not None
        and not chunk[end:last].strip(b" \t\r.")
    )
    return first, last, card


def _card_bounds(chunk: bytes, first: int, start: int, end: int, last: int) -> tuple[int, int]:
    """A record card's window: the date's line with the three lines above and the one below."""
    low = max(0, start - _CARD_REACH)
    for _ in range(3):
        if first <= low:
            break
        previous = chunk.rfind(b"\n", low, first - 1)
        first = previous + 1 if previous != -1 else low
    high = min(len(chunk), end + _CARD_REACH // 2)
    following = chunk.find(b"\n", last + 1, high) if last < high else -1
    return first, high if following == -1 else following


def _entry(person: Person, shared: dict[tuple[str, ...], tuple[str, ...]]) -> Entry | None:
    given = name_tokens(person.given_name)
    family = name_tokens(person.family_name)
    if not given or not family:
        return None
    return Entry(
        subject_id=person.subject_id,
        given=shared.setdefault(given, given),
        family=shared.setdefault(family, family),
        nicknames=tuple(t for t in (name_tokens(n) for n in person.nicknames) if t),
        identifiers=tuple(c for c in (compact(i) for i in person.identifiers) if len(c) >= 5),
        postcodes=tuple(p for a in person.addresses for p in postcodes(a)),
        dob=person.date_of_birth.toordinal() if person.date_of_birth else 0,
    )


def _years_of(entries: list[Entry], erased: list[int], today: date) -> tuple[int, int]:
    """The years of birth to look for: the register's own span, with a year's margin.

    Dates outside the span are never parsed, which keeps dates of ordinary business out of the
    matcher. Erased people held only as tokens have no year in clear: ``build`` then reaches
    back a century, unless the caller passes ``dob_years``.
    """
    years = [date.fromordinal(e.dob).year for e in entries if e.dob] + erased
    if not years:
        return today.year - 100, today.year
    return max(today.year - 120, min(years) - 1), min(today.year, max(years) + 1)
