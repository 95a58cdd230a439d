"""Subject rights through the API (DPA 2018 ss.45-48): requests, their clock, answers, decisions.

Only the Information Rights Unit may handle requests (``subject_request:manage``, decided by
the Cedar engine in the services). The person is named by their subject id or found by name
and date of birth in the body, never in the URL. Compiling a response reads and logs
personal data, so its token needs the ``entry:consult`` scope.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import Field

from listwarden.domain.errors import InvalidInput, Reason
from listwarden.services import subject_access, subject_decisions, subject_requests
from listwarden.web.deps import ActorDep, ConsultActorDep, UowDep
from listwarden.web.schemas import Body

rights_router = APIRouter(prefix="/api/v1/subject-requests", tags=["subject rights"])


class Person(Body):
    """The requester as they name themselves; found by the blind index, nothing decrypted."""

    given_name: str = Field(min_length=1, max_length=200)
    family_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date


class RequestCreate(Body):
    kind: str = Field(description="access, rectification, erasure or restriction")
    identity_method: str = Field(max_length=500, description="how the identity is checked")
    received_on: date | None = Field(default=None, description="default today")
    identity_confirmed_on: date | None = Field(default=None, description="starts the clock")
    subject_id: str | None = Field(default=None, description="the person, if known")
    person: Person | None = Field(default=None, description="or the person by name and birth")


class OnDay(Body):
    on: date | None = Field(default=None, description="default today")


class Reasoned(Body):
    reason: str = Field(max_length=2000)


class RestrictionCreate(Body):
    item_kind: str = Field(description="entry, evidence, intelligence, assessment, …")
    item_id: str = Field(min_length=1, max_length=64, description="the item's reference")
    ground: str = Field(description="a ground of s.45(4)")
    reason: str = Field(max_length=2000)


class Compile(Body):
    answer: bool = Field(default=True, description="record the request as answered today")
    references: bool = Field(
        default=False, description="give each item its reference, to decide restrictions"
    )


class DecisionCreate(Body):
    grant: bool
    reason: str = Field(max_length=2000)
    corrections: dict[str, str] | None = Field(
        default=None, description="for a rectification: field to corrected value"
    )


@rights_router.get("")
def get_requests(uow: UowDep, actor: ActorDep) -> list[subject_requests.RequestView]:
    """Every request with its deadline; overdue ones are marked."""
    return subject_requests.requests(uow=uow, actor=actor)


@rights_router.post("", status_code=201)
def post_request(body: RequestCreate, uow: UowDep, actor: ActorDep) -> subject_requests.RequestView:
    """Record a request with its identity check; the answer gives its clock."""
    if (body.subject_id is None) == (body.person is None):
        raise InvalidInput(
            "name the person by subject_id or by person, not both",
            reasons=[Reason("person-missing", "give subject_id or person", "subject_id")],
        )
    subject_id = body.subject_id or subject_requests.find_subject(
        uow=uow,
        actor=actor,
        **body.person.model_dump(),  # type: ignore[union-attr]
    )
    request_id = subject_requests.record_request(
        uow=uow,
        actor=actor,
        subject_id=subject_id,
        kind=body.kind,
        received_on=body.received_on or uow.today(),
        identity_method=body.identity_method,
        identity_confirmed_on=body.identity_confirmed_on,
    )
    return subject_requests.request_view(uow=uow, actor=actor, request_id=request_id)


@rights_router.get("/{request_id}")
def get_request(request_id: str, uow: UowDep, actor: ActorDep) -> subject_requests.RequestView:
    """One request: its due date, whether the clock is stopped, extended, overdue."""
    return subject_requests.request_view(uow=uow, actor=actor, request_id=request_id)


@rights_router.post("/{request_id}/identity", status_code=204)
def confirm_identity(request_id: str, body: OnDay, uow: UowDep, actor: ActorDep) -> None:
    """The requester's identity is confirmed: the clock starts."""
    on = body.on or uow.today()
    subject_requests.confirm_identity(uow=uow, actor=actor, request_id=request_id, on=on)


@rights_router.post("/{request_id}/clock/stop", status_code=204)
def stop_clock(request_id: str, body: OnDay, uow: UowDep, actor: ActorDep) -> None:
    """Clarification has been asked for: the clock stands still."""
    on = body.on or uow.today()
    subject_requests.stop_clock(uow=uow, actor=actor, request_id=request_id, on=on)


@rights_router.post("/{request_id}/clock/resume", status_code=204)
def resume_clock(request_id: str, body: OnDay, uow: UowDep, actor: ActorDep) -> None:
    """Clarification arrived: the clock runs again."""
    on = body.on or uow.today()
    subject_requests.resume_clock(uow=uow, actor=actor, request_id=request_id, on=on)


@rights_router.post("/{request_id}/extend", status_code=204)
def extend(request_id: str, body: Reasoned, uow: UowDep, actor: ActorDep) -> None:
    """A complex request: two more months, with the reason recorded."""
    subject_requests.extend_request(uow=uow, actor=actor, request_id=request_id, reason=body.reason)


@rights_router.post("/{request_id}/restrictions", status_code=204)
def restrict(request_id: str, body: RestrictionCreate, uow: UowDep, actor: ActorDep) -> None:
    """Withhold one item of the response on a ground of s.45(4), saying why."""
    subject_requests.restrict_item(uow=uow, actor=actor, request_id=request_id, **body.model_dump())


@rights_router.post("/{request_id}/ncnd", status_code=204)
def ncnd(request_id: str, body: Reasoned, uow: UowDep, actor: ActorDep) -> None:
    """Answer neither confirming nor denying that anything is held; the reason is kept."""
    subject_requests.neither_confirm_nor_deny(
        uow=uow, actor=actor, request_id=request_id, reason=body.reason
    )


@rights_router.post("/{request_id}/reveal-officers", status_code=204)
def reveal_officers(request_id: str, body: Reasoned, uow: UowDep, actor: ActorDep) -> None:
    """Name the officers who consulted the record (s.45(4)(e) lifted), with the reason."""
    subject_requests.reveal_officers(
        uow=uow, actor=actor, request_id=request_id, reason=body.reason
    )


@rights_router.post("/{request_id}/response")
def compile_response(
    request_id: str, body: Compile, uow: UowDep, actor: ConsultActorDep
) -> dict[str, Any]:
    """The response to an access request as JSON, restrictions applied; the read is logged."""
    response = subject_access.compile_sar(
        uow=uow,
        actor=actor,
        request_id=request_id,
        answer=body.answer,
        references=body.references,
    )
    return subject_access.as_document(response)


@rights_router.post("/{request_id}/decision")
def decide(
    request_id: str, body: DecisionCreate, uow: UowDep, actor: ActorDep
) -> subject_decisions.Decided:
    """Grant (and apply) or refuse a rectification, erasure or restriction, with the reason;
    the answer counts the entries changed and the recipient notices raised (s.48)."""
    return subject_decisions.decide_request(
        uow=uow,
        actor=actor,
        request_id=request_id,
        grant=body.grant,
        reason=body.reason,
        corrections=body.corrections,
    )
