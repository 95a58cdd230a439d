"""Erasure (law 5): a person's rows deleted, their data key destroyed, a signed certificate issued.

The order makes it safe to kill at any point. In one database transaction the service reads what
it will erase, has the key store sign and keep a *pending* certificate, deletes the rows (the
entries, their evidence and intelligence, the monitoring record, the subject) and appends an
``entry:erase`` event per entry. Only after that commits does the key store destroy the data key,
complete the certificate and append the ledger line, in one key-store transaction. A process
killed in between leaves a pending certificate for rows that are gone; a rerun, or
``keys reconcile``, finishes it. A database transaction that fails instead abandons it. Deleted
rows are then overwritten (SQLite checkpoints its WAL; PostgreSQL vacuums the tables).

The certificate holds no personal data, and not the free-text reason either (that goes to the
access log): identifiers, lists, when, the rule or request, who, and two dates: after which no
backup can restore anything identifying (once the key store's backups holding the key have aged
out) and after which the pseudonymous monitoring residue has left the database backups. A whole
person's erasure keeps keyed-hash tokens of their name and date of birth for loss detection
alone (``services/erased_tokens.py``), and the certificate says so with the date they go.

These functions trust their caller (the retention sweep, the subject-rights service) to have
decided that the erasure is due and permitted; ``actor_id`` is None for the system itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from listwarden.domain.erasure import CertificateRequest
from listwarden.domain.errors import InvalidInput, KeyUnavailable, ListwardenError, NotFound, Reason
from listwarden.domain.vocabulary import Operation
from listwarden.services import equality_tallies
from listwarden.services.audit_config import event_log
from listwarden.services.erased_tokens import keep_tokens
from listwarden.services.events import add_events, build_event, record_event
from listwarden.services.ports import ErasureCertificate, KeyStorePort
from listwarden.services.sharing_notices import NoticeKind, raise_notices
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.backup import overwrite_deleted
from listwarden.store.tables import (
    Entry,
    EvidenceItem,
    IntelligenceItem,
    MonitoringRecord,
    RegisterList,
    Subject,
    User,
)

SYSTEM = "system"
_ERASED = (IntelligenceItem, EvidenceItem, Entry, MonitoringRecord, Subject)
ERASED_TABLES = tuple(str(table.__tablename__) for table in _ERASED)
MAX_RULE = 100
_CHUNK = 500


@dataclass(frozen=True)
class Erasure:
    """The outcome of an erasure: its certificate, and whether the key store has completed it."""

    certificate_id: str
    scope: str
    subject_id: str
    entry_ids: tuple[str, ...]
    completed: bool
    document: Mapping[str, Any]


Plan = tuple[str, str, list[tuple[str, str]]]  # scope, subject id, (entry_id, list_id) pairs


def erase_subject(
    *,
    uow: UnitOfWork,
    actor_id: str | None,
    subject_id: str,
    rule_or_request: str,
    reason: str,
    overwrite: bool = True,
) -> Erasure:
    """Erase a person from every list, destroy their key and certify it; safe to run again.

    If the person's rows are already gone (an earlier run was killed before the key went, or
    it completed), this finishes or returns that erasure; ``NotFound`` if they never existed.
    A sweep erasing many passes ``overwrite=False`` and calls ``overwrite_erased`` once after.
    """

    def plan(session: Session) -> Plan | None:
        if session.get(Subject, subject_id, with_for_update=True) is None:
            return None
        return "subject", subject_id, _entries(session, Entry.subject_id == subject_id)

    attempt = Attempt(Operation.ERASE, actor_id, subject_id=subject_id)
    done = _erase(uow, attempt, rule_or_request, reason, plan, overwrite)
    if done is not None:
        return done
    return _resume_subject(
        uow,
        keys_of(uow),
        subject_id,
        actor_id,
        _one_line(rule_or_request, "rule_or_request"),
        overwrite,
    )


def erase_entry(
    *,
    uow: UnitOfWork,
    actor_id: str | None,
    entry_id: str,
    rule_or_request: str,
    reason: str,
    overwrite: bool = True,
) -> Erasure:
    """Remove one entry with its evidence and intelligence; erase the person if it was their last.

    The entry's rows are deleted and a certificate issued either way; the data key is destroyed
    only when the person is left on no list, since their other entries still need it.
    """

    def plan(session: Session) -> Plan | None:
        subject_id = session.scalar(select(Entry.subject_id).where(Entry.id == entry_id))
        # Lock the person first: two removals of their last two entries then take turns, and
        # the second sees it is the last one and erases the person.
        if subject_id is None or session.get(Subject, subject_id, with_for_update=True) is None:
            return None
        others = session.scalar(
            select(func.count())
            .select_from(Entry)
            .where(Entry.subject_id == subject_id, Entry.id != entry_id)
        )
        if others:
            return "entry", subject_id, _entries(session, Entry.id == entry_id)
        return "subject", subject_id, _entries(session, Entry.subject_id == subject_id)

    attempt = Attempt(Operation.ERASE, actor_id, entry_id=entry_id)
    done = _erase(uow, attempt, rule_or_request, reason, plan, overwrite)
    if done is not None:
        return done
    keys = keys_of(uow)
    earlier = keys.certificate_for_entry(entry_id)
    if earlier is None:
        raise NotFound(
            f"no entry {entry_id}", reasons=[Reason("entry-not-found", entry_id, "entry_id")]
        )
    return _finish(uow, keys, earlier.id, overwrite)


def _erase(
    uow: UnitOfWork,
    attempt: Attempt,
    rule_or_request: str,
    reason: str,
    plan: Callable[[Session], Plan | None],
    overwrite: bool,
) -> Erasure | None:
    """Run ``plan`` and erase what it found; None if it found nothing (the rows are gone)."""
    keys, rule = keys_of(uow), _one_line(rule_or_request, "rule_or_request", MAX_RULE)
    text = _one_line(reason, "reason")
    cert: ErasureCertificate | None = None
    try:
        with uow.transaction(attempt) as session:
            _require_actor(session, attempt.actor_id)
            found = plan(session)
            if found is not None:
                scope, subject_id, entries = found
                now = uow.now()
                cert = _issue(
                    session, keys, scope, subject_id, entries, attempt.actor_id, rule, now
                )
                if scope == "subject":  # law 11: their tokens, before their key goes
                    keep_tokens(session, uow, [subject_id])
                delete_rows(
                    session,
                    uow,
                    subject_id,
                    [e for e, _ in entries],
                    whole_person=scope == "subject",
                )
                # Recipients that received any of these entries are told (s.48).
                raise_notices(
                    session, entry_ids=[e for e, _ in entries], kind=NoticeKind.ERASURE, at=now
                )
                log_erasure(
                    session,
                    at=now,
                    actor_id=attempt.actor_id,
                    subject_id=subject_id,
                    entries=entries,
                    reason=event_reason(rule, cert.id),
                    justification=text,
                    uow=uow,
                )
    except BaseException:
        _settle(uow, keys, cert)
        raise
    return None if cert is None else _finish(uow, keys, cert.id, overwrite)


@dataclass(frozen=True)
class EntryRemoval:
    """One entry a caller has decided must go: the rule or request, and the words for the log."""

    entry_id: str
    rule_or_request: str
    reason: str


def erase_entries(
    *,
    uow: UnitOfWork,
    actor_id: str | None,
    removals: Sequence[EntryRemoval],
    within: Callable[[Session], None] | None = None,
) -> list[Erasure]:
    """Remove many entries as :func:`erase_entry` would, in one transaction a batch.

    Each person gets one certificate: of their whole erasure when the batch holds every entry
    they have left (their key is destroyed), otherwise of the entries removed. The order is
    the single erasure's, batched: the key store signs and keeps every pending certificate in
    one transaction, one database transaction deletes the rows and logs the events, and one
    key-store transaction destroys the keys and completes the certificates. A process killed
    in between leaves pending certificates that :func:`finish_interrupted` (which the sweep
    runs first) or ``keys reconcile`` completes. Entries already gone are skipped. ``within``
    runs first in the database transaction, for the caller's own records of the removals (it
    commits with the deletions, or not at all). The caller overwrites what went with
    :func:`overwrite_erased` when its work is done.
    """
    wanted = {r.entry_id: r for r in removals}
    if not wanted:
        return []
    keys = keys_of(uow)
    rules = {
        e: _one_line(r.rule_or_request, "rule_or_request", MAX_RULE) for e, r in wanted.items()
    }
    texts = {e: _one_line(r.reason, "reason") for e, r in wanted.items()}
    certs: list[ErasureCertificate] = []
    attempt = Attempt(Operation.ERASE, actor_id)
    try:
        with uow.transaction(attempt) as session:
            _require_actor(session, actor_id)
            if within is not None:
                within(session)
            groups = _plan_batch(session, list(wanted))
            if not groups:
                return []
            now = uow.now()
            names = _list_names(session, {list_id for g in groups for _, list_id in g.entries})
            certs = list(
                keys.issue_certificates(
                    [
                        CertificateRequest(
                            scope=g.scope,
                            subject_id=g.subject_id,
                            entries=g.entries,
                            by=actor_id or SYSTEM,
                            rule=_joined_rule(rules[e] for e, _ in g.batch),
                            erased_at=now,
                            list_names=names,
                        )
                        for g in groups
                    ]
                )
            )
            whole = [g.subject_id for g in groups if g.scope == "subject"]
            keep_tokens(session, uow, whole)  # law 11: their tokens, before their keys go
            _delete(session, uow, [e for g in groups for e, _ in g.entries], whole)
            raise_notices(
                session,
                entry_ids=[e for g in groups for e, _ in g.entries],
                kind=NoticeKind.ERASURE,
                at=now,
            )
            events = []
            log = event_log(uow)
            for group, cert in zip(groups, certs, strict=True):
                for entry_id, list_id in group.entries:  # every one was asked for
                    events.append(
                        build_event(
                            at=now,
                            operation=Operation.ERASE,
                            actor_id=actor_id,
                            list_id=list_id,
                            entry_id=entry_id,
                            subject_id=group.subject_id,
                            reason=event_reason(rules[entry_id], cert.id),
                            justification=texts[entry_id],
                            log=log,
                        )
                    )
            add_events(session, events)
    except BaseException:
        for cert in certs:
            _settle(uow, keys, cert)
        raise
    keys.complete_erasures(certs)  # as issued above: the key store need not read them back
    # Each has just been completed: no need to read them back either.
    return [replace(_outcome(c), completed=True) for c in certs]


def finish_interrupted(*, uow: UnitOfWork) -> int:
    """Complete every pending certificate whose rows are gone: their erasure did commit.

    A certificate whose rows are still there belongs to an erasure not yet committed (or one
    that failed); it is left for ``keys reconcile``, which knows how long to wait.
    """
    keys = keys_of(uow)
    done = [c for c in keys.pending_certificates() if not rows_present(uow, c)]
    return keys.complete_erasures(done) if done else 0


@dataclass(frozen=True)
class _Group:
    scope: str
    subject_id: str
    entries: list[tuple[str, str]]  # what the certificate covers
    batch: list[tuple[str, str]]  # the entries asked for (the same unless a whole person)


def _plan_batch(session: Session, entry_ids: list[str]) -> list[_Group]:
    """Lock the people whose entries are asked for, and decide each one's scope."""
    subjects: set[str] = set()
    for start in range(0, len(entry_ids), _CHUNK):
        chunk = entry_ids[start : start + _CHUNK]
        subjects.update(session.scalars(select(Entry.subject_id).where(Entry.id.in_(chunk))))
    held: dict[str, list[tuple[str, str]]] = {}
    ordered = sorted(subjects)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        # Lock the people first, as erase_entry does, so concurrent removals take turns.
        locked = set(
            session.scalars(select(Subject.id).where(Subject.id.in_(chunk)).with_for_update())
        )
        for row in session.execute(
            select(Entry.id, Entry.list_id, Entry.subject_id)
            .where(Entry.subject_id.in_(locked))
            .order_by(Entry.id)
            .with_for_update()
        ):
            held.setdefault(row.subject_id, []).append((row.id, row.list_id))
    asked = set(entry_ids)
    groups = []
    for subject_id in sorted(held):
        entries = held[subject_id]
        batch = [pair for pair in entries if pair[0] in asked]
        if not batch:
            continue
        whole = len(batch) == len(entries)
        groups.append(
            _Group("subject" if whole else "entry", subject_id, entries if whole else batch, batch)
        )
    return groups


def _list_names(session: Session, list_ids: set[str]) -> dict[str, str]:
    rows = session.execute(
        select(RegisterList.id, RegisterList.name).where(RegisterList.id.in_(sorted(list_ids)))
    )
    return {row.id: row.name for row in rows}


def _joined_rule(rules: Iterable[str]) -> str:
    return ", ".join(sorted(set(rules)))[:MAX_RULE]


def overwrite_erased(*, uow: UnitOfWork, full: bool = False) -> None:
    """Overwrite what erasures deleted, in the database and the key store (see the module doc)."""
    overwrite_deleted(_engine(uow), ERASED_TABLES, full=full)
    keys_of(uow).overwrite_destroyed()


# Certificates as a caller sees them.


@dataclass(frozen=True)
class CertificateCheck:
    """A stored certificate and the verdict on it: ``problem`` is None when it verifies."""

    certificate_id: str
    document: Mapping[str, Any]
    signature_hex: str
    public_key_hex: str
    completed: bool
    problem: str | None

    @property
    def valid(self) -> bool:
        return self.problem is None


def check_certificate(*, uow: UnitOfWork, certificate_id: str) -> CertificateCheck:
    """Fetch a certificate and verify its signature against this register's erasure key."""
    keys = keys_of(uow)
    cert = keys.certificate(certificate_id)
    problem = keys.certificate_problem(cert)
    return CertificateCheck(
        cert.id,
        dict(cert.document),
        cert.signature.hex(),
        keys.signing_public_key().hex(),
        cert.completed,
        problem,
    )


# Internals shared with reconciliation and restore.


def keys_of(uow: UnitOfWork) -> KeyStorePort:
    """The unit of work's key store port; ``KeyUnavailable`` if it was built without one."""
    if uow.keys is None:
        raise KeyUnavailable("erasure needs the key store, and this unit of work has none")
    return uow.keys


def _engine(uow: UnitOfWork) -> Engine:
    bind = uow.session_factory.kw.get("bind")
    if not isinstance(bind, Engine):
        raise KeyUnavailable("erasure needs the unit of work to be bound to an engine")
    return bind


def _one_line(value: str, field: str, limit: int = 200) -> str:
    """``value`` on one line, required and at most ``limit`` characters."""
    text = " ".join((value or "").split())
    if not text or len(text) > limit:
        raise InvalidInput(
            f"an erasure needs {field.replace('_', ' ')}",
            reasons=[Reason("invalid-field", f"give {field} in 1 to {limit} characters", field)],
        )
    return text


def event_reason(rule: str, certificate_id: str) -> str:
    """The access-log reason: identifiers only. The caller's own words go in the justification,
    which the log keeps sealed under its period key, because free text may name people."""
    return f"{rule}; certificate {certificate_id}"[:200]


def _require_actor(session: Session, actor_id: str | None) -> None:
    if actor_id is not None and session.get(User, actor_id) is None:
        raise NotFound(f"no user {actor_id}", reasons=[Reason("user-not-found", actor_id, "actor")])


def _entries(session: Session, where: Any) -> list[tuple[str, str]]:
    rows = session.execute(
        select(Entry.id, Entry.list_id).where(where).order_by(Entry.id).with_for_update()
    ).all()
    return [(row.id, row.list_id) for row in rows]


def _issue(
    session: Session,
    keys: KeyStorePort,
    scope: str,
    subject_id: str,
    entries: list[tuple[str, str]],
    actor_id: str | None,
    rule: str,
    now: datetime,
) -> ErasureCertificate:
    """Have the key store sign and keep the pending certificate, before anything is deleted."""
    list_ids = sorted({list_id for _, list_id in entries})
    names = {
        row.id: row.name
        for row in session.execute(
            select(RegisterList.id, RegisterList.name).where(RegisterList.id.in_(list_ids))
        )
    }
    return keys.issue_certificate(
        scope=scope,
        subject_id=subject_id,
        entries=entries,
        list_names=names,
        by=actor_id or SYSTEM,
        rule=rule,
        erased_at=now,
    )


def delete_rows(
    session: Session,
    uow: UnitOfWork,
    subject_id: str,
    entry_ids: Sequence[str],
    *,
    whole_person: bool,
) -> None:
    """Delete entries with their evidence and intelligence, and with ``whole_person`` the rest."""
    _delete(session, uow, entry_ids, [subject_id] if whole_person else [])


def _delete(
    session: Session, uow: UnitOfWork, entry_ids: Sequence[str], people: Sequence[str]
) -> None:
    """Delete the entries with their evidence and intelligence, and the people with the rest;
    the entries leave their lists' equality tallies in the same transaction (law 9)."""
    uncounted = equality_tallies.entries_changes(session, uow, entry_ids, -1)

    def run(statement: Any) -> None:
        session.execute(statement.execution_options(synchronize_session=False))

    for start in range(0, len(entry_ids), _CHUNK):
        chunk = list(entry_ids[start : start + _CHUNK])
        run(delete(IntelligenceItem).where(IntelligenceItem.entry_id.in_(chunk)))
        run(delete(EvidenceItem).where(EvidenceItem.entry_id.in_(chunk)))
        run(delete(Entry).where(Entry.id.in_(chunk)))
    for start in range(0, len(people), _CHUNK):
        chunk = list(people[start : start + _CHUNK])
        run(delete(MonitoringRecord).where(MonitoringRecord.subject_id.in_(chunk)))
        run(delete(Subject).where(Subject.id.in_(chunk)))
    equality_tallies.apply(session, uow, uncounted)


def log_erasure(
    session: Session,
    *,
    at: datetime,
    actor_id: str | None,
    subject_id: str,
    entries: Sequence[tuple[str, str]],
    reason: str,
    justification: str | None = None,
    uow: UnitOfWork | None = None,
) -> None:
    """One ``entry:erase`` event per entry; one for the person if they were on no list."""
    pairs: Sequence[tuple[str | None, str | None]] = entries or [(None, None)]
    for entry_id, list_id in pairs:
        record_event(
            session,
            at=at,
            operation=Operation.ERASE,
            actor_id=actor_id,
            list_id=list_id,
            entry_id=entry_id,
            subject_id=subject_id,
            reason=reason,
            justification=justification,
            uow=uow,
        )


def _finish(uow: UnitOfWork, keys: KeyStorePort, certificate_id: str, overwrite: bool) -> Erasure:
    """Destroy the key and complete the certificate (idempotent), then overwrite what went."""
    did_work = keys.complete_erasure(certificate_id)
    if overwrite and did_work:
        overwrite_erased(uow=uow)
    return _outcome(keys.certificate(certificate_id))


def _resume_subject(
    uow: UnitOfWork,
    keys: KeyStorePort,
    subject_id: str,
    actor_id: str | None,
    rule: str,
    overwrite: bool,
) -> Erasure:
    """The person's rows are gone: finish their erasure, or certify a key left without them."""
    cert = keys.certificate_for_subject(subject_id)
    if cert is None:
        if not keys.has_data_key(subject_id):
            raise NotFound(
                f"no subject {subject_id}",
                reasons=[Reason("subject-not-found", subject_id, "subject_id")],
            )
        # Rows gone but the key kept, with no certificate (a restore from an older backup, or
        # a collection that never committed): certify the key's destruction.
        cert = keys.issue_certificate(
            scope="subject",
            subject_id=subject_id,
            entries=[],
            list_names={},
            by=actor_id or SYSTEM,
            rule=rule,
            erased_at=uow.now(),
        )
    return _finish(uow, keys, cert.id, overwrite)


def _settle(uow: UnitOfWork, keys: KeyStorePort, cert: ErasureCertificate | None) -> None:
    """After a failed transaction: abandon the pending certificate if its rows are still there.

    If the rows are gone the commit did happen (the failure came after it), so the erasure is
    completed instead. If even that cannot be told, the certificate stays pending for
    ``keys reconcile``.
    """
    if cert is None:
        return
    try:
        if rows_present(uow, cert):
            keys.abandon_certificate(cert.id)
        else:
            keys.complete_erasure(cert.id)
    except (SQLAlchemyError, ListwardenError):
        pass  # Left pending: reconciliation decides once the database answers again.


def rows_present(uow: UnitOfWork, cert: ErasureCertificate) -> bool:
    """Whether the rows a certificate accounts for are still in the database."""
    with uow.read_only() as session:
        if cert.scope == "subject":
            return session.get(Subject, cert.subject_id) is not None
        entry_ids = [str(e) for e in cert.document.get("entry_ids", [])]
        query = select(func.count()).select_from(Entry).where(Entry.id.in_(entry_ids))
        return bool(session.scalar(query))


def _outcome(cert: ErasureCertificate) -> Erasure:
    return Erasure(
        certificate_id=cert.id,
        scope=cert.scope,
        subject_id=cert.subject_id,
        entry_ids=tuple(str(e) for e in cert.document.get("entry_ids", [])),
        completed=cert.completed,
        document=dict(cert.document),
    )
