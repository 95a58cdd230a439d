"""SCIM 2.0 provisioning as an identity system drives it: joiners, movers and leavers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.services import grants
from listwarden.services.users import issue_token
from listwarden.store.tables import Grant
from listwarden.web.app import create_app
from tests.factories import Cast, authorised_list, make_cast, train

EXTENSION = "urn:listwarden:params:scim:schemas:extension:2.0:User"
LEAVE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "replace", "path": "active", "value": False}],
}


def user(user_id: str, role: str = "officer", active: bool = True) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", EXTENSION],
        "userName": user_id,
        "displayName": "Pat Provisioned",
        "active": active,
        "emails": [{"value": "pat@example.police.uk"}],  # kept by the identity system only
        EXTENSION: {"role": role, "bcus": ["CE"], "unit": "Gangs CE"},
    }


class Scim:
    def __init__(self, client: TestClient, register: Register) -> None:
        self.client, self.register = client, register
        self.cast: Cast = make_cast(register)
        token = issue_token(uow=register.uow, user_id=self.cast.admin.id, scopes={"user:manage"})
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, "/scim/v2" + path, headers=self.headers, **kwargs)


@pytest.fixture
def scim(register: Register) -> Iterator[Scim]:
    with TestClient(create_app(register), base_url="https://testserver") as client:
        yield Scim(client, register)


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def _scim_error(response: Any, status: int, scim_type: str | None = None) -> dict[str, Any]:
    """RFC 7644 s.3.12: the error schema, the status as a string, and the scimType."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/scim+json"
    body: dict[str, Any] = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(status)
    assert body["detail"]
    assert body.get("scimType") == scim_type
    return body


def test_a_joiner_is_created_and_found(scim: Scim) -> None:
    made = scim.call("POST", "/Users", json=user("pc-4411"))
    assert made.status_code == 201, made.text
    assert made.headers["content-type"] == "application/scim+json"
    body = made.json()
    assert (body["id"], body["active"], body[EXTENSION]["role"]) == ("pc-4411", True, "officer")
    assert body[EXTENSION]["gangUnit"] is True
    found = scim.call("GET", "/Users", params={"filter": 'userName eq "pc-4411"'}).json()
    assert found["totalResults"] == 1
    assert [r["id"] for r in found["Resources"]] == ["pc-4411"]
    again = _scim_error(scim.call("POST", "/Users", json=user("pc-4411")), 409, "uniqueness")
    assert again["reasons"][0]["code"] == "user-exists"
    bad = _scim_error(
        scim.call("GET", "/Users", params={"filter": "displayName co x"}), 400, "invalidFilter"
    )
    assert bad["reasons"][0]["code"] == "invalidFilter"
    unknown = _scim_error(
        scim.call("POST", "/Users", json=user("pc-1", role="sheriff")), 400, "invalidValue"
    )
    assert unknown["reasons"][0]["code"] == "unknown-role"


def test_a_mover_loses_the_grants_the_new_role_does_not_justify(scim: Scim) -> None:
    register = scim.register
    matrix = authorised_list(register, scim.cast)
    assert scim.call("POST", "/Users", json=user("pc-5")).status_code == 201
    train(register, "pc-5", register.uow.access.mandatory_course)
    grant_id = grants.grant_access(uow=register.uow, actor=None, user_id="pc-5", list_id=matrix)
    moved = scim.call("PUT", "/Users/pc-5", json=user("pc-5", role="analyst"))
    assert moved.status_code == 200, moved.text
    assert moved.json()[EXTENSION]["role"] == "analyst"
    with register.uow.read_only() as session:
        grant = session.get(Grant, grant_id)
    assert grant is not None
    assert grant.revoked_at is not None
    assert grant.revoked_reason == "moved to analyst in Gangs CE"
    renamed = _scim_error(scim.call("PUT", "/Users/pc-5", json=user("pc-6")), 400, "mutability")
    assert renamed["reasons"][0]["code"] == "mutability"


def test_a_leaver_s_token_stops_at_once_and_the_account_is_kept(scim: Scim) -> None:
    assert scim.call("POST", "/Users", json=user("pc-7")).status_code == 201
    train(scim.register, "pc-7", scim.register.uow.access.mandatory_course)
    token = issue_token(uow=scim.register.uow, user_id="pc-7")
    own = {"Authorization": f"Bearer {token}"}
    assert scim.client.get("/api/v1/lists", headers=own).status_code == 200
    left = scim.call("PATCH", "/Users/pc-7", json=LEAVE)
    assert left.status_code == 200, left.text
    assert left.json()["active"] is False
    assert _problem(scim.client.get("/api/v1/lists", headers=own), 401)["reasons"][0]["code"] == (
        "token-revoked"
    )
    assert scim.call("GET", "/Users/pc-7").json()["active"] is False
    assert scim.call("POST", "/Users", json=user("pc-8")).status_code == 201
    assert scim.call("DELETE", "/Users/pc-8").status_code == 204
    assert scim.call("GET", "/Users/pc-8").json()["active"] is False
    odd = {**LEAVE, "Operations": [{"op": "replace", "path": "displayName", "value": "X"}]}
    assert _scim_error(scim.call("PATCH", "/Users/pc-8", json=odd), 400, "invalidPath")["reasons"][
        0
    ]["code"] == ("invalidPath")
    assert _scim_error(scim.call("GET", "/Users/nobody"), 404)["reasons"][0]["code"] == (
        "user-not-found"
    )


def test_only_an_administrator_s_user_manage_token_provisions(scim: Scim) -> None:
    register = scim.register
    officer = issue_token(uow=register.uow, user_id=scim.cast.officer.id)
    refused = scim.client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {officer}"})
    assert _scim_error(refused, 403)["policy"]
    reader = issue_token(uow=register.uow, user_id=scim.cast.admin.id, scopes={"register:read"})
    scoped = scim.client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {reader}"})
    assert _scim_error(scoped, 403)["policy"] == "token-scope"
    with register.uow.read_only() as session:
        assert session.scalars(select(Grant)).all() == []
    anonymous = scim.client.post("/scim/v2/Users", json=user("pc-9"))
    _scim_error(anonymous, 401)
    broken = scim.client.post(
        "/scim/v2/Users",
        content=b"{not json",
        headers={**scim.headers, "content-type": "application/scim+json"},
    )
    _scim_error(broken, 400, "invalidSyntax")
