"""The rights, import and report-selector pages through Starlette's client: refusals as pages."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.demo.borough_sheet import MAPPING_TOML, write_borough_file
from listwarden.services import sessions
from listwarden.store.tables import Event, ImportRun, SubjectRequestRow, User
from listwarden.web.app import create_app
from listwarden.web.deps import SESSION_COOKIE
from tests.factories import Cast, add_person, authorised_list, make_cast


class Browser:
    """A signed-in person's cookie and CSRF token, as the pages' forms carry them."""

    def __init__(self, register: Register, client: TestClient, user_id: str) -> None:
        self.client = client
        with register.uow.transaction() as session:
            user = session.get(User, user_id)
            assert user is not None
            signed_in = sessions.open_session(session, register.uow, user)
        self.csrf = signed_in.csrf_token
        client.cookies.set(SESSION_COOKIE, signed_in.token)


@pytest.fixture
def world(register: Register) -> Iterator[tuple[Register, TestClient, Cast, str]]:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    add_person(register, cast, matrix, n=3)
    with TestClient(create_app(register), base_url="https://testserver") as client:
        yield register, client, cast, matrix


def test_recording_a_request_needs_the_csrf_token_and_keeps_the_person_out_of_the_url(
    world: tuple[Register, TestClient, Cast, str],
) -> None:
    register, client, cast, _matrix = world
    iru = Browser(register, client, cast.iru.id)
    form = {
        "kind": "access",
        "given_name": "Testgiven3",
        "family_name": "Testfamily3",
        "dob-day": "17",
        "dob-month": "5",
        "dob-year": "1998",
        "identity_method": "passport",
        "identity_confirmed": "yes",
    }
    forged = client.post("/subject-requests", data=form, follow_redirects=False)
    assert forged.status_code == 403
    assert forged.headers["content-type"].startswith("text/html")
    with register.uow.read_only() as session:
        assert session.scalars(select(SubjectRequestRow)).all() == []
    made = client.post(
        "/subject-requests", data=form | {"csrf_token": iru.csrf}, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    location = made.headers["location"]
    assert "Testgiven3" not in location
    assert "1998" not in location
    with register.uow.read_only() as session:
        [row] = session.scalars(select(SubjectRequestRow)).all()
        looked_up = session.scalars(
            select(Event).where(Event.reason == "requester looked up by name and date of birth")
        ).all()
    assert location == f"/subject-requests/{row.id}?done=recorded"
    assert [e.result_count for e in looked_up] == [1]
    nobody = client.post(
        "/subject-requests",
        data=form | {"csrf_token": iru.csrf, "given_name": "Nobody"},
        follow_redirects=False,
    )
    assert nobody.status_code == 422
    assert "No one of that name and date of birth is held: check the spelling and date." in (
        nobody.text
    )
    page = client.get(location)
    assert page.status_code == 200
    assert "The request is recorded." in page.text
    assert "Testgiven3" not in page.text  # the request page shows nothing about the person


def test_bad_selectors_and_unknown_requests_are_pages_that_say_why(
    world: tuple[Register, TestClient, Cast, str],
) -> None:
    register, client, cast, _matrix = world
    Browser(register, client, cast.dpo.id)
    for path, status in (
        ("/compliance?bcu=ZZ", 422),
        ("/equality?basis=nope", 422),
        ("/equality?list_id=nope", 404),
        ("/compliance?bcu=CE", 200),
        ("/subject-requests/no-such-request", 403),  # the DPO does not handle requests
    ):
        response = client.get(path)
        assert response.status_code == status, (path, response.text[:300])
        assert response.headers["content-type"].startswith("text/html")
    Browser(register, client, cast.iru.id)
    missing = client.get("/subject-requests/no-such-request")
    assert missing.status_code == 404
    assert "Page not found" in missing.text


def test_an_upload_from_the_page_needs_its_token_and_the_mapping(
    world: tuple[Register, TestClient, Cast, str], tmp_path: Path
) -> None:
    register, client, cast, matrix = world
    iao = Browser(register, client, cast.iao.id)
    sheet = tmp_path / "borough.csv"
    write_borough_file(sheet, 30, today=register.uow.today(), iao_id=cast.iao.id)
    files = {"file": ("borough.csv", sheet.read_bytes(), "text/csv")}
    form = {"list_id": matrix, "mode": "import"}
    forged = client.post("/imports", data=form, files=files)
    assert forged.status_code == 403
    unmapped = client.post("/imports", data=form | {"csrf_token": iao.csrf}, files=files)
    assert unmapped.status_code == 422
    assert "Choose the mapping file." in unmapped.text
    mapped = files | {"mapping": ("mapping.toml", MAPPING_TOML.encode(), "application/toml")}
    done = client.post("/imports", data=form | {"csrf_token": iao.csrf}, files=mapped)
    assert done.status_code == 200, done.text
    assert "30 rows read from borough.csv" in done.text
    with register.uow.read_only() as session:
        [run] = session.scalars(select(ImportRun)).all()
    assert run.loaded + run.quarantined == 30
    quarantine = client.post(f"/imports/{run.id}/quarantine", data={"csrf_token": iao.csrf})
    assert quarantine.headers["content-type"].startswith("text/csv")
    assert quarantine.text.splitlines()[0].endswith("quarantine reasons")
    assert len(quarantine.text.splitlines()) == 1 + run.quarantined


def test_a_missing_or_impossible_date_is_refused_beside_its_field_and_nothing_is_looked_up(
    world: tuple[Register, TestClient, Cast, str],
) -> None:
    register, client, cast, _matrix = world
    iru = Browser(register, client, cast.iru.id)
    form = {
        "csrf_token": iru.csrf,
        "kind": "access",
        "given_name": "Testgiven3",
        "family_name": "Testfamily3",
        "identity_method": "passport",
    }
    for dates, field, message in (
        ({}, "dob", "Enter the person's date of birth."),
        (
            {"dob-day": "31", "dob-month": "2", "dob-year": "1998"},
            "dob",
            "Enter a real date, for example 27 3 2007.",
        ),
        (
            {"dob-day": "17", "dob-month": "5", "dob-year": "1998", "received-month": "13"},
            "received",
            "Enter a real date, for example 27 3 2007.",
        ),
    ):
        refused = client.post("/subject-requests", data=form | dates, follow_redirects=False)
        assert refused.status_code == 422, dates
        assert f'href="#{field}">{message}</a>' in html.unescape(refused.text), dates
    with register.uow.read_only() as session:
        assert session.scalars(select(SubjectRequestRow)).all() == []
        assert (
            session.scalars(
                select(Event).where(Event.reason == "requester looked up by name and date of birth")
            ).all()
            == []
        )


def test_the_decision_form_offers_every_field_a_rectification_may_correct() -> None:
    """The page names its form fields one by one; a field added to RECTIFIABLE must appear."""
    import inspect

    from listwarden.services.subject_decisions import RECTIFIABLE
    from listwarden.web.pages.rights import decide

    assert set(RECTIFIABLE) <= set(inspect.signature(decide).parameters)
