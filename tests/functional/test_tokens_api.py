"""API tokens through the API: expiry, scopes (each refusal logged), and revocation at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.services.access_review import sync_hr_feed
from listwarden.services.users import issue_token
from listwarden.store.tables import Event
from listwarden.web.app import create_app
from tests.factories import Cast, add_person, authorised_list, make_cast

WHY = {"purpose": "gang_violence_reduction", "justification": "pre-operation briefing CE"}
FEED = "user_id,name,role,bcus,unit,status,effective_date\n"


@pytest.fixture
def client(register: Register) -> Iterator[TestClient]:
    with TestClient(create_app(register), base_url="https://testserver") as client:
        yield client


def _get(client: TestClient, token: str, path: str = "/api/v1/lists") -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def _refusal(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def test_an_expired_token_gets_401(register: Register, client: TestClient) -> None:
    cast = make_cast(register)
    now = register.uow.now()
    token = issue_token(
        uow=register.uow, user_id=cast.iao.id, expires_at=now + timedelta(minutes=5)
    )
    assert _get(client, token).status_code == 200
    register.uow.clock = lambda: now + timedelta(minutes=5, seconds=1)
    body = _refusal(_get(client, token), 401)
    assert body["reasons"] == [{"code": "token-expired", "detail": "issue a new one"}]
    assert _refusal(_get(client, "lw_an-old-style-token"), 401)["reasons"][0]["code"] == (
        "token-invalid"
    )


def test_a_token_outside_its_scope_is_refused_and_logged(
    register: Register, client: TestClient
) -> None:
    cast: Cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry = add_person(register, cast, matrix)
    reader = issue_token(uow=register.uow, user_id=cast.officer.id, scopes={"register:read"})
    assert _get(client, reader).status_code == 200
    consult = client.post(
        f"/api/v1/entries/{entry}/consult", json=WHY, headers={"Authorization": f"Bearer {reader}"}
    )
    assert _refusal(consult, 403)["policy"] == "token-scope"
    with register.uow.read_only() as session:
        reasons = session.scalars(
            select(Event.reason).where(Event.operation == "request:refused")
        ).all()
    assert len(reasons) == 1
    assert reasons[0].startswith("entry:consult refused by token-scope")


def test_a_leaver_s_token_stops_at_the_next_request(register: Register, client: TestClient) -> None:
    cast = make_cast(register)
    token = issue_token(uow=register.uow, user_id=cast.analyst.id)
    assert _get(client, token).status_code == 200
    sync_hr_feed(
        uow=register.uow, text=FEED + f"{cast.analyst.id},A,analyst,CE,Gangs,leaver,2026-01-05\n"
    )
    body = _refusal(_get(client, token), 401)
    assert body["type"] == "/problems/authentication-required"
    assert body["reasons"][0]["code"] == "token-revoked"
