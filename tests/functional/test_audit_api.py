"""The access log's API as an auditor's client uses it, and the server's background upkeep."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from listwarden.auditlog.checkpoint import NoteVerifier, verify_note
from listwarden.auditlog.merkle import verify_inclusion
from listwarden.bootstrap import Register
from listwarden.services.users import issue_token
from listwarden.store.tables import LogLeaf
from listwarden.web.app import create_app
from tests.factories import add_person, authorised_list, make_cast

WHY = {"purpose": "gang_violence_reduction", "justification": "briefing before a visit"}


class Api:
    def __init__(self, client: TestClient, register: Register) -> None:
        self.client, self.register = client, register
        self.cast = make_cast(register)
        self.tokens = {
            role: issue_token(uow=register.uow, user_id=getattr(self.cast, role).id)
            for role in ("auditor", "dpo", "admin", "officer")
        }

    def get(self, path: str, role: str = "auditor", **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return self.client.get(f"/api/v1/audit{path}", headers=headers, params=params)


@pytest.fixture
def api(register: Register) -> Iterator[Api]:
    register.settings = register.settings.model_copy(update={"log_sequence_seconds": 0.05})
    with TestClient(create_app(register)) as client:
        yield Api(client, register)


def problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    return body


def consult_someone(api: Api) -> None:
    matrix = authorised_list(api.register, api.cast)
    entry = add_person(api.register, api.cast, matrix, n=5)
    headers = {"Authorization": f"Bearer {api.tokens['officer']}"}
    done = api.client.post(f"/api/v1/entries/{entry}/consult", json=WHY, headers=headers)
    assert done.status_code == 200, done.text


def test_the_routes_are_published(api: Api) -> None:
    paths = api.client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("checkpoint", "events", "proofs/inclusion/{event_id}", "export", "verify"):
        assert f"/api/v1/audit/{path}" in paths


def test_the_server_sequences_in_the_background(api: Api) -> None:
    consult_someone(api)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with api.register.uow.read_only() as session:
            if session.scalar(select(func.count()).select_from(LogLeaf)):
                return
        time.sleep(0.05)
    pytest.fail("the background task never sequenced the log")


def test_an_auditor_reads_checks_and_proves(api: Api) -> None:
    consult_someone(api)
    checkpoint = api.get("/checkpoint").json()
    signed = verify_note(checkpoint["note"], [NoteVerifier.from_vkey(checkpoint["vkey"])])
    page = api.get("/events", operation="entry:consult").json()
    (consulted,) = page["events"]
    assert consulted["justification"] == WHY["justification"]
    # Administrators see no personal data: the log is refused them altogether (law 7).
    admin = api.get("/events", "admin", operation="entry:consult")
    assert admin.status_code == 403
    assert admin.json()["policy"] == "administrators-see-no-personal-data"

    proof = api.get(f"/proofs/inclusion/{consulted['id']}").json()
    assert proof["tree_size"] == signed.size
    verify_inclusion(
        base64.b64decode(proof["leaf_hash"]),
        proof["leaf_index"],
        signed.size,
        [base64.b64decode(p) for p in proof["proof"]],
        signed.root,
    )
    consistency = api.get("/proofs/consistency", "dpo", **{"from": 2}).json()
    assert (consistency["first"], consistency["second"]) == (2, signed.size)
    assert api.get("/verify").json()["ok"] is True
    assert api.get("/cosigned").json() == {"last_cosigned": None}
    lines = api.get("/export").text.splitlines()
    assert json.loads(lines[0])["type"] == "header"
    assert sum(json.loads(line)["type"] == "event" for line in lines) == signed.size


def test_errors_are_problems(api: Api) -> None:
    problem(api.get("/checkpoint", "officer"), 403, "access-denied")
    problem(api.get("/export", "officer"), 403, "access-denied")
    problem(api.get("/proofs/inclusion/987654"), 404, "not-found")
    body = problem(api.get("/proofs/consistency", **{"from": 999}), 422, "invalid-input")
    assert body["reasons"][0]["code"] == "invalid-sizes"
    problem(api.get("/proofs/consistency", **{"from": 0}), 422, "invalid-input")
    problem(api.get("/events", operation="entry:peek"), 422, "invalid-input")
    problem(api.client.get("/api/v1/audit/checkpoint"), 401, "authentication-required")
