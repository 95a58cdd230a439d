"""`serve` sweeps on its schedule while serving consultations: no 5xx, no "database is locked"."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from listwarden.bootstrap import Register, open_register
from listwarden.services.entries import NewEvidence, NewIntelligence
from listwarden.services.users import issue_token
from listwarden.settings import Settings
from listwarden.store.tables import Entry, Removal
from listwarden.web.app import create_app
from tests.factories import Cast, add_person, authorised_list, grant, make_cast

WHY = {"purpose": "gang_violence_reduction", "justification": "briefing while the sweep runs"}
REMOVABLE, KEPT = 120, 4


def _listed(register: Register, cast: Cast, list_id: str, n: int, score: int) -> str:
    today = register.uow.today()
    return add_person(
        register,
        cast,
        list_id,
        n,
        score=score,
        band="green" if score == 0 else "red",
        evidence=[NewEvidence("offence", "perpetrator", today, f"Evidence {n}", gang_related=True)],
        intelligence=[NewIntelligence("2B P", "police", f"SRC-{n}", "Intel text", today)],
    )


def _entries(register: Register) -> int:
    with register.uow.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(Entry)) or 0)


def test_the_scheduled_sweep_runs_while_consultations_are_served(
    register: Register, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    for n in range(REMOVABLE):
        _listed(register, cast, matrix, n, score=0)
    kept = [_listed(register, cast, matrix, 1000 + n, score=15) for n in range(KEPT)]
    moved = register.uow.now() + timedelta(days=190)  # six quiet months: the zeros must go
    serving = open_register(
        settings.model_copy(update={"sweep_minutes": 0.005}), migrate_schema=False
    )
    register.uow.clock = serving.uow.clock = lambda: moved
    grant(register, cast, matrix)  # the officer's grant lapsed, unused, in those months
    headers = {"Authorization": f"Bearer {issue_token(uow=register.uow, user_id=cast.officer.id)}"}
    statuses: list[int] = []
    caplog.set_level(logging.WARNING, logger="listwarden")
    try:
        with TestClient(create_app(serving)) as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                for entry in kept:
                    response = client.post(
                        f"/api/v1/entries/{entry}/consult", json=WHY, headers=headers
                    )
                    statuses.append(response.status_code)
                    assert "database is locked" not in response.text
                if _entries(register) == KEPT:
                    break
            for entry in kept:  # and after it
                response = client.post(
                    f"/api/v1/entries/{entry}/consult", json=WHY, headers=headers
                )
                statuses.append(response.status_code)
    finally:
        serving.close()

    assert _entries(register) == KEPT
    with register.uow.read_only() as session:
        assert session.scalar(select(func.count()).select_from(Removal)) == REMOVABLE
    assert set(statuses) == {200}
    assert len(statuses) >= 2 * KEPT
    assert not [r for r in caplog.records if "failed" in r.getMessage()]
