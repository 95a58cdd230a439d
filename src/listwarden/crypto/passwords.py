"""Credential secrets: argon2id password hashes, TOTP second factors and new API tokens.

The rules (how long a password, how many steps of clock drift, when a code is a replay, what a
token looks like) are pure functions in ``domain/authn.py``; this adapter does the hashing and
draws the random secrets, and translates argon2's and pyotp's errors at its boundary.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import argon2
import pyotp
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from listwarden.domain.authn import (
    MAX_PASSWORD_LENGTH,
    api_token_digest,
    format_api_token,
    fresh_totp_step,
    totp_steps_around,
)
from listwarden.domain.errors import AuthenticationRequired, CryptoError, Reason

PASSWORD_PARAMETERS = argon2.profiles.RFC_9106_LOW_MEMORY
"""argon2id, 3 passes over 64 MiB with 4 lanes: RFC 9106's second recommended setting."""


class Passwords:
    """Hashes and verifies passwords with argon2id, and says when a stored hash needs redoing."""

    def __init__(self, parameters: argon2.Parameters = PASSWORD_PARAMETERS) -> None:
        if parameters.type is not argon2.Type.ID:
            raise ValueError("passwords are hashed with argon2id only")
        self._hasher = argon2.PasswordHasher.from_parameters(parameters)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True when ``password`` matches ``stored``.

        With no stored hash (an unknown account) a dummy hash is verified all the same, so that
        the time taken does not tell an attacker which accounts exist.
        """
        if len(password) > MAX_PASSWORD_LENGTH:
            return False
        try:
            self._hasher.verify(stored if stored is not None else self._dummy, password)
        except VerifyMismatchError:
            return False
        except (InvalidHashError, VerificationError) as error:
            raise CryptoError("a stored password hash cannot be read") from error
        return stored is not None

    def needs_rehash(self, stored: str) -> bool:
        """True when ``stored`` was made with other parameters; rehash it at the next sign-in."""
        try:
            return self._hasher.check_needs_rehash(stored)
        except (InvalidHashError, ValueError) as error:
            raise CryptoError("a stored password hash cannot be read") from error

    @cached_property
    def _dummy(self) -> str:
        return self._hasher.hash(secrets.token_urlsafe(16))


# TOTP (RFC 6238): six digits, 30-second steps, HMAC-SHA1, as every authenticator app expects.

TOTP_ISSUER = "listwarden"
TOTP_DIGITS = 6


def new_totp_secret() -> str:
    """A new shared secret: 32 base32 characters, 160 bits (RFC 4226 s.4 recommends 160)."""
    return pyotp.random_base32(32)


def totp_provisioning_uri(secret: str, *, account: str, issuer: str = TOTP_ISSUER) -> str:
    """The ``otpauth://`` URI an authenticator app reads, usually from a QR code."""
    return pyotp.TOTP(secret, digits=TOTP_DIGITS).provisioning_uri(name=account, issuer_name=issuer)


def verify_totp(secret: str, code: str, *, at: datetime, last_used_step: int | None) -> int:
    """Check ``code`` at ``at`` (one step either side), refusing replays; return its time step.

    The caller stores the returned step as the account's last used step, so that the same code,
    or any older one, is refused next time.
    """
    if at.tzinfo is None:
        raise ValueError("TOTP needs an aware datetime")
    digits = code.replace(" ", "")
    if len(digits) != TOTP_DIGITS or not digits.isascii() or not digits.isdigit():
        raise AuthenticationRequired(
            "the code is not six digits",
            reasons=[Reason("totp-malformed", "enter the six digits your app shows", "code")],
        )
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS)
    # Compare with every candidate, in constant time, so timing does not say which step matched.
    matched = [
        step
        for step in totp_steps_around(totp.timecode(at))
        if hmac.compare_digest(totp.generate_otp(step), digits)
    ]
    return fresh_totp_step(matched, last_used_step)


@dataclass(frozen=True)
class IssuedApiToken:
    """A new token: ``text`` is shown to its owner once; ``token_id`` and ``digest`` are kept."""

    text: str
    token_id: str
    digest: bytes


def new_api_token() -> IssuedApiToken:
    token_id = secrets.token_hex(8)
    text = format_api_token(token_id, secrets.token_urlsafe(32))
    return IssuedApiToken(text=text, token_id=token_id, digest=api_token_digest(text))
