"""A held page cache: connections keep it between transactions, and give it back afterwards."""

from pathlib import Path

from sqlalchemy import Connection, Engine

from listwarden.store.engine import hold_page_cache, make_engine


def _cache_size(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("PRAGMA cache_size").scalar())


def test_a_held_cache_lasts_the_block_and_is_put_back_after(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/db.sqlite", pool_size=1, max_overflow=0)
    before = _cache_size(engine)
    with hold_page_cache(engine, mib=8):
        assert _cache_size(engine) == -8 * 1024
        assert _cache_size(engine) == -8 * 1024  # the same connection, lent again
    assert _cache_size(engine) == -8 * 1024  # put back only at its first return after the block
    assert _cache_size(engine) == before
    engine.dispose()


def _checkpoint_pages(engine: Engine) -> int:
    with engine.connect() as connection:
        return _pages_of(connection)


def _pages_of(connection: Connection) -> int:
    # On the driver's connection: SQLAlchemy's would begin a write transaction first.
    found = connection.connection.driver_connection.execute("PRAGMA wal_autocheckpoint")
    return int(found.fetchone()[0])


def test_held_checkpoints_wait_for_the_pages_asked_and_are_put_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/db.sqlite", pool_size=2, max_overflow=0)
    before = _checkpoint_pages(engine)
    held = hold_page_cache(engine, checkpoint_pages=20_000)
    with held, engine.connect() as first, engine.connect() as second:  # every connection lent
        assert [_pages_of(first), _pages_of(second)] == [20_000, 20_000]
    assert _checkpoint_pages(engine) == before  # put back on the first lending after the block
    with engine.connect() as first, engine.connect() as second:
        assert [_pages_of(first), _pages_of(second)] == [before, before]
    engine.dispose()


def test_a_held_cache_alone_leaves_checkpoints_as_they_were(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/db.sqlite", pool_size=1, max_overflow=0)
    before = _checkpoint_pages(engine)
    with hold_page_cache(engine, mib=8):
        assert _checkpoint_pages(engine) == before
    engine.dispose()
