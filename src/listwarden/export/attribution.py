"""Naming the disclosure behind a leak: keyed row tags, or failing those, its people and fields."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.fields import Field

TAG_PREFIX = "lwt1-"
TAG_BYTES = 12
"""96 bits: no collision across any number of disclosures a force will make, and unforgeable."""
TAG_PATTERN = re.compile(rf"{TAG_PREFIX}[0-9a-f]{{{2 * TAG_BYTES}}}")
MIN_KEY_BYTES = 32

_ALIASES = {
    "id": Field.ENTRY_ID,
    "dob": Field.DATE_OF_BIRTH,
    "birth_date": Field.DATE_OF_BIRTH,
    "forename": Field.GIVEN_NAME,
    "first_name": Field.GIVEN_NAME,
    "surname": Field.FAMILY_NAME,
    "last_name": Field.FAMILY_NAME,
} | {field.value: field for field in Field}
"""Column names a leaked copy may carry, after casefolding and joining words with ``_``."""

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")


@dataclass(frozen=True)
class RowMark:
    """One row of a disclosure as attribution needs it: the entry and a keyed person fingerprint."""

    row: int
    entry_id: str
    fingerprint: str | None  # only when the disclosure carried names and date of birth


@dataclass(frozen=True)
class DisclosureRecord:
    """What the register keeps to attribute a package if it leaks; it holds no personal values."""

    disclosure_id: str
    reference: str
    recipient_id: str
    created_on: date
    fields: frozenset[Field]
    rows: tuple[RowMark, ...]


@dataclass(frozen=True)
class TagMatch:
    """A fragment row whose tag names a disclosure and a row of it."""

    fragment_row: int
    disclosure_id: str
    reference: str
    row: int
    entry_id: str
    consistent: bool  # False when the row's own entry id contradicts the tag (a moved tag)


@dataclass(frozen=True)
class Candidate:
    """A disclosure that holds every person in the fragment with at least its fields."""

    disclosure_id: str
    reference: str
    recipient_id: str
    created_on: date
    disclosure_rows: int
    extra_fields: tuple[str, ...]  # carried by the disclosure but absent from the fragment


@dataclass(frozen=True)
class Attribution:
    """What a fragment reveals about its origin, best evidence first."""

    tag_matches: tuple[TagMatch, ...]
    candidates: tuple[Candidate, ...]  # most likely first
    fields: frozenset[Field]
    people: int  # fragment rows that name someone, by entry id or name and date of birth
    unrecognised_columns: tuple[str, ...]

    @property
    def method(self) -> str:
        return "tags" if self.tag_matches else "content" if self.candidates else "none"


def _require_key(master_key: bytes) -> None:
    if len(master_key) < MIN_KEY_BYTES:
        raise InvalidInput(
            "the attribution key is too short",
            reasons=[Reason("attribution-key-too-short", f"at least {MIN_KEY_BYTES} bytes")],
        )


def _expand(master_key: bytes, info: str) -> bytes:
    _require_key(master_key)
    return HKDFExpand(hashes.SHA256(), 32, info.encode()).derive(master_key)


def disclosure_key(master_key: bytes, disclosure_id: str) -> bytes:
    """The per-disclosure tag key: HKDF-Expand-SHA-256 of the master key, bound to the id."""
    return _expand(master_key, f"listwarden/disclosure-row-tag/v1/{disclosure_id}")


def fingerprint_key(master_key: bytes) -> bytes:
    """The key of person fingerprints, kept apart from every tag key."""
    return _expand(master_key, "listwarden/person-fingerprint/v1")


def row_tag(key: bytes, row: int, entry_id: str) -> str:
    """The keyed tag of one row: HMAC-SHA-256 of the row number and entry id, truncated."""
    mac = hmac.new(key, f"{row}\x1f{entry_id}".encode(), hashlib.sha256).digest()
    return TAG_PREFIX + mac[:TAG_BYTES].hex()


def _fold(text: str) -> str:
    """Names as a leak may spell them: no accents, no case, letters and digits only."""
    plain = unicodedata.normalize("NFKD", text.lstrip("'"))
    return "".join(c for c in plain.casefold() if c.isalnum())


def _parse_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip().lstrip("'")[:10]
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def person_fingerprint(key: bytes, given: object, family: object, born: object) -> str | None:
    """A keyed fingerprint of name and date of birth, or None when any of them is missing."""
    names = _fold(str(given or "")), _fold(str(family or ""))
    dob = _parse_date(born)
    if not all(names) or dob is None:
        return None
    message = f"{names[0]}\x1f{names[1]}\x1f{dob.isoformat()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def find_tags(text: str) -> list[str]:
    """Every row tag in a piece of text, in order, for scanning documents with no columns."""
    return TAG_PATTERN.findall(text)


class TagIndex:
    """Every row tag of the disclosures given, so that a found tag is named in one look-up."""

    def __init__(self, records: Iterable[DisclosureRecord], master_key: bytes) -> None:
        self._by_tag: dict[str, tuple[DisclosureRecord, RowMark]] = {}
        for record in records:
            key = disclosure_key(master_key, record.disclosure_id)
            for mark in record.rows:
                self._by_tag[row_tag(key, mark.row, mark.entry_id)] = (record, mark)

    def lookup(self, tag: str) -> tuple[DisclosureRecord, RowMark] | None:
        return self._by_tag.get(tag)


def _column(name: str) -> Field | None:
    return _ALIASES.get(re.sub(r"[\s\-]+", "_", name.strip().casefold()))


def _tag_matches(rows: Sequence[Mapping[str, str]], index: TagIndex) -> list[TagMatch]:
    matches = []
    for n, row in enumerate(rows):
        own_id = next((v for k, v in row.items() if _column(k) is Field.ENTRY_ID and v), None)
        for tag in find_tags(" ".join(str(v) for v in row.values() if v)):
            found = index.lookup(tag)
            if found is not None:
                record, mark = found
                consistent = own_id is None or own_id.strip() == mark.entry_id
                matches.append(
                    TagMatch(
                        n,
                        record.disclosure_id,
                        record.reference,
                        mark.row,
                        mark.entry_id,
                        consistent,
                    )
                )
    return matches


def _people(rows: Sequence[Mapping[str, str]], fp_key: bytes) -> list[tuple[str, str]]:
    """Each row's person as ("entry", id) or ("fingerprint", fp); rows naming no one are omitted."""
    people = []
    for row in rows:
        cells = {f: str(v).strip() for k, v in row.items() if (f := _column(k)) and v}
        if Field.ENTRY_ID in cells:
            people.append(("entry", cells[Field.ENTRY_ID]))
            continue
        fp = person_fingerprint(
            fp_key,
            cells.get(Field.GIVEN_NAME),
            cells.get(Field.FAMILY_NAME),
            cells.get(Field.DATE_OF_BIRTH),
        )
        if fp is not None:
            people.append(("fingerprint", fp))
    return people


def _holds(record: DisclosureRecord, people: Iterable[tuple[str, str]]) -> bool:
    entries = {mark.entry_id for mark in record.rows}
    prints = {mark.fingerprint for mark in record.rows if mark.fingerprint}
    return all(v in (entries if kind == "entry" else prints) for kind, v in people)


def attribute_fragment(
    rows: Sequence[Mapping[str, str]], records: Sequence[DisclosureRecord], *, master_key: bytes
) -> Attribution:
    """Name the disclosures a leaked fragment (rows of cells, as a CSV reader gives) came from.

    Tags name the disclosure and row outright. Without them, a disclosure is a candidate if it
    held every person the fragment names with at least the fragment's fields; candidates are
    ranked by fewest fields beyond the fragment's, then fewest rows (the fragment is more of
    that disclosure), then the most recent.
    """
    matches = _tag_matches(rows, TagIndex(records, master_key))
    columns = {name for row in rows for name, value in row.items() if value}
    fields = frozenset(f for name in columns if (f := _column(name)) is not None)
    unrecognised = tuple(
        sorted(c for c in columns if _column(c) is None and not _tags_only(rows, c))
    )
    people = _people(rows, fingerprint_key(master_key))
    candidates = [
        Candidate(
            r.disclosure_id,
            r.reference,
            r.recipient_id,
            r.created_on,
            len(r.rows),
            tuple(sorted(f.value for f in r.fields - fields)),
        )
        for r in records
        if people and fields <= r.fields and _holds(r, people)
    ]
    candidates.sort(
        key=lambda c: (len(c.extra_fields), c.disclosure_rows, -c.created_on.toordinal())
    )
    return Attribution(tuple(matches), tuple(candidates), fields, len(people), unrecognised)


def _tags_only(rows: Sequence[Mapping[str, str]], column: str) -> bool:
    """Whether a column holds row tags or the disclosure reference, which are not fields."""
    return column.strip().casefold() in {"row_tag", "disclosure_reference"} or all(
        TAG_PATTERN.fullmatch(str(row.get(column) or "").strip()) for row in rows
    )
