"""Use cases that reveal personal data: consulting an entry, searching a list, finding a person.

Nothing personal is shown without a purpose from the vocabulary and a justification; every
person shown is logged as one consultation, and a search that finds no one is logged too (law 4).
Which categories a purpose may see is decided by ``domain.purposes`` alone (law 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, func, select, true
from sqlalchemy.orm import Session

from listwarden.domain import lists as list_rules
from listwarden.domain.access import Actor, visible_bcus
from listwarden.domain.bcu import BOROUGHS_BY_BCU
from listwarden.domain.errors import InvalidInput, NotFound, Reason
from listwarden.domain.lists import ListAction, require_list_permits
from listwarden.domain.purposes import categories_for, class_of, require_category_permitted
from listwarden.domain.subject_rights import require_not_restricted
from listwarden.domain.vocabulary import (
    OPERATIONAL_CLASSES,
    Category,
    ListStatus,
    Operation,
    Purpose,
    PurposeClass,
)
from listwarden.policy.engine import AccessAction, Context, ListResource
from listwarden.services.access import (
    GRANT_POLICIES,
    Authoriser,
    entry_resource,
    probe_entry,
    refusal,
)
from listwarden.services.entry_view import (
    ENTRY_IN_FULL,
    ITEMS_OF,
    ListCourse,
    open_entry_view,
    split_items,
)

# The views these use cases return, named here as before for their callers.
from listwarden.services.entry_view import EntrySummary as EntrySummary
from listwarden.services.entry_view import EntryView as EntryView
from listwarden.services.events import record_consultations
from listwarden.services.lists import effective_status, get_list
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.tables import Entry, Subject

MAX_PAGE = 100
MIN_JUSTIFICATION = 10


@dataclass(frozen=True)
class Justified:
    """A purpose and justification, checked once for every use case that reveals data."""

    purpose: Purpose
    purpose_class: PurposeClass
    justification: str


def require_reason(purpose: str | None, justification: str | None) -> Justified:
    """Refuse to reveal anything until a known purpose and a real justification are given."""
    if not purpose:
        raise InvalidInput(
            "a purpose is required before personal data is shown",
            reasons=[Reason("purpose-required", "give a purpose from the vocabulary", "purpose")],
        )
    purpose_class = class_of(purpose)
    text = (justification or "").strip()
    if len(text) < MIN_JUSTIFICATION:
        raise InvalidInput(
            "a justification is required before personal data is shown",
            reasons=[
                Reason(
                    "justification-required",
                    f"explain why, in at least {MIN_JUSTIFICATION} characters",
                    "justification",
                )
            ],
        )
    return Justified(Purpose(purpose), purpose_class, text)


def _summaries(uow: UnitOfWork, rows: Sequence[tuple[Entry, Subject]]) -> list[EntrySummary]:
    fields = ("given_name", "family_name", "date_of_birth")
    opened = uow.cipher.open_many(
        (s.id, "subjects", s.id, f, getattr(s, f"{f}_ct")) for _, s in rows for f in fields
    )
    out = []
    for i, (entry, subject) in enumerate(rows):
        given, family, dob = opened[3 * i : 3 * i + 3]
        out.append(
            EntrySummary(
                entry_id=entry.id,
                subject_id=subject.id,
                list_id=entry.list_id,
                given_name=given,
                family_name=family,
                date_of_birth=date.fromisoformat(dob),
                category=entry.category,
                bcu=entry.bcu,
                band=entry.band,
                score=entry.score,
                next_review_on=entry.next_review_on,
            )
        )
    return out


def _log_consultations(
    session: Session | Connection,
    uow: UnitOfWork,
    actor: Actor,
    why: Justified,
    shown: Sequence[EntrySummary],
    *,
    list_id: str | None,
    operation: Operation = Operation.CONSULT,
) -> None:
    record_consultations(
        session,
        uow=uow,
        operation=operation,
        actor_id=actor.id,
        purpose=why.purpose,
        purpose_class=why.purpose_class.value,
        justification=why.justification,
        shown=[(s.list_id, s.entry_id, s.subject_id) for s in shown],
        list_id=list_id,
    )


def consult_entry(
    *, uow: UnitOfWork, actor: Actor, entry_id: str, purpose: str | None, justification: str | None
) -> EntryView:
    """Show one entry in full, for a purpose its category permits, and log the consultation."""
    why = require_reason(purpose, justification)
    attempt = Attempt(
        Operation.CONSULT,
        actor.id,
        entry_id=entry_id,
        purpose=why.purpose.value,
        purpose_class=why.purpose_class.value,
    )
    # Everything is read, decided and decrypted in a read-only transaction; the write that
    # logs the consultation (and marks the grant used) is short and comes after, and the view
    # is returned only once it has committed. On SQLite this keeps the one write lock for the
    # write alone, so that workers decide and decrypt side by side.
    with uow.core(attempt) as work:
        with work.reading() as connection:
            # The entry, its person, its list, the DPIA review date, and the actor's standing
            # and grants to the list, in one read (a row per course and grant).
            rows: Sequence[Any] = connection.execute(
                ENTRY_IN_FULL, {"entry_id": entry_id, "user_id": actor.id, "today": uow.today()}
            ).all()
            if not rows:
                raise NotFound(
                    f"no entry {entry_id}",
                    reasons=[Reason("entry-not-found", entry_id, "entry_id")],
                )
            row = rows[0]
            # Law 2 is refused by its own domain error first; the engine decides with the same
            # rule.
            require_category_permitted(why.purpose, Category(row.category))
            on_list = ListResource(row.list_id, ListStatus(row.list_status), row.list_owner_id)
            course = ListCourse(row.list_id, row.training_course)
            authoriser = Authoriser.from_rows(connection, uow, actor, course, rows)
            authoriser.require(
                AccessAction.ENTRY_CONSULT,
                entry_resource(row, on_list),
                Context(purpose=why.purpose),
                mark_used=False,
            )
            require_list_permits(
                list_rules.effective_status(on_list.status, row.dpia_review_on, uow.today()),
                ListAction.CONSULT,
                why.purpose_class,
            )
            require_category_permitted(why.purpose, Category(row.category))
            require_not_restricted(row.restricted_on, why.purpose_class)
            items = connection.execute(ITEMS_OF, {"entry_id": entry_id}).all()
        evidence, intelligence = split_items(items)
        view = open_entry_view(uow, row, evidence, intelligence)
        with work.writing() as connection:
            authoriser.mark_used_in(connection, row.list_id)
            _log_consultations(connection, uow, actor, why, [view.summary], list_id=row.list_id)
    return view


@dataclass(frozen=True)
class SearchPage:
    results: list[EntrySummary]
    total: int
    offset: int
    limit: int


def search_list(
    *,
    uow: UnitOfWork,
    actor: Actor,
    list_id: str,
    purpose: str | None,
    justification: str | None,
    bcu: str | None = None,
    category: str | None = None,
    band: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> SearchPage:
    """A page of a list's entries the actor may see for this purpose; each one shown is logged."""
    why = require_reason(purpose, justification)
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(
            "invalid page",
            reasons=[
                Reason("invalid-page", f"limit is 1 to {MAX_PAGE}, offset at least 0", "limit")
            ],
        )
    attempt = Attempt(
        Operation.CONSULT,
        actor.id,
        list_id,
        purpose=why.purpose.value,
        purpose_class=why.purpose_class.value,
    )
    with uow.transaction(attempt) as session:
        register_list = get_list(session, list_id)
        require_list_permits(
            effective_status(session, register_list, uow.today()),
            ListAction.CONSULT,
            why.purpose_class,
        )
        authoriser = Authoriser(session, uow, actor)
        # The role, purpose, training and grant are decided before anything is read, on an entry
        # of the kind the search may return; the BCU and category filters stay in the SQL.
        authoriser.require(
            AccessAction.ENTRY_CONSULT,
            probe_entry(register_list, why.purpose, bcu, actor),
            Context(purpose=why.purpose),
        )
        query = _search_query(actor, why, list_id, bcu, category, band)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(session.execute(query.order_by(Entry.id).offset(offset).limit(limit)))
        decisions = authoriser.decide_many(
            AccessAction.ENTRY_CONSULT,
            [entry_resource(entry, register_list) for entry, _ in rows],
            Context(purpose=why.purpose),
        )
        for decision in decisions:
            if not decision.allowed:
                raise refusal(decision)
        shown = _summaries(uow, [(entry, subject) for entry, subject in rows])
        _log_consultations(session, uow, actor, why, shown, list_id=list_id)
        return SearchPage(shown, int(total), offset, limit)


def _search_query(
    actor: Actor,
    why: Justified,
    list_id: str,
    bcu: str | None,
    category: str | None,
    band: str | None,
) -> Select[Entry, Subject]:
    permitted = {c.value for c in categories_for(why.purpose_class)}
    bcus = visible_bcus(actor, BOROUGHS_BY_BCU.keys())
    query = (
        select(Entry, Subject)
        .join(Subject, Subject.id == Entry.subject_id)
        .where(
            Entry.list_id == list_id,
            Entry.category.in_(sorted(permitted)),
            Entry.bcu.in_(sorted(bcus)),
        )
    )
    if why.purpose_class in OPERATIONAL_CLASSES:
        query = query.where(Entry.restricted_on.is_(None))  # s.47(2): never used operationally
    if bcu is not None:
        query = query.where(Entry.bcu == bcu)
    if category is not None:
        query = query.where(Entry.category == category)
    if band is not None:
        query = query.where(Entry.band == band)
    return query


def find_person(
    *,
    uow: UnitOfWork,
    actor: Actor,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    purpose: str | None,
    justification: str | None,
) -> list[EntrySummary]:
    """Every entry, on every list the actor may see, for a person found by blind index.

    A search across lists is a combination (s.62): when it returns entries from more than one
    list, each person shown is logged with the ``combine`` operation.
    """
    why = require_reason(purpose, justification)
    index = uow.blind_index.name_dob(given_name, family_name, date_of_birth)
    attempt = Attempt(
        Operation.CONSULT,
        actor.id,
        purpose=why.purpose.value,
        purpose_class=why.purpose_class.value,
    )
    with uow.transaction(attempt) as session:
        permitted = {c.value for c in categories_for(why.purpose_class)}
        bcus = visible_bcus(actor, BOROUGHS_BY_BCU.keys())
        rows = session.execute(
            select(Entry, Subject)
            .join(Subject, Subject.id == Entry.subject_id)
            .where(
                Subject.name_dob_index == index,
                Entry.category.in_(sorted(permitted)),
                Entry.bcu.in_(sorted(bcus)),
                Entry.restricted_on.is_(None)
                if why.purpose_class in OPERATIONAL_CLASSES
                else true(),
            )
            .order_by(Entry.id)
        ).all()
        visible = []
        for entry, subject in rows:
            status = effective_status(session, get_list(session, entry.list_id), uow.today())
            if status.value in ("authorised",) or why.purpose_class in (
                PurposeClass.OVERSIGHT,
                PurposeClass.RIGHTS,
            ):
                visible.append((entry, subject))
        authoriser = Authoriser(session, uow, actor)
        decisions = authoriser.decide_many(
            AccessAction.ENTRY_CONSULT,
            [entry_resource(e, get_list(session, e.list_id)) for e, _ in visible],
            Context(purpose=why.purpose),
        )
        for decision in decisions:
            if not decision.allowed and not set(decision.policy_ids) <= GRANT_POLICIES:
                raise refusal(decision)
        # Lists the actor holds no grant or training for are left out of a search across lists.
        visible = [row for row, d in zip(visible, decisions, strict=True) if d.allowed]
        shown = _summaries(uow, visible)
        combined = len({s.list_id for s in shown}) > 1
        _log_consultations(
            session,
            uow,
            actor,
            why,
            shown,
            list_id=None,
            operation=Operation.COMBINE if combined else Operation.CONSULT,
        )
        return shown
