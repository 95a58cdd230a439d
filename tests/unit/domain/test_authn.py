"""Authentication rules: password length, back-off and lockout, TOTP replay, API token terms."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listwarden.domain.authn import (
    DEFAULT_LOCKOUT,
    ApiTokenGrant,
    ApiTokenText,
    AttemptOutcome,
    LockoutPolicy,
    LoginAttempt,
    LoginGate,
    api_token_digest,
    backoff_delay,
    check_api_token,
    format_api_token,
    fresh_totp_step,
    login_gate,
    parse_api_token,
    require_acceptable_password,
    require_login_heard,
    require_token_scope,
    require_token_terms,
    totp_steps_around,
)
from listwarden.domain.errors import AccessDenied, AuthenticationRequired, InvalidInput, Reason

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
FAILED, SUCCEEDED, UNLOCKED = (
    AttemptOutcome.FAILED,
    AttemptOutcome.SUCCEEDED,
    AttemptOutcome.UNLOCKED,
)


def failures(
    count: int, start: datetime = T0, every: timedelta = timedelta(seconds=1)
) -> list[LoginAttempt]:
    return [LoginAttempt(start + n * every, FAILED) for n in range(count)]


# Passwords


def test_password_length_is_the_rule() -> None:
    require_acceptable_password("correct horse battery")
    with pytest.raises(InvalidInput) as short:
        require_acceptable_password("  eleven chr ")
    assert short.value.reasons == (
        Reason("password-too-short", "use at least 12 characters", "password"),
    )
    with pytest.raises(InvalidInput) as long:
        require_acceptable_password("x" * 257)
    assert long.value.reasons[0].code == "password-too-long"


# Back-off and lockout: written out by hand for the default policy.
EXPECTED_DELAYS = {0: 0, 1: 0, 2: 0, 3: 0, 4: 2, 5: 4, 6: 8, 7: 16, 8: 32, 9: 64}


@pytest.mark.parametrize(("count", "seconds"), EXPECTED_DELAYS.items())
def test_backoff_doubles_after_three_free_failures(count: int, seconds: int) -> None:
    assert backoff_delay(count) == timedelta(seconds=seconds)


def test_backoff_is_capped() -> None:
    policy = LockoutPolicy(lock_after=1000)
    assert backoff_delay(14, policy) == timedelta(minutes=15)
    assert backoff_delay(10**6, policy) == timedelta(minutes=15)


def test_no_history_is_heard() -> None:
    assert login_gate([], T0) == LoginGate(True, 0, False, None)


def test_the_fourth_failure_makes_the_next_attempt_wait() -> None:
    history = failures(4)
    last = history[-1].at
    assert login_gate(history, last + timedelta(seconds=1)) == LoginGate(
        False, 4, False, last + timedelta(seconds=2)
    )
    assert login_gate(history, last + timedelta(seconds=2)).allowed


def test_the_wait_is_explained() -> None:
    history = failures(5)
    with pytest.raises(AuthenticationRequired) as refused:
        require_login_heard(history, history[-1].at)
    assert refused.value.detail == "too many failed sign-ins"
    assert refused.value.reasons == (
        Reason("sign-in-throttled", "try again after 2025-03-01T09:00:08+00:00"),
    )


def test_ten_failures_lock_until_an_administrator_unlocks() -> None:
    history = failures(10)
    a_year_later = T0 + timedelta(days=365)
    assert login_gate(history, a_year_later) == LoginGate(False, 10, True, None)
    with pytest.raises(AuthenticationRequired) as refused:
        require_login_heard(history, a_year_later)
    assert refused.value.reasons == (Reason("account-locked", "ask an administrator to unlock it"),)
    unlocked = [*history, LoginAttempt(T0 + timedelta(hours=1), UNLOCKED)]
    assert login_gate(unlocked, a_year_later) == LoginGate(True, 0, False, None)


def test_a_timed_lock_allows_one_attempt_per_period() -> None:
    policy = LockoutPolicy(lock_for=timedelta(hours=1))
    history = failures(10)
    last = history[-1].at
    assert login_gate(history, last + timedelta(minutes=59), policy) == LoginGate(
        False, 10, True, last + timedelta(hours=1)
    )
    assert login_gate(history, last + timedelta(hours=1), policy).allowed
    again = [*history, LoginAttempt(last + timedelta(hours=1), FAILED)]
    assert login_gate(again, last + timedelta(hours=1, seconds=1), policy).locked


def test_a_success_clears_the_failures() -> None:
    history = [
        *failures(9),
        LoginAttempt(T0 + timedelta(minutes=5), SUCCEEDED),
        *failures(2, T0 + timedelta(minutes=6)),
    ]
    assert login_gate(history, T0 + timedelta(minutes=7)) == LoginGate(True, 2, False, None)


def test_history_order_does_not_matter() -> None:
    history = [*failures(9), LoginAttempt(T0 + timedelta(minutes=5), SUCCEEDED)]
    assert login_gate(list(reversed(history)), T0 + timedelta(minutes=6)).failures == 0


outcomes = st.lists(st.sampled_from(list(AttemptOutcome)), max_size=30)


@given(outcomes, st.integers(min_value=0, max_value=100_000))
def test_gate_properties(sequence: list[AttemptOutcome], later_s: int) -> None:
    history = [LoginAttempt(T0 + timedelta(seconds=n), o) for n, o in enumerate(sequence)]
    now = T0 + timedelta(seconds=len(sequence) + later_s)
    gate = login_gate(history, now)
    trailing = 0
    for outcome in reversed(sequence):
        if outcome is not FAILED:
            break
        trailing += 1
    assert gate.failures == trailing
    assert gate.allowed == (gate.retry_at is None and not gate.locked)
    if trailing <= DEFAULT_LOCKOUT.free_failures:
        assert gate.allowed
    if trailing >= DEFAULT_LOCKOUT.lock_after:
        assert gate.locked
    if gate.retry_at is not None:
        assert gate.retry_at > now
        assert login_gate(history, gate.retry_at).allowed


@settings(deadline=None)  # pure arithmetic; only a busy machine makes one example slow
@given(st.integers(min_value=0, max_value=500))
def test_backoff_never_shrinks(count: int) -> None:
    policy = LockoutPolicy(lock_after=10_000)
    assert backoff_delay(count, policy) <= backoff_delay(count + 1, policy)


# TOTP replay


def test_steps_around_allow_one_either_side() -> None:
    assert list(totp_steps_around(100)) == [99, 100, 101]


def test_a_code_is_good_once() -> None:
    assert fresh_totp_step([100], None) == 100
    assert fresh_totp_step([100], 99) == 100
    with pytest.raises(AuthenticationRequired) as replayed:
        fresh_totp_step([100], 100)
    assert replayed.value.reasons == (Reason("totp-replayed", "wait for the next code", "code"),)
    with pytest.raises(AuthenticationRequired):
        fresh_totp_step([99], 100)  # an older code after a newer one


def test_a_wrong_code_says_so() -> None:
    with pytest.raises(AuthenticationRequired) as wrong:
        fresh_totp_step([], None)
    assert wrong.value.reasons == (Reason("totp-wrong", "the code is wrong", "code"),)


def test_of_several_matches_the_newest_fresh_one_is_used() -> None:
    assert fresh_totp_step([101, 99], 100) == 101


# API tokens

TOKEN_ID = "0123456789abcdef"
SECRET = "A" * 42 + "_"


def test_token_format_round_trips() -> None:
    text = format_api_token(TOKEN_ID, SECRET)
    assert text == f"lw1.{TOKEN_ID}.{SECRET}"
    assert parse_api_token(text) == ApiTokenText(TOKEN_ID, SECRET)
    assert str(ApiTokenText(TOKEN_ID, SECRET)) == text


@given(
    st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        min_size=43,
        max_size=43,
    ),
)
def test_every_well_formed_token_round_trips(token_id: str, secret: str) -> None:
    assert parse_api_token(format_api_token(token_id, secret)) == ApiTokenText(token_id, secret)


@given(st.text(max_size=80))
def test_parsing_arbitrary_text_never_fails_otherwise(text: str) -> None:
    try:
        parsed = parse_api_token(text)
    except AuthenticationRequired as error:
        codes = [r.code for r in error.reasons]
    else:
        codes = []
        assert format_api_token(parsed.token_id, parsed.secret) == text.strip()
    assert codes in ([], ["token-invalid"])


@pytest.mark.parametrize(
    "text",
    [
        "",
        f"lw2.{TOKEN_ID}.{SECRET}",
        f"lw1.{TOKEN_ID.upper()}.{SECRET}",
        f"lw1.{TOKEN_ID}.{SECRET}=",
        f"lw1.{TOKEN_ID}.{SECRET[:-1]}",
        f"lw1_{TOKEN_ID}_{SECRET}",
    ],
)
def test_malformed_tokens_are_refused(text: str) -> None:
    with pytest.raises(AuthenticationRequired):
        parse_api_token(text)
    with pytest.raises(ValueError, match="16-hex-digit id"):
        format_api_token(TOKEN_ID, SECRET + "x")


TOKEN = format_api_token(TOKEN_ID, SECRET)


def grant(**changes: Any) -> ApiTokenGrant:
    issued = ApiTokenGrant(
        token_id=TOKEN_ID,
        user_id="u-1",
        digest=api_token_digest(TOKEN),
        scopes=frozenset({"entry:consult"}),
        issued_at=T0,
        expires_at=T0 + timedelta(days=30),
    )
    return replace(issued, **changes)


def test_a_current_token_is_accepted_until_it_expires() -> None:
    check_api_token(grant(), TOKEN, T0 + timedelta(days=29))
    with pytest.raises(AuthenticationRequired) as expired:
        check_api_token(grant(), TOKEN, T0 + timedelta(days=30))
    assert expired.value.reasons == (Reason("token-expired", "issue a new one"),)


def test_a_revoked_token_is_refused_at_once() -> None:
    revoked = grant(revoked_at=T0 + timedelta(days=1))
    check_api_token(revoked, TOKEN, T0 + timedelta(hours=23))
    with pytest.raises(AuthenticationRequired) as refused:
        check_api_token(revoked, TOKEN, T0 + timedelta(days=1))
    assert refused.value.reasons[0].code == "token-revoked"


def test_a_wrong_secret_and_an_unknown_token_are_refused_alike() -> None:
    wrong = format_api_token(TOKEN_ID, "B" * 43)
    with pytest.raises(AuthenticationRequired) as wrong_secret:
        check_api_token(grant(), wrong, T0)
    with pytest.raises(AuthenticationRequired) as unknown:
        check_api_token(None, TOKEN, T0)
    assert (
        wrong_secret.value.reasons
        == unknown.value.reasons
        == (Reason("token-invalid", "unknown token"),)
    )


def test_a_token_acts_only_within_its_scopes() -> None:
    require_token_scope(grant(), "entry:consult")
    with pytest.raises(AccessDenied) as refused:
        require_token_scope(grant(), "entry:erase")
    assert refused.value.policy == "token-scope"
    assert refused.value.detail == "this API token is not scoped for entry:erase"


def test_token_terms_are_checked_before_issue() -> None:
    require_token_terms(["entry:consult", "register:read"], T0, T0 + timedelta(days=365))
    with pytest.raises(InvalidInput) as refused:
        require_token_terms(["Entry:Consult", "*", "list:read"], T0, T0 + timedelta(days=366))
    assert [r.code for r in refused.value.reasons] == [
        "scope-invalid",
        "scope-invalid",
        "scope-invalid",
        "lifetime-invalid",
    ]
    with pytest.raises(InvalidInput) as empty:
        require_token_terms([], T0, T0)
    assert [r.code for r in empty.value.reasons] == ["scopes-missing", "lifetime-invalid"]
