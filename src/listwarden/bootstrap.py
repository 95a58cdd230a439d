"""The composition root: builds the engine, key store, cipher and unit of work from settings.

Entry points (CLI, web) call ``open_register`` once at start-up and pass the result down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from listwarden.crypto.blind_index import BlindIndexer
from listwarden.crypto.cipher import SubjectCipher
from listwarden.crypto.credentials import CredentialCipher
from listwarden.crypto.keystore import KeyStore
from listwarden.crypto.provider_config import Pkcs11Config, make_provider
from listwarden.crypto.providers import KeyProvider
from listwarden.crypto.register_keys import RegisterKeys
from listwarden.domain.access_alerts import AlertThresholds
from listwarden.domain.authn import SessionTerms
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.services.audit_config import LogConfig, attach_event_log
from listwarden.services.unit_of_work import AccessSettings, UnitOfWork, resident_policy_engine
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
    """The key-encryption-key provider the settings choose (``LISTWARDEN_KEY_PROVIDER``).

    ``init`` (``create``) writes the key file, or generates the KEK on the HSM token; everything
    else opens what is there and fails with one clear error if it cannot.
    """
    pin = settings.pkcs11_pin.get_secret_value() if settings.pkcs11_pin is not None else None
    return make_provider(
        settings.key_provider,
        key_file=settings.resolved_key_file,
        pkcs11=Pkcs11Config(
            module=settings.pkcs11_module,
            token_label=settings.pkcs11_token_label,
            key_label=settings.pkcs11_key_label,
            pin=pin,
            pin_file=settings.pkcs11_pin_file,
        ),
        create=create,
    )


def alert_thresholds(settings: Settings) -> AlertThresholds:
    """Law 11's access-alert thresholds from the settings; a bad figure is a clear error."""
    try:
        return AlertThresholds(
            max_consultations_per_hour=settings.alert_consultations_per_hour,
            max_refusals_per_hour=settings.alert_refusals_per_hour,
            pattern_days=settings.alert_pattern_days,
            pattern_min_history=settings.alert_pattern_min_history,
            working_hours=(settings.alert_working_from, settings.alert_working_until),
            timezone=settings.alert_timezone,
        )
    except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise InvalidInput(
            f"the access-alert settings are not usable: {error}",
            reasons=[Reason("invalid-setting", str(error), "LISTWARDEN_ALERT_*")],
        ) from None


def open_register(
    settings: Settings,
    *,
    create: bool = False,
    migrate_schema: bool = True,
    engine: Engine | None = None,
) -> Register:
    """Open (and with ``create``, initialise) the database, key store and cipher.

    The key store is opened first and a key unwrapped, so a wrong key file or an unreachable HSM
    stops start-up with one clear error before the database is touched; whatever was opened
    before a failure is closed again.
    """
    alerts = alert_thresholds(settings)  # a bad setting stops start-up before anything opens
    ensure_home(settings)
    provider = key_provider(settings, create=create)
    keystore = KeyStore(settings.resolved_keystore_url, provider)
    own_engine = engine is None
    try:
        blind_index = BlindIndexer(keystore.system_key(BLIND_INDEX_KEY))
        engine = engine or make_engine(settings.resolved_database_url)
        if migrate_schema:
            migrate.upgrade(engine)
    except BaseException:
        keystore.close()
        if own_engine and engine is not None:
            engine.dispose()
        raise
    cipher = SubjectCipher(keystore)
    uow = UnitOfWork(
        sessionmaker(engine, expire_on_commit=False, class_=Session),
        cipher=cipher,
        blind_index=blind_index,
        keys=RegisterKeys(
            keystore,
            cipher,
            keystore_backup_retention_days=settings.keystore_backup_retention_days,
            database_backup_retention_days=settings.database_backup_retention_days,
        ),
        policy=resident_policy_engine(),
        access=AccessSettings(
            mandatory_course=settings.mandatory_course,
            grant_lapse_days=settings.grant_lapse_days,
            grant_days=settings.grant_days,
            sessions=SessionTerms(
                lifetime=timedelta(hours=settings.session_hours),
                idle=timedelta(minutes=settings.session_idle_minutes),
            ),
            alerts=alerts,
        ),
        credentials=CredentialCipher(keystore),
    )
    attach_event_log(uow, keys=keystore, config=LogConfig.from_settings(settings))
    return Register(settings=settings, engine=engine, keystore=keystore, uow=uow)
