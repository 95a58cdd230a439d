"""Subject rights through the API as the IRU uses it: requests, clock, response, decisions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.domain.subject_rights import NCND_STATEMENT, OFFICERS_WITHHELD, due_on
from listwarden.services.disclosures import request_disclosure
from listwarden.services.entries import NewIntelligence, add_intelligence
from listwarden.services.users import issue_token
from listwarden.store.tables import Entry, Event
from listwarden.web.app import create_app
from tests.sharing_world import SharingWorld, sharing_world


@pytest.fixture
def world(register: Register) -> SharingWorld:
    return sharing_world(register, people=2)


@pytest.fixture
def client(world: SharingWorld) -> Iterator[TestClient]:
    with TestClient(create_app(world.register)) as client:
        yield client


class Iru:
    def __init__(self, world: SharingWorld, client: TestClient) -> None:
        self.world, self.client = world, client
        uow = world.register.uow
        self.headers = {
            "Authorization": f"Bearer {issue_token(uow=uow, user_id=world.cast.iru.id)}"
        }
        officer = issue_token(uow=uow, user_id=world.cast.officer.id)
        self.officer = {"Authorization": f"Bearer {officer}"}

    def post(self, path: str, body: dict[str, Any] | None = None, **kw: Any) -> Any:
        headers = kw.pop("headers", self.headers)
        return self.client.post(f"/api/v1/subject-requests{path}", json=body or {}, headers=headers)

    def get(self, path: str = "") -> Any:
        return self.client.get(f"/api/v1/subject-requests{path}", headers=self.headers)

    def subject(self, entry_id: str) -> str:
        with self.world.register.uow.read_only() as session:
            return session.scalars(select(Entry.subject_id).where(Entry.id == entry_id)).one()


@pytest.fixture
def iru(world: SharingWorld, client: TestClient) -> Iru:
    return Iru(world, client)


def problem(response: Any, status: int, type_: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["type"]) == (status, type_)
    return body


def test_an_access_request_runs_its_clock_and_is_answered_with_restrictions(iru: Iru) -> None:
    world, uow = iru.world, iru.world.register.uow
    entry = world.entries[0]
    add_intelligence(
        uow=uow,
        actor=world.cast.analyst,
        entry_id=entry,
        purpose="gang_violence_reduction",
        item=NewIntelligence(
            grading="2B P",
            source_type="police",
            source_ref="SRC-77",
            text="seen at the estate with a group",
            reported_on=uow.today() - timedelta(days=2),
        ),
    )
    today = uow.today()
    # Found by name and date of birth: the requester need not know their subject id.
    made = iru.post(
        "",
        {
            "kind": "access",
            "identity_method": "passport seen at the front counter",
            "received_on": (today - timedelta(days=3)).isoformat(),
            "person": {
                "given_name": "Testgiven0",
                "family_name": "Testfamily0",
                "date_of_birth": "1998-05-17",
            },
        },
    )
    assert made.status_code == 201, made.text
    request = made.json()
    assert request["subject_id"] == iru.subject(entry)
    assert (request["due_on"], request["status"]) == (None, "open")  # identity not yet confirmed
    rid = request["id"]
    assert iru.post(f"/{rid}/identity", {"on": today.isoformat()}).status_code == 204
    assert (
        iru.get(f"/{rid}").json()["due_on"]
        == due_on(received_on=today - timedelta(days=3), identity_confirmed_on=today).isoformat()
    )
    assert iru.post(f"/{rid}/clock/stop").status_code == 204
    stopped = iru.get(f"/{rid}").json()
    assert (stopped["clock_stopped"], stopped["due_on"]) == (True, None)
    twice = problem(iru.post(f"/{rid}/clock/stop"), 422, "/problems/invalid-input")
    assert twice["reasons"][0]["code"] == "clock-already-stopped"
    assert iru.post(f"/{rid}/clock/resume").status_code == 204
    assert iru.post(f"/{rid}/extend", {"reason": "six lists and two forces"}).status_code == 204
    extended = iru.get(f"/{rid}").json()
    assert (extended["extended"], extended["clock_stopped"]) == (True, False)
    assert extended["due_on"] == (
        due_on(received_on=today, identity_confirmed_on=today, extended=True).isoformat()
    )

    preview = iru.post(f"/{rid}/response", {"answer": False, "references": True})
    assert preview.status_code == 200, preview.text
    [item] = preview.json()["entries"][0]["intelligence"]
    assert item["item_kind"] == "intelligence"
    restricted = iru.post(
        f"/{rid}/restrictions",
        {
            "item_kind": "intelligence",
            "item_id": item["reference"],
            "ground": "avoid_prejudicing_crime_prevention",
            "reason": "an open investigation would be alerted",
        },
    )
    assert restricted.status_code == 204, restricted.text
    assert iru.get(f"/{rid}").json()["restrictions"] == 1
    answer = iru.post(f"/{rid}/response")
    assert answer.status_code == 200
    document = answer.json()
    assert "reference" not in str(document)  # the person's copy carries no internal references
    assert document["entries"][0]["intelligence"] == []
    assert document["restrictions"] == [
        {"withheld": "intelligence", "ground": "avoid_prejudicing_crime_prevention"}
    ]
    assert document["entries"][0]["added_by"] == OFFICERS_WITHHELD
    assert document["person"]["given_name"] == "Testgiven0"
    assert iru.get(f"/{rid}").json()["status"] == "answered"
    problem(iru.post(f"/{rid}/extend", {"reason": "late"}), 409, "/problems/conflict")
    with uow.read_only() as session:
        reads = session.scalars(
            select(Event).where(
                Event.operation == "entry:consult",
                Event.purpose == "subject_access",
                Event.entry_id == entry,
            )
        ).all()
    assert len(reads) == 2  # the preview and the answer, each logged


def test_neither_confirm_nor_deny_and_every_refusal_is_a_problem(iru: Iru) -> None:
    world = iru.world
    sid = iru.subject(world.entries[1])
    base = {"kind": "access", "identity_method": "letter", "subject_id": sid}
    rid = iru.post("", base | {"identity_confirmed_on": world.register.uow.today().isoformat()})
    rid = rid.json()["id"]
    assert iru.post(f"/{rid}/ncnd", {"reason": "national security"}).status_code == 204
    document = iru.post(f"/{rid}/response").json()
    assert document["statement"] == NCND_STATEMENT
    assert (document["person"], document["entries"]) == (None, [])

    officer = iru.post("", base, headers=iru.officer)
    assert problem(officer, 403, "/problems/access-denied")["policy"]
    problem(iru.post("", base | {"kind": "gossip"}), 422, "/problems/invalid-input")
    both = base | {"person": {"given_name": "a", "family_name": "b", "date_of_birth": "2000-01-01"}}
    problem(iru.post("", both), 422, "/problems/invalid-input")
    nobody = {k: v for k, v in both.items() if k != "subject_id"}
    assert problem(iru.post("", nobody), 404, "/problems/not-found")["reasons"][0]["code"] == (
        "subject-not-found"
    )
    problem(iru.post("", base | {"received_on": "someday"}), 422, "/problems/invalid-input")
    problem(iru.post("", base | {"shoe_size": 9}), 422, "/problems/invalid-input")
    problem(iru.get("/no-such-request"), 404, "/problems/not-found")
    bad = iru.post(
        f"/{rid}/restrictions", {"item_kind": "x", "item_id": "1", "ground": "y", "reason": ""}
    )
    assert problem(bad, 422, "/problems/invalid-input")["reasons"]
    malformed = iru.client.post(
        "/api/v1/subject-requests",
        content=b"{not json",
        headers=iru.headers | {"content-type": "application/json"},
    )
    problem(malformed, 400, "/problems/malformed-json")


def test_a_restriction_is_decided_applied_and_every_recipient_told(iru: Iru) -> None:
    world = iru.world
    entry = world.entries[0]
    request_disclosure(uow=world.register.uow, actor=world.cast.analyst, ask=world.ask([entry]))
    sid = iru.subject(entry)
    base = {"identity_method": "passport", "subject_id": sid}
    rid = iru.post("", base | {"kind": "restriction"}).json()["id"]
    problem(
        iru.post(f"/{rid}/decision", {"grant": True, "reason": " "}), 422, "/problems/invalid-input"
    )
    decided = iru.post(f"/{rid}/decision", {"grant": True, "reason": "accuracy is contested"})
    assert decided.status_code == 200, decided.text
    assert decided.json() == {
        "request_id": rid,
        "kind": "restriction",
        "granted": True,
        "entries_changed": 1,
        "notices_raised": 1,
    }
    with world.register.uow.read_only() as session:
        assert session.get(Entry, entry).restricted_on is not None  # type: ignore[union-attr]
    again = iru.post(f"/{rid}/decision", {"grant": False, "reason": "changed my mind"})
    problem(again, 409, "/problems/conflict")
    access = iru.post("", base | {"kind": "access"}).json()["id"]
    refused = iru.post(f"/{access}/decision", {"grant": True, "reason": "x"})
    assert problem(refused, 422, "/problems/invalid-input")["reasons"][0]["code"] == (
        "request-kind-not-decided"
    )
    fix = iru.post("", base | {"kind": "rectification"}).json()["id"]
    wrong = iru.post(
        f"/{fix}/decision", {"grant": True, "reason": "r", "corrections": {"eye": "b"}}
    )
    problem(wrong, 422, "/problems/invalid-input")
    fixed = iru.post(
        f"/{fix}/decision",
        {"grant": True, "reason": "the spelling was wrong", "corrections": {"given_name": "Testy"}},
    )
    assert fixed.json()["notices_raised"] == 1
    listed = iru.get().json()
    assert {r["kind"]: r["status"] for r in listed} == {
        "restriction": "answered",
        "access": "open",
        "rectification": "answered",
    }


def test_the_rights_and_import_routes_are_published(iru: Iru) -> None:
    paths = iru.client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/subject-requests",
        "/api/v1/subject-requests/{request_id}/response",
        "/api/v1/subject-requests/{request_id}/decision",
        "/api/v1/imports",
        "/api/v1/imports/{import_id}/quarantine",
    } <= set(paths)
    upload = paths["/api/v1/imports"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]


def test_an_erasure_granted_counts_the_notices_it_raised(iru: Iru) -> None:
    world = iru.world
    entry = world.entries[1]
    request_disclosure(uow=world.register.uow, actor=world.cast.analyst, ask=world.ask([entry]))
    sid = iru.subject(entry)
    made = iru.post("", {"kind": "erasure", "identity_method": "passport", "subject_id": sid})
    rid = made.json()["id"]
    decided = iru.post(f"/{rid}/decision", {"grant": True, "reason": "no longer necessary"})
    assert decided.status_code == 200, decided.text
    assert (decided.json()["entries_changed"], decided.json()["notices_raised"]) == (1, 1)
    with world.register.uow.read_only() as session:
        assert session.get(Entry, entry) is None
