"""The one exception hierarchy of listwarden; entry points map it to problems and exit codes.

Every error carries structured fields (``reasons``, ``field``) as well as text, so the API can
return them in an RFC 9457 body and a test can assert the exact reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    """One reason an operation was refused: a stable code, the field concerned, plain words."""

    code: str
    detail: str
    field: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"code": self.code, "detail": self.detail}
        if self.field is not None:
            out["field"] = self.field
        return out


class ListwardenError(Exception):
    """Base of every error listwarden raises on purpose."""

    slug = "error"

    def __init__(self, detail: str, *, reasons: Sequence[Reason] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.reasons = tuple(reasons)


class NotFound(ListwardenError):
    """The thing named does not exist (or the actor may not know that it does)."""

    slug = "not-found"


class Conflict(ListwardenError):
    """The request contradicts the current state (a duplicate, a wrong lifecycle step)."""

    slug = "conflict"


class InvalidInput(ListwardenError):
    """A field is missing, malformed or outside its vocabulary."""

    slug = "invalid-input"


class AuthenticationRequired(ListwardenError):
    """No valid credentials were presented."""

    slug = "authentication-required"


class AccessDenied(ListwardenError):
    """The actor may not do this; ``policy`` names the rule that refused."""

    slug = "access-denied"

    def __init__(self, detail: str, *, policy: str, reasons: Sequence[Reason] = ()) -> None:
        super().__init__(detail, reasons=reasons)
        self.policy = policy


class PolicyViolation(ListwardenError):
    """The operation would break one of the laws the register enforces."""

    slug = "policy-violation"


class ListNotAuthorised(PolicyViolation):
    """A list is not in a state that permits the operation (draft, suspended, closed)."""

    slug = "list-not-authorised"


class AuthorisationIncomplete(PolicyViolation):
    """A list cannot be authorised yet; ``reasons`` lists every missing item."""

    slug = "authorisation-incomplete"


class CategoryNotPermitted(PolicyViolation):
    """A data-subject category may not be used here (law 2)."""

    slug = "category-not-permitted"


class ChildSafeguardMissing(PolicyViolation):
    """An entry for a person under 18 lacks its approval or referral (law 10)."""

    slug = "child-safeguard-missing"


class CryptoError(ListwardenError):
    """Base of key and ciphertext failures."""

    slug = "crypto-error"


class KeyUnavailable(CryptoError):
    """A key cannot be read: missing, destroyed (erased subject) or the provider is unreachable."""

    slug = "key-unavailable"


class CiphertextTampered(CryptoError):
    """A ciphertext failed authentication: altered, truncated or moved to another row."""

    slug = "ciphertext-tampered"


class LogIntegrityError(ListwardenError):
    """The access log departs from what was signed; ``index`` is the first bad leaf, if known."""

    slug = "log-integrity"

    def __init__(self, detail: str, *, index: int | None = None) -> None:
        super().__init__(detail)
        self.index = index
