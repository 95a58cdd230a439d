"""Dates of birth in their common written forms: finding them in bytes, parsing and writing them.

The finder works on a *folded* copy of the text (``fold_bytes``): ASCII letters lowercased, the
separators ``/ . -`` all turned into ``/`` and tabs into spaces, byte for byte, so offsets in the
folded copy are offsets in the original. CPython's regular expressions cost tens of nanoseconds
each time they stop, so the finder stops only where a date can start: at a separator (one
compiled pattern whose literal first byte is ``/``) and at a space before a four-digit year
(``bytes.find``, which runs at memory speed). The year range is checked inside the pattern, so
dates outside the register's years of birth (the dates of ordinary business) never reach Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import hyperscan

MONTHS: dict[str, int] = {}
for _number, _name in enumerate(
    (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ),
    start=1,
):
    MONTHS[_name] = _number
    MONTHS[_name[:3]] = _number
MONTHS["sept"] = 9

_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day zero, after its 1900 leap-year bug


def _fold_table() -> bytes:
    table = bytearray(range(256))
    for upper in range(ord("A"), ord("Z") + 1):
        table[upper] = upper + 32
    for separator in b"/.-":
        table[separator] = ord("/")
    for blank in b"\t\r\v\f":
        table[blank] = ord(" ")
    return bytes(table)


FOLD = _fold_table()


def fold_bytes(data: bytes) -> bytes:
    """The folded copy the finder and the window reader work on (same length as ``data``)."""
    return data.translate(FOLD)


def years_regex(first: int, last: int) -> str:
    """A regular expression matching exactly the four-digit years ``first`` to ``last``.

    Factored by century (``19(?:5[8-9]|[6-9][0-9])|20(?:0[0-9]|1[0-2])``): the regex engine
    tries alternatives one by one, so fewer and shorter branches are cheaper at every stop.
    """
    centuries: list[str] = []
    for century in range(first // 100, last // 100 + 1):
        decades: list[str] = []
        full: list[int] = []
        for decade in range(10):
            low = max(first, century * 100 + decade * 10)
            high = min(last, century * 100 + decade * 10 + 9)
            if low > high:
                continue
            if (low % 10, high % 10) == (0, 9):
                full.append(decade)
                continue
            digits = f"[{low % 10}-{high % 10}]" if low != high else str(low % 10)
            decades.append(f"{decade}{digits}")
        if full:
            decades.append(f"[{full[0]}-{full[-1]}][0-9]" if len(full) > 1 else f"{full[0]}[0-9]")
        if decades:
            centuries.append(f"{century}(?:{'|'.join(decades)})")
    return "(?:" + "|".join(centuries) + ")"


def excel_serial(day: date) -> int:
    """The spreadsheet serial number of ``day`` (1900 date system)."""
    return (day - _EXCEL_EPOCH).days


def from_excel_serial(serial: int) -> date:
    """The day a spreadsheet serial number stands for (1900 date system)."""
    return _EXCEL_EPOCH + timedelta(days=serial)


_REACH = 9  # bytes either side of a separator that hold the whole of a numeric date
_SLASHED = re.compile(rb"(?<![0-9])([0-9]{1,4})/([0-9]{1,2}|[a-z]{3,4})/([0-9]{2,4})(?![0-9])")
_MONTH_TAIL = re.compile(
    rb"(?:(?<![0-9])([0-9]{1,2})(?:st|nd|rd|th)?[ ,]*(?:of +)?([a-z]{3,9})/?"
    rb"|(?<![a-z])([a-z]{3,9})/? *([0-9]{1,2})(?:st|nd|rd|th)?)[ ,]*\Z"
)


def date_key(folded: bytes, slash: int) -> bytes:
    """The bytes around a separator that hold the whole of any date written across it, which
    key caches of parsed dates: five before and six after for ``dd/mm/yyyy`` and
    ``yyyy-mm-dd``, eight before when a month name ends there (``dd-sept-yyyy``)."""
    before = 8 if slash and 97 <= folded[slash - 1] <= 122 else 5
    return folded[max(0, slash - before) : slash + 6]


class FastDates:
    """Whole dates with a four-digit year of birth (the fast forms), in raw bytes, by one
    Hyperscan pass: ``d/m/yyyy``, ``dd-Mon-yyyy``, ``yyyy-mm-dd`` with any of ``/ . -``.

    Hyperscan runs its automaton in C and calls back only where a date in the years of birth
    ends, so the dates of ordinary business, and text with no dates at all, cost no Python
    (a tenth of the folded copy and ``re`` pass it replaces). Hyperscan has no look-behind:
    the callback drops a date preceded by a digit, and the pattern takes the byte after the
    date (or the end of the data) to refuse one followed by a digit. Not thread-safe: each
    matcher holds its own scratch space.
    """

    def __init__(self, *, first_year: int, last_year: int) -> None:
        year = years_regex(first_year, last_year).encode()
        separator, middle = rb"[/.\-]", rb"(?:[0-9]{1,2}|[a-z]{3,4})"
        after = rb"(?:[^0-9]|\z)"
        expressions = [
            rb"[0-9]{1,2}" + separator + middle + separator + year + after,
            year + separator + middle + separator + rb"[0-9]{1,2}" + after,
        ]
        self._database = hyperscan.Database()
        self._database.compile(
            expressions=expressions,
            ids=[0, 1],
            elements=len(expressions),
            flags=hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SOM_LEFTMOST,
        )
        self._scratch = hyperscan.Scratch(self._database)

    def find(self, data: bytes) -> list[tuple[int, int]]:
        """``(start, end)`` of each whole date of the fast forms in ``data``, in order of end."""
        hits: list[tuple[int, int]] = []
        keep = hits.append

        def whole(_pattern: int, start: int, end: int, _flags: int, _context: object) -> None:
            # Hyperscan has no look-behind: a date preceded by a digit is dropped here.
            if start and 48 <= data[start - 1] <= 57:
                return
            # The pattern took the byte after the date, to see that it was no digit.
            keep((start, end if 48 <= data[end - 1] <= 57 else end - 1))

        if data:
            self._database.scan(data, match_event_handler=whole, scratch=self._scratch)
        return hits


class DateFinder:
    """Finds written dates whose year lies in a range, giving their offsets and day ordinals.

    The fast forms have a four-digit year after a separator (``d/m/yyyy``, ``d.m.yyyy``,
    ``d-m-yyyy``, ``dd-Mon-yyyy``) or before one (``yyyy-mm-dd``). The deep forms, which cost
    more per byte, have two-digit years (``d/m/yy``, ``dd-Mon-yy``) or the month spelled out
    (``3 Feb 1999``, ``3rd February 1999``, ``February 3, 1999``).
    """

    def __init__(self, *, first_year: int, last_year: int, today: date) -> None:
        self.first_year = first_year
        self.last_year = last_year
        self._today = today
        year = years_regex(first_year, last_year).encode()
        self._fast = re.compile(rb"/(?:" + year + rb"(?![0-9])|(?<=" + year + rb"/))", re.DOTALL)
        # Deep only: the first separator of d/m/yy, and the second of dd-mon-yy.
        self._deep = re.compile(
            rb"/(?=[0-9])(?:(?<![0-9]{3}/)(?=[0-9][0-9]?/[0-9][0-9](?![0-9]))"
            rb"|(?<=[a-z]/)(?=[0-9][0-9](?![0-9])))",
            re.DOTALL,
        )
        self._years = frozenset(str(y).encode() for y in range(first_year, last_year + 1))
        self._cache: dict[bytes, tuple[int, int, tuple[int, ...]]] = {}

    @property
    def fast(self) -> re.Pattern[bytes]:
        """Stops at each separator beside a four-digit year of birth (the fast path's forms)."""
        return self._fast

    @property
    def deep(self) -> re.Pattern[bytes]:
        """Stops at each separator of a two-digit-year date (the deep path's numeric forms)."""
        return self._deep

    def find(
        self, folded: bytes, *, fast: bool = True, deep: bool = False
    ) -> Iterator[tuple[int, int, tuple[int, ...]]]:
        """Yield ``(start, end, ordinals)`` for each date in ``folded`` (one or two readings).

        ``fast`` gives the fast path's forms and ``deep`` the others, so a chunk found worth a
        deeper look is searched again for the other forms only.
        """
        for pattern in (self._fast,) * fast + (self._deep,) * deep:
            for match in pattern.finditer(folded):
                slash = match.start()
                start, end, readings = self.parse_at(folded, slash)
                if readings:
                    yield slash + start, slash + end, readings
        if deep:
            yield from self.find_spelled(folded)

    def parse_at(self, folded: bytes, slash: int) -> tuple[int, int, tuple[int, ...]]:
        """The date around the separator at ``slash``: its start and end relative to it, and
        its readings (day ordinals), cached by the few bytes around the separator."""
        key = date_key(folded, slash)
        found = self._cache.get(key)
        if found is None:
            low = max(0, slash - _REACH)
            start, end, readings = self._parse_context(folded[low : slash + _REACH], slash - low)
            found = (start + low - slash, end + low - slash, readings)
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[key] = found
        return found

    def _parse_context(self, context: bytes, at: int) -> tuple[int, int, tuple[int, ...]]:
        """The date written across offset ``at`` of a few bytes of folded text, if any."""
        for shape in _SLASHED.finditer(context):
            if not shape.start() <= at < shape.end():
                continue
            readings = self._shape_readings(shape)
            if readings is None:
                break
            return shape.start(), shape.end(), readings
        return 0, 0, ()

    def readings_of(self, whole: bytes) -> tuple[int, ...]:
        """The readings (day ordinals) of one whole folded date such as ``12/03/1990``."""
        shape = _SLASHED.fullmatch(whole)
        return (self._shape_readings(shape) or ()) if shape is not None else ()

    def _shape_readings(self, shape: re.Match[bytes]) -> tuple[int, ...] | None:
        """The readings of a date's three parts; None when they cannot be a date at all."""
        first, middle, last = shape.groups()
        if len(first) == 4:  # yyyy/m/d
            if len(last) > 2:
                return None
            return self._readings(int(first), middle, last, iso=True)
        if len(first) > 2 or len(last) == 3:
            return None
        years = (int(last),) if len(last) == 4 else (1900 + int(last), 2000 + int(last))
        readings = {r for y in years for r in self._readings(y, middle, first, iso=False)}
        return tuple(sorted(readings))

    def find_spelled(self, folded: bytes) -> Iterator[tuple[int, int, tuple[int, ...]]]:
        """Dates with the month spelled out (``3 Feb 1999``, ``February 3, 1999``)."""
        for needle in (b" 19", b" 20"):
            at = folded.find(needle)
            while at != -1:
                year = folded[at + 1 : at + 5]
                after = folded[at + 5 : at + 6]
                if year in self._years and not after.isdigit():
                    head = _MONTH_TAIL.search(folded, max(0, at - 28), at + 1)
                    if head is not None:
                        ordinal = self._month_form(head, int(year))
                        if ordinal:
                            yield head.start(), at + 5, (ordinal,)
                at = folded.find(needle, at + 3)

    def _month_form(self, head: re.Match[bytes], year: int) -> int:
        day_text, month_text = (head[1], head[2]) if head[1] else (head[4], head[3])
        month = MONTHS.get(month_text.decode())
        if month is None:
            return 0
        return self._ordinal(year, month, int(day_text))

    def _readings(
        self, year: int, month_text: bytes, day_text: bytes, *, iso: bool
    ) -> tuple[int, ...]:
        if not (self.first_year <= year <= self.last_year):
            return ()
        if month_text.isalpha():
            month = MONTHS.get(month_text.decode())
            reading = self._ordinal(year, month, int(day_text)) if month else 0
            return (reading,) if reading else ()
        if not (month_text.isdigit() and day_text.isdigit()):
            return ()
        month, day = int(month_text), int(day_text)
        reading = self._ordinal(year, month, day)
        if not reading and not iso:
            reading = self._ordinal(year, day, month)  # m/d/y, read only where d/m/y cannot be
        return (reading,) if reading else ()

    def _ordinal(self, year: int, month: int, day: int) -> int:
        if not (self.first_year <= year <= self.last_year):
            return 0
        try:
            found = date(year, month, day)
        except ValueError:
            return 0
        return found.toordinal() if found <= self._today else 0


def parse_date(text: str, *, today: date) -> date | None:
    """The date written in ``text`` in any form the finder knows, or None."""
    finder = DateFinder(first_year=1900, last_year=today.year, today=today)
    folded = b"\n" + fold_bytes(text.encode()) + b"\n"
    for _start, _end, ordinals in finder.find(folded, deep=True):
        return date.fromordinal(ordinals[0])
    return None


def _ordinal_suffix(day: int) -> str:
    if 10 <= day % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def written_forms(day: date) -> list[str]:
    """The written forms of ``day`` the finder understands (the corpus writes people with these)."""
    d, m, y = day.day, day.month, day.year
    month = date(2000, m, 1).strftime("%B")
    return [
        day.isoformat(),
        f"{d:02d}/{m:02d}/{y}",
        f"{d}/{m}/{y % 100:02d}",
        f"{d:02d}-{m:02d}-{y}",
        f"{d:02d}.{m:02d}.{y}",
        f"{d} {month[:3]} {y}",
        f"{d}{_ordinal_suffix(d)} {month} {y}",
        f"{month} {d}, {y}",
        f"{d:02d}-{month[:3].upper()}-{y}",
        f"{d}/{m}/{y}",
        f"{y}/{m:02d}/{d:02d}",
        f"{month[:3]} {d}{_ordinal_suffix(d)} {y}",
    ]
