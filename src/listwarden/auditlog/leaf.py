"""The access log's leaves: each event as canonical JSON (RFC 8785), identifiers and digests only.

A leaf is the RFC 8785 serialisation of a JSON array whose first element names the format and
whose other elements are, in a fixed order, the event's identifiers, codes and times, and the
SHA-256 of its sealed justification (never the justification itself)::

    ["listwarden.event/1", event_id, occurred_at, operation, outcome, actor_id, list_id,
     entry_id, subject_id, purpose, purpose_class, recipient_id, result_count, reason,
     log_period, justification_sha256]

``occurred_at`` is UTC with microseconds (``2026-11-22T04:02:44.372632Z``); absent values are
``null``. An array, not an object, because the field names would double the work of every
verification without adding anything the format tag does not already say. For values of these
kinds (strings, integers below 2**53, null) RFC 8785 is exactly Python's compact JSON with
non-ASCII left as is, so the hot path uses the C encoder and :func:`reference_leaf_bytes` (the
``rfc8785`` package) is the definition the tests hold it to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from json import encoder as _json_encoder
from typing import Any

import rfc8785

from listwarden.auditlog.merkle import LEAF_PREFIX
from listwarden.domain.errors import LogIntegrityError

LEAF_FORMATS = {1: "listwarden.event/1"}
"""The leaf format for each ``events.event_version`` this code can derive leaves for."""

LEAF_FIELDS = (
    "format",
    "event_id",
    "occurred_at",
    "operation",
    "outcome",
    "actor_id",
    "list_id",
    "entry_id",
    "subject_id",
    "purpose",
    "purpose_class",
    "recipient_id",
    "result_count",
    "reason",
    "log_period",
    "justification_sha256",
)
"""What each position of a version-1 leaf holds, for export readers and the decision record."""

LeafValue = str | int | None
_sha256 = hashlib.sha256


def _refuse(value: object) -> object:
    raise TypeError(f"a leaf holds strings, integers and null, not {type(value).__name__}")


def _compact_encoder() -> Any:
    """Python's C JSON encoder set up as RFC 8785 needs, or None where CPython lacks it."""
    make = getattr(_json_encoder, "c_make_encoder", None)
    if make is None:
        return None
    return make(None, _refuse, _json_encoder.encode_basestring, None, ":", ",", False, False, False)


_C_ENCODE = _compact_encoder()


def _json_text(values: Sequence[LeafValue]) -> str:
    if _C_ENCODE is not None:
        return "".join(_C_ENCODE(values, 0))
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def leaf_bytes(values: Sequence[LeafValue]) -> bytes:
    """The canonical bytes of a leaf's values (identical to ``rfc8785.dumps`` on them)."""
    try:
        return _json_text(values).encode("utf-8")
    except (TypeError, UnicodeError) as exc:
        raise LogIntegrityError(f"an event cannot be encoded as a leaf: {exc}") from None


def reference_leaf_bytes(values: Sequence[LeafValue]) -> bytes:
    """The same bytes by the ``rfc8785`` package: the definition, slower, for tests and readers."""
    return rfc8785.dumps(list(values))


def leaf_digest(values: Sequence[LeafValue]) -> bytes:
    """The RFC 6962 leaf hash of an event's values: SHA-256(0x00 || canonical bytes)."""
    return _sha256(LEAF_PREFIX + leaf_bytes(values)).digest()


def justification_digest(ciphertext: bytes | None) -> str | None:
    """What a leaf holds of a justification: the SHA-256 of its ciphertext, in hex."""
    return None if ciphertext is None else _sha256(ciphertext).hexdigest()


def leaf_format(event_version: int) -> str:
    """The format tag for an event version; an unknown version is a log that cannot verify."""
    try:
        return LEAF_FORMATS[event_version]
    except KeyError:
        raise LogIntegrityError(f"events of version {event_version} have no leaf format") from None


def timestamp_text(at: datetime) -> str:
    """An event time as a leaf writes it: UTC, microseconds, ``Z``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


EventRow = Sequence[Any]
"""An event as :mod:`listwarden.auditlog.rows` reads it: ``version, id, occurred_at (text),
operation, outcome, actor, list, entry, subject, purpose, purpose class, recipient, result
count, reason, log period, justification ciphertext``."""


def leaf_values(row: EventRow) -> tuple[LeafValue, ...]:
    """The leaf's values re-derived from an event's stored columns."""
    ciphertext = row[15]
    return (
        leaf_format(row[0]),
        *row[1:15],
        None if ciphertext is None else _sha256(ciphertext).hexdigest(),
    )


_LEAF_STATE = _sha256(LEAF_PREFIX)
_NO_DIGEST = (None,)


def leaf_hash_of(row: EventRow) -> bytes:
    """The leaf hash of an event re-derived from its stored columns: the hot path.

    The same bytes as ``leaf_digest(leaf_values(row))``, with no intermediate call per column:
    the sequencer and the verifier run it once per event.
    """
    try:
        ciphertext = row[15]
        values = (
            (LEAF_FORMATS[row[0]],)
            + tuple(row[1:15])
            + (_NO_DIGEST if ciphertext is None else (_sha256(ciphertext).hexdigest(),))
        )
        state = _LEAF_STATE.copy()
        state.update(_json_text(values).encode("utf-8"))
        return state.digest()
    except KeyError:
        raise LogIntegrityError(f"events of version {row[0]} have no leaf format") from None
    except (TypeError, UnicodeError) as exc:
        raise LogIntegrityError(f"an event cannot be encoded as a leaf: {exc}") from None


def named_leaf(values: Sequence[LeafValue]) -> dict[str, LeafValue]:
    """A leaf's values by name, for people reading an export."""
    return dict(zip(LEAF_FIELDS, values, strict=True))
