"""The API driven as a client would: bearer tokens, problem+json errors, logged consultations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from listwarden.bootstrap import Register
from listwarden.services.users import issue_token
from listwarden.store.tables import Entry, Event, EvidenceItem, Subject
from listwarden.web.app import create_app
from tests.factories import authorised_list, draft_list, make_cast

WHY = {"purpose": "gang_violence_reduction", "justification": "pre-operation briefing CE"}
PERSON = {
    "purpose": "gang_violence_reduction",
    "given_name": "Apitest",
    "family_name": "Person",
    "date_of_birth": "1999-02-03",
    "category": "suspected",
    "bcu": "CE",
}


class Api:
    def __init__(self, client: TestClient, register: Register) -> None:
        self.client, self.register = client, register
        self.cast = make_cast(register)
        self.tokens = {
            role: issue_token(uow=register.uow, user_id=getattr(self.cast, role).id)
            for role in ("iao", "dpo", "officer", "officer_other_bcu", "admin", "auditor")
        }

    def call(self, method: str, path: str, role: str = "iao", **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}", **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def counts(self) -> list[int]:
        with self.register.uow.read_only() as session:
            return [
                session.scalar(select(func.count()).select_from(t)) or 0
                for t in (Subject, Entry, Event)
            ]


@pytest.fixture
def api(register: Register) -> Iterator[Api]:
    with TestClient(create_app(register)) as client:
        yield Api(client, register)


def assert_problem(response: Any, status: int, type_: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["type"]) == (status, type_)
    assert "Traceback" not in response.text
    return body


def test_openapi_is_published(api: Api) -> None:
    spec = api.client.get("/api/v1/openapi.json").json()
    assert "/api/v1/entries/{entry_id}/consult" in spec["paths"]


def test_no_token_no_data(api: Api) -> None:
    assert_problem(api.client.get("/api/v1/lists"), 401, "/problems/authentication-required")
    bad = api.client.get("/api/v1/lists", headers={"Authorization": "Bearer lw_forged"})
    assert_problem(bad, 401, "/problems/authentication-required")


def test_add_then_consult_logs_one_consultation(api: Api) -> None:
    matrix = authorised_list(api.register, api.cast)
    created = api.call("POST", f"/api/v1/lists/{matrix}/entries", json=PERSON)
    assert created.status_code == 201, created.text
    entry_id = created.json()["id"]
    before = api.counts()
    shown = api.call("POST", f"/api/v1/entries/{entry_id}/consult", "officer", json=WHY)
    assert shown.status_code == 200
    assert shown.json()["summary"]["given_name"] == "Apitest"
    assert shown.headers["strict-transport-security"].startswith("max-age=")
    assert api.counts() == [before[0], before[1], before[2] + 1]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"category": None}, "category", "string_type"),
        ({"category": "victim"}, "category", "category-not-on-list"),
        ({"bcu": "XX"}, "bcu", "unknown-bcu"),
        ({"date_of_birth": "31/02/1999"}, "date_of_birth", "date_from_datetime_parsing"),
        ({"surprise": "field"}, "surprise", "extra_forbidden"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    api: Api, change: dict[str, Any], field: str, code: str
) -> None:
    matrix = authorised_list(api.register, api.cast)
    before = api.counts()
    body = {**PERSON, **change}
    response = api.call("POST", f"/api/v1/lists/{matrix}/entries", json=body)
    assert response.status_code in (403, 422)
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert any(
        r["field"] == field and r["code"].startswith(code.split("_from")[0])
        for r in problem["reasons"]
    ), problem
    assert api.counts() == before


def test_malformed_json_oversize_body_and_unknown_ids(api: Api) -> None:
    matrix = authorised_list(api.register, api.cast)
    before = api.counts()
    malformed = api.call(
        "POST",
        f"/api/v1/lists/{matrix}/entries",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert_problem(malformed, 400, "/problems/malformed-json")
    huge = api.call(
        "POST",
        f"/api/v1/lists/{matrix}/entries",
        content=b'{"x":"' + b"a" * 2_000_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(huge, 413, "/problems/body-too-large")
    missing = api.call("POST", "/api/v1/entries/no-such-entry/consult", "officer", json=WHY)
    assert_problem(missing, 404, "/problems/not-found")
    assert_problem(api.call("GET", "/api/v1/lists/nope"), 404, "/problems/not-found")
    assert api.counts()[:2] == before[:2]


def test_writing_to_an_unauthorised_list_is_refused(api: Api) -> None:
    draft = draft_list(api.register, api.cast)
    before = api.counts()
    body = assert_problem(
        api.call("POST", f"/api/v1/lists/{draft}/entries", json=PERSON),
        409,
        "/problems/list-not-authorised",
    )
    assert body["reasons"][0]["code"] == "list-draft"
    assert api.counts() == before


def test_authorising_an_incomplete_list_lists_every_gap(api: Api) -> None:
    created = api.call("POST", "/api/v1/lists", json={"name": "Informal spreadsheet"})
    list_id = created.json()["id"]
    body = assert_problem(
        api.call("POST", f"/api/v1/lists/{list_id}/authorise", "dpo"),
        409,
        "/problems/authorisation-incomplete",
    )
    assert {r["code"] for r in body["reasons"]} >= {
        "purposes-missing",
        "lawful-basis-missing",
        "dpia-missing",
        "policy-document-missing",
        "public-notice-missing",
        "retention-schedule-ref-missing",
        "access-policy-ref-missing",
    }


def test_refusals_are_403_problems_and_logged(api: Api) -> None:
    matrix = authorised_list(api.register, api.cast)
    entry_id = api.call(
        "POST", f"/api/v1/lists/{matrix}/entries", json={**PERSON, "bcu": "CE"}
    ).json()["id"]
    before = api.counts()
    body = assert_problem(
        api.call("POST", f"/api/v1/entries/{entry_id}/consult", "officer_other_bcu", json=WHY),
        403,
        "/problems/access-denied",
    )
    assert body["policy"] == "officers-and-analysts-act-only-in-their-own-bcus"
    assert "Apitest" not in str(body)
    assert api.counts() == [before[0], before[1], before[2] + 1]
    admin = api.call(
        "POST",
        f"/api/v1/entries/{entry_id}/consult",
        "admin",
        json={"purpose": "compliance_audit", "justification": "just looking around"},
    )
    assert_problem(admin, 403, "/problems/access-denied")


def test_search_needs_a_purpose_and_logs_empty_results(api: Api) -> None:
    matrix = authorised_list(api.register, api.cast)
    no_why = api.call("POST", f"/api/v1/lists/{matrix}/entries/search", "officer", json={})
    assert_problem(no_why, 422, "/problems/invalid-input")
    before = api.counts()
    empty = api.call("POST", f"/api/v1/lists/{matrix}/entries/search", "officer", json=WHY)
    assert empty.json()["total"] == 0
    assert api.counts()[2] == before[2] + 1
    events = api.call("GET", "/api/v1/events?operation=entry:consult", "auditor").json()
    assert events[-1]["result_count"] == 0
    # Administrators see no personal data: the log is refused them altogether (law 7).
    refused = api.call("GET", "/api/v1/events?operation=entry:consult", "admin")
    assert_problem(refused, 403, "/problems/access-denied")


def test_social_media_intelligence_needs_its_checklist_and_evidence_keeps_its_offence_class(
    api: Api,
) -> None:
    matrix = authorised_list(api.register, api.cast)
    entry_id = api.call("POST", f"/api/v1/lists/{matrix}/entries", json=PERSON).json()["id"]
    item = {
        "purpose": "gang_violence_reduction",
        "grading": "2B P",
        "source_type": "social_media",
        "source_ref": "SM-0001",
        "text": "Video posted showing a knife",
        "reported_on": "2026-11-01",
        "checklist": {"platform": "a video site", "attribution": "n/a"},
    }
    before = api.counts()
    refused = api.call("POST", f"/api/v1/entries/{entry_id}/intelligence", json=item)
    problem = assert_problem(refused, 422, "/problems/social-media-checklist-incomplete")
    assert sorted(r["field"] for r in problem["reasons"]) == [
        "checklist.attribution",
        "checklist.conduct",
        "checklist.corroboration",
        "checklist.relevance_to_violence",
    ]
    assert api.counts()[:2] == before[:2]
    item["checklist"] = {
        "platform": "a video site",
        "attribution": "account linked by a phone number on the entry",
        "conduct": "brandishing a knife at a named rival",
        "relevance_to_violence": "a threat to a rival group, not a music video",
        "corroboration": "SRC-B reported the same threat",
    }
    accepted = api.call("POST", f"/api/v1/entries/{entry_id}/intelligence", json=item)
    assert accepted.status_code == 201, accepted.text

    evidence = {
        "purpose": "gang_violence_reduction",
        "kind": "offence",
        "role": "suspect",
        "occurred_on": "2026-10-30",
        "description": "Carried a knife",
        "offence_class": "knife_or_weapon",
    }
    added = api.call("POST", f"/api/v1/entries/{entry_id}/evidence", json=evidence)
    assert added.status_code == 201, added.text
    with api.register.uow.read_only() as session:
        stored = session.get(EvidenceItem, added.json()["id"])
        assert stored is not None
        assert stored.offence_class == "knife_or_weapon"
