"""Database snapshots for backups, and putting one back: SQLite backup API, pg_dump, pg_restore.

A snapshot is a consistent copy of a whole database (schema, rows, the access log's triggers)
taken while it runs: SQLite's online backup API copies its pages; PostgreSQL's ``pg_dump`` writes
its custom format from one transaction snapshot. The same functions copy the key store's own
database, which is backed up apart.

Restoring *stages* a snapshot beside the live database (a private file, or a scratch database)
where the caller migrates it and re-applies erasures, and only then *installs* it over the live
one in a single step: the SQLite backup API into the live file, or ``pg_restore --clean
--single-transaction``. A failure at any point before that step leaves the live database as it
was. Restoring PostgreSQL needs a role that may create databases (for the scratch copy).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError as AlembicError
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from listwarden.domain.errors import ListwardenError
from listwarden.store.migrate import MIGRATIONS

log = logging.getLogger(__name__)

SQLITE, POSTGRESQL = "sqlite", "postgresql"
_PG_NAME_MAX = 63


class BackupFailed(ListwardenError):
    """A database tool or copy failed while backing up or restoring; the live data is unchanged."""

    slug = "backup-failed"


@dataclass(frozen=True)
class Snapshot:
    """What a snapshot holds: which database kind, taken how, at which schema revision."""

    database: str
    method: str
    schema_revision: str | None


def backend_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in (SQLITE, POSTGRESQL):
        raise BackupFailed(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def snapshot(url: str, dest: Path) -> Snapshot:
    """Copy the database at ``url`` into the new file ``dest`` (its caller keeps it private)."""
    if backend_of(url) == SQLITE:
        source = sqlite3.connect(_sqlite_path(url))
        try:
            target = sqlite3.connect(dest)
            try:
                source.backup(target)
            finally:
                target.close()
        except sqlite3.Error as exc:
            raise BackupFailed(f"SQLite backup failed: {exc}") from None
        finally:
            source.close()
        return Snapshot(SQLITE, "sqlite-online-backup", schema_revision(f"sqlite:///{dest}"))
    parsed = make_url(url)
    _run(
        "pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--file", str(dest)], parsed
    )
    return Snapshot(POSTGRESQL, "pg_dump-custom", schema_revision(url))


def schema_revision(url: str) -> str | None:
    """The Alembic revision the database is at, or None if it has no version table."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - any failure means "not a migrated listwarden database"
        return None
    finally:
        engine.dispose()


def stage(dump: Path, *, database: str, live_url: str) -> str:
    """Load a snapshot next to the live database; the staged database's URL.

    SQLite: the snapshot file itself, checked for integrity. PostgreSQL: a new scratch database
    named after the live one, filled by ``pg_restore``. The live database is not touched.
    """
    if database != backend_of(live_url):
        raise BackupFailed(
            f"the backup is of a {database} database, but this register uses {backend_of(live_url)}"
        )
    if database == SQLITE:
        try:
            with sqlite3.connect(dump) as conn:
                verdict = conn.execute("PRAGMA integrity_check").fetchone()
        except sqlite3.Error as exc:
            raise BackupFailed(
                f"the backup does not hold a usable SQLite database: {exc}"
            ) from None
        if verdict is None or verdict[0] != "ok":
            raise BackupFailed("the backup's SQLite database fails its integrity check")
        url = f"sqlite:///{dump}"
    else:
        live = make_url(live_url)
        name = f"{live.database}_restore_{secrets.token_hex(4)}"[-_PG_NAME_MAX:]
        url = live.set(database=name).render_as_string(hide_password=False)
        _admin(live, f"CREATE DATABASE {_quote(name)} TEMPLATE template0")
        try:
            _run(
                "pg_restore",
                ["--no-owner", "--no-privileges", "--exit-on-error", str(dump)],
                make_url(url),
            )
        except BaseException:
            discard(url)
            raise
    revision = schema_revision(url)
    if revision is None or not _known(revision):
        discard(url)
        if revision is None:
            raise BackupFailed("the backup holds no migrated listwarden database")
        raise BackupFailed(
            f"the backup's schema ({revision}) is newer than this listwarden knows: upgrade first"
        )
    return url


def _known(revision: str) -> bool:
    """Whether this version's migrations include ``revision`` (a backup may come from a newer)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        return ScriptDirectory.from_config(config).get_revision(revision) is not None
    except AlembicError:
        return False


def install(staged_url: str, *, live_url: str, workdir: Path) -> None:
    """Replace the live database's contents with the staged database's, in one step."""
    if backend_of(live_url) == SQLITE:
        staged = sqlite3.connect(_sqlite_path(staged_url))
        try:
            staged.execute("VACUUM")  # leave no deleted row in the pages about to be copied
            live = sqlite3.connect(_sqlite_path(live_url), timeout=30)
            try:
                staged.backup(live)
                live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                live.close()
        except sqlite3.Error as exc:
            raise BackupFailed(f"SQLite restore failed, the database is unchanged: {exc}") from None
        finally:
            staged.close()
        return
    dump = workdir / "install.dump"
    _run(
        "pg_dump",
        ["--format=custom", "--no-owner", "--no-privileges", "--file", str(dump)],
        make_url(staged_url),
    )
    _run(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            str(dump),
        ],
        make_url(live_url),
    )
    dump.unlink(missing_ok=True)


def discard(staged_url: str) -> None:
    """Remove a staged database (a file, or a scratch PostgreSQL database)."""
    url = make_url(staged_url)
    if url.get_backend_name() == SQLITE:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        return
    _admin(url, f"DROP DATABASE IF EXISTS {_quote(str(url.database))} WITH (FORCE)")


def overwrite_deleted(engine: Engine, tables: Sequence[str], *, full: bool = False) -> None:
    """Leave no deleted row readable: outside any transaction, as both databases require.

    SQLite already zeroes deleted content (``secure_delete``); its WAL still holds the pages as
    they were, so it is checkpointed and truncated. PostgreSQL gets ``VACUUM`` on ``tables``,
    which frees the dead rows; ``full`` rewrites the tables (``VACUUM FULL``, which locks them),
    so not even the freed space keeps their bytes.
    """
    if engine.dialect.name == SQLITE:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            if full:
                cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = cursor.fetchone()
            cursor.close()
        finally:
            raw.close()
        if busy and busy[0]:
            log.warning("SQLite WAL could not be truncated (busy); deleted rows may remain in it")
        return
    quoted = ", ".join(_quote(t) for t in tables)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM {'(FULL) ' if full else ''}{quoted}")


def _sqlite_path(url: str) -> str:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupFailed("an in-memory SQLite database cannot be backed up or restored")
    return path


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _admin(url: URL, statement: str) -> None:
    """Run a statement on the server's maintenance database (creating or dropping databases)."""
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    except Exception as exc:  # noqa: BLE001 - reported as one line; the live database is unchanged
        what = " ".join(statement.split()[:2])
        raise BackupFailed(f"PostgreSQL refused {what}: {str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()


def _run(tool: str, args: list[str], url: URL) -> None:
    """Run ``pg_dump`` or ``pg_restore`` against ``url``; ``BackupFailed`` with its last words."""
    exe = shutil.which(tool)
    if exe is None:
        raise BackupFailed(f"{tool} is not installed: install PostgreSQL's client tools")
    env = dict(os.environ)
    connection = ["--no-password", "--dbname", str(url.database)]
    if url.host:
        connection += ["--host", url.host]
    if url.port:
        connection += ["--port", str(url.port)]
    if url.username:
        connection += ["--username", url.username]
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    sslmode = url.query.get("sslmode")
    if isinstance(sslmode, str):
        env["PGSSLMODE"] = sslmode
    done = subprocess.run(  # noqa: S603 - a fixed tool found on PATH, arguments we build
        [exe, *connection, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupFailed(f"{tool} failed: {lines[-1] if lines else f'exit {done.returncode}'}")
