"""Importing a legacy list through the API: upload, dry run, report, quarantine, limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from listwarden.bootstrap import Register, open_register
from listwarden.demo.borough_sheet import MAPPING_TOML, expected_reasons, write_borough_file
from listwarden.services.users import issue_token
from listwarden.settings import Settings
from listwarden.store.tables import Entry, Event, ImportRun
from listwarden.web.app import create_app
from tests.factories import Cast, authorised_list, make_cast


class Importer:
    def __init__(self, register: Register, client: TestClient) -> None:
        self.register, self.client = register, client
        self.cast: Cast = make_cast(register)
        self.matrix = authorised_list(register, self.cast)
        self.tokens = {
            role: issue_token(uow=register.uow, user_id=getattr(self.cast, role).id)
            for role in ("iao", "officer", "analyst")
        }

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def upload(
        self, path: Path, *, role: str = "iao", mapping: bytes = MAPPING_TOML.encode(), **form: Any
    ) -> Any:
        data = {"list_id": self.matrix} | {k: str(v).lower() for k, v in form.items()}
        files = {
            "file": (path.name, path.read_bytes(), "application/octet-stream"),
            "mapping": ("mapping.toml", mapping, "application/toml"),
        }
        return self.client.post(
            "/api/v1/imports", data=data, files=files, headers=self.headers(role)
        )

    def entries(self) -> int:
        with self.register.uow.read_only() as session:
            return session.scalar(select(func.count()).select_from(Entry)) or 0


@pytest.fixture
def importer(register: Register) -> Iterator[Importer]:
    with TestClient(create_app(register)) as client:
        yield Importer(register, client)


def problem(response: Any, status: int, type_: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["type"]) == (status, type_)
    return body


def test_a_dry_run_then_an_import_report_what_loaded_and_why_the_rest_did_not(
    importer: Importer, tmp_path: Path
) -> None:
    sheet = tmp_path / "lambeth.xlsx"
    today = importer.register.uow.today()
    kinds = write_borough_file(sheet, 120, today=today, iao_id=importer.cast.iao.id)
    dry = importer.upload(sheet, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["dry_run"], dry.json()["import_id"], importer.entries()) == (True, None, 0)
    done = importer.upload(sheet)
    assert done.status_code == 201, done.text
    report = done.json()
    assert report["file"] == "lambeth.xlsx"
    assert report["reasons"] == dict(sorted(expected_reasons(kinds).items()))
    assert report["loaded"] + report["quarantined"] == 120
    assert report["quarantined"] == sum(1 for k in kinds if k)
    assert report["reasons"] == dry.json()["reasons"]
    assert importer.entries() == report["loaded"]

    listed = importer.client.get("/api/v1/imports", headers=importer.headers("iao"))
    assert listed.status_code == 200
    [run] = listed.json()
    assert (run["id"], run["loaded"], run["quarantined"]) == (
        report["import_id"],
        report["loaded"],
        report["quarantined"],
    )
    assert run["reasons"] == report["reasons"]
    path = f"/api/v1/imports/{report['import_id']}/quarantine"
    rows = importer.client.get(path, headers=importer.headers("iao"))
    assert rows.status_code == 200, rows.text
    body = rows.json()
    assert body["header"][-1] == "quarantine reasons"
    assert len(body["rows"]) == report["quarantined"]
    assert any("category-missing" in r[-1] for r in body["rows"])
    with importer.register.uow.read_only() as session:
        reads = session.scalars(select(Event).where(Event.operation == "quarantine:read")).all()
    assert len(reads) == 1
    officer = importer.client.get(path, headers=importer.headers("officer"))
    assert problem(officer, 403, "/problems/access-denied")["policy"]
    nobody = importer.client.get("/api/v1/imports", headers=importer.headers("officer"))
    assert problem(nobody, 403, "/problems/access-denied")["policy"]


def test_bad_uploads_are_problems_and_leave_nothing_behind(
    importer: Importer, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text("Forename,Surname\nA,B\n")
    malformed = importer.upload(broken)
    body = problem(malformed, 422, "/problems/malformed-file")
    assert "row 1" in body["detail"]
    bad_toml = importer.upload(broken, mapping=b"[columns\n")
    assert problem(bad_toml, 422, "/problems/invalid-input")["reasons"][0]["code"] == (
        "mapping-not-toml"
    )
    word = tmp_path / "list.docx"
    word.write_bytes(b"PK\x03\x04")
    refused = problem(importer.upload(word), 422, "/problems/invalid-input")
    assert refused["reasons"][0]["code"] == "file-type-unsupported"
    no_file = importer.client.post(
        "/api/v1/imports", data={"list_id": importer.matrix}, headers=importer.headers("iao")
    )
    problem(no_file, 422, "/problems/invalid-input")
    sheet = tmp_path / "borough.csv"
    write_borough_file(sheet, 10, today=importer.register.uow.today(), iao_id="x")
    unknown = importer.upload(sheet, list_id="no-such-list")
    problem(unknown, 404, "/problems/not-found")
    officer = importer.upload(sheet, role="officer")
    assert problem(officer, 403, "/problems/access-denied")["policy"]
    with importer.register.uow.read_only() as session:
        assert session.scalar(select(func.count()).select_from(ImportRun)) == 0
    assert importer.entries() == 0


def test_an_upload_has_its_own_size_limit_and_other_bodies_keep_theirs(
    settings: Settings, tmp_path: Path
) -> None:
    small = settings.model_copy(update={"max_body_bytes": 2048, "max_upload_bytes": 8192})
    register = open_register(small, create=True, migrate_schema=False)
    try:
        with TestClient(create_app(register)) as client:
            importer = Importer(register, client)
            sheet = tmp_path / "borough.csv"
            write_borough_file(sheet, 10, today=register.uow.today(), iao_id=importer.cast.iao.id)
            assert 2048 < sheet.stat().st_size < 8000
            fits = importer.upload(sheet, dry_run=True)
            assert fits.status_code == 200, fits.text
            big = tmp_path / "big.csv"
            write_borough_file(big, 200, today=register.uow.today(), iao_id="x")
            too_big = importer.upload(big)
            assert problem(too_big, 413, "/problems/body-too-large")["detail"] == (
                "request bodies are limited to 8192 bytes"
            )
            page = client.post(
                "/imports",
                data={"list_id": importer.matrix},
                files={"file": (big.name, big.read_bytes(), "text/csv")},
            )
            assert problem(page, 413, "/problems/body-too-large")["detail"] == (
                "request bodies are limited to 8192 bytes"
            )
            other = client.post(
                "/api/v1/subject-requests",
                json={"kind": "access", "identity_method": "x" * 3000},
                headers=importer.headers("iao"),
            )
            assert problem(other, 413, "/problems/body-too-large")["detail"] == (
                "request bodies are limited to 2048 bytes"
            )
    finally:
        register.close()
