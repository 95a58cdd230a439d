"""Bringing a legacy list in: each row checked against the laws, or sent to quarantine with why.

A row is either a person who may be held as the row stands, or a set of reasons it may not:
no category, a category the list does not hold, an unknown BCU, an unparseable date, an invalid
3x5x2 grading, a single uncorroborated source (law 8), a child without IAO approval and a
safeguarding referral (law 10). Every reason is collected, not only the first, so the row can be
fixed once. A file whose *shape* is wrong (a ragged row, a missing column) is not quarantined
row by row: it is refused whole, naming the row and column of the first problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Union

from listwarden.domain.bcu import BCU_OF_BOROUGH, require_bcu
from listwarden.domain.corroboration import (
    DEFAULT_MINIMUM_SOURCES,
    IntelligenceSource,
    corroboration,
)
from listwarden.domain.entries import is_child, require_child_safeguards
from listwarden.domain.errors import InvalidInput, ListwardenError, Reason
from listwarden.domain.grading import parse_grading
from listwarden.domain.import_mapping import ColumnMapping, IntelligenceColumns
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


@dataclass(frozen=True)
class ImportedIntelligence:
    grading: str
    handling_conditions: str | None
    source_type: SourceType
    source_ref: str
    text: str
    reported_on: date


@dataclass(frozen=True)
class ImportedPerson:
    """A row that may be held as it stands."""

    given_name: str
    family_name: str
    date_of_birth: date
    category: Category
    bcu: str
    nicknames: tuple[str, ...]
    address: str | None
    iao_approval_by: str | None
    safeguarding_referral: str | None
    intelligence: tuple[ImportedIntelligence, ...]
    child: bool


@dataclass(frozen=True)
class ListRules:
    """What the target list demands of a row."""

    allowed: frozenset[Category]
    corroboration_required: bool
    minimum_sources: int = DEFAULT_MINIMUM_SOURCES


@dataclass(frozen=True)
class RowVerdict:
    """One row's outcome: the person to load, or every reason it goes to quarantine."""

    row: int
    person: ImportedPerson | None
    reasons: tuple[Reason, ...]


def _reasons_of(error: ListwardenError, field: str) -> list[Reason]:
    return [Reason(r.code, r.detail, field) for r in error.reasons] or [
        Reason("invalid", error.detail, field)
    ]


class _Row:
    """Reads one row through the mapping, collecting every reason it cannot be held."""

    def __init__(self, values: Mapping[str, Cell], mapping: ColumnMapping) -> None:
        self.values, self.mapping = values, mapping
        self.reasons: list[Reason] = []

    def text(self, field: str) -> str:
        column = self.mapping.columns.get(field)
        return cell_text(self.values.get(column)) if column else ""

    def required(self, field: str) -> str:
        value = self.text(field)
        if not value:
            self.reasons.append(Reason(f"{field.replace('_', '-')}-missing", "empty", field))
        return value

    def date(self, column: str, field: str) -> date | None:
        raw = self.values.get(column)
        if not cell_text(raw):
            code = field.split(".")[-1].replace("_", "-") + "-missing"
            self.reasons.append(Reason(code, "empty", field))
            return None
        parsed = parse_date(raw, self.mapping.date_formats)
        if parsed is None:
            detail = f"{cell_text(raw)!r} is not a date in: {', '.join(self.mapping.date_formats)}"
            self.reasons.append(Reason("date-unparseable", detail, field))
        return parsed

    def category(self, allowed: frozenset[Category]) -> Category | None:
        label = self.text("category")
        if not label:
            self.reasons.append(Reason("category-missing", "every entry needs one", "category"))
            return None
        category = self.mapping.categories.get(label.casefold())
        if category is None:
            try:
                category = Category(label.casefold())
            except ValueError:
                detail = f"{label!r} is not one of: {', '.join(Category)}"
                self.reasons.append(Reason("category-invalid", detail, "category"))
                return None
        if category not in allowed:
            detail = "the list holds only: " + ", ".join(sorted(allowed))
            self.reasons.append(Reason("category-not-on-list", detail, "category"))
        return category

    def bcu(self) -> str:
        if "borough" in self.mapping.columns:
            borough = self.required("borough")
            code = BCU_OF_BOROUGH.get(borough) or next(
                (b for name, b in BCU_OF_BOROUGH.items() if name.casefold() == borough.casefold()),
                "",
            )
            if borough and not code:
                self.reasons.append(Reason("borough-unknown", f"{borough!r}", "borough"))
            return code
        code = self.required("bcu").upper()
        if code:
            try:
                require_bcu(code)
            except InvalidInput as error:
                self.reasons += _reasons_of(error, "bcu")
        return code

    def intelligence(self, n: int, cols: IntelligenceColumns) -> ImportedIntelligence | None:
        where = f"intelligence[{n}]"
        names = [cols.grading, cols.source_type, cols.source_ref, cols.text, cols.reported_on]
        if not any(cell_text(self.values.get(c)) for c in names):
            return None  # this row has no item in these columns
        before = len(self.reasons)
        grading, conditions = cell_text(self.values.get(cols.grading)), None
        if cols.handling_conditions:
            conditions = cell_text(self.values.get(cols.handling_conditions)) or None
        try:
            graded = parse_grading(grading, conditions)
        except InvalidInput as error:
            self.reasons += _reasons_of(error, f"{where}.grading")
        raw_source = cell_text(self.values.get(cols.source_type)).casefold().replace(" ", "_")
        source: SourceType | None = None
        try:
            source = SourceType(raw_source)
        except ValueError:
            detail = f"{raw_source!r} is not one of: {', '.join(SourceType)}"
            self.reasons.append(Reason("source-type-invalid", detail, f"{where}.source_type"))
        if source is SourceType.SOCIAL_MEDIA:
            # A spreadsheet carries no social-media checklist, which law 8 requires of such an item.
            detail = "a social media item needs the checklist the guidance requires"
            self.reasons.append(Reason("social-media-checklist-missing", detail, where))
        ref = cell_text(self.values.get(cols.source_ref))
        body = cell_text(self.values.get(cols.text))
        for value, name in ((ref, "source_ref"), (body, "text")):
            if not value:
                self.reasons.append(Reason("intelligence-incomplete", "empty", f"{where}.{name}"))
        reported = self.date(cols.reported_on, f"{where}.reported_on")
        if len(self.reasons) > before or source is None or reported is None:
            return None
        return ImportedIntelligence(graded.code, graded.conditions, source, ref, body, reported)


def check_row(
    values: Mapping[str, Cell],
    *,
    row: int,
    mapping: ColumnMapping,
    rules: ListRules,
    today: date,
) -> RowVerdict:
    """Decide one row: a person who may be held, or every reason they may not be yet."""
    r = _Row(values, mapping)
    given, family = r.required("given_name"), r.required("family_name")
    column = mapping.columns["date_of_birth"]
    born = r.date(column, "date_of_birth")
    if born is not None and born > today:
        r.reasons.append(Reason("date-in-future", "a date of birth cannot be", "date_of_birth"))
    category = r.category(rules.allowed)
    bcu = r.bcu()
    items = [r.intelligence(n, cols) for n, cols in enumerate(mapping.intelligence)]
    intelligence = tuple(i for i in items if i is not None)
    items_valid = not any((x.field or "").startswith("intelligence") for x in r.reasons)
    if rules.corroboration_required and items_valid:
        found = corroboration(
            [IntelligenceSource(str(n), i.source_ref) for n, i in enumerate(intelligence)],
            minimum=rules.minimum_sources,
        )
        if not found.corroborated:
            r.reasons.append(Reason(found.code, found.reason, "intelligence"))
    approval = r.text("iao_approval_by") or None
    referral = r.text("safeguarding_referral") or None
    child = born is not None and born <= today and is_child(born, today)
    try:
        require_child_safeguards(
            child=child, iao_approval_by=approval, safeguarding_referral=referral
        )
    except ListwardenError as error:
        r.reasons += list(error.reasons)
    if r.reasons or born is None or category is None:
        return RowVerdict(row, None, tuple(r.reasons))
    nicknames = tuple(
        n.strip() for n in r.text("nicknames").split(mapping.nickname_separator) if n.strip()
    )
    person = ImportedPerson(
        given_name=given,
        family_name=family,
        date_of_birth=born,
        category=category,
        bcu=bcu,
        nicknames=nicknames,
        address=r.text("address") or None,
        iao_approval_by=approval if child else None,
        safeguarding_referral=referral if child else None,
        intelligence=intelligence,
        child=child,
    )
    return RowVerdict(row, person, ())
