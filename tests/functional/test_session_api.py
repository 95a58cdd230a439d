"""Signing in and out through the API: the cookie's attributes, CSRF on unsafe requests, 401s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from listwarden.bootstrap import Register
from listwarden.services import signin
from listwarden.services.users import issue_token
from listwarden.web.app import create_app
from listwarden.web.deps import CSRF_HEADER, SESSION_COOKIE
from tests.factories import Cast, make_cast

PASSWORD = "correct horse battery staple"


class Browser:
    """A client over HTTPS (Secure cookies are sent only there) with one signed-up officer."""

    def __init__(self, client: TestClient, register: Register) -> None:
        self.client, self.register = client, register
        self.cast: Cast = make_cast(register)
        uow = register.uow
        self.user_id = self.cast.iao.id
        signin.set_password(uow=uow, actor_id=None, user_id=self.user_id, password=PASSWORD)
        totp = pyotp.parse_uri(signin.enrol_totp(uow=uow, actor_id=None, user_id=self.user_id))
        assert isinstance(totp, pyotp.TOTP)
        self.totp = totp

    def sign_in(self, **override: str) -> Any:
        body = {"account": self.user_id, "password": PASSWORD, "code": self.totp.now(), **override}
        return self.client.post("/api/v1/session", json=body)


@pytest.fixture
def browser(register: Register) -> Iterator[Browser]:
    with TestClient(create_app(register), base_url="https://testserver") as client:
        yield Browser(client, register)


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def test_sign_in_sets_a_host_only_secure_strict_cookie(browser: Browser) -> None:
    response = browser.sign_in()
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["user_id"], body["role"]) == (browser.user_id, "iao")
    cookie = response.headers["set-cookie"]
    name, _, attributes = cookie.partition(";")
    assert name.startswith(SESSION_COOKIE + "=")
    parts = {p.strip().split("=")[0].lower(): p.strip() for p in attributes.split(";")}
    assert {"secure", "httponly", "samesite", "path", "expires"} <= set(parts)
    assert parts["samesite"].lower() == "samesite=strict"
    assert parts["path"] == "Path=/"
    assert "domain" not in parts  # __Host- cookies are host-only
    assert browser.client.get("/api/v1/lists").status_code == 200


def test_a_wrong_code_is_a_401_problem_and_sets_no_cookie(browser: Browser) -> None:
    wrong = "123456" if browser.totp.now() != "123456" else "654321"
    body = _problem(browser.sign_in(code=wrong), 401)
    assert body["reasons"] == [{"code": "sign-in-failed", "detail": "check them and try again"}]
    assert SESSION_COOKIE not in browser.client.cookies
    assert _problem(browser.client.get("/api/v1/lists"), 401)["type"] == (
        "/problems/authentication-required"
    )


def test_unsafe_requests_with_the_cookie_need_the_csrf_token(browser: Browser) -> None:
    csrf = browser.sign_in().json()["csrf_token"]
    refused = _problem(browser.client.post("/api/v1/lists", json={"name": "Forged"}), 403)
    assert refused["policy"] == "csrf"
    wrong = browser.client.post(
        "/api/v1/lists", json={"name": "Forged"}, headers={CSRF_HEADER: "0" * 64}
    )
    assert _problem(wrong, 403)["policy"] == "csrf"
    made = browser.client.post("/api/v1/lists", json={"name": "Made"}, headers={CSRF_HEADER: csrf})
    assert made.status_code == 201, made.text
    # A bearer token is not sent by browsers on their own, so it needs no CSRF token.
    token = issue_token(uow=browser.register.uow, user_id=browser.user_id)
    by_token = browser.client.post(
        "/api/v1/lists", json={"name": "By token"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert by_token.status_code == 201, by_token.text


def test_sign_out_ends_the_session_for_the_old_cookie(browser: Browser) -> None:
    csrf = browser.sign_in().json()["csrf_token"]
    cookie = browser.client.cookies[SESSION_COOKIE]
    assert _problem(browser.client.delete("/api/v1/session"), 403)["policy"] == "csrf"
    signed_out = browser.client.delete("/api/v1/session", headers={CSRF_HEADER: csrf})
    assert signed_out.status_code == 204, signed_out.text
    assert SESSION_COOKIE not in browser.client.cookies
    browser.client.cookies.set(SESSION_COOKIE, cookie)  # a stolen copy of the old cookie
    body = _problem(browser.client.get("/api/v1/lists"), 401)
    assert body["reasons"][0]["code"] == "session-ended"


def test_disabling_the_account_ends_its_session_and_tokens(browser: Browser) -> None:
    browser.sign_in()
    token = issue_token(uow=browser.register.uow, user_id=browser.user_id)
    admin = issue_token(uow=browser.register.uow, user_id=browser.cast.admin.id)
    disabled = browser.client.post(
        f"/api/v1/users/{browser.user_id}/disable",
        json={"reason": "suspended pending inquiry"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["sessions_ended"] == 1
    assert _problem(browser.client.get("/api/v1/lists"), 401)["reasons"][0]["code"] == (
        "session-ended"
    )
    by_token = browser.client.get("/api/v1/lists", headers={"Authorization": f"Bearer {token}"})
    assert _problem(by_token, 401)["type"] == "/problems/authentication-required"


def test_a_form_post_carries_the_csrf_token_in_its_field(browser: Browser) -> None:
    csrf = browser.sign_in().json()["csrf_token"]
    # A form a page posts: the token travels in the csrf_token field, not a header.
    forged = browser.client.post("/api/v1/lists", data={"name": "Forged"})
    assert _problem(forged, 403)["policy"] == "csrf"
    wrong = browser.client.post("/api/v1/lists", data={"name": "Forged", "csrf_token": "x"})
    assert _problem(wrong, 403)["policy"] == "csrf"
    # With the right token the CSRF check passes, and the JSON route then refuses the form body.
    right = browser.client.post("/api/v1/lists", data={"name": "Made", "csrf_token": csrf})
    assert _problem(right, 422)["type"] == "/problems/invalid-input"


def test_a_bearer_token_wins_over_a_cookie(browser: Browser) -> None:
    browser.sign_in()
    auditor = issue_token(uow=browser.register.uow, user_id=browser.cast.auditor.id)
    events = browser.client.get("/api/v1/events", headers={"Authorization": f"Bearer {auditor}"})
    assert events.status_code == 200, events.text  # the auditor reads the log; the IAO may not
    assert _problem(browser.client.get("/api/v1/events"), 403)["policy"]
