"""The small interfaces the services use to reach adapters (encryption, blind indexes, time)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol


class FieldCipher(Protocol):
    """Encrypts personal values under each subject's own data key (``crypto.SubjectCipher``)."""

    def new_subject_keys(self, subject_ids: Iterable[str]) -> None: ...

    def seal(
        self, subject_id: str, table: str, record_id: str, field: str, value: str
    ) -> bytes: ...

    def open(self, subject_id: str, table: str, record_id: str, field: str, blob: bytes) -> str: ...

    def open_many(self, items: Iterable[tuple[str, str, str, str, bytes]]) -> list[str]: ...

    def erase_subject(self, subject_id: str) -> None: ...

    def seal_monitoring(self, record_id: str, field: str, value: str) -> bytes: ...


class BlindIndex(Protocol):
    """Keyed, truncated hashes of normalised values, for exact lookup without plaintext."""

    def name_dob(self, given: str, family: str, dob: date) -> bytes: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
