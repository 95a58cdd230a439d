"""Every API route x every role -> the status written by hand below (DESIGN.md's roles, law 7).

The expectations are written out here, never derived from the policies under test. A route the
app serves without a row in ``MATRIX`` fails ``test_every_route_has_a_row``. Requests that change
something get fresh state for each role, so one role's answer never depends on another's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pyrage import x25519
from sqlalchemy import select

from listwarden.bootstrap import Register
from listwarden.demo.borough_sheet import MAPPING_TOML, write_borough_file
from listwarden.domain.access import Actor
from listwarden.domain.bcu import BOROUGHS_BY_BCU
from listwarden.ingest.mapping_file import read_mapping
from listwarden.services import (
    bcu_audits,
    lists,
    monthly_report,
    sessions,
    sharing,
    signin,
    subject_requests,
)
from listwarden.services.disclosures import DisclosureAsk, request_disclosure
from listwarden.services.erasure import erase_entry
from listwarden.services.imports import import_file
from listwarden.services.users import create_user, issue_token
from listwarden.store.tables import Entry, RecipientNotice, User
from listwarden.web.app import create_app
from listwarden.web.deps import CSRF_HEADER, SESSION_COOKIE
from tests.factories import Cast, add_person, authorised_list, draft_list, make_cast
from tests.sharing_world import second_iru, terms

ROLES = ("iao", "dpo", "board", "iru", "analyst", "officer", "equality", "auditor", "admin")
ENFORCE = {"purpose": "gang_violence_reduction", "justification": "pre-operation briefing CE"}
RIGHTS = {"purpose": "subject_access", "justification": "subject access request 2026/17"}
AUDIT = {"purpose": "compliance_audit", "justification": "quarterly compliance audit"}
PASSWORD = "correct horse battery staple"
DPIA = {
    "description": "d",
    "risks": "r",
    "measures": "m",
    "safeguards": "s",
    "equality_impact": "e",
}


def row(*statuses: int) -> dict[str, int]:
    assert len(statuses) == len(ROLES)
    return dict(zip(ROLES, statuses, strict=True))


ALL_200 = row(200, 200, 200, 200, 200, 200, 200, 200, 200)
LOG_READERS = row(403, 200, 403, 403, 403, 403, 403, 200, 403)
COLLECTORS = row(201, 403, 403, 403, 201, 403, 403, 403, 403)
OPERATIONAL = row(200, 403, 403, 403, 200, 200, 403, 403, 403)
SHARING_READERS = row(200, 200, 403, 200, 200, 403, 403, 200, 403)
SHARING_REVIEWERS = row(403, 200, 403, 200, 403, 403, 403, 200, 403)
COMPLIANCE_READERS = row(200, 200, 200, 403, 403, 403, 403, 200, 403)
IRU_ONLY_201 = row(403, 403, 403, 201, 403, 403, 403, 403, 403)
IRU_ONLY_204 = row(403, 403, 403, 204, 403, 403, 403, 403, 403)
IRU_ONLY_200 = row(403, 403, 403, 200, 403, 403, 403, 403, 403)
IMPORTERS = row(200, 403, 403, 403, 200, 403, 403, 403, 403)

#                (method, route path, variant): expected status for each role, in ROLES order
MATRIX: dict[tuple[str, str, str], dict[str, int]] = {
    ("GET", "/api/v1/reference", ""): ALL_200,
    ("GET", "/api/v1/lists", ""): ALL_200,
    ("POST", "/api/v1/lists", ""): row(201, 403, 403, 403, 403, 403, 403, 403, 403),
    ("GET", "/api/v1/lists/{list_id}", ""): ALL_200,
    # Only the owner drafts the DPIA and records the policy document (a conflict, not a role).
    ("PUT", "/api/v1/lists/{list_id}/dpia", ""): row(204, 409, 409, 409, 409, 409, 409, 409, 409),
    ("POST", "/api/v1/lists/{list_id}/dpia/approve", ""): row(
        403, 204, 204, 403, 403, 403, 403, 403, 403
    ),
    ("PUT", "/api/v1/lists/{list_id}/policy-document", ""): row(
        204, 409, 409, 409, 409, 409, 409, 409, 409
    ),
    # Law 1 names the gap when the wrong role tries to authorise (a 409 with every gap).
    ("POST", "/api/v1/lists/{list_id}/authorise", ""): row(
        409, 204, 204, 409, 409, 409, 409, 409, 409
    ),
    ("POST", "/api/v1/lists/{list_id}/entries", ""): COLLECTORS,
    ("POST", "/api/v1/lists/{list_id}/entries/search", "enforcement"): OPERATIONAL,
    ("POST", "/api/v1/lists/{list_id}/entries/search", "oversight"): row(
        200, 200, 403, 403, 403, 403, 403, 200, 403
    ),
    ("POST", "/api/v1/entries/{entry_id}/consult", "enforcement"): OPERATIONAL,
    ("POST", "/api/v1/entries/{entry_id}/consult", "rights"): row(
        403, 200, 403, 200, 403, 403, 403, 403, 403
    ),
    ("POST", "/api/v1/entries/{entry_id}/consult", "out-of-bcu"): row(
        200, 403, 403, 403, 403, 403, 403, 403, 403
    ),
    ("POST", "/api/v1/entries/{entry_id}/evidence", ""): COLLECTORS,
    ("POST", "/api/v1/entries/{entry_id}/intelligence", ""): COLLECTORS,
    ("POST", "/api/v1/people/search", ""): OPERATIONAL,
    ("GET", "/api/v1/events", ""): LOG_READERS,
    ("GET", "/api/v1/reports/compliance", ""): COMPLIANCE_READERS,
    ("GET", "/api/v1/loss-findings", ""): row(403, 200, 403, 403, 403, 403, 403, 403, 403),
    ("GET", "/api/v1/alerts", ""): row(403, 200, 403, 403, 403, 403, 403, 403, 403),
    ("GET", "/api/v1/reports/dpia", ""): COMPLIANCE_READERS,
    ("GET", "/api/v1/reports/monthly", ""): COMPLIANCE_READERS,
    ("GET", "/api/v1/reports/bcu/{bcu}", ""): COMPLIANCE_READERS,
    ("GET", "/api/v1/reports/equality", ""): row(403, 200, 403, 403, 403, 403, 200, 403, 403),
    ("GET", "/api/v1/reports/publication", ""): ALL_200,
    ("GET", "/api/v1/audit/checkpoint", ""): LOG_READERS,
    ("GET", "/api/v1/audit/cosigned", ""): LOG_READERS,
    ("GET", "/api/v1/audit/events", ""): LOG_READERS,
    ("GET", "/api/v1/audit/proofs/inclusion/{event_id}", ""): LOG_READERS,
    ("GET", "/api/v1/audit/proofs/consistency", ""): LOG_READERS,
    ("GET", "/api/v1/audit/verify", ""): LOG_READERS,
    ("GET", "/api/v1/audit/export", ""): LOG_READERS,
    # Everyone with an account signs in with its password and code, and out of their session;
    # a request made with an API token has no session to sign out of.
    ("POST", "/api/v1/session", ""): row(201, 201, 201, 201, 201, 201, 201, 201, 201),
    ("DELETE", "/api/v1/session", ""): row(409, 409, 409, 409, 409, 409, 409, 409, 409),
    ("DELETE", "/api/v1/session", "cookie"): row(204, 204, 204, 204, 204, 204, 204, 204, 204),
    ("POST", "/api/v1/users/{user_id}/disable", ""): row(
        403, 403, 403, 403, 403, 403, 403, 403, 200
    ),
    # SCIM provisioning from the identity system: administrators only.
    ("GET", "/scim/v2/Users", ""): row(403, 403, 403, 403, 403, 403, 403, 403, 200),
    ("POST", "/scim/v2/Users", ""): row(403, 403, 403, 403, 403, 403, 403, 403, 201),
    ("GET", "/scim/v2/Users/{user_id}", ""): row(403, 403, 403, 403, 403, 403, 403, 403, 200),
    ("PUT", "/scim/v2/Users/{user_id}", ""): row(403, 403, 403, 403, 403, 403, 403, 403, 200),
    ("PATCH", "/scim/v2/Users/{user_id}", ""): row(403, 403, 403, 403, 403, 403, 403, 403, 200),
    ("DELETE", "/scim/v2/Users/{user_id}", ""): row(403, 403, 403, 403, 403, 403, 403, 403, 204),
    # Law 6: sharing under agreements.
    ("GET", "/api/v1/recipients", ""): SHARING_READERS,
    ("POST", "/api/v1/recipients", ""): IRU_ONLY_201,
    ("POST", "/api/v1/recipients/{recipient_id}/approve", ""): IRU_ONLY_204,
    ("GET", "/api/v1/agreements", ""): SHARING_READERS,
    ("POST", "/api/v1/agreements", ""): row(201, 403, 403, 201, 403, 403, 403, 403, 403),
    ("POST", "/api/v1/agreements/{agreement_id}/approve", ""): IRU_ONLY_204,
    ("POST", "/api/v1/agreements/{agreement_id}/revoke", ""): IRU_ONLY_204,
    ("POST", "/api/v1/disclosures", ""): row(201, 403, 403, 403, 201, 403, 403, 403, 403),
    ("POST", "/api/v1/disclosures/{request_id}/approve", ""): row(
        403, 403, 403, 200, 403, 403, 403, 403, 403
    ),
    ("POST", "/api/v1/disclosures/{request_id}/decline", ""): IRU_ONLY_204,
    ("POST", "/api/v1/disclosures/attribute", ""): SHARING_REVIEWERS,
    ("GET", "/api/v1/sharing/review", ""): SHARING_REVIEWERS,
    ("GET", "/api/v1/sharing/notices", ""): SHARING_REVIEWERS,
    ("POST", "/api/v1/sharing/notices/sent", ""): row(403, 403, 403, 200, 403, 403, 403, 403, 403),
    # Subject rights (ss.45-48): the Information Rights Unit alone handles requests.
    ("GET", "/api/v1/subject-requests", ""): IRU_ONLY_200,
    ("POST", "/api/v1/subject-requests", ""): IRU_ONLY_201,
    ("GET", "/api/v1/subject-requests/{request_id}", ""): IRU_ONLY_200,
    ("POST", "/api/v1/subject-requests/{request_id}/identity", ""): IRU_ONLY_204,
    ("POST", "/api/v1/subject-requests/{request_id}/clock/stop", ""): IRU_ONLY_204,
    ("POST", "/api/v1/subject-requests/{request_id}/clock/resume", ""): IRU_ONLY_204,
    ("POST", "/api/v1/subject-requests/{request_id}/extend", ""): IRU_ONLY_204,
    ("POST", "/api/v1/subject-requests/{request_id}/restrictions", ""): IRU_ONLY_204,
    ("POST", "/api/v1/subject-requests/{request_id}/ncnd", ""): IRU_ONLY_204,
    ("POST", "/api/v1/subject-requests/{request_id}/reveal-officers", ""): IRU_ONLY_204,
    ("POST", "/api/v1/subject-requests/{request_id}/response", ""): IRU_ONLY_200,
    ("POST", "/api/v1/subject-requests/{request_id}/decision", ""): IRU_ONLY_200,
    # Importing a legacy list: whoever may collect onto the list (the analyst in its BCU).
    ("POST", "/api/v1/imports", ""): COLLECTORS,
    ("GET", "/api/v1/imports", ""): IMPORTERS,
    ("GET", "/api/v1/imports/{import_id}/quarantine", ""): IMPORTERS,
}

# The scope an API token needs for each route, written by hand; None where a route takes no
# token scope (reference data is public; signing in and out concern sessions).
READ, WRITE, CONSULT, LOG = "register:read", "register:write", "entry:consult", "log:read"
SCOPES: dict[tuple[str, str], str | None] = {
    ("GET", "/api/v1/reference"): None,
    ("GET", "/api/v1/lists"): READ,
    ("POST", "/api/v1/lists"): WRITE,
    ("GET", "/api/v1/lists/{list_id}"): READ,
    ("PUT", "/api/v1/lists/{list_id}/dpia"): WRITE,
    ("POST", "/api/v1/lists/{list_id}/dpia/approve"): WRITE,
    ("PUT", "/api/v1/lists/{list_id}/policy-document"): WRITE,
    ("POST", "/api/v1/lists/{list_id}/authorise"): WRITE,
    ("POST", "/api/v1/lists/{list_id}/entries"): WRITE,
    ("POST", "/api/v1/lists/{list_id}/entries/search"): CONSULT,
    ("POST", "/api/v1/entries/{entry_id}/consult"): CONSULT,
    ("POST", "/api/v1/entries/{entry_id}/evidence"): WRITE,
    ("POST", "/api/v1/entries/{entry_id}/intelligence"): WRITE,
    ("POST", "/api/v1/people/search"): CONSULT,
    ("GET", "/api/v1/events"): LOG,
    ("GET", "/api/v1/reports/compliance"): READ,
    ("GET", "/api/v1/loss-findings"): READ,
    ("GET", "/api/v1/alerts"): READ,
    ("GET", "/api/v1/reports/dpia"): READ,
    ("GET", "/api/v1/reports/monthly"): READ,
    ("GET", "/api/v1/reports/bcu/{bcu}"): READ,
    ("GET", "/api/v1/reports/equality"): READ,
    ("GET", "/api/v1/reports/publication"): READ,
    ("GET", "/api/v1/audit/checkpoint"): LOG,
    ("GET", "/api/v1/audit/cosigned"): LOG,
    ("GET", "/api/v1/audit/events"): LOG,
    ("GET", "/api/v1/audit/proofs/inclusion/{event_id}"): LOG,
    ("GET", "/api/v1/audit/proofs/consistency"): LOG,
    ("GET", "/api/v1/audit/verify"): LOG,
    ("GET", "/api/v1/audit/export"): LOG,
    ("POST", "/api/v1/session"): None,
    ("DELETE", "/api/v1/session"): None,
    ("POST", "/api/v1/users/{user_id}/disable"): "user:manage",
    ("GET", "/api/v1/recipients"): READ,
    ("POST", "/api/v1/recipients"): WRITE,
    ("POST", "/api/v1/recipients/{recipient_id}/approve"): WRITE,
    ("GET", "/api/v1/agreements"): READ,
    ("POST", "/api/v1/agreements"): WRITE,
    ("POST", "/api/v1/agreements/{agreement_id}/approve"): WRITE,
    ("POST", "/api/v1/agreements/{agreement_id}/revoke"): WRITE,
    ("POST", "/api/v1/disclosures"): WRITE,
    ("POST", "/api/v1/disclosures/{request_id}/approve"): WRITE,
    ("POST", "/api/v1/disclosures/{request_id}/decline"): WRITE,
    ("POST", "/api/v1/disclosures/attribute"): WRITE,
    ("GET", "/api/v1/sharing/review"): READ,
    ("GET", "/api/v1/sharing/notices"): READ,
    ("POST", "/api/v1/sharing/notices/sent"): WRITE,
    ("GET", "/api/v1/subject-requests"): READ,
    ("POST", "/api/v1/subject-requests"): WRITE,
    ("GET", "/api/v1/subject-requests/{request_id}"): READ,
    ("POST", "/api/v1/subject-requests/{request_id}/identity"): WRITE,
    ("POST", "/api/v1/subject-requests/{request_id}/clock/stop"): WRITE,
    ("POST", "/api/v1/subject-requests/{request_id}/clock/resume"): WRITE,
    ("POST", "/api/v1/subject-requests/{request_id}/extend"): WRITE,
    ("POST", "/api/v1/subject-requests/{request_id}/restrictions"): WRITE,
    ("POST", "/api/v1/subject-requests/{request_id}/ncnd"): WRITE,
    ("POST", "/api/v1/subject-requests/{request_id}/reveal-officers"): WRITE,
    ("POST", "/api/v1/subject-requests/{request_id}/response"): CONSULT,
    ("POST", "/api/v1/subject-requests/{request_id}/decision"): WRITE,
    ("POST", "/api/v1/imports"): WRITE,
    ("GET", "/api/v1/imports"): READ,
    ("GET", "/api/v1/imports/{import_id}/quarantine"): CONSULT,
    ("GET", "/scim/v2/Users"): "user:manage",
    ("POST", "/scim/v2/Users"): "user:manage",
    ("GET", "/scim/v2/Users/{user_id}"): "user:manage",
    ("PUT", "/scim/v2/Users/{user_id}"): "user:manage",
    ("PATCH", "/scim/v2/Users/{user_id}"): "user:manage",
    ("DELETE", "/scim/v2/Users/{user_id}"): "user:manage",
}


@dataclass
class World:
    register: Register
    cast: Cast
    matrix: str
    entry: str
    south_entry: str
    totps: dict[str, pyotp.TOTP]
    folder: Path
    made: int = 0
    _sharing: Sharing | None = None
    _import: str | None = None

    def subject_of(self) -> str:
        with self.register.uow.read_only() as session:
            return session.scalars(select(Entry.subject_id).where(Entry.id == self.entry)).one()

    def subject_request(self, kind: str = "access", *, stopped: bool = False) -> str:
        """A new open request about the entry's person, its identity confirmed."""
        uow = self.register.uow
        subject_id = self.subject_of()
        made = subject_requests.record_request(
            uow=uow,
            actor=self.cast.iru,
            subject_id=subject_id,
            kind=kind,
            received_on=uow.today(),
            identity_method="passport",
            identity_confirmed_on=uow.today(),
        )
        if stopped:
            subject_requests.stop_clock(
                uow=uow, actor=self.cast.iru, request_id=made, on=uow.today()
            )
        return made

    def borough_file(self, n: int) -> Path:
        """A small CSV of lawful people in Central East only, different people for each ``n``."""
        whole = self.folder / f"whole-{n}.csv"
        write_borough_file(
            whole, 60, today=self.register.uow.today(), iao_id=self.cast.iao.id, seed=n
        )
        central_east = set(BOROUGHS_BY_BCU["CE"])
        lines = whole.read_text().splitlines()
        keep = [lines[0]] + [
            line
            for line in lines[1:]
            if line.split(",")[4] in central_east and line.split(",")[7] == ""
        ]
        path = self.folder / f"borough-{n}.csv"
        path.write_text("\n".join(keep[:4]) + "\n")
        return path

    def upload(self, n: int) -> dict[str, Any]:
        path = self.borough_file(n)
        return {
            "data": {"list_id": self.matrix},
            "files": {
                "file": (path.name, path.read_bytes(), "text/csv"),
                "mapping": ("mapping.toml", MAPPING_TOML.encode(), "application/toml"),
            },
        }

    def imported(self) -> str:
        """One import into the Matrix, made once, whose quarantine may be read."""
        if self._import is None:
            path = self.borough_file(0)
            report = import_file(
                uow=self.register.uow,
                actor=self.cast.iao,
                list_id=self.matrix,
                purpose=None,
                path=path,
                mapping=read_mapping(MAPPING_TOML.encode()),
            )
            self._import = report.import_id
        assert self._import is not None
        return self._import

    @property
    def sharing(self) -> Sharing:
        """Recipients, an agreement and 21 entries to share, made on first use."""
        if self._sharing is None:
            self._sharing = Sharing.make(self)
        return self._sharing

    def newcomer(self, n: int) -> str:
        """A new account, for a request that disables one."""
        return create_user(
            uow=self.register.uow, actor_id=None, name=f"New {n}", role="officer", bcus=["CE"]
        ).id

    def fresh(self, *, dpia: bool = False, complete: bool = False) -> str:
        """A new draft list for one request that changes it."""
        self.made += 1
        name = f"Fresh {self.made}"
        if complete:
            return draft_list(self.register, self.cast, name=name)
        list_id = lists.create_list(uow=self.register.uow, actor=self.cast.iao, name=name)
        if dpia:
            lists.record_dpia(
                uow=self.register.uow,
                actor=self.cast.iao,
                list_id=list_id,
                prior_consultation="consulted",
                review_on=self.register.uow.today() + timedelta(days=365),
                **DPIA,
            )
        return list_id


SCIM_EXTENSION = "urn:listwarden:params:scim:schemas:extension:2.0:User"


def scim_user(user_id: str, role: str = "officer") -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", SCIM_EXTENSION],
        "userName": user_id,
        "displayName": "Provisioned Officer",
        SCIM_EXTENSION: {"role": role, "bcus": ["CE"], "unit": "Gangs CE"},
    }


def scim_request(world: World, path: str, method: str, n: int) -> tuple[str, dict[str, Any]]:
    user_id = world.newcomer(n)
    kwargs: dict[str, Any] = {}
    if method == "PUT":
        kwargs = {"json": scim_user(user_id, role="analyst")}
    elif method == "PATCH":
        kwargs = {
            "json": {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            }
        }
    return path.format(user_id=user_id), kwargs


def session_request(world: World, role: str, variant: str) -> dict[str, Any]:
    """Signing in as ``role`` with its password and current code, or out with its cookie."""
    user_id = getattr(world.cast, role).id
    if variant != "cookie":
        code = world.totps[user_id].at(world.register.uow.now())
        return {"json": {"account": user_id, "password": PASSWORD, "code": code}}
    with world.register.uow.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        signed_in = sessions.open_session(session, world.register.uow, user)
    return {
        "headers": {
            "Authorization": "",
            "Cookie": f"{SESSION_COOKIE}={signed_in.token}",
            CSRF_HEADER: signed_in.csrf_token,
        }
    }


@dataclass
class Sharing:
    """A second IRU officer, an approved recipient and agreement (approved by that officer)."""

    world: World
    iru2: Actor
    recipient: str
    agreement: str
    entries: list[str]

    @classmethod
    def make(cls, world: World) -> Sharing:
        register, cast = world.register, world.cast
        iru2 = second_iru(register, cast, [world.matrix])
        recipient = sharing.register_recipient(
            uow=register.uow, actor=cast.iru, name="Matrix Borough", **RECIPIENT
        )
        sharing.approve_recipient(uow=register.uow, actor=iru2, recipient_id=recipient)
        entries = [add_person(register, cast, world.matrix, n=100 + n) for n in range(21)]
        made = cls(world, iru2, recipient, "", entries)
        made.agreement = made.draft()
        sharing.approve_agreement(uow=register.uow, actor=iru2, agreement_id=made.agreement)
        return made

    def draft(self) -> str:
        uow = self.world.register.uow
        return sharing.draft_agreement(
            uow=uow,
            actor=self.world.cast.iao,
            terms=terms([self.recipient], uow.today(), unassessed=True),
        )

    def approved(self) -> str:
        agreement = self.draft()
        uow = self.world.register.uow
        sharing.approve_agreement(uow=uow, actor=self.iru2, agreement_id=agreement)
        return agreement

    def fresh_recipient(self, n: int) -> str:
        uow = self.world.register.uow
        return sharing.register_recipient(
            uow=uow, actor=self.iru2, name=f"Fresh Borough {n}", **RECIPIENT
        )

    def disclosure(self, entries: list[str]) -> dict[str, Any]:
        return {
            "recipient_id": self.recipient,
            "agreement_id": self.agreement,
            "purpose": ENFORCE["purpose"],
            "entry_ids": entries,
            "fields": ["entry_id", "band"],
            "justification": "joint enforcement review",
            "entry_justifications": {e: f"case for {e}" for e in entries},
        }

    def notice(self, n: int) -> str:
        """A notice to send: a fresh person disclosed, then erased."""
        register, cast = self.world.register, self.world.cast
        entry = add_person(register, cast, self.world.matrix, n=200 + n)
        ask = DisclosureAsk(**self.disclosure([entry]))
        request_disclosure(uow=register.uow, actor=cast.analyst, ask=ask)
        erase_entry(
            uow=register.uow, actor_id=cast.iao.id, entry_id=entry, rule_or_request="r", reason="r"
        )
        with register.uow.read_only() as session:
            return session.scalars(
                select(RecipientNotice.id).where(RecipientNotice.entry_id == entry)
            ).one()

    def pending(self) -> str:
        ask = DisclosureAsk(**self.disclosure(self.entries))
        uow = self.world.register.uow
        return request_disclosure(uow=uow, actor=self.world.cast.analyst, ask=ask).request_id


RECIPIENT = {
    "kind": "statutory",
    "statutory_function": "local_authority_housing",
    "notice_contact": "ig@borough.example",
    "age_public_key": str(x25519.Identity.generate().to_public()),
}


def request(
    world: World, key: tuple[str, str, str], n: int, role: str
) -> tuple[str, dict[str, Any]]:
    """The concrete path and keyword arguments for one cell of the matrix."""
    _method, path, variant = key
    if path == "/api/v1/session":
        return path, session_request(world, role, variant)
    why = {"enforcement": ENFORCE, "rights": RIGHTS, "oversight": AUDIT}.get(variant, ENFORCE)
    person = {
        "given_name": "Testgiven0",
        "family_name": "Testfamily0",
        "date_of_birth": "1998-05-17",
    }
    builders: dict[str, Callable[[], tuple[str, dict[str, Any]]]] = {
        "/api/v1/lists": lambda: (path, {"json": {"name": f"New list {n}"}}),
        "/api/v1/lists/{list_id}/dpia": lambda: (
            path.format(list_id=world.fresh()),
            {"json": DPIA},
        ),
        "/api/v1/lists/{list_id}/dpia/approve": lambda: (
            path.format(list_id=world.fresh(dpia=True)),
            {},
        ),
        "/api/v1/lists/{list_id}/policy-document": lambda: (
            path.format(list_id=world.fresh()),
            {"json": {"kind": "s42_appropriate_policy", "reference": "APD/2"}},
        ),
        "/api/v1/lists/{list_id}/authorise": lambda: (
            path.format(list_id=world.fresh(complete=True)),
            {},
        ),
        "/api/v1/lists/{list_id}/entries": lambda: (
            path.format(list_id=world.matrix),
            {
                "json": {
                    "purpose": ENFORCE["purpose"],
                    "given_name": f"Matrixgiven{n}",
                    "family_name": "Matrixfamily",
                    "date_of_birth": "1999-02-03",
                    "category": "suspected",
                    "bcu": "CE",
                }
            },
        ),
        "/api/v1/entries/{entry_id}/evidence": lambda: (
            path.format(entry_id=world.entry),
            {
                "json": {
                    "purpose": ENFORCE["purpose"],
                    "kind": "offence",
                    "role": "perpetrator",
                    "occurred_on": "2026-01-01",
                    "description": "robbery",
                }
            },
        ),
        "/api/v1/entries/{entry_id}/intelligence": lambda: (
            path.format(entry_id=world.entry),
            {
                "json": {
                    "purpose": ENFORCE["purpose"],
                    "grading": "2B P",
                    "source_type": "police",
                    "source_ref": "SRC-9",
                    "text": "seen at the estate",
                    "reported_on": "2026-01-01",
                }
            },
        ),
        "/api/v1/people/search": lambda: (path, {"json": {**why, **person}}),
        "/api/v1/audit/proofs/inclusion/{event_id}": lambda: (path.format(event_id=1), {}),
        "/api/v1/reports/bcu/{bcu}": lambda: (path.format(bcu="CE"), {}),
        "/api/v1/audit/proofs/consistency": lambda: (path, {"params": {"from": 1}}),
        "/api/v1/users/{user_id}/disable": lambda: (
            path.format(user_id=world.newcomer(n)),
            {"json": {"reason": "left the unit"}},
        ),
        "/scim/v2/Users": lambda: (
            path,
            {"json": scim_user(f"scim-{n}")} if _method == "POST" else {},
        ),
        "/scim/v2/Users/{user_id}": lambda: scim_request(world, path, _method, n),
        "/api/v1/recipients": lambda: (
            path,
            {"json": {"name": f"New Borough {n}", **RECIPIENT}} if _method == "POST" else {},
        ),
        "/api/v1/recipients/{recipient_id}/approve": lambda: (
            path.format(recipient_id=world.sharing.fresh_recipient(n)),
            {},
        ),
        "/api/v1/agreements": lambda: (path, {"json": _agreement_body(world)}),
        "/api/v1/agreements/{agreement_id}/approve": lambda: (
            path.format(agreement_id=world.sharing.draft()),
            {},
        ),
        "/api/v1/agreements/{agreement_id}/revoke": lambda: (
            path.format(agreement_id=world.sharing.approved()),
            {"json": {"reason": "the recipient breached the terms"}},
        ),
        "/api/v1/disclosures": lambda: (
            path,
            {"json": world.sharing.disclosure([world.entry])},
        ),
        "/api/v1/disclosures/{request_id}/approve": lambda: (
            path.format(request_id=world.sharing.pending()),
            {},
        ),
        "/api/v1/sharing/notices/sent": lambda: (
            path,
            {"json": {"ids": [world.sharing.notice(n)]}},
        ),
        "/api/v1/disclosures/{request_id}/decline": lambda: (
            path.format(request_id=world.sharing.pending()),
            {"json": {"reason": "not necessary for so many people"}},
        ),
        "/api/v1/disclosures/attribute": lambda: (
            path,
            {"json": {"rows": [{"entry_id": world.entry}]}},
        ),
        "/api/v1/imports": lambda: (path, world.upload(n) if _method == "POST" else {}),
        "/api/v1/imports/{import_id}/quarantine": lambda: (
            path.format(import_id=world.imported()),
            {},
        ),
        "/api/v1/subject-requests": lambda: (
            path,
            {
                "json": {
                    "kind": "access",
                    "identity_method": "passport",
                    "subject_id": world.subject_of(),
                }
            }
            if _method == "POST"
            else {},
        ),
    }
    rights = {
        "": {},
        "/identity": {},
        "/clock/stop": {},
        "/clock/resume": {},
        "/extend": {"reason": "six lists to search"},
        "/restrictions": {
            "item_kind": "entry",
            "item_id": world.entry,
            "ground": "protect_the_rights_of_others",
            "reason": "it would identify a witness",
        },
        "/ncnd": {"reason": "an investigation would be alerted"},
        "/reveal-officers": {"reason": "no risk to the officers"},
        "/response": {"answer": False},
        "/decision": {"grant": False, "reason": "the data is accurate"},
    }
    prefix = "/api/v1/subject-requests/{request_id}"
    if path.startswith(prefix):
        tail = path.removeprefix(prefix)
        kind = "restriction" if tail == "/decision" else "access"
        request_id = world.subject_request(kind, stopped=tail == "/clock/resume")
        body = {"json": rights[tail]} if _method == "POST" else {}
        return path.format(request_id=request_id), body
    if path in builders:
        return builders[path]()
    entry = world.south_entry if variant == "out-of-bcu" else world.entry
    formatted = path.format(list_id=world.matrix, entry_id=entry)
    return formatted, ({"json": why} if _method == "POST" else {})


def _agreement_body(world: World) -> dict[str, Any]:
    agreed = terms([world.sharing.recipient], world.register.uow.today())
    body = dict(agreed.__dict__)
    return body | {k: body[k].isoformat() for k in ("valid_from", "valid_until", "review_on")}


def api_routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    """Every API route in ``app.routes``, inside included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


CENSUS = Path(__file__).parents[2] / ".." / "shared" / "data"
CENSUS_FILE = CENSUS / "census2011_london_boroughs_ethnic_group.csv"


@pytest.fixture
def world(register: Register, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> World:
    monkeypatch.setenv("LISTWARDEN_CENSUS_BASELINE", str(CENSUS_FILE))  # equality figures
    cast = make_cast(register)
    matrix = authorised_list(register, cast)
    entry = add_person(register, cast, matrix)
    south = add_person(register, cast, matrix, n=1, bcu="SN")
    bcu_audits.open_audit(uow=register.uow, actor=cast.auditor, bcu="CE")  # law 12's records
    monthly_report.sign_monthly(uow=register.uow, actor=None, month="2026-11")
    totps = {}
    folder = tmp_path / "uploads"
    folder.mkdir()
    for role in ROLES:
        user_id = getattr(cast, role).id
        signin.set_password(uow=register.uow, actor_id=None, user_id=user_id, password=PASSWORD)
        uri = signin.enrol_totp(uow=register.uow, actor_id=None, user_id=user_id)
        totps[user_id] = pyotp.TOTP(pyotp.parse_uri(uri).secret)
    return World(register, cast, matrix, entry, south, totps, folder)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.register)) as client:
        yield client


def test_every_route_has_a_row(register: Register) -> None:
    served = {
        (method, route.path)
        for route in api_routes(create_app(register).routes)
        if route.path.startswith(("/api/", "/scim/"))
        for method in route.methods
    }
    covered = {(method, path) for method, path, _variant in MATRIX}
    assert served - covered == set(), "a route without a row in the authorisation matrix"
    assert covered - served == set(), "a row for a route the app does not serve"


def test_every_route_for_every_role(world: World, client: TestClient) -> None:
    tokens = {
        role: issue_token(uow=world.register.uow, user_id=getattr(world.cast, role).id)
        for role in ROLES
    }
    found: dict[tuple[str, str, str], dict[str, int]] = {}
    n = 0
    for key, expected in MATRIX.items():
        found[key] = {}
        for role in ROLES:
            n += 1
            path, kwargs = request(world, key, n, role)
            headers = {"Authorization": f"Bearer {tokens[role]}", **kwargs.pop("headers", {})}
            response = client.request(key[0], path, headers=headers, **kwargs)
            found[key][role] = response.status_code
            if response.status_code == 403:
                body = response.json()
                assert body["policy"], body  # every refusal names the policy that refused
        del expected
    wrong = {
        f"{key[0]} {key[1]} {key[2]}".strip(): {
            role: (found[key][role], MATRIX[key][role])
            for role in ROLES
            if found[key][role] != MATRIX[key][role]
        }
        for key in MATRIX
    }
    mismatched = {k: v for k, v in wrong.items() if v}
    assert mismatched == {}, json.dumps(mismatched, indent=1)


def test_every_route_has_its_token_scope_written_down() -> None:
    assert {(method, path) for method, path, _variant in MATRIX} == set(SCOPES)


def test_a_token_acts_only_within_its_scopes(world: World, client: TestClient) -> None:
    every = set(SCOPES.values()) - {None}
    checked = 0
    for (method, path), scope in SCOPES.items():
        if scope is None:
            continue
        key = next(k for k in MATRIX if k[:2] == (method, path))
        role = next(r for r in ROLES if MATRIX[key][r] < 300)
        user_id = getattr(world.cast, role).id
        uow = world.register.uow
        without = issue_token(uow=uow, user_id=user_id, scopes=every - {scope})
        only = issue_token(uow=uow, user_id=user_id, scopes={scope})
        checked += 1
        for token, expected in ((without, 403), (only, MATRIX[key][role])):
            checked += 1
            url, kwargs = request(world, key, 10_000 + checked, role)
            response = client.request(
                method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs
            )
            assert response.status_code == expected, (method, path, scope, response.text)
            if expected == 403:
                assert response.json()["policy"] == "token-scope"
                assert response.json()["detail"] == f"this API token is not scoped for {scope}"
    assert checked == 3 * sum(1 for scope in SCOPES.values() if scope is not None)
