"""Sharing through the API: packages come back once, refusals are problems with every reason."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pyrage import decrypt

from listwarden.bootstrap import Register
from listwarden.services.users import issue_token
from listwarden.web.app import create_app
from tests.sharing_world import SharingWorld, sharing_world


@pytest.fixture
def world(register: Register) -> SharingWorld:
    return sharing_world(register, people=21)


@pytest.fixture
def client(world: SharingWorld) -> Iterator[TestClient]:
    with TestClient(create_app(world.register)) as client:
        yield client


def bearer(world: SharingWorld, actor_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(uow=world.register.uow, user_id=actor_id)}"}


def body(world: SharingWorld, entries: list[str], **changes: object) -> dict[str, object]:
    ask = world.ask(entries)
    return {
        "recipient_id": ask.recipient_id,
        "agreement_id": ask.agreement_id,
        "purpose": ask.purpose,
        "entry_ids": list(ask.entry_ids),
        "fields": list(ask.fields),
        "justification": ask.justification,
        "entry_justifications": dict(ask.entry_justifications),
    } | changes


def test_a_disclosure_returns_its_package_once(world: SharingWorld, client: TestClient) -> None:
    analyst = bearer(world, world.cast.analyst.id)
    made = client.post("/api/v1/disclosures", json=body(world, world.entries[:2]), headers=analyst)
    assert made.status_code == 201, made.text
    found = made.json()
    assert found["status"] == "disclosed"
    assert found["fields_removed"] == ["address"]
    archive = decrypt(base64.b64decode(found["package_base64"]), [world.identity])
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        assert b"address" not in opened.read("disclosure.csv")


def test_a_refusal_is_a_problem_naming_every_reason(
    world: SharingWorld, client: TestClient
) -> None:
    analyst = bearer(world, world.cast.analyst.id)
    refused = client.post(
        "/api/v1/disclosures",
        json=body(world, ["all"], justification="", fields=["entry_id", "shoe_size"]),
        headers=analyst,
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == "/problems/sharing-not-permitted"
    assert {r["code"] for r in problem["reasons"]} == {
        "entries-not-explicit",
        "justification-missing",
        "field-unknown",
    }
    missing = client.post(
        "/api/v1/disclosures", json=body(world, world.entries, agreement_id="nope"), headers=analyst
    )
    assert missing.status_code == 404
    assert missing.json()["reasons"][0]["code"] == "agreement-not-found"


def test_more_than_twenty_need_a_second_approval_by_api(
    world: SharingWorld, client: TestClient
) -> None:
    analyst = bearer(world, world.cast.analyst.id)
    waiting = client.post("/api/v1/disclosures", json=body(world, world.entries), headers=analyst)
    assert waiting.status_code == 201
    assert waiting.json()["status"] == "awaiting_second_approval"
    assert waiting.json()["package_base64"] is None
    request_id = waiting.json()["request_id"]
    done = client.post(
        f"/api/v1/disclosures/{request_id}/approve", headers=bearer(world, world.iru2.id)
    )
    assert done.status_code == 200, done.text
    assert done.json()["entries"] == 21
    again = client.post(
        f"/api/v1/disclosures/{request_id}/approve", headers=bearer(world, world.iru2.id)
    )
    assert again.status_code == 409
    review = client.get("/api/v1/sharing/review", headers=bearer(world, world.cast.dpo.id))
    assert review.json()["disclosures"] == 1
