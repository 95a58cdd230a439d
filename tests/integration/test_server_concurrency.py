"""A server's concurrent requests: pooled connections, one thread per connection, and SQLite's
writers in this process queueing on a lock instead of polling the busy handler."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
from anyio.to_thread import current_default_thread_limiter
from fastapi.testclient import TestClient

from listwarden.bootstrap import Register
from listwarden.store.engine import POOL_SIZE, make_engine
from listwarden.web.app import create_app


def test_the_engine_pools_a_connection_for_every_request_thread(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert engine.pool.size() == POOL_SIZE  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_the_server_runs_no_more_handlers_at_once_than_the_pool_holds(register: Register) -> None:
    app = create_app(register)

    @app.get("/threads")
    async def threads() -> dict[str, float]:
        return {"tokens": current_default_thread_limiter().total_tokens}

    with TestClient(app) as client:  # the lifespan runs
        assert client.get("/threads").json() == {"tokens": POOL_SIZE}


@contextmanager
def _session_write(register: Register) -> Iterator[object]:
    with register.uow.transaction() as session:
        yield session


@contextmanager
def _core_write(register: Register) -> Iterator[object]:
    """The hot path's short write (a consultation's event)."""
    with register.uow.core() as work, work.writing() as connection:
        yield connection


@pytest.mark.parametrize("second_writer", [_session_write, _core_write])
def test_a_writer_waits_for_the_one_before_it_on_sqlite_only(
    register: Register, second_writer: Callable[[Register], AbstractContextManager[object]]
) -> None:
    first_in, first_may_leave = threading.Event(), threading.Event()
    second_in = threading.Event()

    def first() -> None:
        with register.uow.transaction():
            first_in.set()
            first_may_leave.wait(10)

    def second() -> None:
        first_in.wait(10)
        with second_writer(register):
            second_in.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    try:
        assert first_in.wait(10)
        entered_alongside = second_in.wait(0.5)
        if register.engine.dialect.name == "sqlite":
            # One writer at a time: the second starts only when the first has ended.
            assert not entered_alongside
        else:
            # PostgreSQL locks rows: a second writer starts beside the first.
            assert entered_alongside
    finally:
        first_may_leave.set()
        for thread in threads:
            thread.join(10)
    assert second_in.is_set()
