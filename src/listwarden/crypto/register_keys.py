"""The key store as the services see it (``services.ports.KeyStorePort``): erasure and backups.

It joins what an erasure needs from the crypto layer: signed certificates, destroying the data
key with its ledger line in one transaction, forgetting the key in this process, listing keys for
a reconciliation sweep, and the sealers for database and key-store backups.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from listwarden.crypto.backup_keys import DatabaseBackupSealer, KeystoreBackupSealer, sealer_for
from listwarden.crypto.cipher import SubjectCipher
from listwarden.crypto.erasure_certificates import (
    CertificateStore,
    StoredCertificate,
    certificate_document,
)
from listwarden.crypto.keystore import KeyStore
from listwarden.crypto.keystore_schema import data_keys
from listwarden.domain.erasure import CertificateRequest

_PAGE = 1_000


class RegisterKeys:
    """Certificates, key destruction and backup sealing over one :class:`KeyStore`."""

    def __init__(
        self,
        keystore: KeyStore,
        cipher: SubjectCipher | None = None,
        *,
        keystore_backup_retention_days: int,
        database_backup_retention_days: int,
    ) -> None:
        self.keystore = keystore
        self.cipher = cipher
        self.certificates = CertificateStore(keystore)
        self.keystore_backup_retention_days = keystore_backup_retention_days
        self.database_backup_retention_days = database_backup_retention_days

    # Certificates and erasure.

    def issue_certificate(
        self,
        *,
        scope: str,
        subject_id: str,
        entries: Sequence[tuple[str, str]],
        list_names: Mapping[str, str],
        by: str,
        rule: str,
        erased_at: datetime,
    ) -> StoredCertificate:
        """Sign and keep a pending certificate for an erasure about to be committed."""
        document = certificate_document(
            certificate_id=str(uuid.uuid4()),
            scope=scope,
            subject_id=subject_id,
            entries=entries,
            list_names=list_names,
            by=by,
            rule=rule,
            erased_at=erased_at,
            keystore_retention=timedelta(days=self.keystore_backup_retention_days),
            database_retention=timedelta(days=self.database_backup_retention_days),
        )
        return self.certificates.issue(document)

    def issue_certificates(self, requests: Sequence[CertificateRequest]) -> list[StoredCertificate]:
        """Sign and keep many pending certificates in one key-store transaction."""
        documents = [
            certificate_document(
                certificate_id=str(uuid.uuid4()),
                scope=r.scope,
                subject_id=r.subject_id,
                entries=r.entries,
                list_names=r.list_names,
                by=r.by,
                rule=r.rule,
                erased_at=r.erased_at,
                keystore_retention=timedelta(days=self.keystore_backup_retention_days),
                database_retention=timedelta(days=self.database_backup_retention_days),
            )
            for r in requests
        ]
        return self.certificates.issue_many(documents)

    def complete_erasures(self, certificates: Sequence[Any]) -> int:
        """Destroy the keys and complete many certificates in one transaction; how many.

        Certificates this store issued or read are used as they are (a batch erasure holds
        them already); anything else is read again by its id.
        """
        if not certificates:
            return 0
        held = [c for c in certificates if isinstance(c, StoredCertificate)]
        if len(held) < len(certificates):
            held = self.certificates.get_many([c.id for c in certificates])
        certs = held
        if self.cipher is not None:
            for cert in certs:
                if cert.scope == "subject":
                    self.cipher.forget(cert.subject_id)
        return self.certificates.complete_certificates(certs)

    def complete_erasure(self, certificate_id: str) -> bool:
        """Destroy the key (subject scope) and complete the certificate; evict it here too."""
        cert = self.certificates.get(certificate_id)
        if cert.scope == "subject" and self.cipher is not None:
            self.cipher.forget(cert.subject_id)
        return self.certificates.complete(certificate_id)

    def abandon_certificate(self, certificate_id: str) -> bool:
        return self.certificates.abandon(certificate_id)

    def certificate(self, certificate_id: str) -> StoredCertificate:
        return self.certificates.get(certificate_id)

    def certificate_for_subject(self, subject_id: str) -> StoredCertificate | None:
        return self.certificates.for_subject(subject_id)

    def certificate_for_entry(self, entry_id: str) -> StoredCertificate | None:
        return self.certificates.for_entry(entry_id)

    def certificate_problem(self, certificate: Any) -> str | None:
        """None if the certificate is signed by this register and its record agrees with it."""
        document: Mapping[str, Any] = certificate.document
        if (document.get("id"), document.get("scope"), document.get("subject_id")) != (
            certificate.id,
            certificate.scope,
            certificate.subject_id,
        ):
            return "its stored record does not match its signed contents"
        return self.certificates.signer.problem(document, certificate.signature)

    def signing_public_key(self) -> bytes:
        return self.certificates.signer.public_key()

    def pending_certificates(self) -> list[StoredCertificate]:
        return self.certificates.pending()

    def erased_subjects(self) -> Iterator[tuple[str, str]]:
        """``(subject_id, certificate_id)`` for every line of the erasure ledger."""
        return ((r.owner_id, r.certificate_id) for r in self.keystore.erasure_ledger())

    def erased_entries(self) -> Iterator[tuple[str, str]]:
        """``(entry_id, certificate_id)`` for every completed single-entry erasure."""
        return self.certificates.completed_entries()

    # Keys.

    def has_data_key(self, subject_id: str) -> bool:
        with self.keystore.read_connection() as conn:
            query = select(data_keys.c.owner_id).where(data_keys.c.owner_id == subject_id)
            return conn.execute(query).first() is not None

    def data_key_owner_pages(self, *, created_before: datetime) -> Iterator[list[str]]:
        """Owners of data keys created before ``created_before``, a page at a time, in id order."""
        after = ""
        while True:
            with self.keystore.read_connection() as conn:
                page = list(
                    conn.execute(
                        select(data_keys.c.owner_id)
                        .where(
                            data_keys.c.owner_id > after, data_keys.c.created_at < created_before
                        )
                        .order_by(data_keys.c.owner_id)
                        .limit(_PAGE)
                    ).scalars()
                )
            if page:
                yield page
            if len(page) < _PAGE:
                return
            after = page[-1]

    def overwrite_destroyed(self) -> None:
        """Leave no destroyed key behind: SQLite overwrites as it deletes and its WAL is
        truncated; PostgreSQL vacuums."""
        if self.keystore.is_sqlite:
            self.keystore.purge_wal()
        else:
            self.keystore.vacuum()

    def overwrite_deferred(self) -> AbstractContextManager[None]:
        """This thread's destructions truncate the key store's WAL once, when the block ends."""
        return self.keystore.wal_purge_deferred()

    # Backups.

    def backup_sealer(self, kind: str) -> DatabaseBackupSealer | KeystoreBackupSealer:
        return sealer_for(self.keystore, kind)
