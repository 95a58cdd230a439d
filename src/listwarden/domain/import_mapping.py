"""The column mapping of a legacy spreadsheet: which column holds which field, and in what form.

A borough kept its list in its own shape. The mapping file (TOML) names, for each field the
register holds, the header of the column that holds it; it may translate the borough's own
category labels and give the date formats it used. It is checked when loaded, with one reason
per problem, before any row is read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.vocabulary import Category

PERSON_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "category",
    "bcu",
    "borough",
    "nicknames",
    "address",
    "iao_approval_by",
    "safeguarding_referral",
)
REQUIRED_FIELDS = ("given_name", "family_name", "date_of_birth", "category")
INTELLIGENCE_FIELDS = (
    "grading",
    "source_type",
    "source_ref",
    "text",
    "reported_on",
    "handling_conditions",
)
REQUIRED_INTELLIGENCE = ("grading", "source_type", "source_ref", "text", "reported_on")
DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


@dataclass(frozen=True)
class IntelligenceColumns:
    """The columns of one intelligence item a row may carry (a borough kept up to a few)."""

    grading: str
    source_type: str
    source_ref: str
    text: str
    reported_on: str
    handling_conditions: str | None = None


@dataclass(frozen=True)
class ColumnMapping:
    """Field name to column header, for the person and for each intelligence item."""

    columns: Mapping[str, str]
    intelligence: tuple[IntelligenceColumns, ...] = ()
    categories: Mapping[str, Category] = field(default_factory=dict)
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    nickname_separator: str = ";"

    def headers(self) -> list[str]:
        """Every column header the mapping names, in mapping order."""
        named = list(self.columns.values())
        for item in self.intelligence:
            named += [item.grading, item.source_type, item.source_ref, item.text, item.reported_on]
            if item.handling_conditions:
                named.append(item.handling_conditions)
        return named


def _problem(code: str, detail: str, where: str) -> Reason:
    return Reason(code, detail, where)


def _header(value: object, where: str, reasons: list[Reason]) -> str:
    if not isinstance(value, str) or not value.strip():
        reasons.append(_problem("mapping-column-invalid", "name a column header", where))
        return ""
    return value.strip()


def _intelligence(raw: object, n: int, reasons: list[Reason]) -> IntelligenceColumns | None:
    where = f"intelligence[{n}]"
    if not isinstance(raw, Mapping):
        reasons.append(_problem("mapping-invalid", "an intelligence item is a table", where))
        return None
    unknown = sorted(set(raw) - set(INTELLIGENCE_FIELDS))
    for name in unknown:
        reasons.append(_problem("mapping-field-unknown", f"no field {name!r}", where))
    missing = [f for f in REQUIRED_INTELLIGENCE if f not in raw]
    for name in missing:
        reasons.append(_problem("mapping-field-missing", f"map {name}", where))
    if unknown or missing:
        return None
    cols = {k: _header(v, f"{where}.{k}", reasons) for k, v in raw.items()}
    return IntelligenceColumns(**cols)


def _categories(raw: object, reasons: list[Reason]) -> dict[str, Category]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        reasons.append(_problem("mapping-invalid", "categories is a table", "categories"))
        return {}
    out: dict[str, Category] = {}
    for label, value in raw.items():
        try:
            out[str(label).strip().casefold()] = Category(value)
        except ValueError:
            detail = f"{label!r} maps to {value!r}, not one of: {', '.join(Category)}"
            reasons.append(_problem("mapping-category-invalid", detail, "categories"))
    return out


def _date_formats(raw: object, reasons: list[Reason]) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_DATE_FORMATS
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        reasons.append(_problem("mapping-invalid", "dates is a list of formats", "formats.dates"))
        return DEFAULT_DATE_FORMATS
    for fmt in raw:
        try:
            datetime(2001, 2, 3).strftime(str(fmt))
        except ValueError:
            reasons.append(_problem("mapping-invalid", f"bad format {fmt!r}", "formats.dates"))
    return tuple(str(f) for f in raw)


def parse_mapping(data: Mapping[str, Any]) -> ColumnMapping:
    """Check a loaded mapping document and return it, or refuse it with every problem."""
    reasons: list[Reason] = []
    unknown_sections = sorted(set(data) - {"columns", "intelligence", "categories", "formats"})
    for name in unknown_sections:
        reasons.append(_problem("mapping-section-unknown", f"no section [{name}]", name))
    raw_columns = data.get("columns")
    if not isinstance(raw_columns, Mapping):
        raw_columns = {}
        reasons.append(_problem("mapping-invalid", "a [columns] table is required", "columns"))
    for name in sorted(set(raw_columns) - set(PERSON_FIELDS)):
        reasons.append(_problem("mapping-field-unknown", f"no field {name!r}", "columns"))
    for name in REQUIRED_FIELDS:
        if name not in raw_columns:
            reasons.append(_problem("mapping-field-missing", f"map {name}", "columns"))
    if ("bcu" in raw_columns) == ("borough" in raw_columns):
        reasons.append(_problem("mapping-bcu", "map exactly one of bcu or borough", "columns"))
    columns = {
        k: _header(v, f"columns.{k}", reasons) for k, v in raw_columns.items() if k in PERSON_FIELDS
    }
    raw_items = data.get("intelligence", [])
    if not isinstance(raw_items, Sequence) or isinstance(raw_items, str):
        reasons.append(_problem("mapping-invalid", "use [[intelligence]] tables", "intelligence"))
        raw_items = []
    items = [_intelligence(raw, n, reasons) for n, raw in enumerate(raw_items)]
    formats = data.get("formats", {})
    if not isinstance(formats, Mapping):
        reasons.append(_problem("mapping-invalid", "[formats] is a table", "formats"))
        formats = {}
    separator = formats.get("nickname_separator", ";")
    if not isinstance(separator, str) or not separator:
        reasons.append(_problem("mapping-invalid", "a separator", "formats.nickname_separator"))
        separator = ";"
    mapping = ColumnMapping(
        columns=columns,
        intelligence=tuple(i for i in items if i is not None),
        categories=_categories(data.get("categories"), reasons),
        date_formats=_date_formats(formats.get("dates"), reasons),
        nickname_separator=separator,
    )
    headers = mapping.headers()
    for header in sorted({h for h in headers if h and headers.count(h) > 1}):
        detail = f"column {header!r} is mapped to more than one field"
        reasons.append(_problem("mapping-column-repeated", detail, "columns"))
    if reasons:
        raise InvalidInput("the column mapping is not valid", reasons=reasons)
    return mapping
