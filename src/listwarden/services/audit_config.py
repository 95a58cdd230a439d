"""The access log as the services hold it: its settings, its keys, one per database.

Every use case that writes events reaches the log through the unit of work's engine, so the log
is registered against that engine: entry points that have the settings and the key store call
:func:`attach_event_log` at start-up (``serve``, the ``audit`` commands); anything else gets the
defaults with the key store behind the unit of work's field cipher.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from listwarden.auditlog.periods import PeriodLength
from listwarden.auditlog.sealing import JustificationSealer, PeriodKeys
from listwarden.auditlog.signer import SIGNING_KEY_NAME, LogSigner
from listwarden.domain.errors import KeyUnavailable
from listwarden.settings import Settings

if TYPE_CHECKING:
    from listwarden.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class LogConfig:
    """The ``log_*`` settings (see ``settings.py`` for what each means)."""

    period: PeriodLength
    retention: timedelta
    origin: str | None
    sequence_every: int
    sequence_seconds: float
    checkpoint_every: int
    checkpoint_minutes: float

    @classmethod
    def from_settings(cls, settings: Settings) -> LogConfig:
        return cls(
            period=PeriodLength(settings.log_period),
            retention=timedelta(days=settings.log_retention_days),
            origin=settings.log_origin,
            sequence_every=settings.log_sequence_every,
            sequence_seconds=settings.log_sequence_seconds,
            checkpoint_every=settings.log_checkpoint_every,
            checkpoint_minutes=settings.log_checkpoint_minutes,
        )

    @classmethod
    def defaults(cls) -> LogConfig:
        """The settings' defaults, without reading the environment."""
        return cls.from_settings(Settings.model_construct())


@dataclass
class EventLog:
    """One database's access log: configuration, period keys, the signer, a commit counter."""

    config: LogConfig
    keys: PeriodKeys | None
    sealer: JustificationSealer = field(init=False)
    uncounted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    sequencing: threading.Lock = field(default_factory=threading.Lock)
    _signer: LogSigner | None = None

    def __post_init__(self) -> None:
        self.sealer = JustificationSealer(self.keys, self.config.period, self.config.retention)

    def signer(self) -> LogSigner:
        """The log's checkpoint signer, its seed a key-store system key (made on first use)."""
        if self._signer is None:
            if self.keys is None:
                raise KeyUnavailable("no key store is open for the log's signing key")
            seed = self.keys.system_key(SIGNING_KEY_NAME)
            self._signer = LogSigner(seed, self.config.origin)
        return self._signer

    def count_committed(self, events: int) -> bool:
        """Count events just committed; True (and restart the count) when a run is due."""
        with self.lock:
            self.uncounted += events
            if self.uncounted < self.config.sequence_every:
                return False
            self.uncounted = 0
            return True


_LOGS: WeakKeyDictionary[Engine, EventLog] = WeakKeyDictionary()
_REGISTRY_LOCK = threading.Lock()


def engine_of(uow: UnitOfWork) -> Engine:
    """The engine behind a unit of work's sessions."""
    bind = uow.session_factory.kw.get("bind")
    if not isinstance(bind, Engine):
        raise TypeError("the unit of work's sessions are not bound to one engine")
    return bind


def attach_event_log(
    uow: UnitOfWork, *, keys: PeriodKeys | None, config: LogConfig | None = None
) -> EventLog:
    """Register the access log of ``uow``'s database with these keys and settings."""
    log = EventLog(config or LogConfig.defaults(), keys)
    with _REGISTRY_LOCK:
        _LOGS[engine_of(uow)] = log
    return log


def event_log(uow: UnitOfWork) -> EventLog:
    """The registered access log of ``uow``'s database, or one with the default settings."""
    engine = engine_of(uow)
    with _REGISTRY_LOCK:
        log = _LOGS.get(engine)
        if log is None:
            keys: PeriodKeys | None = getattr(uow.cipher, "keystore", None)
            log = _LOGS[engine] = EventLog(LogConfig.defaults(), keys)
        return log


def registered_log(engine: Engine) -> EventLog | None:
    """The access log registered for ``engine``, if any (the commit hook's lookup)."""
    with _REGISTRY_LOCK:
        return _LOGS.get(engine)
