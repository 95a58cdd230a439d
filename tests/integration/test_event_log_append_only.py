"""Law 4 in the database itself: events cannot be changed or deleted, and commit with the change."""

from __future__ import annotations

from collections.abc import Sequence

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
    """Wraps the real cipher and fails after ``limit`` seals: a crash half way through."""

    def __init__(self, inner: object, limit: int) -> None:
        self.inner, self.limit, self.count = inner, limit, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def _one_more(self) -> None:
        self.count += 1
        if self.count > self.limit:
            raise KeyUnavailable("the key provider stopped answering")

    def seal(self, *args: str) -> bytes:
        self._one_more()
        return self.inner.seal(*args)  # type: ignore[attr-defined, no-any-return]

    def seal_many(self, items: Sequence[tuple[str, str, str, str, str]]) -> list[bytes]:
        """Many fields at once (a batch's rows) count one seal each, as ``seal`` would."""
        for _ in items:
            self._one_more()
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
    register.uow.cipher = FailingCipher(register.uow.cipher, limit=12)  # type: ignore[assignment]
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
