"""Authentication rules as pure functions: passwords, back-off and lockout, TOTP replay, API tokens.

Nothing here touches a clock, a database or a random source: the caller passes the time and the
history, so each rule is decided the same way every time it is asked. Hashing passwords and
making secrets are the crypto adapter's work (``crypto/passwords.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from listwarden.domain.errors import AccessDenied, AuthenticationRequired, InvalidInput, Reason

# Passwords ----------------------------------------------------------------------------------

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
"""Longer passwords are refused, never truncated: it bounds the work one sign-in can ask for."""


def require_acceptable_password(password: str) -> None:
    """Refuse a new password that is too short or too long (NCSC: length, not composition)."""
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "the password is too short",
            reasons=[
                Reason(
                    "password-too-short",
                    f"use at least {MIN_PASSWORD_LENGTH} characters",
                    "password",
                )
            ],
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            "the password is too long",
            reasons=[
                Reason(
                    "password-too-long", f"use at most {MAX_PASSWORD_LENGTH} characters", "password"
                )
            ],
        )


# Back-off and lockout -----------------------------------------------------------------------


class AttemptOutcome(StrEnum):
    FAILED = "failed"
    SUCCEEDED = "succeeded"
    UNLOCKED = "unlocked"  # an administrator cleared the account's failures


@dataclass(frozen=True)
class LoginAttempt:
    at: datetime
    outcome: AttemptOutcome


@dataclass(frozen=True)
class LockoutPolicy:
    """After ``free_failures`` consecutive failures each attempt waits twice as long as the last,
    from ``first_delay`` up to ``max_delay``; ``lock_after`` failures lock the account, for
    ``lock_for`` or, when that is None, until an administrator unlocks it."""

    free_failures: int = 3
    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=15)
    lock_after: int = 10
    lock_for: timedelta | None = None


DEFAULT_LOCKOUT = LockoutPolicy()


@dataclass(frozen=True)
class LoginGate:
    """Whether a sign-in attempt may be heard now; ``retry_at`` is None when it may, or never."""

    allowed: bool
    failures: int
    locked: bool
    retry_at: datetime | None


def backoff_delay(failures: int, policy: LockoutPolicy = DEFAULT_LOCKOUT) -> timedelta:
    """How long after the last of ``failures`` consecutive failures the next attempt must wait."""
    if failures <= policy.free_failures:
        return timedelta(0)
    doublings = min(failures - policy.free_failures - 1, 40)  # beyond 40, max_delay has won
    return min(policy.first_delay * (1 << doublings), policy.max_delay)


def login_gate(
    history: Iterable[LoginAttempt], now: datetime, policy: LockoutPolicy = DEFAULT_LOCKOUT
) -> LoginGate:
    """Decide from an account's attempt history whether to hear a sign-in attempt at ``now``.

    Only the failures since the last success or unlock count. An attempt the gate turns away is
    not heard, so the caller records nothing for it and it cannot extend the wait.
    """
    failures, last_failure = 0, None
    for attempt in sorted(history, key=lambda a: a.at):
        if attempt.outcome is AttemptOutcome.FAILED:
            failures, last_failure = failures + 1, attempt.at
        else:
            failures, last_failure = 0, None
    if last_failure is None:
        return LoginGate(True, 0, False, None)
    if failures >= policy.lock_after:
        if policy.lock_for is None:
            return LoginGate(False, failures, True, None)
        until = last_failure + policy.lock_for
        return LoginGate(now >= until, failures, now < until, None if now >= until else until)
    ready = last_failure + backoff_delay(failures, policy)
    return LoginGate(now >= ready, failures, False, None if now >= ready else ready)


def require_login_heard(
    history: Iterable[LoginAttempt], now: datetime, policy: LockoutPolicy = DEFAULT_LOCKOUT
) -> None:
    """Raise ``AuthenticationRequired`` when the gate turns the attempt away."""
    gate = login_gate(history, now, policy)
    if gate.allowed:
        return
    if gate.locked and gate.retry_at is None:
        raise AuthenticationRequired(
            "the account is locked after too many failed sign-ins",
            reasons=[Reason("account-locked", "ask an administrator to unlock it")],
        )
    assert gate.retry_at is not None
    when = gate.retry_at.isoformat(timespec="seconds")
    raise AuthenticationRequired(
        "too many failed sign-ins",
        reasons=[Reason("sign-in-throttled", f"try again after {when}")],
    )


# TOTP second factor -------------------------------------------------------------------------

TOTP_WINDOW = 1
"""Time steps accepted either side of the current one, for clock drift (RFC 6238 s.5.2)."""


def totp_steps_around(step: int, window: int = TOTP_WINDOW) -> range:
    """The time steps whose codes are accepted at ``step``, oldest first."""
    return range(step - window, step + window + 1)


def fresh_totp_step(matched: Iterable[int], last_used_step: int | None) -> int:
    """The newest matched step later than the last one used; a code is good once only.

    Raises ``AuthenticationRequired`` if nothing matched, or everything matched was used.
    """
    steps = sorted(matched)
    if not steps:
        raise AuthenticationRequired(
            "the code is wrong", reasons=[Reason("totp-wrong", "the code is wrong", "code")]
        )
    fresh = [s for s in steps if last_used_step is None or s > last_used_step]
    if not fresh:
        raise AuthenticationRequired(
            "the code has already been used",
            reasons=[Reason("totp-replayed", "wait for the next code", "code")],
        )
    return fresh[-1]


# API tokens ---------------------------------------------------------------------------------


class Scope(StrEnum):
    """What an API token may be used for. Every authenticated route needs one (``web/deps.py``);
    a token acts only within its scopes, and never beyond what its user's role may do."""

    READ = "register:read"  # reference data, lists and their status: nothing personal
    CONSULT = "entry:consult"  # consult and search entries: personal data, every view logged
    WRITE = "register:write"  # create and change lists, entries, evidence, intelligence
    LOG = "log:read"  # the access log, its proofs and its export
    ACCOUNTS = "user:manage"  # disable accounts


ALL_SCOPES = frozenset(Scope)
DEFAULT_TOKEN_LIFETIME = timedelta(days=90)

API_TOKEN_PREFIX = "lw1"  # noqa: S105 - a marker that scanners recognise, not a secret
"""Marks a listwarden API token, version 1, so that scanners and logs can recognise one."""
MAX_TOKEN_LIFETIME = timedelta(days=365)
_TOKEN = re.compile(r"lw1\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})")
_SCOPE = re.compile(r"[a-z]+(?:_[a-z]+)*:[a-z]+(?:_[a-z]+)*")


@dataclass(frozen=True)
class ApiTokenText:
    """The parts of a token as presented: ``lw1.<id: 16 hex>.<secret: 43 base64url>``.

    The id names the token (in lists, logs, revocation) and is not secret; the secret is 256
    random bits. Both are characters RFC 6750 allows in a bearer token.
    """

    token_id: str
    secret: str

    def __str__(self) -> str:
        return format_api_token(self.token_id, self.secret)


def format_api_token(token_id: str, secret: str) -> str:
    text = f"{API_TOKEN_PREFIX}.{token_id}.{secret}"
    if _TOKEN.fullmatch(text) is None:
        raise ValueError("an API token needs a 16-hex-digit id and a 43-character secret")
    return text


def parse_api_token(text: str) -> ApiTokenText:
    match = _TOKEN.fullmatch(text.strip())
    if match is None:
        raise AuthenticationRequired(
            "the API token is not valid",
            reasons=[Reason("token-invalid", "not a listwarden token")],
        )
    return ApiTokenText(match.group(1), match.group(2))


def api_token_digest(text: str) -> bytes:
    """What is stored for a token. A 256-bit random secret needs no slow hash: SHA-256 suffices."""
    return hashlib.sha256(text.strip().encode("utf-8")).digest()


@dataclass(frozen=True)
class ApiTokenGrant:
    """A stored token: its digest, never the token, with the terms it was issued on."""

    token_id: str
    user_id: str
    digest: bytes
    scopes: frozenset[str]
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


def require_token_terms(scopes: Iterable[str], issued_at: datetime, expires_at: datetime) -> None:
    """Refuse to issue a token with no scopes, an unknown scope, or a lifetime out of bounds."""
    scope_list = list(scopes)
    bad = [s for s in scope_list if _SCOPE.fullmatch(s) is None or s not in ALL_SCOPES]
    known = ", ".join(ALL_SCOPES)
    problems = [Reason("scope-invalid", f"{s!r} is not one of {known}", "scopes") for s in bad]
    if not scope_list:
        problems.append(Reason("scopes-missing", "a token needs at least one scope", "scopes"))
    lifetime = expires_at - issued_at
    if not timedelta(0) < lifetime <= MAX_TOKEN_LIFETIME:
        problems.append(
            Reason(
                "lifetime-invalid",
                f"a token expires after its issue and within {MAX_TOKEN_LIFETIME.days} days",
                "expires_at",
            )
        )
    if problems:
        raise InvalidInput("the token cannot be issued on these terms", reasons=problems)


def check_api_token(grant: ApiTokenGrant | None, presented: str, now: datetime) -> None:
    """Refuse a presented token unless it matches ``grant``, which is unrevoked and unexpired.

    ``grant`` is what the store holds under the presented token's id, or None. A wrong secret and
    an unknown id are refused alike, so that neither tells an attacker anything.
    """
    parsed = parse_api_token(presented)
    if (
        grant is None
        or not hmac.compare_digest(api_token_digest(presented), grant.digest)
        or parsed.token_id != grant.token_id
    ):
        raise AuthenticationRequired(
            "the API token is not valid", reasons=[Reason("token-invalid", "unknown token")]
        )
    if grant.revoked_at is not None and grant.revoked_at <= now:
        raise AuthenticationRequired(
            "the API token has been revoked", reasons=[Reason("token-revoked", "issue a new one")]
        )
    if now >= grant.expires_at:
        raise AuthenticationRequired(
            "the API token has expired", reasons=[Reason("token-expired", "issue a new one")]
        )


def require_token_scope(grant: ApiTokenGrant, action: str) -> None:
    """A token acts only within its scopes, and never beyond what its user may do."""
    if action not in grant.scopes:
        raise AccessDenied(
            f"this API token is not scoped for {action}",
            policy="token-scope",
            reasons=[Reason("token-scope", f"the token's scopes do not include {action}")],
        )


# Sessions and CSRF -------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionTerms:
    """How long a signed-in browser stays signed in: ``lifetime`` from sign-in at most, and
    ``idle`` without a request. ``touch_every`` bounds how often a request records that it was
    seen, so that reading a page is not a database write every time."""

    lifetime: timedelta = timedelta(hours=10)
    idle: timedelta = timedelta(minutes=30)
    touch_every: timedelta = timedelta(minutes=1)


DEFAULT_SESSION_TERMS = SessionTerms()


def require_session_live(
    *,
    last_seen_at: datetime,
    expires_at: datetime,
    ended_at: datetime | None,
    now: datetime,
    terms: SessionTerms = DEFAULT_SESSION_TERMS,
) -> None:
    """Refuse a session that was ended (signed out, revoked), has expired, or sat idle."""
    if ended_at is not None and ended_at <= now:
        raise AuthenticationRequired(
            "the session has ended", reasons=[Reason("session-ended", "sign in again")]
        )
    if now >= expires_at:
        raise AuthenticationRequired(
            "the session has expired", reasons=[Reason("session-expired", "sign in again")]
        )
    if now - last_seen_at >= terms.idle:
        raise AuthenticationRequired(
            "the session was idle too long", reasons=[Reason("session-idle", "sign in again")]
        )


def session_token_digest(token: str) -> bytes:
    """What is stored for a session: its 256-bit random token needs no slow hash."""
    return hashlib.sha256(b"listwarden.session.v1\x00" + token.encode("utf-8")).digest()


_CSRF_CONTEXT = b"listwarden.csrf.v1"


def csrf_token_for(session_token: str) -> str:
    """The synchronizer token of a session, derived from the session's secret token.

    Keyed by the session token, which a page's script and other sites never see (the cookie is
    HttpOnly), so only the server can compute it; it reveals nothing of the session token, and
    it is bound to exactly one session without being stored.
    """
    mac = hmac.new(session_token.encode("utf-8"), _CSRF_CONTEXT, hashlib.sha256).hexdigest()
    return mac


def require_csrf(session_token: str, presented: str | None) -> None:
    """Refuse an unsafe request made with a session cookie unless it carries the session's token."""
    if not presented or not hmac.compare_digest(
        csrf_token_for(session_token).encode("ascii"), presented.strip().encode("utf-8")
    ):
        raise AccessDenied(
            "the request lacks this session's CSRF token",
            policy="csrf",
            reasons=[
                Reason("csrf-token", "send the page's csrf_token (form field or X-CSRF-Token)")
            ],
        )
