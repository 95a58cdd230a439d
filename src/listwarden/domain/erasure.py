"""What an erasure certificate is asked to certify, as the services and the key store share it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime


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
