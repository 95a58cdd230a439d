"""Bringing a legacy list in: each row checked against the laws, or sent to quarantine with why.

A row is either a person who may be held as the row stands, or a set of reasons it may not:
no category, a category the list does not hold, an unknown BCU, an unparseable date, an invalid
3x5x2 grading, a single uncorroborated source (law 8), a child without IAO approval and a
safeguarding referral (law 10). Every reason is collected, not only the first, so the row can be
fixed once. A file whose *shape* is wrong (a ragged row, a missing column) is not quarantined
row by row: it is refused whole, naming the row and column of the first problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple, Union

from listwarden.domain.bcu import BCU_OF_BOROUGH, require_bcu
from listwarden.domain.corroboration import (
    DEFAULT_MINIMUM_SOURCES,
    IntelligenceSource,
    corroboration,
    enough_distinct_sources,
)
from listwarden.domain.entries import CheckedIntelligence, is_child, require_child_safeguards
from listwarden.domain.errors import InvalidInput, ListwardenError, Reason
from listwarden.domain.grading import parse_grading
from listwarden.domain.import_mapping import ColumnMapping
from listwarden.domain.vocabulary import Category, SourceType

Cell = Union[str, int, float, bool, date, datetime, time, timedelta, None]  # noqa: UP007 - runtime
"""A cell as a reader gives it: text from CSV; typed values from a spreadsheet."""

LEGACY_REVIEW_DAYS = 30
"""An imported entry is reviewed within 30 days: it was never checked against the laws."""
QUARANTINE_DAYS = 30
"""A quarantined row is erased after 30 days, fixed and re-imported or not."""


class MalformedFile(InvalidInput):
    """The file's shape is wrong; ``row`` and ``column`` (1-based) locate the first problem."""

    slug = "malformed-file"

    def __init__(self, detail: str, *, row: int, column: int | None = None) -> None:
        where = f"row {row}" + (f", column {column_label(column)}" if column else "")
        super().__init__(
            f"{detail} ({where})", reasons=[Reason("malformed-file", f"{where}: {detail}", where)]
        )
        self.row, self.column = row, column


def column_label(number: int) -> str:
    """The spreadsheet letter of a 1-based column number (1 is A, 27 is AA)."""
    label = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        label = chr(ord("A") + rest) + label
    return label


def cell_text(value: Cell) -> str:
    """A cell as trimmed text; a whole number read as a float loses its ``.0``."""
    if type(value) is str:  # every CSV cell, most spreadsheet cells: the common case first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def parse_date(value: Cell, formats: tuple[str, ...]) -> date | None:
    """A date from a date cell or from text in one of ``formats``; ``None`` if it is neither."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _text_date(cell_text(value), formats)


@lru_cache(maxsize=65_536)
def _text_date(text: str, formats: tuple[str, ...]) -> date | None:
    # A list repeats its dates (births, reports) often, and strptime is slow: parse each once.
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def locate_columns(header: list[str], mapping: ColumnMapping) -> dict[str, int]:
    """Where each mapped column sits in ``header``; a missing or repeated one is refused."""
    seen: dict[str, int] = {}
    for n, name in enumerate(header):
        if name and name in seen:
            raise MalformedFile(f"the column {name!r} appears twice", row=1, column=n + 1)
        seen.setdefault(name, n)
    for name in mapping.headers():
        if name not in seen:
            raise MalformedFile(f"the mapping names a column {name!r} the file lacks", row=1)
    return {name: seen[name] for name in mapping.headers()}


class ImportedPerson(NamedTuple):
    """A row that may be held as it stands (a tuple: one is made for every row loaded)."""

    given_name: str
    family_name: str
    date_of_birth: date
    category: Category
    bcu: str
    nicknames: tuple[str, ...]
    address: str | None
    iao_approval_by: str | None
    safeguarding_referral: str | None
    intelligence: tuple[CheckedIntelligence, ...]
    child: bool


@dataclass(frozen=True)
class ListRules:
    """What the target list demands of a row."""

    allowed: frozenset[Category]
    corroboration_required: bool
    minimum_sources: int = DEFAULT_MINIMUM_SOURCES


class RowVerdict(NamedTuple):
    """One row's outcome: the person to load, or every reason it goes to quarantine."""

    row: int
    person: ImportedPerson | None
    reasons: tuple[Reason, ...]


def _reasons_of(error: ListwardenError, field: str) -> list[Reason]:
    return [Reason(r.code, r.detail, field) for r in error.reasons] or [
        Reason("invalid", error.detail, field)
    ]


_SOURCE_TYPES = {s.value: s for s in SourceType}
_UNMAPPED = -1


class _Item(NamedTuple):
    """Where one intelligence item's columns sit in a row."""

    where: str
    grading: int
    source_type: int
    source_ref: int
    text: int
    reported_on: int
    handling_conditions: int


class RowChecker:
    """Decides each row of one file for one list: a person who may be held, or every reason
    they may not be yet (see the module docstring for the rules).

    Where each mapped field sits in a row is worked out once, from ``positions``
    (:func:`locate_columns`), so a row is read by position. A row the checker passes needs no
    other check before it is collected: it applies every rule ``services.entries`` applies to a
    person given one at a time (``tests/integration/test_imports.py`` holds it to that).
    """

    def __init__(
        self,
        positions: Mapping[str, int],
        *,
        mapping: ColumnMapping,
        rules: ListRules,
        today: date,
    ) -> None:
        self.mapping, self.rules, self.today = mapping, rules, today
        columns = mapping.columns

        def at(name: str | None) -> int:
            # A field the mapping leaves out reads the empty text put after a row's own cells.
            return positions[name] if name else _UNMAPPED

        self.given, self.family = at(columns["given_name"]), at(columns["family_name"])
        self.born, self.category_at = positions[columns["date_of_birth"]], at(columns["category"])
        self.borough, self.bcu = at(columns.get("borough")), at(columns.get("bcu"))
        self.nicknames, self.address = at(columns.get("nicknames")), at(columns.get("address"))
        self.approval = at(columns.get("iao_approval_by"))
        self.referral = at(columns.get("safeguarding_referral"))
        self.items = [
            _Item(
                f"intelligence[{n}]",
                positions[c.grading],
                positions[c.source_type],
                positions[c.source_ref],
                positions[c.text],
                positions[c.reported_on],
                at(c.handling_conditions),
            )
            for n, c in enumerate(mapping.intelligence)
        ]
        self.allowed_detail = "the list holds only: " + ", ".join(sorted(rules.allowed))

    def check(self, row: int, cells: Sequence[Cell]) -> RowVerdict:
        """Decide one row (``row`` its number in the file, ``cells`` as the reader gave them)."""
        reasons: list[Reason] = []
        texts = [v.strip() if type(v) is str else cell_text(v) for v in cells]
        texts.append("")  # what an unmapped field reads (_UNMAPPED)
        given, family = texts[self.given], texts[self.family]
        if not given:
            reasons.append(Reason("given-name-missing", "empty", "given_name"))
        if not family:
            reasons.append(Reason("family-name-missing", "empty", "family_name"))
        born = self._date(cells, texts, self.born, "date_of_birth", reasons)
        today = self.today
        if born is not None and born > today:
            reasons.append(Reason("date-in-future", "a date of birth cannot be", "date_of_birth"))
        category = self._category(texts, reasons)
        bcu = self._bcu(texts, reasons)
        intelligence = tuple(
            i for i in (self._intelligence(cells, texts, item, reasons) for item in self.items) if i
        )
        rules = self.rules
        if rules.corroboration_required and not any(
            (x.field or "").startswith("intelligence") for x in reasons
        ):
            refs = [i.source_ref for i in intelligence]
            if not enough_distinct_sources(refs, rules.minimum_sources):
                found = corroboration(
                    [IntelligenceSource(str(n), ref) for n, ref in enumerate(refs)],
                    minimum=rules.minimum_sources,
                )
                reasons.append(Reason(found.code, found.reason, "intelligence"))
        approval = texts[self.approval] or None
        referral = texts[self.referral] or None
        child = born is not None and born <= today and is_child(born, today)
        if child:
            try:
                require_child_safeguards(
                    child=child, iao_approval_by=approval, safeguarding_referral=referral
                )
            except ListwardenError as error:
                reasons += error.reasons
        if reasons or born is None or category is None:
            return RowVerdict(row, None, tuple(reasons))
        separator = self.mapping.nickname_separator
        nicknames = tuple(n.strip() for n in texts[self.nicknames].split(separator) if n.strip())
        person = ImportedPerson(
            given,
            family,
            born,
            category,
            bcu,
            nicknames,
            texts[self.address] or None,
            approval if child else None,
            referral if child else None,
            intelligence,
            child,
        )
        return RowVerdict(row, person, ())

    def _date(
        self, cells: Sequence[Cell], texts: list[str], at: int, field: str, reasons: list[Reason]
    ) -> date | None:
        raw, text = cells[at], texts[at]
        if not text:
            code = field.split(".")[-1].replace("_", "-") + "-missing"
            reasons.append(Reason(code, "empty", field))
            return None
        formats = self.mapping.date_formats
        parsed = _text_date(text, formats) if type(raw) is str else parse_date(raw, formats)
        if parsed is None:
            detail = f"{text!r} is not a date in: {', '.join(formats)}"
            reasons.append(Reason("date-unparseable", detail, field))
        return parsed

    def _category(self, texts: list[str], reasons: list[Reason]) -> Category | None:
        label = texts[self.category_at]
        if not label:
            reasons.append(Reason("category-missing", "every entry needs one", "category"))
            return None
        folded = label.casefold()
        category = self.mapping.categories.get(folded)
        if category is None:
            try:
                category = Category(folded)
            except ValueError:
                detail = f"{label!r} is not one of: {', '.join(Category)}"
                reasons.append(Reason("category-invalid", detail, "category"))
                return None
        if category not in self.rules.allowed:
            reasons.append(Reason("category-not-on-list", self.allowed_detail, "category"))
        return category

    def _bcu(self, texts: list[str], reasons: list[Reason]) -> str:
        if self.borough != _UNMAPPED:
            borough = texts[self.borough]
            if not borough:
                reasons.append(Reason("borough-missing", "empty", "borough"))
                return ""
            code = BCU_OF_BOROUGH.get(borough) or next(
                (b for name, b in BCU_OF_BOROUGH.items() if name.casefold() == borough.casefold()),
                "",
            )
            if not code:
                reasons.append(Reason("borough-unknown", f"{borough!r}", "borough"))
            return code
        code = texts[self.bcu].upper()
        if not code:
            reasons.append(Reason("bcu-missing", "empty", "bcu"))
        else:
            try:
                require_bcu(code)
            except InvalidInput as error:
                reasons += _reasons_of(error, "bcu")
        return code

    def _intelligence(
        self, cells: Sequence[Cell], texts: list[str], item: _Item, reasons: list[Reason]
    ) -> CheckedIntelligence | None:
        grading, source_text = texts[item.grading], texts[item.source_type]
        ref, body = texts[item.source_ref], texts[item.text]
        if not (grading or source_text or ref or body or texts[item.reported_on]):
            return None  # this row has no item in these columns
        where, before = item.where, len(reasons)
        conditions = texts[item.handling_conditions] or None
        try:
            graded = parse_grading(grading, conditions)
        except InvalidInput as error:
            reasons += _reasons_of(error, f"{where}.grading")
        raw_source = source_text.casefold().replace(" ", "_")
        source = _SOURCE_TYPES.get(raw_source)
        if source is None:
            detail = f"{raw_source!r} is not one of: {', '.join(SourceType)}"
            reasons.append(Reason("source-type-invalid", detail, f"{where}.source_type"))
        elif source is SourceType.SOCIAL_MEDIA:
            # A spreadsheet carries no social-media checklist, which law 8 requires of such an item.
            detail = "a social media item needs the checklist the guidance requires"
            reasons.append(Reason("social-media-checklist-missing", detail, where))
        if not ref:
            reasons.append(Reason("intelligence-incomplete", "empty", f"{where}.source_ref"))
        if not body:
            reasons.append(Reason("intelligence-incomplete", "empty", f"{where}.text"))
        reported = self._date(cells, texts, item.reported_on, f"{where}.reported_on", reasons)
        if len(reasons) > before or source is None or reported is None:
            return None
        return CheckedIntelligence(graded, source, ref, body, reported)


def check_row(
    values: Mapping[str, Cell],
    *,
    row: int,
    mapping: ColumnMapping,
    rules: ListRules,
    today: date,
) -> RowVerdict:
    """Decide one row given as column header to cell (a :class:`RowChecker` for many rows)."""
    headers = list(values)
    checker = RowChecker(
        {h: n for n, h in enumerate(headers)}, mapping=mapping, rules=rules, today=today
    )
    return checker.check(row, [values[h] for h in headers])
