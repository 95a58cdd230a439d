"""Shared fixtures: every storage, service and API test runs on real SQLite and real PostgreSQL.

Each test gets a fresh database copied from a migrated template (a file copy for SQLite,
``CREATE DATABASE … TEMPLATE`` for PostgreSQL), so tests never see each other's rows.
Under ``CI=true`` a skipped test fails the run, and both databases must run the same tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from listwarden.bootstrap import Register, open_register
from listwarden.settings import Settings
from listwarden.store import migrate
from listwarden.store.engine import make_engine

PG_ADMIN_URL = os.environ.get(
    "LISTWARDEN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    name = f"lw_template_{os.getpid()}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    except Exception as error:  # noqa: BLE001 - any failure to reach the server skips
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {error}")
    engine = make_engine(_pg_url(name))
    migrate.upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "listwarden.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"lw_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    yield _pg_url(name)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def register(settings: Settings) -> Iterator[Register]:
    opened = open_register(settings, create=True, migrate_schema=False)
    yield opened
    opened.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Both databases must run the same tests: a test parametrised for one only is an error."""
    counts = dict.fromkeys(BACKENDS, 0)
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "database_url" in callspec.params:
            counts[callspec.params["database_url"]] += 1
    if counts["sqlite"] != counts["postgresql"]:
        raise pytest.UsageError(f"database test counts differ: {counts}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        if reporter:
            reporter.write_line(f"CI=true: {skipped} skipped test(s) count as failures")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
