"""Field encryption as the services layer sees it: seal, open and erase by subject.

Each person's fields are sealed under their own data key (from the :class:`KeyStore`) with
associated data naming table, row and field. Erasing a person destroys that key, after which
every copy of their fields, in the database and in its backups, is unreadable.

Monitoring data (identity code, self-defined ethnicity, birth month; law 9) is sealed under the
one equality key, so that aggregate equality reports need not unwrap a key per person, and
operational code never asks for it. The record holds nothing that identifies the person; it is
deleted with them, and what remains of it in old database backups is pseudonymous and goes when
those backups age out (see docs/decisions/0002-key-hierarchy-and-erasure.md).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from listwarden.crypto.envelope import Envelope, FieldToSeal, field_aad, seal_fields
from listwarden.crypto.framing import frame_value
from listwarden.crypto.keystore import KeyStore
from listwarden.domain.errors import KeyUnavailable

EQUALITY_KEY = "equality"
MONITORING_TABLE = "monitoring"
TALLY_TABLE = "equality_tallies"

QUARANTINE_TABLE = "quarantine_rows"


GANG_TABLE = "gangs"


def gang_key_name(gang_id: str) -> str:
    """The system key that seals one gang record's evidence (not a person's: no reconcile)."""
    return f"gang:{gang_id}"


def quarantine_key_name(import_id: str) -> str:
    """The system key that seals one import's quarantine."""
    return f"quarantine:{import_id}"


SealedField = tuple[str, str, str, str, bytes]
"""``(subject_id, table, record_id, field, blob)``: one sealed value and where it lives."""
FieldValue = tuple[str, str, str, str, str]
"""``(subject_id, table, record_id, field, value)``: one value to seal and where it will live."""
MonitoringValue = tuple[str, str, str]
"""``(record_id, field, value)``: one monitoring value to seal."""


class SubjectCipher:
    """Seals each person's fields under their own data key; erasure destroys the key."""

    def __init__(self, keystore: KeyStore) -> None:
        self.keystore = keystore
        self._fresh: dict[str, Envelope] = {}
        self._equality_cached: tuple[float, Envelope] | None = None
        self._quarantine: dict[str, Envelope] = {}

    def new_subject_key(self, subject_id: str) -> None:
        """Create the person's data key; ``Conflict`` if they already have one."""
        self.new_subject_keys([subject_id])

    def new_subject_keys(self, subject_ids: Iterable[str]) -> None:
        """Create data keys for many new people in one key-store transaction.

        The new keys are kept for sealing their first fields, which saves a key-store round
        trip per field while a batch of new people is written.
        """
        keys = self.keystore.create_data_keys(subject_ids)
        self._fresh = {subject_id: Envelope(key) for subject_id, key in keys.items()}

    def seal(self, subject_id: str, table: str, record_id: str, field: str, value: str) -> bytes:
        envelope = self._fresh.get(subject_id) or Envelope(self.keystore.data_key(subject_id))
        return envelope.seal_field(value.encode("utf-8"), table, record_id, field)

    def seal_many(self, items: Sequence[FieldValue]) -> list[bytes]:
        """Seal many fields of many people, each as :meth:`seal` would, in order.

        Each person's key is looked up once (a new person's from the keys just made, anyone
        else's in one bulk query), a record's id is framed once for its fields, and the nonces
        are drawn in one call (:func:`seal_fields`).
        """
        envelopes: dict[str, Envelope] = {}
        wanted = {item[0] for item in items}
        for subject_id in wanted:
            fresh = self._fresh.get(subject_id)
            if fresh is not None:
                envelopes[subject_id] = fresh
        missing = wanted - envelopes.keys()
        if missing:
            keys = self.keystore.data_keys(missing)
            for subject_id in missing:
                key = keys.get(subject_id)
                if key is None:
                    raise KeyUnavailable(f"no data key for {subject_id!r}: erased or never keyed")
                envelopes[subject_id] = Envelope(key)
        fields: list[FieldToSeal] = []
        last_record, framed = "", b""
        for subject_id, table, record_id, field, value in items:
            if record_id != last_record or not framed:
                last_record, framed = record_id, frame_value(record_id)
            fields.append((envelopes[subject_id], value.encode("utf-8"), table, framed, field))
        return seal_fields(fields)

    def open(self, subject_id: str, table: str, record_id: str, field: str, blob: bytes) -> str:
        """The value; ``KeyUnavailable`` once erased, ``CiphertextTampered`` if moved or altered."""
        key = self.keystore.data_key(subject_id)
        return Envelope(key).open(blob, field_aad(table, record_id, field)).decode("utf-8")

    def open_many(self, items: Iterable[SealedField]) -> list[str]:
        """Open many fields of many people, fetching all their keys in one bulk query."""
        batch = list(items)
        keys = self.keystore.data_keys({item[0] for item in batch})
        envelopes: dict[str, Envelope] = {}
        out: list[str] = []
        # A record's fields usually come together: frame its id once for all of them.
        last_record, framed = "", b""
        for subject_id, table, record_id, field, blob in batch:
            envelope = envelopes.get(subject_id)
            if envelope is None:
                key = keys.get(subject_id)
                if key is None:
                    raise KeyUnavailable(f"no data key for {subject_id!r}: erased or never keyed")
                envelope = envelopes[subject_id] = Envelope(key)
            if record_id != last_record or not framed:
                last_record, framed = record_id, frame_value(record_id)
            out.append(envelope.open_framed(blob, table, framed, field).decode("utf-8"))
        return out

    def erase_subject(self, subject_id: str) -> None:
        """Destroy the person's data key; idempotent (erasing twice is not an error)."""
        self.forget(subject_id)
        self.keystore.destroy(subject_id)

    def forget(self, subject_id: str) -> None:
        """Drop any copy of the person's key this cipher holds (the key store evicts its own)."""
        self._fresh.pop(subject_id, None)

    def seal_monitoring(self, record_id: str, field: str, value: str) -> bytes:
        """Seal a monitoring field under the equality key, bound to its record and field."""
        return self._equality().seal_field(
            value.encode("utf-8"), MONITORING_TABLE, record_id, field
        )

    def seal_monitoring_many(self, items: Sequence[MonitoringValue]) -> list[bytes]:
        """Seal many monitoring fields, each as :meth:`seal_monitoring` would, in order."""
        envelope = self._equality()
        fields: list[FieldToSeal] = []
        last_record, framed = "", b""
        for record_id, field, value in items:
            if record_id != last_record or not framed:
                last_record, framed = record_id, frame_value(record_id)
            fields.append((envelope, value.encode("utf-8"), MONITORING_TABLE, framed, field))
        return seal_fields(fields)

    def open_monitoring(self, record_id: str, field: str, blob: bytes) -> str:
        return (
            self._equality()
            .open(blob, field_aad(MONITORING_TABLE, record_id, field))
            .decode("utf-8")
        )

    def seal_tally(self, list_id: str, value: bytes) -> bytes:
        """Seal a list's equality tally under the equality key, bound to that list."""
        return self._equality().seal(value, field_aad(TALLY_TABLE, list_id, "cells"))

    def open_tally(self, list_id: str, blob: bytes) -> bytes:
        return self._equality().open(blob, field_aad(TALLY_TABLE, list_id, "cells"))

    def seal_quarantine(self, import_id: str, record_id: str, field: str, value: str) -> bytes:
        """Seal a quarantined row under its import's own key (destroyed with the quarantine)."""
        envelope = self._quarantine.get(import_id)
        if envelope is None:
            envelope = Envelope(self.keystore.system_key(quarantine_key_name(import_id)))
            self._quarantine = {import_id: envelope}
        return envelope.seal(value.encode("utf-8"), field_aad(QUARANTINE_TABLE, record_id, field))

    def open_quarantine(self, import_id: str, record_id: str, field: str, blob: bytes) -> str:
        key = self.keystore.system_key(quarantine_key_name(import_id))
        return Envelope(key).open(blob, field_aad(QUARANTINE_TABLE, record_id, field)).decode()

    def destroy_quarantine_key(self, import_id: str) -> None:
        """Destroy an import's quarantine key: its quarantined rows become unreadable everywhere."""
        self._quarantine.pop(import_id, None)
        self.keystore.destroy_system_key(quarantine_key_name(import_id))

    def seal_gang(self, gang_id: str, field: str, value: str) -> bytes:
        """Seal a gang record's field under the gang's own system key, bound to record and field."""
        key = self.keystore.system_key(gang_key_name(gang_id))
        return Envelope(key).seal(value.encode("utf-8"), field_aad(GANG_TABLE, gang_id, field))

    def open_gang(self, gang_id: str, field: str, blob: bytes) -> str:
        key = self.keystore.system_key(gang_key_name(gang_id))
        return Envelope(key).open(blob, field_aad(GANG_TABLE, gang_id, field)).decode("utf-8")

    def destroy_equality_key(self) -> None:
        """Destroy the equality key (every monitoring record becomes unreadable) and forget it.

        Other workers stop using their copy within a second (see ``_equality``).
        """
        self._equality_cached = None
        self.keystore.destroy_system_key(EQUALITY_KEY)

    def _equality(self) -> Envelope:
        # One key-store round trip per second at most: a batch of new people seals three
        # monitoring fields each, and the equality key is only ever destroyed deliberately.
        now = time.monotonic()
        if self._equality_cached is None or now - self._equality_cached[0] > 1.0:
            self._equality_cached = (now, Envelope(self.keystore.system_key(EQUALITY_KEY)))
        return self._equality_cached[1]


class UnsafePlaintextCipher:
    """NOT ENCRYPTION: stores fields as UTF-8. The baseline for benchmarks only, never for data."""

    def new_subject_keys(self, subject_ids: Iterable[str]) -> None:
        del subject_ids

    def new_subject_key(self, subject_id: str) -> None:
        del subject_id

    def seal(self, subject_id: str, table: str, record_id: str, field: str, value: str) -> bytes:
        del subject_id, table, record_id, field
        return value.encode("utf-8")

    def open(self, subject_id: str, table: str, record_id: str, field: str, blob: bytes) -> str:
        del subject_id, table, record_id, field
        return blob.decode("utf-8")

    def open_many(self, items: Iterable[SealedField]) -> list[str]:
        return [blob.decode("utf-8") for _s, _t, _r, _f, blob in items]

    def seal_many(self, items: Sequence[FieldValue]) -> list[bytes]:
        return [value.encode("utf-8") for _s, _t, _r, _f, value in items]

    def seal_monitoring_many(self, items: Sequence[MonitoringValue]) -> list[bytes]:
        return [value.encode("utf-8") for _r, _f, value in items]

    def erase_subject(self, subject_id: str) -> None:
        del subject_id  # Nothing can be erased: that is why this is unsafe.

    def seal_monitoring(self, record_id: str, field: str, value: str) -> bytes:
        del record_id, field
        return value.encode("utf-8")

    def open_monitoring(self, record_id: str, field: str, blob: bytes) -> str:
        del record_id, field
        return blob.decode("utf-8")

    def seal_tally(self, list_id: str, value: bytes) -> bytes:
        del list_id
        return value

    def open_tally(self, list_id: str, blob: bytes) -> bytes:
        del list_id
        return blob

    def seal_quarantine(self, import_id: str, record_id: str, field: str, value: str) -> bytes:
        del import_id, record_id, field
        return value.encode("utf-8")

    def open_quarantine(self, import_id: str, record_id: str, field: str, blob: bytes) -> str:
        del import_id, record_id, field
        return blob.decode("utf-8")

    def destroy_quarantine_key(self, import_id: str) -> None:
        del import_id

    def seal_gang(self, gang_id: str, field: str, value: str) -> bytes:
        del gang_id, field
        return value.encode("utf-8")

    def open_gang(self, gang_id: str, field: str, blob: bytes) -> str:
        del gang_id, field
        return blob.decode("utf-8")
