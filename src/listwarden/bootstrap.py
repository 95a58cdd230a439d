"""The composition root: builds the engine, key store, cipher and unit of work from settings.

Entry points (CLI, web) call ``open_register`` once at start-up and pass the result down.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from listwarden.crypto.blind_index import BlindIndexer
from listwarden.crypto.cipher import SubjectCipher
from listwarden.crypto.keystore import KeyStore
from listwarden.crypto.providers import FileKeyProvider, KeyProvider
from listwarden.domain.errors import KeyUnavailable
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.settings import Settings
from listwarden.store import migrate
from listwarden.store.engine import make_engine

BLIND_INDEX_KEY = "blind-index"


@dataclass
class Register:
    """Everything a running listwarden holds open."""

    settings: Settings
    engine: Engine
    keystore: KeyStore
    uow: UnitOfWork

    def close(self) -> None:
        self.engine.dispose()
        self.keystore.close()


def ensure_home(settings: Settings) -> Path:
    settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return settings.home


def key_provider(settings: Settings, *, create: bool = False) -> KeyProvider:
    """The key-encryption key provider; ``init`` creates the key file, everything else opens it."""
    path = settings.resolved_key_file
    if create and not path.exists():
        return FileKeyProvider.create(path)
    if not path.exists():
        raise KeyUnavailable(
            f"no key file at {path}: run 'listwarden init' first or set LISTWARDEN_KEY_FILE"
        )
    return FileKeyProvider.open(path)


def open_register(
    settings: Settings,
    *,
    create: bool = False,
    migrate_schema: bool = True,
    engine: Engine | None = None,
) -> Register:
    """Open (and with ``create``, initialise) the database, key store and cipher."""
    ensure_home(settings)
    provider = key_provider(settings, create=create)
    engine = engine or make_engine(settings.resolved_database_url)
    if migrate_schema:
        migrate.upgrade(engine)
    keystore = KeyStore(settings.resolved_keystore_url, provider)
    uow = UnitOfWork(
        sessionmaker(engine, expire_on_commit=False, class_=Session),
        cipher=SubjectCipher(keystore),
        blind_index=BlindIndexer(keystore.system_key(BLIND_INDEX_KEY)),
    )
    return Register(settings=settings, engine=engine, keystore=keystore, uow=uow)
