"""What a disclosure reads from the store: the facts the rules decide on, and the package rows.

Only the fields a decision carries are decrypted, all of them in one bulk key fetch; nothing
outside the decision is ever read into a row (redaction happens before decryption).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from listwarden.domain.bcu import BOROUGHS_BY_BCU
from listwarden.domain.entries import age_on, is_child
from listwarden.domain.fields import Field
from listwarden.domain.grading import Grading
from listwarden.domain.sharing import EntryFacts
from listwarden.domain.vocabulary import Band, Category
from listwarden.services.ports import FieldCipher
from listwarden.store.tables import (
    AssessmentRow,
    Entry,
    EvidenceItem,
    Gang,
    IntelligenceItem,
    Subject,
)

_CHUNK = 500

_SUBJECT_FIELDS = {
    Field.GIVEN_NAME: "given_name",
    Field.FAMILY_NAME: "family_name",
    Field.NICKNAMES: "nicknames",
    Field.ADDRESS: "address",
}


@dataclass
class Loaded:
    """The entries a request names that exist, with their subjects and intelligence gradings."""

    entries: dict[str, Entry]
    subjects: dict[str, Subject]
    gradings: dict[str, list[Grading]]
    born: dict[str, date]  # subject id -> date of birth (to tell who is under 18 today)


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def load(session: Session, cipher: FieldCipher, entry_ids: Sequence[str]) -> Loaded:
    ids = list(dict.fromkeys(i for i in entry_ids if isinstance(i, str)))
    entries: dict[str, Entry] = {}
    for chunk in _chunks(ids):
        entries.update((e.id, e) for e in session.scalars(select(Entry).where(Entry.id.in_(chunk))))
    subject_ids = sorted({e.subject_id for e in entries.values()})
    subjects: dict[str, Subject] = {}
    for chunk in _chunks(subject_ids):
        subjects.update(
            (s.id, s) for s in session.scalars(select(Subject).where(Subject.id.in_(chunk)))
        )
    gradings: dict[str, list[Grading]] = {}
    for chunk in _chunks(list(entries)):
        rows = session.execute(
            select(
                IntelligenceItem.entry_id,
                IntelligenceItem.source_evaluation,
                IntelligenceItem.intelligence_assessment,
                IntelligenceItem.handling_code,
                IntelligenceItem.handling_conditions,
            ).where(IntelligenceItem.entry_id.in_(chunk))
        )
        for entry_id, source, intelligence, handling, conditions in rows:
            gradings.setdefault(entry_id, []).append(
                Grading(source, intelligence, handling, conditions)
            )
    opened = cipher.open_many(
        (s.id, "subjects", s.id, "date_of_birth", s.date_of_birth_ct) for s in subjects.values()
    )
    born = {s: date.fromisoformat(v) for s, v in zip(subjects, opened, strict=True)}
    return Loaded(entries, subjects, gradings, born)


def facts(loaded: Loaded, today: date) -> list[EntryFacts]:
    """What the sharing rules need of each entry: nothing that names the person."""
    return [
        EntryFacts(
            entry_id=e.id,
            category=Category(e.category),
            band=Band(e.band) if e.band else None,
            score=float(e.score) if e.score is not None else None,
            under_18=is_child(loaded.born[e.subject_id], today),
            gradings=tuple(loaded.gradings.get(e.id, ())),
            legacy_unreviewed=e.legacy_unreviewed,
            restricted=e.restricted_on is not None,
        )
        for e in loaded.entries.values()
    ]


def age_band(born: date, on: date) -> str:
    age = age_on(born, on)
    for upper, label in ((18, "under 18"), (25, "18-24"), (35, "25-34"), (45, "35-44")):
        if age < upper:
            return label
    return "45 and over"


def rows(
    session: Session,
    cipher: FieldCipher,
    loaded: Loaded,
    entry_ids: Sequence[str],
    fields: frozenset[Field],
    today: date,
) -> list[dict[str, Any]]:
    """One row per decided entry, in order, holding the decided fields and nothing else."""
    out: list[dict[str, Any]] = []
    subject_values = _subject_values(cipher, loaded, entry_ids, fields)
    evidence = (
        _evidence(session, cipher, loaded, entry_ids) if Field.EVIDENCE_SUMMARY in fields else {}
    )
    intelligence = (
        _intelligence(session, cipher, loaded, entry_ids)
        if fields & {Field.INTELLIGENCE_TEXT, Field.INTELLIGENCE_GRADING}
        else {}
    )
    explanations = (
        _explanations(session, entry_ids) if Field.ASSESSMENT_EXPLANATION in fields else {}
    )
    gangs = _gang_names(session, loaded, entry_ids) if Field.GANG in fields else {}
    for entry_id in entry_ids:
        e = loaded.entries[entry_id]
        born = loaded.born[e.subject_id]
        values: dict[Field, Any] = {
            Field.ENTRY_ID: e.id,
            Field.DATE_OF_BIRTH: born,
            Field.AGE_BAND: age_band(born, today),
            Field.BCU: e.bcu,
            Field.BOROUGH: list(BOROUGHS_BY_BCU.get(e.bcu, ())),
            Field.CATEGORY: e.category,
            Field.GANG: gangs.get(e.gang_id) if e.gang_id else None,
            Field.BAND: e.band,
            Field.SCORE: e.score,
            Field.ASSESSMENT_EXPLANATION: explanations.get(e.id),
            Field.EVIDENCE_SUMMARY: evidence.get(e.id),
            Field.INTELLIGENCE_TEXT: [t for t, _g in intelligence.get(e.id, [])],
            Field.INTELLIGENCE_GRADING: [g for _t, g in intelligence.get(e.id, [])],
            **subject_values.get(e.id, {}),
        }
        # The entry id always travels: the package and its attribution are keyed on it.
        out.append({f.value: values[f] for f in fields | {Field.ENTRY_ID}})
    return out


def _gang_names(session: Session, loaded: Loaded, entry_ids: Sequence[str]) -> dict[str, str]:
    """The names of the recorded gangs the entries are linked to (law 8: only approved links)."""
    ids = sorted({g for i in entry_ids if (g := loaded.entries[i].gang_id)})
    names: dict[str, str] = {}
    for chunk in _chunks(ids):
        for gang_id, name in session.execute(select(Gang.id, Gang.name).where(Gang.id.in_(chunk))):
            names[gang_id] = name
    return names


def _subject_values(
    cipher: FieldCipher, loaded: Loaded, entry_ids: Sequence[str], fields: frozenset[Field]
) -> dict[str, dict[Field, Any]]:
    wanted = [f for f in _SUBJECT_FIELDS if f in fields]
    sealed: list[tuple[str, str, str, str, bytes]] = []
    where: list[tuple[str, Field]] = []
    for entry_id in entry_ids:
        subject = loaded.subjects[loaded.entries[entry_id].subject_id]
        for f in wanted:
            column = _SUBJECT_FIELDS[f]
            blob = getattr(subject, f"{column}_ct")
            if blob is not None:
                sealed.append((subject.id, "subjects", subject.id, column, blob))
                where.append((entry_id, f))
    out: dict[str, dict[Field, Any]] = {i: dict.fromkeys(wanted) for i in entry_ids}
    for (entry_id, f), value in zip(where, cipher.open_many(sealed), strict=True):
        out[entry_id][f] = value.split("\n") if f is Field.NICKNAMES else value
    return out


def _evidence(
    session: Session, cipher: FieldCipher, loaded: Loaded, entry_ids: Sequence[str]
) -> dict[str, str]:
    items: list[EvidenceItem] = []
    for chunk in _chunks(list(entry_ids)):
        items += session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.entry_id.in_(chunk))
            .order_by(EvidenceItem.occurred_on, EvidenceItem.id)
        ).all()
    texts = cipher.open_many(
        (
            loaded.entries[i.entry_id].subject_id,
            "evidence_items",
            i.id,
            "description",
            i.description_ct,
        )
        for i in items
    )
    out: dict[str, list[str]] = {}
    for item, text in zip(items, texts, strict=True):
        line = f"{item.occurred_on.isoformat()} {item.kind} ({item.role}): {text}"
        out.setdefault(item.entry_id, []).append(line)
    return {entry_id: "; ".join(lines) for entry_id, lines in out.items()}


def _intelligence(
    session: Session, cipher: FieldCipher, loaded: Loaded, entry_ids: Sequence[str]
) -> dict[str, list[tuple[str, str]]]:
    items: list[IntelligenceItem] = []
    for chunk in _chunks(list(entry_ids)):
        items += session.scalars(
            select(IntelligenceItem)
            .where(IntelligenceItem.entry_id.in_(chunk))
            .order_by(IntelligenceItem.reported_on, IntelligenceItem.id)
        ).all()
    texts = cipher.open_many(
        (loaded.entries[i.entry_id].subject_id, "intelligence_items", i.id, "text", i.text_ct)
        for i in items
    )
    out: dict[str, list[tuple[str, str]]] = {}
    for item, text in zip(items, texts, strict=True):
        grading = f"{item.source_evaluation}{item.intelligence_assessment} {item.handling_code}"
        out.setdefault(item.entry_id, []).append((text, grading))
    return out


def _explanations(session: Session, entry_ids: Sequence[str]) -> dict[str, str]:
    latest: dict[str, AssessmentRow] = {}
    for chunk in _chunks(list(entry_ids)):
        for row in session.scalars(
            select(AssessmentRow)
            .where(AssessmentRow.entry_id.in_(chunk))
            .order_by(AssessmentRow.computed_at)
        ):
            latest[row.entry_id] = row
    return {
        entry_id: "; ".join(str(line) for line in _lines(row.explanation))
        for entry_id, row in latest.items()
    }


def _lines(explanation: Mapping[str, Any]) -> list[Any]:
    lines = explanation.get("lines")
    return list(lines) if isinstance(lines, list) else [json.dumps(explanation, sort_keys=True)]
