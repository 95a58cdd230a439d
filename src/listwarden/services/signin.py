"""Signing in to the web: password (argon2id) and TOTP, back-off and lockout, every attempt logged.

An attempt is first put to the back-off gate (``domain/authn.login_gate``) from the account's
consecutive failures; one turned away is logged as ``session:turned_away`` and not heard, so it
cannot lengthen the wait. A heard attempt checks the password (a dummy hash for an unknown
account, so timing does not tell which accounts exist), the account's state and the TOTP code,
and is logged as ``session:open``, done or refused, with the exact cause in the event's reason;
the caller is told only that the account, password or code was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from listwarden.crypto.passwords import (
    Passwords,
    new_totp_secret,
    totp_provisioning_uri,
    verify_totp,
)
from listwarden.domain.authn import (
    AttemptOutcome,
    LoginAttempt,
    login_gate,
    require_acceptable_password,
    require_login_heard,
)
from listwarden.domain.errors import AuthenticationRequired, NotFound, Reason
from listwarden.domain.vocabulary import Operation, Outcome
from listwarden.services.events import record_event
from listwarden.services.sessions import SignedIn, open_session
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.tables import User

TOTP_FIELD = "totp_secret"
MAX_ACCOUNT_LENGTH = 200


@cache
def passwords() -> Passwords:
    """The argon2id hasher, built once per process (it holds a dummy hash for unknown accounts)."""
    return Passwords()


def _user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", reasons=[Reason("user-not-found", user_id, "user_id")])
    return user


def set_password(*, uow: UnitOfWork, actor_id: str | None, user_id: str, password: str) -> None:
    """Set an account's password (hashed with argon2id); it also clears the failure count."""
    require_acceptable_password(password)
    hashed = passwords().hash(password)
    with uow.transaction() as session:
        user = _user(session, user_id)
        user.password_hash = hashed
        user.failed_attempts, user.last_failed_at, user.locked_until = 0, None, None
        record_event(
            session,
            at=uow.now(),
            operation=Operation.USER_CREDENTIAL,
            actor_id=actor_id,
            reason=f"user {user_id} password set",
        )


def enrol_totp(*, uow: UnitOfWork, actor_id: str | None, user_id: str) -> str:
    """Give an account a new TOTP secret (sealed at rest); the ``otpauth://`` URI, shown once.

    Any earlier secret stops working at once.
    """
    secret = new_totp_secret()
    with uow.transaction() as session:
        user = _user(session, user_id)
        user.totp_secret_ct = uow.credentials.seal_credential(user.id, TOTP_FIELD, secret)
        user.totp_last_step = None
        record_event(
            session,
            at=uow.now(),
            operation=Operation.USER_CREDENTIAL,
            actor_id=actor_id,
            reason=f"user {user_id} TOTP enrolled",
        )
    return totp_provisioning_uri(secret, account=user_id)


def unlock_account(*, uow: UnitOfWork, actor_id: str | None, user_id: str) -> None:
    """Clear an account's failed sign-ins, so that its next attempt is heard at once."""
    with uow.transaction() as session:
        user = _user(session, user_id)
        user.failed_attempts, user.last_failed_at, user.locked_until = 0, None, None
        record_event(
            session,
            at=uow.now(),
            operation=Operation.USER_UNLOCK,
            actor_id=actor_id,
            reason=f"user {user_id} unlocked",
        )


def failure_history(user: User) -> list[LoginAttempt]:
    """The account's consecutive failures as the gate reads them (all it needs is how many and
    when the last was)."""
    if not user.failed_attempts or user.last_failed_at is None:
        return []
    return [LoginAttempt(user.last_failed_at, AttemptOutcome.FAILED)] * user.failed_attempts


@dataclass(frozen=True)
class _Account:
    """What a sign-in reads about an account before it decides, outside any write."""

    id: str
    password_hash: str | None
    totp_secret_ct: bytes | None
    totp_last_step: int | None
    usable: bool
    history: list[LoginAttempt]


def _read_account(uow: UnitOfWork, account: str) -> _Account | None:
    if not account or len(account) > MAX_ACCOUNT_LENGTH:
        return None
    with uow.read_only() as session:
        user = session.get(User, account)
        if user is None:
            return None
        return _Account(
            id=user.id,
            password_hash=user.password_hash,
            totp_secret_ct=user.totp_secret_ct,
            totp_last_step=user.totp_last_step,
            usable=user.active and user.left_at is None,
            history=failure_history(user),
        )


def _refused() -> AuthenticationRequired:
    return AuthenticationRequired(
        "the account, password or code is wrong",
        reasons=[Reason("sign-in-failed", "check them and try again")],
    )


def _turn_away(uow: UnitOfWork, found: _Account, now: datetime) -> None:
    """Log an attempt the gate will not hear, then raise the gate's refusal."""
    gate = login_gate(found.history, now, uow.access.lockout)
    if gate.allowed:
        return
    with uow.transaction() as session:
        record_event(
            session,
            at=now,
            operation=Operation.SIGN_IN_TURNED_AWAY,
            outcome=Outcome.REFUSED,
            actor_id=found.id,
            reason="account locked" if gate.locked else "sign-in throttled",
        )
    require_login_heard(found.history, now, uow.access.lockout)


def _check_second_factor(uow: UnitOfWork, found: _Account, code: str, now: datetime) -> int | str:
    """The TOTP step the code matched, or the cause of the failure."""
    if found.totp_secret_ct is None:
        return "totp-not-enrolled"
    secret = uow.credentials.open_credential(found.id, TOTP_FIELD, found.totp_secret_ct)
    try:
        return verify_totp(secret, code, at=now, last_used_step=found.totp_last_step)
    except AuthenticationRequired as error:
        return error.reasons[0].code if error.reasons else "totp-wrong"


def _record_failure(session: Session, uow: UnitOfWork, user_id: str | None, cause: str) -> None:
    now = uow.now()
    user = session.get(User, user_id, with_for_update=True) if user_id is not None else None
    if user is not None:
        user.failed_attempts = (user.failed_attempts or 0) + 1
        user.last_failed_at = now
        user.locked_until = login_gate(failure_history(user), now, uow.access.lockout).retry_at
    record_event(
        session,
        at=now,
        operation=Operation.SIGN_IN,
        outcome=Outcome.REFUSED,
        actor_id=user_id,
        reason=f"sign-in refused: {cause}",
    )


def sign_in(*, uow: UnitOfWork, account: str, password: str, code: str) -> SignedIn:
    """Check ``account``'s password and TOTP ``code`` and open a web session.

    Raises ``AuthenticationRequired``: throttled or locked (the gate's reason), or, for any
    wrong account, password, code, a replayed code or a disabled account, one reason alike.
    """
    now = uow.now()
    found = _read_account(uow, account)
    if found is not None:
        _turn_away(uow, found, now)
    password_ok = passwords().verify(found.password_hash if found else None, password)
    step: int | str
    if found is None:
        step = "unknown-account"
    elif not password_ok:
        step = "password-wrong"
    elif not found.usable:
        step = "account-disabled"
    else:
        step = _check_second_factor(uow, found, code, now)
    signed: SignedIn | None = None
    with uow.transaction() as session:
        if found is not None and isinstance(step, int):
            step = _claim_step(session, uow, found, step, password) or step
        if found is not None and isinstance(step, int):
            user = _user(session, found.id)
            record_event(
                session, at=now, operation=Operation.SIGN_IN, actor_id=user.id, reason="signed in"
            )
            signed = open_session(session, uow, user)
        else:
            _record_failure(session, uow, found.id if found else None, str(step))
    if signed is None:
        raise _refused()
    return signed


def _claim_step(
    session: Session, uow: UnitOfWork, found: _Account, step: int, password: str
) -> str | None:
    """Record ``step`` as used unless a concurrent sign-in used it first (then a replay)."""
    claimed = session.execute(
        update(User)
        .where(
            User.id == found.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step, failed_attempts=0, last_failed_at=None, locked_until=None)
    )
    if not getattr(claimed, "rowcount", 0):
        return "totp-replayed"
    if found.password_hash is not None and passwords().needs_rehash(found.password_hash):
        session.execute(
            update(User).where(User.id == found.id).values(password_hash=passwords().hash(password))
        )
    return None
