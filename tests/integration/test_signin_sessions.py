"""Web sign-in and sessions on both databases: password and TOTP, back-off and lockout, TOTP
replay, session expiry and idle timeout, sign-out, and revocation of a disabled account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.domain.authn import csrf_token_for, require_csrf, session_token_digest
from listwarden.domain.errors import AccessDenied, AuthenticationRequired
from listwarden.domain.vocabulary import Operation
from listwarden.services import sessions, signin
from listwarden.services.revocation import disable_user
from listwarden.store.tables import Event, User, WebSession
from tests.factories import Cast, make_cast

PASSWORD = "correct horse battery staple"
START = datetime(2026, 3, 2, 9, 0, 7, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Account:
    register: Register
    cast: Cast
    clock: Clock
    user_id: str
    totp: pyotp.TOTP

    def code(self, steps_ahead: int = 0) -> str:
        return self.totp.at(self.clock.now + timedelta(seconds=30 * steps_ahead))

    def sign_in(self, password: str = PASSWORD, code: str | None = None) -> sessions.SignedIn:
        return signin.sign_in(
            uow=self.register.uow,
            account=self.user_id,
            password=password,
            code=self.code() if code is None else code,
        )

    def refusal(self, **kwargs: str) -> AuthenticationRequired:
        with pytest.raises(AuthenticationRequired) as refused:
            self.sign_in(**kwargs)
        return refused.value

    def sign_in_reasons(self) -> list[tuple[str, str, str | None]]:
        with self.register.uow.read_only() as session:
            rows = session.execute(
                select(Event.operation, Event.outcome, Event.reason)
                .where(Event.operation.in_([Operation.SIGN_IN, Operation.SIGN_IN_TURNED_AWAY]))
                .order_by(Event.id)
            ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.fixture
def account(register: Register) -> Account:
    cast = make_cast(register)
    clock = Clock()
    register.uow.clock = clock
    uow = register.uow
    signin.set_password(uow=uow, actor_id=None, user_id=cast.officer.id, password=PASSWORD)
    uri = signin.enrol_totp(uow=uow, actor_id=None, user_id=cast.officer.id)
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    return Account(register, cast, clock, cast.officer.id, totp)


def test_password_and_code_open_a_session_kept_only_as_a_hash(account: Account) -> None:
    signed_in = account.sign_in()
    assert signed_in.actor.id == account.user_id
    uow = account.register.uow
    assert sessions.resolve_session(uow=uow, token=signed_in.token).id == account.user_id
    with uow.read_only() as session:
        stored = session.scalars(select(WebSession)).one()
        user = session.get(User, account.user_id)
    assert user is not None
    assert stored.token_hash == session_token_digest(signed_in.token)
    assert signed_in.token.encode() not in stored.token_hash
    # The TOTP secret is sealed at rest, and the password only hashed (argon2id).
    assert user.totp_secret_ct is not None
    assert account.totp.secret.encode() not in user.totp_secret_ct
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    assert account.sign_in_reasons() == [("session:open", "done", "signed in")]


def test_a_code_is_accepted_once_only(account: Account) -> None:
    code = account.code()
    account.sign_in(code=code)
    refused = account.refusal(code=code)
    assert refused.reasons[0].code == "sign-in-failed"
    account.clock.advance(seconds=30)
    previous_step = account.totp.at(account.clock.now - timedelta(seconds=30))
    assert account.refusal(code=previous_step).reasons[0].code == "sign-in-failed"
    account.sign_in()  # the next step's code is fresh
    reasons = [reason for _op, _outcome, reason in account.sign_in_reasons()]
    assert reasons == [
        "signed in",
        "sign-in refused: totp-replayed",
        "sign-in refused: totp-replayed",
        "signed in",
    ]


def test_every_wrong_credential_is_refused_alike_and_logged_with_its_cause(
    account: Account,
) -> None:
    details = {
        account.refusal(password="wrong horse battery staple").detail,
        account.refusal(code="000000" if account.code() != "000000" else "111111").detail,
    }
    with pytest.raises(AuthenticationRequired) as unknown:
        signin.sign_in(uow=account.register.uow, account="nobody", password=PASSWORD, code="1")
    details.add(unknown.value.detail)
    assert details == {"the account, password or code is wrong"}
    assert [r for _o, _s, r in account.sign_in_reasons()] == [
        "sign-in refused: password-wrong",
        "sign-in refused: totp-wrong",
        "sign-in refused: unknown-account",
    ]


def test_failures_back_off_then_lock_the_account(account: Account) -> None:
    wrong = "not the password at all"
    for _ in range(4):  # three free failures, then the fourth starts the back-off
        account.refusal(password=wrong)
        account.clock.advance(seconds=0.5)
    throttled = account.refusal()  # even the right password is not heard yet
    assert throttled.reasons[0].code == "sign-in-throttled"
    account.clock.advance(seconds=2)
    account.refusal(password=wrong)  # heard after the 2 s wait; the next wait is 4 s
    account.clock.advance(seconds=3)
    assert account.refusal().reasons[0].code == "sign-in-throttled"
    account.clock.advance(seconds=1)
    for failures in range(6, 11):
        account.refusal(password=wrong)
        account.clock.advance(minutes=16)
        del failures
    locked = account.refusal()
    assert locked.reasons[0].code == "account-locked"
    account.clock.advance(days=2)
    assert account.refusal().reasons[0].code == "account-locked"
    outcomes = account.sign_in_reasons()
    assert outcomes.count(("session:turned_away", "refused", "sign-in throttled")) == 2
    assert outcomes.count(("session:turned_away", "refused", "account locked")) == 2
    assert outcomes.count(("session:open", "refused", "sign-in refused: password-wrong")) == 10

    signin.unlock_account(uow=account.register.uow, actor_id=None, user_id=account.user_id)
    assert account.sign_in().actor.id == account.user_id


def test_a_session_ends_when_idle_or_expired_or_signed_out(account: Account) -> None:
    uow = account.register.uow
    idle = account.sign_in()
    account.clock.advance(minutes=31)
    with pytest.raises(AuthenticationRequired) as refused:
        sessions.resolve_session(uow=uow, token=idle.token)
    assert refused.value.reasons[0].code == "session-idle"

    busy = account.sign_in()
    for _ in range(29):  # a request every 20 minutes keeps it alive until its 10 hours are up
        account.clock.advance(minutes=20)
        sessions.resolve_session(uow=uow, token=busy.token)
    account.clock.advance(minutes=20)
    with pytest.raises(AuthenticationRequired) as refused:
        sessions.resolve_session(uow=uow, token=busy.token)
    assert refused.value.reasons[0].code == "session-expired"

    account.clock.advance(seconds=30)
    left = account.sign_in()
    sessions.sign_out(uow=uow, token=left.token)
    with pytest.raises(AuthenticationRequired) as refused:
        sessions.resolve_session(uow=uow, token=left.token)
    assert refused.value.reasons[0].code == "session-ended"
    with pytest.raises(AuthenticationRequired) as refused:
        sessions.resolve_session(uow=uow, token="made-up-token")
    assert refused.value.reasons[0].code == "session-unknown"


def test_disabling_an_account_ends_its_sessions_at_once(account: Account) -> None:
    uow = account.register.uow
    signed_in = account.sign_in()
    revoked = disable_user(
        uow=uow, actor=account.cast.admin, user_id=account.user_id, reason="suspended"
    )
    assert revoked.sessions_ended == 1
    with pytest.raises(AuthenticationRequired) as refused:
        sessions.resolve_session(uow=uow, token=signed_in.token)
    assert refused.value.reasons[0].code == "session-ended"
    account.clock.advance(seconds=30)
    refusal = account.refusal()  # the right password and code no longer sign in
    assert refusal.reasons[0].code == "sign-in-failed"
    assert account.sign_in_reasons()[-1][2] == "sign-in refused: account-disabled"


def test_only_an_administrator_disables_an_account(account: Account) -> None:
    with pytest.raises(AccessDenied):
        disable_user(
            uow=account.register.uow,
            actor=account.cast.iao,
            user_id=account.user_id,
            reason="no reason",
        )
    account.sign_in()


def test_the_csrf_token_is_bound_to_its_session(account: Account) -> None:
    one, other = account.sign_in(), None
    account.clock.advance(seconds=30)
    other = account.sign_in()
    assert one.csrf_token == csrf_token_for(one.token) != other.csrf_token
    require_csrf(one.token, one.csrf_token)
    for presented in (other.csrf_token, None, ""):
        with pytest.raises(AccessDenied) as refused:
            require_csrf(one.token, presented)
        assert refused.value.policy == "csrf"
