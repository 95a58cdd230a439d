"""Law 4 in the database itself: events cannot be changed or deleted, and commit with the change."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from listwarden.bootstrap import Register
from listwarden.domain.errors import KeyUnavailable
from listwarden.services.entries import NewIntelligence, add_entries
from listwarden.store.tables import Entry, Event, Subject
from tests.factories import authorised_list, make_cast, person


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET actor_id = 'someone-else'",
        "DELETE FROM events",
    ],
)
def test_the_database_refuses_to_rewrite_events(register: Register, statement: str) -> None:
    make_cast(register)
    with register.engine.connect() as connection:
        before = connection.scalar(select(func.count()).select_from(Event))
        assert before
        with pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
        connection.rollback()
        assert connection.scalar(select(func.count()).select_from(Event)) == before


def test_truncate_is_refused_where_the_database_has_it(register: Register) -> None:
    make_cast(register)
    statement = (
        "DELETE FROM events WHERE id = 1"
        if register.engine.dialect.name == "sqlite"
        else "TRUNCATE events"
    )
    with register.engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text(statement))


class FailingCipher:
    """Wraps the real cipher and fails after ``limit`` fields sealed, or at the first field of
    ``fail_on`` (a table): a crash half way through."""

    def __init__(self, inner: object, limit: int, fail_on: str | None = None) -> None:
        self.inner, self.limit, self.count, self.fail_on = inner, limit, 0, fail_on

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def _count(self, tables: list[str]) -> None:
        self.count += len(tables)
        if self.count > self.limit or self.fail_on in tables:
            raise KeyUnavailable("the key provider stopped answering")

    def seal(self, *args: str) -> bytes:
        self._count([args[1]])
        return self.inner.seal(*args)  # type: ignore[attr-defined, no-any-return]

    def seal_many(self, items: list[tuple[str, str, str, str, str]]) -> list[bytes]:
        self._count([item[1] for item in items])
        return self.inner.seal_many(items)  # type: ignore[attr-defined, no-any-return]


def test_a_crash_half_way_leaves_neither_change_nor_event(register: Register) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    with register.uow.read_only() as session:
        before = [
            session.scalar(select(func.count()).select_from(t)) for t in (Subject, Entry, Event)
        ]
    intel = NewIntelligence(
        grading="1A P",
        source_type="police",
        source_ref="SRC-1",
        text="seen",
        reported_on=register.uow.today(),
    )
    # The people, their monitoring records and entries are written before the intelligence is
    # sealed: the key provider stops answering then, with the transaction half done.
    failing = FailingCipher(register.uow.cipher, limit=10_000, fail_on="intelligence_items")
    register.uow.cipher = failing  # type: ignore[assignment]
    with pytest.raises(KeyUnavailable):
        add_entries(
            uow=register.uow,
            actor=cast.iao,
            list_id=matrix,
            purpose="gang_violence_reduction",
            items=[person(n, intelligence=[intel]) for n in range(4)],
        )
    with register.uow.read_only() as session:
        after = [
            session.scalar(select(func.count()).select_from(t)) for t in (Subject, Entry, Event)
        ]
    assert after == before
