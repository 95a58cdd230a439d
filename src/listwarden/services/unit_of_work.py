"""The unit of work: one database transaction per use case, with its access-log event inside it.

A service opens ``uow.transaction(attempt)``; on success the change and its events commit
together, on any error both roll back. An authorisation refusal then adds exactly one refusal
event, in its own transaction, so the log shows every attempt that was turned away.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from listwarden.domain.access_alerts import DEFAULT_ALERTS, AlertThresholds
from listwarden.domain.authn import (
    DEFAULT_LOCKOUT,
    DEFAULT_SESSION_TERMS,
    LockoutPolicy,
    SessionTerms,
)
from listwarden.domain.errors import AccessDenied, Conflict, KeyUnavailable, Reason
from listwarden.domain.vocabulary import Operation, Outcome
from listwarden.policy.engine import PolicyEngine
from listwarden.services.events import (
    connection_committed,
    connection_rolled_back,
    record_event,
)
from listwarden.services.ports import (
    BlindIndex,
    Clock,
    CredentialSealer,
    FieldCipher,
    KeyStorePort,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def is_unique_violation(error: IntegrityError) -> bool:
    """True when ``error`` is a duplicate key (PostgreSQL 23505, SQLite's UNIQUE failure).

    Services check for duplicates before they insert; a duplicate that still reaches the database
    was written by a concurrent transaction between the check and the insert (PostgreSQL runs
    them side by side), so it is a conflict to retry, not a fault.
    """
    if getattr(error.orig, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(error.orig)


def concurrent_change() -> Conflict:
    return Conflict(
        "another change to the same record was saved at the same moment; nothing was saved",
        reasons=[Reason("concurrent-change", "try again: the register now holds the other change")],
    )


def _writer_queue(session_factory: sessionmaker[Session]) -> AbstractContextManager[object]:
    """What a write transaction holds in this process while it runs.

    SQLite has one writer at a time, and a writer that finds the database locked polls: its
    busy handler sleeps 1, 2, 5, 10 ms and more between tries, while the lock it waits for is
    held for a fraction of a millisecond. Under a server's concurrent requests the database
    then sat idle between writers. This process's writers therefore queue on a lock and each
    starts the moment the last one ends; the busy handler only arbitrates between processes.
    PostgreSQL locks rows, not the database: its writers run side by side.
    """
    bind = session_factory.kw.get("bind")
    if bind is not None and bind.dialect.name == "sqlite":
        return threading.RLock()
    return nullcontext()


@dataclass(frozen=True)
class Attempt:
    """What a transaction is trying to do, so a refusal can be logged with the same identifiers."""

    operation: Operation
    actor_id: str | None
    list_id: str | None = None
    entry_id: str | None = None
    subject_id: str | None = None
    purpose: str | None = None
    purpose_class: str | None = None


@dataclass(frozen=True)
class AccessSettings:
    """Law 7's configurable periods and the name of the force's mandatory course."""

    mandatory_course: str = "data-protection"
    grant_lapse_days: int = 90
    grant_days: int = 365
    lockout: LockoutPolicy = DEFAULT_LOCKOUT
    sessions: SessionTerms = DEFAULT_SESSION_TERMS
    alerts: AlertThresholds = DEFAULT_ALERTS  # law 11's access anomalies


@cache
def resident_policy_engine() -> PolicyEngine:
    """The shipped policies, parsed and validated with their schema once per process."""
    return PolicyEngine.load()


class CoreWork:
    """One pooled connection for a hot path: a read transaction, then a short write, no ORM.

    A use case that reads, decides and decrypts before it logs (a consultation) reads in
    ``reading`` (on SQLite a deferred transaction, so workers read side by side) and writes its
    events in ``writing`` (``BEGIN IMMEDIATE``), returning nothing until that has committed.
    Both run on the same connection, so the second costs no trip to the pool.
    """

    def __init__(
        self, connection: Connection, writers: AbstractContextManager[object] | None = None
    ) -> None:
        self.connection = connection
        self._writers = writers if writers is not None else nullcontext()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A transaction that writes nothing (SQLite: deferred, a shared lock)."""
        connection = self.connection.execution_options(sqlite_begin="DEFERRED")
        with connection.begin():
            yield connection

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction: committed on success, and its events counted once it has."""
        connection = self.connection.execution_options(sqlite_begin="IMMEDIATE")
        with self._writers:  # see _writer_queue
            try:
                with connection.begin():
                    yield connection
            except BaseException:
                connection_rolled_back(connection)
                raise
            connection_committed(connection)


class UnitOfWork:
    """Holds what every use case needs: sessions, the field cipher, blind indexes and the clock.

    ``keys`` is the key store's side of erasure and backups, for the use cases that need it.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        cipher: FieldCipher,
        blind_index: BlindIndex,
        clock: Clock = utc_now,
        keys: KeyStorePort | None = None,
        policy: PolicyEngine | None = None,
        access: AccessSettings | None = None,
        credentials: CredentialSealer | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.cipher = cipher
        self.blind_index = blind_index
        self.clock = clock
        self.keys = keys
        self._policy = policy
        self.access = access or AccessSettings()
        self._credentials = credentials
        self._writers = _writer_queue(session_factory)

    @property
    def credentials(self) -> CredentialSealer:
        """Seals TOTP secrets; a unit of work built without it cannot enrol a second factor."""
        if self._credentials is None:
            raise KeyUnavailable("no credential key is configured for this register")
        return self._credentials

    @property
    def policy(self) -> PolicyEngine:
        """The access policy engine: parsed once and kept resident (law 7)."""
        if self._policy is None:
            self._policy = resident_policy_engine()
        return self._policy

    @property
    def engine(self) -> Engine:
        """The engine behind the unit of work's sessions."""
        bind = self.session_factory.kw.get("bind")
        if not isinstance(bind, Engine):
            raise TypeError("the unit of work's sessions are not bound to one engine")
        return bind

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.clock().date()

    @contextmanager
    def transaction(self, attempt: Attempt | None = None) -> Iterator[Session]:
        with self._writers:
            session = self.session_factory()
            try:
                yield session
                session.commit()
            except AccessDenied as refusal:
                session.rollback()
                if attempt is not None:
                    self._record_refusal(attempt, refusal)
                raise
            except IntegrityError as clash:
                session.rollback()
                if not is_unique_violation(clash):
                    raise
                raise concurrent_change() from clash
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextmanager
    def read_only(self, attempt: Attempt | None = None) -> Iterator[Session]:
        """A transaction that writes nothing (SQLite: a deferred, shared-lock transaction).

        With ``attempt``, an authorisation refusal inside it is logged as in ``transaction``.
        """
        session = self.session_factory()
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        try:
            yield session
        except AccessDenied as refusal:
            session.rollback()
            if attempt is not None:
                self._record_refusal(attempt, refusal)
            raise
        finally:
            # close() ends the transaction without expiring what was read, so results stay usable.
            session.close()

    @contextmanager
    def core_read(self) -> Iterator[Connection]:
        """A Core read transaction on a pooled connection, without an ORM session: for a hot
        path that reads a row or two (authenticating a request's token)."""
        with self.engine.connect() as connection, CoreWork(connection).reading() as reading:
            yield reading

    @contextmanager
    def core(self, attempt: Attempt | None = None) -> Iterator[CoreWork]:
        """One Core connection for a hot path's transactions (see :class:`CoreWork`).

        Whatever transaction is open when an error leaves it is rolled back, and the connection
        returned, before an authorisation refusal is logged (with ``attempt``, as in
        ``transaction``) in a transaction of its own.
        """
        try:
            with self.engine.connect() as connection:
                yield CoreWork(connection, self._writers)
        except AccessDenied as refusal:
            if attempt is not None:
                self._record_refusal(attempt, refusal)
            raise
        except IntegrityError as clash:
            if not is_unique_violation(clash):
                raise
            raise concurrent_change() from clash

    def _record_refusal(self, attempt: Attempt, refusal: AccessDenied) -> None:
        with self.transaction() as session:
            record_event(
                session,
                at=self.now(),
                operation=Operation.REFUSED,
                outcome=Outcome.REFUSED,
                actor_id=attempt.actor_id,
                list_id=attempt.list_id,
                entry_id=attempt.entry_id,
                subject_id=attempt.subject_id,
                purpose=attempt.purpose,
                purpose_class=attempt.purpose_class,
                reason=f"{attempt.operation.value} refused by {refusal.policy}"[:200],
            )
