"""The small interfaces the services use to reach adapters (encryption, blind indexes, time)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any, BinaryIO, Protocol

from listwarden.domain.erasure import CertificateRequest


class FieldCipher(Protocol):
    """Encrypts personal values under each subject's own data key (``crypto.SubjectCipher``)."""

    def new_subject_keys(self, subject_ids: Iterable[str]) -> None: ...

    def seal(
        self, subject_id: str, table: str, record_id: str, field: str, value: str
    ) -> bytes: ...

    def open(self, subject_id: str, table: str, record_id: str, field: str, blob: bytes) -> str: ...

    def open_many(self, items: Iterable[tuple[str, str, str, str, bytes]]) -> list[str]: ...

    def seal_many(self, items: Sequence[tuple[str, str, str, str, str]]) -> list[bytes]: ...

    def seal_monitoring_many(self, items: Sequence[tuple[str, str, str]]) -> list[bytes]: ...

    def erase_subject(self, subject_id: str) -> None: ...

    def seal_monitoring(self, record_id: str, field: str, value: str) -> bytes: ...

    def seal_quarantine(self, import_id: str, record_id: str, field: str, value: str) -> bytes: ...

    def open_quarantine(self, import_id: str, record_id: str, field: str, blob: bytes) -> str: ...

    def destroy_quarantine_key(self, import_id: str) -> None: ...

    def seal_gang(self, gang_id: str, field: str, value: str) -> bytes: ...

    def open_gang(self, gang_id: str, field: str, blob: bytes) -> str: ...

    def open_monitoring(self, record_id: str, field: str, blob: bytes) -> str: ...

    def seal_tally(self, list_id: str, value: bytes) -> bytes: ...

    def open_tally(self, list_id: str, blob: bytes) -> bytes: ...


class CredentialSealer(Protocol):
    """Seals the account credentials that must be read back, such as TOTP shared secrets."""

    def seal_credential(self, user_id: str, field: str, value: str) -> bytes: ...

    def open_credential(self, user_id: str, field: str, blob: bytes) -> str: ...


class BlindIndex(Protocol):
    """Keyed, truncated hashes of normalised values, for exact lookup without plaintext."""

    def name_dob(self, given: str, family: str, dob: date) -> bytes: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class ErasureCertificate(Protocol):
    """A signed erasure certificate as the key store keeps it."""

    @property
    def id(self) -> str: ...

    @property
    def scope(self) -> str: ...

    @property
    def subject_id(self) -> str: ...

    @property
    def issued_at(self) -> datetime: ...

    @property
    def completed(self) -> bool: ...

    @property
    def document(self) -> Mapping[str, Any]: ...

    @property
    def signature(self) -> bytes: ...


class BackupSealer(Protocol):
    """Encrypts a backup into an integrity-checked archive, and checks and decrypts one."""

    def seal(self, source: BinaryIO, dest: BinaryIO, *, meta: Mapping[str, Any]) -> None: ...

    def open(self, source: BinaryIO, dest: BinaryIO, *, name: str) -> Mapping[str, Any]: ...


class KeyStorePort(Protocol):
    """The key store's side of erasure and backups (``crypto.register_keys.RegisterKeys``).

    Certificates are issued pending before the database commits an erasure and completed after,
    in the key-store transaction that destroys the data key and appends the ledger line.
    """

    @property
    def keystore_backup_retention_days(self) -> int: ...

    @property
    def database_backup_retention_days(self) -> int: ...

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
    ) -> ErasureCertificate:
        """Sign and keep a pending certificate; ``entries`` are ``(entry_id, list_id)`` pairs."""
        ...

    def issue_certificates(
        self, requests: Sequence[CertificateRequest]
    ) -> Sequence[ErasureCertificate]:
        """Sign and keep many pending certificates in one key-store transaction."""
        ...

    def complete_erasure(self, certificate_id: str) -> bool: ...

    def complete_erasures(self, certificates: Sequence[ErasureCertificate]) -> int:
        """Destroy the keys and complete many certificates (as issued or read) at once; how many."""
        ...

    def abandon_certificate(self, certificate_id: str) -> bool: ...

    def certificate(self, certificate_id: str) -> ErasureCertificate: ...

    def certificate_for_subject(self, subject_id: str) -> ErasureCertificate | None: ...

    def certificate_for_entry(self, entry_id: str) -> ErasureCertificate | None: ...

    def certificate_problem(self, certificate: ErasureCertificate) -> str | None: ...

    def signing_public_key(self) -> bytes: ...

    def pending_certificates(self) -> Sequence[ErasureCertificate]: ...

    def has_data_key(self, subject_id: str) -> bool: ...

    def data_key_owner_pages(self, *, created_before: datetime) -> Iterator[list[str]]: ...

    def erased_subjects(self) -> Iterator[tuple[str, str]]: ...

    def erased_entries(self) -> Iterator[tuple[str, str]]: ...

    def overwrite_destroyed(self) -> None:
        """Leave no destroyed key's bytes behind in the key store (its WAL, its free pages)."""
        ...

    def overwrite_deferred(self) -> AbstractContextManager[None]:
        """Within, this thread's key destructions leave the overwriting to one when it ends."""
        ...

    def backup_sealer(self, kind: str) -> BackupSealer: ...
