"""argon2id password hashing and TOTP verification, through the crypto adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import argon2
import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from listwarden.crypto.passwords import (
    PASSWORD_PARAMETERS,
    Passwords,
    new_api_token,
    new_totp_secret,
    totp_provisioning_uri,
    verify_totp,
)
from listwarden.domain.authn import (
    ApiTokenGrant,
    api_token_digest,
    check_api_token,
    parse_api_token,
)
from listwarden.domain.errors import AuthenticationRequired, CryptoError, Reason

# Tests hash with argon2-cffi's cheapest argon2id parameters; production uses RFC 9106's.
CHEAP = argon2.profiles.CHEAPEST
T0 = datetime(2025, 3, 1, 9, 0, 10, tzinfo=UTC)


def test_production_parameters_are_argon2id_with_64_mib() -> None:
    assert PASSWORD_PARAMETERS.type is argon2.Type.ID
    assert PASSWORD_PARAMETERS.memory_cost == 65536
    assert PASSWORD_PARAMETERS.time_cost == 3
    assert Passwords().hash("correct horse battery").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_only_argon2id_is_accepted() -> None:
    with pytest.raises(ValueError, match="argon2id only"):
        Passwords(argon2.Parameters(argon2.Type.I, 19, 8, 4, 1, 8, 1))


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=64), st.text(min_size=1, max_size=64))
def test_a_hash_verifies_its_password_and_no_other(password: str, other: str) -> None:
    passwords = Passwords(CHEAP)
    stored = passwords.hash(password)
    assert passwords.verify(stored, password)
    assert passwords.verify(stored, other) is (other == password)


def test_an_unknown_account_verifies_a_dummy_and_fails() -> None:
    assert Passwords(CHEAP).verify(None, "anything at all") is False


def test_an_overlong_password_is_refused_without_hashing() -> None:
    passwords = Passwords(CHEAP)
    stored = passwords.hash("x" * 257)
    assert passwords.verify(stored, "x" * 257) is False


def test_a_hash_made_with_other_parameters_needs_rehash() -> None:
    old = Passwords(CHEAP).hash("correct horse battery")
    assert Passwords().needs_rehash(old)
    assert not Passwords(CHEAP).needs_rehash(old)


def test_an_unreadable_stored_hash_is_a_crypto_error() -> None:
    with pytest.raises(CryptoError, match="cannot be read"):
        Passwords(CHEAP).verify("not a hash", "correct horse battery")
    with pytest.raises(CryptoError, match="cannot be read"):
        Passwords(CHEAP).needs_rehash("$argon2id$garbage")


def test_provisioning_uri_names_issuer_and_account() -> None:
    secret = new_totp_secret()
    assert len(secret) == 32
    uri = urlparse(totp_provisioning_uri(secret, account="a.officer@met"))
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/listwarden:a.officer%40met")
    query = parse_qs(uri.query)
    assert query["secret"] == [secret]
    assert query["issuer"] == ["listwarden"]


def code_at(secret: str, at: datetime, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(at + timedelta(seconds=30 * steps))


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_code_one_step_either_side_is_accepted(offset: int) -> None:
    secret = new_totp_secret()
    step = verify_totp(secret, code_at(secret, T0, offset), at=T0, last_used_step=None)
    assert step == pyotp.TOTP(secret).timecode(T0) + offset


@pytest.mark.parametrize("offset", [-2, 2])
def test_a_code_two_steps_away_is_refused(offset: int) -> None:
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    code = code_at(secret, T0, offset)
    near = {code_at(secret, T0, n) for n in (-1, 0, 1)}
    if code in near:  # one in a million: the far code equals a near one
        pytest.skip("code collision")
    with pytest.raises(AuthenticationRequired) as refused:
        verify_totp(secret, code, at=T0, last_used_step=None)
    assert refused.value.reasons == (Reason("totp-wrong", "the code is wrong", "code"),)


def test_a_used_code_is_refused_and_an_older_one_too() -> None:
    secret = new_totp_secret()
    used = verify_totp(secret, code_at(secret, T0), at=T0, last_used_step=None)
    with pytest.raises(AuthenticationRequired) as replayed:
        verify_totp(secret, code_at(secret, T0), at=T0 + timedelta(seconds=5), last_used_step=used)
    assert replayed.value.reasons[0].code == "totp-replayed"
    with pytest.raises(AuthenticationRequired):
        verify_totp(secret, code_at(secret, T0, -1), at=T0, last_used_step=used)
    later = T0 + timedelta(seconds=30)
    assert verify_totp(secret, code_at(secret, later), at=later, last_used_step=used) == used + 1


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", "١٢٣٤٥٦", ""])
def test_a_code_that_is_not_six_digits_is_refused(code: str) -> None:
    with pytest.raises(AuthenticationRequired) as refused:
        verify_totp(new_totp_secret(), code, at=T0, last_used_step=None)
    assert refused.value.reasons[0].code == "totp-malformed"


def test_spaces_in_a_code_are_ignored() -> None:
    secret = new_totp_secret()
    code = code_at(secret, T0)
    assert verify_totp(secret, f"{code[:3]} {code[3:]}", at=T0, last_used_step=None)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        verify_totp(new_totp_secret(), "123456", at=datetime(2025, 1, 1), last_used_step=None)


def test_a_new_api_token_is_well_formed_and_checks_against_its_grant() -> None:
    issued = new_api_token()
    assert parse_api_token(issued.text).token_id == issued.token_id
    assert issued.digest == api_token_digest(issued.text)
    grant = ApiTokenGrant(
        token_id=issued.token_id,
        user_id="u-1",
        digest=issued.digest,
        scopes=frozenset({"entry:consult"}),
        issued_at=T0,
        expires_at=T0 + timedelta(days=1),
    )
    check_api_token(grant, issued.text, T0)
    assert new_api_token().text != issued.text
