"""Fixtures for the crypto adapter's integration tests: key files, key stores, a SoftHSM2 token.

Key-store tests run on a real SQLite file and on a real PostgreSQL database of their own
(``lw_keystore_<pid>``, created through ``LISTWARDEN_TEST_PG_URL`` like the main suite's, its
tables dropped after each test). The SoftHSM2 token lives in a temporary directory for the session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from listwarden.crypto.keystore import KeyStore
from listwarden.crypto.keystore_schema import metadata
from listwarden.crypto.providers import FileKeyProvider, KeyProvider

SOFTHSM_LIBRARY = Path("/usr/lib/softhsm/libsofthsm2.so")
PG_ADMIN_URL = os.environ.get(
    "LISTWARDEN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

OpenKeyStore = Callable[..., KeyStore]


@pytest.fixture
def kek(tmp_path: Path) -> FileKeyProvider:
    return FileKeyProvider.create(tmp_path / "kek.key")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'keystore.sqlite'}"


@pytest.fixture(scope="session")
def keystore_pg_url() -> Iterator[str]:
    """A PostgreSQL database for the key store alone, as in production (a separate database)."""
    name = f"lw_keystore_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    except Exception as error:  # noqa: BLE001 - any failure to reach the server skips
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {error}")
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def keystore_url(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url
        return
    url: str = request.getfixturevalue("keystore_pg_url")
    yield url
    engine = create_engine(url)
    metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def open_keystore(keystore_url: str) -> Iterator[OpenKeyStore]:
    """Open key stores on one database, as separate workers would; all are closed after."""
    opened: list[KeyStore] = []

    def _open(provider: KeyProvider, **options: object) -> KeyStore:
        store = KeyStore(keystore_url, provider, **options)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield _open
    for store in opened:
        store.close()


@pytest.fixture
def keystore(open_keystore: OpenKeyStore, kek: FileKeyProvider) -> KeyStore:
    return open_keystore(kek)


@dataclass(frozen=True)
class SoftHsmToken:
    module: str
    label: str
    pin: str


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    """A freshly initialised SoftHSM2 token; skipped only where the library is not installed."""
    if not SOFTHSM_LIBRARY.exists():
        pytest.skip(f"SoftHSM2 is not installed ({SOFTHSM_LIBRARY} is absent)")
    util = shutil.which("softhsm2-util")
    if util is None:
        pytest.fail("softhsm2-util is missing although the SoftHSM2 library is installed")
    root = tmp_path_factory.mktemp("softhsm")
    tokens = root / "tokens"
    tokens.mkdir()
    config = root / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    token = SoftHsmToken(module=str(SOFTHSM_LIBRARY), label="listwarden-test", pin="1234")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(config))
        subprocess.run(  # fixed arguments, the path found by shutil.which
            [
                util,
                "--init-token",
                "--free",
                "--label",
                token.label,
                "--pin",
                token.pin,
                "--so-pin",
                "5678",
            ],
            check=True,
            capture_output=True,
        )
        import pkcs11

        # The library reads SOFTHSM2_CONF when initialised; start it afresh with ours.
        pkcs11.lib(token.module).reinitialize()
        yield token
