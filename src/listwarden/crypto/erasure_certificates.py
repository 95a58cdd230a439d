"""Signed erasure certificates, kept in the key store beside the keys and ledger they account for.

A certificate is a JSON document holding no personal data (identifiers, lists, dates, the rule or
request and who acted), signed with Ed25519 over its RFC 8785 canonical form. The signing key is
a key-store system key (``erasure-signing``; an Ed25519 private key is a 32-byte seed), so it is
wrapped by the key-encryption key and rotates with it like every other key.

Lifecycle: :meth:`CertificateStore.issue` stores a *pending* certificate before the main database
commits the erasure; :meth:`CertificateStore.complete` marks it completed in the same key-store
transaction that destroys the data key and appends the ledger line. A pending certificate whose
rows are gone is finished by a rerun or ``keys reconcile``; one whose rows are still there was
never committed and is abandoned (deleted: it was never handed to anyone).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Connection, delete, insert, select, update

from listwarden.crypto.keystore import KeyStore
from listwarden.crypto.keystore_schema import (
    erased_entries,
    erasure_certificates,
    erasure_ledger,
)
from listwarden.crypto.ledger import as_utc
from listwarden.domain.erasure import ERASED_TOKEN_DAYS, ERASED_TOKEN_STATEMENT
from listwarden.domain.errors import Conflict, InvalidInput, NotFound, Reason

SIGNING_KEY = "erasure-signing"
CERTIFICATE_TYPE = "listwarden.erasure-certificate"
SCOPES = ("subject", "entry")
_PAGE = 1_000


@dataclass(frozen=True, slots=True)
class StoredCertificate:
    """A certificate as kept: its signed document, signature and whether the erasure completed."""

    id: str
    scope: str
    subject_id: str
    issued_at: datetime
    completed_at: datetime | None
    document: dict[str, Any]
    signature: bytes

    @property
    def completed(self) -> bool:
        return self.completed_at is not None

    @property
    def entry_ids(self) -> list[str]:
        return [str(e) for e in self.document.get("entry_ids", [])]


def canonical(document: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: RFC 8785 canonical JSON of the document.

    A certificate holds only strings, integers, booleans, nulls, lists and objects with ASCII
    keys, and for those RFC 8785 is exactly ``json.dumps`` with sorted keys, no spaces and no
    ASCII escaping (the same escapes, the same integers, keys in the same order), which is ten
    times faster; anything else (a float, a non-ASCII key) goes through the ``rfc8785`` library.
    ``tests/unit/crypto/test_canonical.py`` holds the two to the same bytes.
    """
    body = dict(document)
    if _plain(body):
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return bytes(rfc8785.dumps(body))


def _plain(value: Any) -> bool:
    """Whether ``json.dumps`` writes ``value`` as RFC 8785 would (see :func:`canonical`).

    Exact types only, tested most common first, with loops rather than generators: a sweep
    checks every certificate it signs. A subclass (an enum member) takes the library's path.
    """
    kind = type(value)
    if kind is str:
        return bool(value.isascii() or _no_surrogates(value))
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii() or not _plain(item):
                return False
        return True
    if kind is list:
        return all(map(_plain, value))
    if kind is int:
        return bool(abs(value) < 2**53)  # beyond, RFC 8785 refuses what json.dumps would write
    return value is None or kind is bool


def _no_surrogates(text: str) -> bool:
    return not any("\ud800" <= ch <= "\udfff" for ch in text)


def certificate_document(
    *,
    certificate_id: str,
    scope: str,
    subject_id: str,
    entries: Sequence[tuple[str, str]],
    list_names: Mapping[str, str],
    by: str,
    rule: str,
    erased_at: datetime,
    keystore_retention: timedelta,
    database_retention: timedelta,
) -> dict[str, Any]:
    """What a certificate says: identifiers, lists, when, the rule, who, and two dates.

    ``entries`` are ``(entry_id, list_id)`` pairs. Nothing personal goes in, not even the
    free-text reason (the access log keeps that).
    """
    whole_person = scope == "subject"
    return {
        "type": CERTIFICATE_TYPE,
        "version": 1,
        "id": certificate_id,
        "scope": scope,
        "subject_id": subject_id,
        "entry_ids": sorted(entry for entry, _ in entries),
        "lists": [
            {"id": list_id, "name": list_names.get(list_id, "")}
            for list_id in sorted({list_id for _, list_id in entries})
        ],
        "erased_at": erased_at.isoformat(),
        "rule_or_request": rule,
        "by": by,
        "data_key_destroyed": whole_person,
        # With the key destroyed, every database backup holds only ciphertext nobody can open
        # once the key store's backups (which still hold the key) have aged out. An entry removed
        # while the person stays listed is under a live key: it leaves the database backups as
        # they age out, and every restore meanwhile re-applies its erasure.
        "no_backup_restores_identifying_data_after": (
            erased_at + (keystore_retention if whole_person else database_retention)
        ).isoformat(),
        # The monitoring record (law 9) is pseudonymous and sealed under the equality key, which
        # lives on: its copies in database backups go when those backups age out.
        "monitoring_residue_gone_after": (
            (erased_at + database_retention).isoformat() if whole_person else None
        ),
        # Law 11: a copy of an erased person outside the system must still be found, so the
        # scanner keeps keyed-hash tokens of their name and date of birth, for 90 days at most.
        "loss_detection_tokens": ERASED_TOKEN_STATEMENT if whole_person else None,
        "loss_detection_tokens_destroyed_by": (
            (erased_at + timedelta(days=ERASED_TOKEN_DAYS)).date().isoformat()
            if whole_person
            else None
        ),
    }


class CertificateSigner:
    """Signs and verifies certificate documents with the key store's Ed25519 erasure key."""

    def __init__(self, keystore: KeyStore) -> None:
        self._keystore = keystore

    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self._keystore.system_key(SIGNING_KEY))

    def public_key(self) -> bytes:
        """The raw 32-byte public key, for anyone who wants to check a certificate themselves."""
        return self._private().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def key_id(self) -> str:
        return "ed25519:" + hashlib.sha256(self.public_key()).hexdigest()[:32]

    def sign(self, document: Mapping[str, Any]) -> bytes:
        return self._private().sign(canonical(document))

    def batch(self) -> tuple[str, Ed25519PrivateKey]:
        """The key id and the private key, read once for a batch of signatures."""
        private = self._private()
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return "ed25519:" + hashlib.sha256(public).hexdigest()[:32], private

    def problem(self, document: Mapping[str, Any], signature: bytes) -> str | None:
        """None if ``signature`` is this register's over ``document``; otherwise why not."""
        if document.get("signing_key") != self.key_id():
            return "it names another signing key than this register's"
        public = Ed25519PublicKey.from_public_bytes(self.public_key())
        try:
            public.verify(signature, canonical(document))
        except InvalidSignature:
            return "its signature does not match its contents"
        return None


class CertificateStore:
    """Pending and completed erasure certificates in the key store's own database."""

    def __init__(self, keystore: KeyStore) -> None:
        self.keystore = keystore
        self.signer = CertificateSigner(keystore)

    def issue_many(self, documents: Sequence[Mapping[str, Any]]) -> list[StoredCertificate]:
        """Sign and store many pending certificates in one key-store transaction.

        Each is what :meth:`issue` would store; a batch erasure (the retention sweep) then pays
        for one commit instead of one per person.
        """
        key = self.signer.batch()
        signed = [self._signed(document, key) for document in documents]
        with self.keystore.write_transaction() as conn:
            _store_many(conn, signed)
        return signed

    def issue(self, document: Mapping[str, Any]) -> StoredCertificate:
        """Sign ``document`` (adding the signing key's id) and store it as pending.

        A pending certificate left for the same subject (subject scope) or the same entries by
        an earlier run that never committed is replaced: the caller holds the rows' locks, so
        that run cannot still be going.
        """
        cert = self._signed(document)
        with self.keystore.write_transaction() as conn:
            _store_many(conn, [cert])
        return cert

    def _signed(
        self, document: Mapping[str, Any], key: tuple[str, Ed25519PrivateKey] | None = None
    ) -> StoredCertificate:
        key_id, private = key or self.signer.batch()
        body = dict(document)
        cert_id, scope, subject_id = _identity(body)
        body["signing_key"] = key_id
        signature = private.sign(canonical(body))
        return StoredCertificate(
            cert_id, scope, subject_id, datetime.now(UTC), None, body, signature
        )

    def complete(self, certificate_id: str) -> bool:
        """Finish the erasure; True if this call completed it (False if it already was).

        Subject scope: the data key is destroyed, the certificate marked completed and the
        ledger line appended, all in one key-store transaction (the key is destroyed even if the
        certificate was already completed, so a rerun can never leave it behind).
        """
        return self.complete_certificates([self.get(certificate_id)]) == 1

    def complete_many(self, certificate_ids: Sequence[str]) -> int:
        """Finish many erasures in one key-store transaction; how many this call completed.

        As :meth:`complete` for each: every subject-scope certificate's data key is destroyed
        (even if already completed), each pending one is marked completed, and each subject
        completed here gets its ledger line, all in the transaction that destroys the keys.
        """
        return self.complete_certificates(self.get_many(certificate_ids))

    def complete_certificates(self, certs: Sequence[StoredCertificate]) -> int:
        """:meth:`complete_many` for certificates the caller already holds."""
        completed = 0

        def mark(conn: Connection, _destroyed: int) -> None:
            nonlocal completed
            now = datetime.now(UTC)
            pending: set[str] = set()
            ids = [c.id for c in certs]
            for start in range(0, len(ids), _PAGE):
                page = ids[start : start + _PAGE]
                still = erasure_certificates.c.completed_at.is_(None)
                where = (erasure_certificates.c.id.in_(page), still)
                pending.update(conn.scalars(select(erasure_certificates.c.id).where(*where)))
                conn.execute(update(erasure_certificates).where(*where).values(completed_at=now))
            completed = len(pending)
            lines = [
                {
                    "owner_id": c.subject_id,
                    "erased_at": now,
                    "certificate_id": c.id,
                    "signature": c.signature,
                }
                for c in certs
                if c.id in pending and c.scope == "subject"
            ]
            if lines:
                conn.execute(insert(erasure_ledger), lines)

        subjects = [c.subject_id for c in certs if c.scope == "subject"]
        self.keystore.destroy_many_within(subjects, mark)
        return completed

    def get_many(self, certificate_ids: Sequence[str]) -> list[StoredCertificate]:
        """The certificates named, in the order given; ``NotFound`` if one is missing."""
        found: dict[str, StoredCertificate] = {}
        ids = list(certificate_ids)
        with self.keystore.read_connection() as conn:
            for start in range(0, len(ids), _PAGE):
                page = ids[start : start + _PAGE]
                for row in conn.execute(
                    select(erasure_certificates).where(erasure_certificates.c.id.in_(page))
                ):
                    found[row.id] = _certificate(row)
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(
                f"no erasure certificate {missing[0]}",
                reasons=[Reason("certificate-not-found", missing[0], "certificate_id")],
            )
        return [found[i] for i in ids]

    def abandon(self, certificate_id: str) -> bool:
        """Delete a pending certificate whose erasure never committed; True if one was deleted."""
        with self.keystore.write_transaction() as conn:
            row = conn.execute(
                select(erasure_certificates.c.completed_at).where(
                    erasure_certificates.c.id == certificate_id
                )
            ).first()
            if row is None:
                return False
            if row.completed_at is not None:
                raise Conflict(
                    f"erasure certificate {certificate_id} is completed and cannot be abandoned"
                )
            _delete(conn, [certificate_id])
            return True

    def get(self, certificate_id: str) -> StoredCertificate:
        with self.keystore.read_connection() as conn:
            row = conn.execute(
                select(erasure_certificates).where(erasure_certificates.c.id == certificate_id)
            ).first()
        if row is None:
            raise NotFound(
                f"no erasure certificate {certificate_id}",
                reasons=[Reason("certificate-not-found", certificate_id, "certificate_id")],
            )
        return _certificate(row)

    def for_subject(self, subject_id: str) -> StoredCertificate | None:
        """The latest subject-scope certificate for ``subject_id``, pending or completed."""
        with self.keystore.read_connection() as conn:
            row = conn.execute(
                select(erasure_certificates)
                .where(
                    erasure_certificates.c.subject_id == subject_id,
                    erasure_certificates.c.scope == "subject",
                )
                .order_by(erasure_certificates.c.issued_at.desc())
                .limit(1)
            ).first()
        return None if row is None else _certificate(row)

    def for_entry(self, entry_id: str) -> StoredCertificate | None:
        """The certificate that accounts for ``entry_id``, of either scope."""
        with self.keystore.read_connection() as conn:
            cert_id = conn.execute(
                select(erased_entries.c.certificate_id).where(erased_entries.c.entry_id == entry_id)
            ).scalar_one_or_none()
        return None if cert_id is None else self.get(cert_id)

    def pending(self) -> list[StoredCertificate]:
        """Every certificate whose erasure has not completed (normally none, or a handful)."""
        with self.keystore.read_connection() as conn:
            rows = conn.execute(
                select(erasure_certificates)
                .where(erasure_certificates.c.completed_at.is_(None))
                .order_by(erasure_certificates.c.issued_at)
            ).all()
        return [_certificate(row) for row in rows]

    def completed_entries(self) -> Iterator[tuple[str, str]]:
        """``(entry_id, certificate_id)`` for every completed entry-scope erasure, paged."""
        after = ""
        while True:
            with self.keystore.read_connection() as conn:
                rows = conn.execute(
                    select(erased_entries.c.entry_id, erased_entries.c.certificate_id)
                    .join(
                        erasure_certificates,
                        erasure_certificates.c.id == erased_entries.c.certificate_id,
                    )
                    .where(
                        erased_entries.c.entry_id > after,
                        erasure_certificates.c.scope == "entry",
                        erasure_certificates.c.completed_at.is_not(None),
                    )
                    .order_by(erased_entries.c.entry_id)
                    .limit(_PAGE)
                ).all()
            yield from ((row.entry_id, row.certificate_id) for row in rows)
            if len(rows) < _PAGE:
                return
            after = rows[-1].entry_id


def _store_many(conn: Connection, certs: Sequence[StoredCertificate]) -> None:
    """Keep ``certs`` as pending, replacing what earlier, uncommitted runs left for them."""
    if not certs:
        return
    stale: set[str] = set()
    subjects = [c.subject_id for c in certs if c.scope == "subject"]
    for start in range(0, len(subjects), _PAGE):
        stale.update(
            conn.scalars(
                select(erasure_certificates.c.id).where(
                    erasure_certificates.c.subject_id.in_(subjects[start : start + _PAGE]),
                    erasure_certificates.c.scope == "subject",
                    erasure_certificates.c.completed_at.is_(None),
                )
            )
        )
    entry_ids = [e for c in certs for e in c.entry_ids]
    stale.update(_stale_for_entries(conn, entry_ids))
    _delete(conn, sorted(stale))
    conn.execute(
        insert(erasure_certificates),
        [
            {
                "id": c.id,
                "scope": c.scope,
                "subject_id": c.subject_id,
                "issued_at": c.issued_at,
                "completed_at": None,
                "document": json.dumps(dict(c.document), sort_keys=True),
                "signature": c.signature,
            }
            for c in certs
        ],
    )
    rows = [{"entry_id": e, "certificate_id": c.id} for c in certs for e in c.entry_ids]
    if rows:
        conn.execute(insert(erased_entries), rows)


def _identity(body: Mapping[str, Any]) -> tuple[str, str, str]:
    cert_id, scope, subject_id = body.get("id"), body.get("scope"), body.get("subject_id")
    if not isinstance(cert_id, str) or not 1 <= len(cert_id) <= 36:
        raise InvalidInput("an erasure certificate needs an id of at most 36 characters")
    if scope not in SCOPES:
        raise InvalidInput(f"an erasure certificate's scope is one of {', '.join(SCOPES)}")
    if not isinstance(subject_id, str) or not subject_id:
        raise InvalidInput("an erasure certificate names its subject")
    return cert_id, str(scope), subject_id


def _stale_for_entries(conn: Connection, entry_ids: Sequence[str]) -> set[str]:
    """Pending certificates naming these entries; ``Conflict`` if one is already certified."""
    stale: set[str] = set()
    for start in range(0, len(entry_ids), _PAGE):
        rows = conn.execute(
            select(
                erased_entries.c.entry_id,
                erasure_certificates.c.id,
                erasure_certificates.c.completed_at,
            )
            .join(
                erasure_certificates, erasure_certificates.c.id == erased_entries.c.certificate_id
            )
            .where(erased_entries.c.entry_id.in_(entry_ids[start : start + _PAGE]))
        ).all()
        for row in rows:
            if row.completed_at is not None:
                raise Conflict(
                    f"entry {row.entry_id} was already erased under certificate {row.id}"
                )
            stale.add(row.id)
    return stale


def _delete(conn: Connection, certificate_ids: Sequence[str]) -> None:
    if not certificate_ids:
        return
    conn.execute(delete(erased_entries).where(erased_entries.c.certificate_id.in_(certificate_ids)))
    conn.execute(delete(erasure_certificates).where(erasure_certificates.c.id.in_(certificate_ids)))


def _certificate(row: Any) -> StoredCertificate:
    return StoredCertificate(
        id=row.id,
        scope=row.scope,
        subject_id=row.subject_id,
        issued_at=as_utc(row.issued_at),
        completed_at=None if row.completed_at is None else as_utc(row.completed_at),
        document=json.loads(row.document),
        signature=bytes(row.signature),
    )
