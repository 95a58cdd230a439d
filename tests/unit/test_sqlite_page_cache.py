"""A held page cache: connections keep it between transactions, and give it back afterwards."""

from pathlib import Path

from sqlalchemy import Engine

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
