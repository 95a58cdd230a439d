"""What an erasure certificate is asked to certify, as the services and the key store share it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

ERASED_TOKEN_DAYS = 90
"""Days the keyed-hash tokens of an erased person's name and date of birth are kept (law 11)."""

ERASED_TOKEN_STATEMENT = (
    "keyed-hash tokens of the name and date of birth are kept for loss detection alone, "
    "under a key only the scanner holds, and destroyed by the retention sweep after "
    f"{ERASED_TOKEN_DAYS} days"
)
"""What the erasure certificate and the DPIA template say of those tokens, word for word."""


@dataclass(frozen=True)
class CertificateRequest:
    """One pending certificate to issue: a whole person (``subject``) or some of their entries.

    ``entries`` are ``(entry_id, list_id)`` pairs; ``by`` is a user id or ``system``.
    """

    scope: str
    subject_id: str
    entries: Sequence[tuple[str, str]]
    by: str
    rule: str
    erased_at: datetime
    list_names: Mapping[str, str] = field(default_factory=dict)
