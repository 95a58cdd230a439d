"""How one entry is read and shown in full: the consultation's statements and its view.

A consultation is the register's hottest path, so its statements run as Core on the tables,
read only the columns shown or decided on, and are built once; every sealed field of the entry
is opened in one call, under one check of the person's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Select, String, Table, bindparam, literal, null, select, union_all
from sqlalchemy import cast as sql_cast

from listwarden.services.access import with_standing
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.tables import (
    Dpia,
    Entry,
    EvidenceItem,
    IntelligenceItem,
    RegisterList,
    Subject,
)


@dataclass(frozen=True)
class EvidenceView:
    id: str
    kind: str
    role: str
    occurred_on: date
    gang_related: bool
    nature: str
    description: str


@dataclass(frozen=True)
class IntelligenceView:
    id: str
    grading: str
    handling_conditions: str | None
    source_type: str
    source_ref: str
    derived_from_id: str | None
    nature: str
    reported_on: date
    text: str


@dataclass(frozen=True)
class EntrySummary:
    entry_id: str
    subject_id: str
    list_id: str
    given_name: str
    family_name: str
    date_of_birth: date
    category: str
    bcu: str
    band: str | None
    score: int | None
    next_review_on: date


@dataclass(frozen=True)
class EntryView:
    summary: EntrySummary
    nicknames: list[str]
    address: str | None
    child_at_entry: bool
    evidence: list[EvidenceView]
    intelligence: list[IntelligenceView]


_ENTRY_COLUMNS = (
    "id",
    "list_id",
    "subject_id",
    "category",
    "bcu",
    "band",
    "score",
    "next_review_on",
    "child_at_entry",
    "restricted_on",
)
_SUBJECT_COLUMNS = (
    "given_name_ct",
    "family_name_ct",
    "date_of_birth_ct",
    "nicknames_ct",
    "address_ct",
)
_EVIDENCE_COLUMNS = (
    "id",
    "kind",
    "role",
    "occurred_on",
    "gang_related",
    "nature",
    "description_ct",
)
_INTELLIGENCE_COLUMNS = (
    "id",
    "source_evaluation",
    "intelligence_assessment",
    "handling_code",
    "handling_conditions",
    "source_type",
    "source_ref",
    "derived_from_id",
    "nature",
    "reported_on",
    "text_ct",
)

# The consultation's statements, built once on the tables (a consultation is the register's
# hottest path, so it runs them as Core, reading only the columns it shows or decides on).
_ENTRIES, _SUBJECTS = cast(Table, Entry.__table__), cast(Table, Subject.__table__)
_LISTS, _DPIAS = cast(Table, RegisterList.__table__), cast(Table, Dpia.__table__)
_EVIDENCE, _INTELLIGENCE = (
    cast(Table, EvidenceItem.__table__),
    cast(Table, IntelligenceItem.__table__),
)
ENTRY_IN_FULL = with_standing(
    select(
        *(_ENTRIES.c[name] for name in _ENTRY_COLUMNS),
        *(_SUBJECTS.c[name] for name in _SUBJECT_COLUMNS),
        _LISTS.c.status.label("list_status"),
        _LISTS.c.owner_id.label("list_owner_id"),
        _LISTS.c.training_course,
        _DPIAS.c.review_on.label("dpia_review_on"),
    )
    .join(_SUBJECTS, _SUBJECTS.c.id == _ENTRIES.c.subject_id)
    .join(_LISTS, _LISTS.c.id == _ENTRIES.c.list_id)
    .outerjoin(_DPIAS, _DPIAS.c.list_id == _ENTRIES.c.list_id)
    .where(_ENTRIES.c.id == bindparam("entry_id")),
    _ENTRIES.c.list_id,
)


def _items_of(table: Table, item: str, own: tuple[str, ...]) -> Select[Any]:
    """One kind of the entry's items, in the columns of both kinds: NULL in the other's."""
    columns: list[Any] = [literal(item, String).label("item")]
    for name in _ITEM_COLUMNS:
        if name in own:
            columns.append(table.c[name])
        else:
            other = _INTELLIGENCE if table is _EVIDENCE else _EVIDENCE
            columns.append(sql_cast(null(), other.c[name].type).label(name))
    return select(*columns).where(table.c.entry_id == bindparam("entry_id"))


_ITEM_COLUMNS = tuple(dict.fromkeys(_EVIDENCE_COLUMNS + _INTELLIGENCE_COLUMNS))
_ITEMS = union_all(
    _items_of(_EVIDENCE, "evidence", _EVIDENCE_COLUMNS),
    _items_of(_INTELLIGENCE, "intelligence", _INTELLIGENCE_COLUMNS),
)
ITEMS_OF = _ITEMS.order_by(
    _ITEMS.selected_columns.item,
    _ITEMS.selected_columns.occurred_on,
    _ITEMS.selected_columns.reported_on,
)
"""The entry's evidence (by date) and then its intelligence (by date) in one read."""


def split_items(rows: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """The rows of ``ITEMS_OF`` as the entry's evidence and its intelligence."""
    evidence = [row for row in rows if row.item == "evidence"]
    return evidence, [row for row in rows if row.item != "evidence"]


@dataclass(frozen=True)
class ListCourse:
    """A list's purpose-specific course, as read with the entry (see ``Authoriser``)."""

    id: str
    training_course: str


def open_entry_view(
    uow: UnitOfWork, row: Any, evidence: Sequence[Any], intelligence: Sequence[Any]
) -> EntryView:
    """The entry in clear: every field of the person opened under their key, fetched once."""
    sid = row.subject_id
    sealed: list[tuple[str, str, str, str, bytes]] = [
        (sid, "subjects", sid, "given_name", row.given_name_ct),
        (sid, "subjects", sid, "family_name", row.family_name_ct),
        (sid, "subjects", sid, "date_of_birth", row.date_of_birth_ct),
    ]
    if row.nicknames_ct:
        sealed.append((sid, "subjects", sid, "nicknames", row.nicknames_ct))
    if row.address_ct:
        sealed.append((sid, "subjects", sid, "address", row.address_ct))
    sealed.extend((sid, "evidence_items", e.id, "description", e.description_ct) for e in evidence)
    sealed.extend((sid, "intelligence_items", i.id, "text", i.text_ct) for i in intelligence)
    opened = iter(uow.cipher.open_many(sealed))
    given, family, dob = next(opened), next(opened), next(opened)
    nicknames = next(opened).split("\n") if row.nicknames_ct else []
    address = next(opened) if row.address_ct else None
    summary = EntrySummary(
        entry_id=row.id,
        subject_id=sid,
        list_id=row.list_id,
        given_name=given,
        family_name=family,
        date_of_birth=date.fromisoformat(dob),
        category=row.category,
        bcu=row.bcu,
        band=row.band,
        score=row.score,
        next_review_on=row.next_review_on,
    )
    return EntryView(
        summary=summary,
        nicknames=nicknames,
        address=address,
        child_at_entry=row.child_at_entry,
        evidence=[
            EvidenceView(
                e.id, e.kind, e.role, e.occurred_on, e.gang_related, e.nature, next(opened)
            )
            for e in evidence
        ],
        intelligence=[
            IntelligenceView(
                i.id,
                f"{i.source_evaluation}{i.intelligence_assessment} {i.handling_code}",
                i.handling_conditions,
                i.source_type,
                i.source_ref,
                i.derived_from_id,
                i.nature,
                i.reported_on,
                next(opened),
            )
            for i in intelligence
        ],
    )
