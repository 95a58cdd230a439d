"""Sealing justifications under per-period log keys, so the log keeps no free text in clear.

A justification is sealed with AES-256-GCM under the key of its event's period (a key-store
system key named ``log-period:<period>``). The associated data binds the ciphertext to the
event it belongs to (its period, time, actor, operation and the list, entry and subject it
names) and to the field, so it cannot be moved to another event and still open. The event's id
is not known until the row is inserted, which is why its content stands in for it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from listwarden.auditlog.leaf import timestamp_text
from listwarden.auditlog.periods import PeriodLength, is_expired, key_name, period_of
from listwarden.crypto.envelope import Envelope
from listwarden.crypto.framing import frame, frame_value
from listwarden.domain.errors import CiphertextTampered, KeyUnavailable

AAD_CONTEXT = "listwarden.event.justification/1"
_FIELD = frame("justification")


class PeriodKeys(Protocol):
    """Named system keys, created on first use and destroyable (``crypto.KeyStore``)."""

    def system_key(self, name: str) -> bytes: ...

    def destroy_system_key(self, name: str) -> bool: ...


class EventRef(NamedTuple):
    """What identifies an event before it has an id: the parts its justification is bound to.

    A named tuple, not a dataclass: every event with a justification builds one.
    """

    at: datetime
    operation: str
    actor_id: str | None = None
    list_id: str | None = None
    entry_id: str | None = None
    subject_id: str | None = None


def justification_aad(period: str, ref: EventRef) -> bytes:
    """The associated data that ties a sealed justification to its event and field."""
    return frame(
        AAD_CONTEXT,
        period,
        timestamp_text(ref.at),
        ref.actor_id or "",
        ref.operation,
        ref.list_id or "",
        ref.entry_id or "",
        ref.subject_id or "",
        "justification",
    )


def _request_head(period: str, ref: EventRef) -> bytes:
    """The start of :func:`justification_aad`: the parts one request's events share."""
    return frame(AAD_CONTEXT, period, timestamp_text(ref.at), ref.actor_id or "", ref.operation)


def _event_tail(ref: EventRef) -> bytes:
    """The rest of :func:`justification_aad` after :func:`_request_head`."""
    return b"".join(
        (
            frame_value(ref.list_id or ""),
            frame_value(ref.entry_id or ""),
            frame_value(ref.subject_id or ""),
            _FIELD,
        )
    )


_Request = tuple[datetime, str, str | None, str, bytes, Envelope]
"""A request's sealing state: time, operation, actor, period, the head of the associated data
and the period's envelope."""


class JustificationSealer:
    """Seals under the current period's key (cached) and opens under any unexpired period's."""

    def __init__(self, keys: PeriodKeys | None, length: PeriodLength, retention: timedelta):
        self._keys = keys
        self.length = length
        self.retention = retention
        self._current: tuple[str, Envelope] | None = None
        self._request: _Request | None = None
        self._lock = threading.Lock()

    def _require_keys(self) -> PeriodKeys:
        if self._keys is None:
            raise KeyUnavailable("no key store is open for the access log's period keys")
        return self._keys

    def _sealing_envelope(self, period: str) -> Envelope:
        # Only the period being written is cached: it cannot expire while it is current, so its
        # key is never destroyed under a writer's feet.
        with self._lock:
            current = self._current
        if current is not None and current[0] == period:
            return current[1]
        envelope = Envelope(self._require_keys().system_key(key_name(period)))
        with self._lock:
            self._current = (period, envelope)
        return envelope

    def seal(self, text: str, ref: EventRef) -> tuple[bytes, str]:
        """The ciphertext of ``text`` and the period whose key sealed it.

        The associated data is :func:`justification_aad`, built from the parts its request's
        events share (time, operation, actor: one page of people shown seals as many
        justifications) and kept from one call to the next, then each event's own parts.
        """
        request = self._request  # one read: another thread may replace it meanwhile
        if request is None or (request[0], request[1], request[2]) != (
            ref.at,
            ref.operation,
            ref.actor_id,
        ):
            period = period_of(ref.at, self.length)
            request = (
                ref.at,
                ref.operation,
                ref.actor_id,
                period,
                _request_head(period, ref),
                self._sealing_envelope(period),
            )
            self._request = request
        aad = request[4] + _event_tail(ref)
        return request[5].seal(text.encode("utf-8"), aad), request[3]

    def is_readable(self, period: str, now: datetime) -> bool:
        """False once the period has expired: its key is, or may be, destroyed."""
        return not is_expired(period, retention=self.retention, now=now)

    def opener(self, now: datetime) -> JustificationOpener:
        return JustificationOpener(self, now)

    def period_key(self, period: str) -> bytes:
        return self._require_keys().system_key(key_name(period))

    def destroy(self, periods: Iterable[str]) -> list[str]:
        """Destroy the keys of ``periods``; the names of those that existed."""
        keys = self._require_keys()
        return [period for period in periods if keys.destroy_system_key(key_name(period))]


class JustificationOpener:
    """Opens many justifications at once, unwrapping each period's key once."""

    def __init__(self, sealer: JustificationSealer, now: datetime) -> None:
        self._sealer = sealer
        self._now = now
        self._envelopes: dict[str, Envelope | None] = {}

    def open(self, ciphertext: bytes, period: str, ref: EventRef) -> str | None:
        """The justification, or None when its period's key has expired or is gone."""
        if period not in self._envelopes:
            if not self._sealer.is_readable(period, self._now):
                self._envelopes[period] = None
            else:
                try:
                    self._envelopes[period] = Envelope(self._sealer.period_key(period))
                except KeyUnavailable:
                    self._envelopes[period] = None
        envelope = self._envelopes[period]
        if envelope is None:
            return None
        aad = justification_aad(period, ref)
        try:
            return envelope.open(ciphertext, aad).decode("utf-8")
        except CiphertextTampered:
            raise CiphertextTampered(
                "a sealed justification failed authentication: altered or moved between events"
            ) from None
