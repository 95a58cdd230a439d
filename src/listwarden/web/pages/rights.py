"""Subject rights for the IRU: record a request, run its clock, answer it or decide it.

The person is found by the name and date of birth the requester gives (posted, never in a
URL; the look-up is logged); requests are then named by their opaque reference. An access
request is previewed with each item's reference so that items can be withheld on a ground of
s.45(4), then compiled and sent (and downloadable as JSON or PDF); every read is logged by the
service. Rectification, erasure and restriction are granted or refused with a reason, and the
page says how many entries changed and how many recipients are to be told (s.48).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from listwarden.domain.access import Actor
from listwarden.domain.errors import InvalidInput, NotFound
from listwarden.domain.subject_rights import RequestKind, RestrictionGround
from listwarden.export.sar_document import sar_pdf
from listwarden.policy.engine import AccessAction
from listwarden.services import subject_access, subject_decisions, subject_requests
from listwarden.services.access import require_on_register
from listwarden.services.subject_decisions import RECTIFIABLE
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import FormErrors, PageActor, entered_date
from listwarden.web.templating import render

router = APIRouter()

Text = Annotated[str, Form()]
FIELD_IDS = {
    "identity_method": "identity-method",
    "given_name": "given-name",
    "family_name": "family-name",
    "person": "given-name",
    "received_on": "received",
    "kind": "kind",
    "reason": "reason",
    "fields": "reason",
}
NOTES = {
    "identity": "The identity is confirmed: the clock has started.",
    "stopped": "The clock is stopped while you await clarification.",
    "resumed": "The clock is running again.",
    "extended": "The request is extended as complex: two more months.",
    "ncnd": "The request will be answered neither confirming nor denying.",
    "officers": "The officers who consulted the record will be named.",
    "restricted": "The item will be withheld from the response, with its ground.",
}


@router.get("/subject-requests", response_class=HTMLResponse)
def request_register(request: Request, uow: UowDep, actor: PageActor) -> HTMLResponse:
    found = subject_requests.requests(uow=uow, actor=actor)
    return render(request, "rights/index.html", {"requests": list(reversed(found))})


def _new_form(
    request: Request, answers: dict[str, str], errors: FormErrors | None = None, status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "rights/new.html",
        {
            "answers": answers,
            "kinds": [k.value for k in RequestKind],
            **(errors or FormErrors()).context(),
        },
        status=status,
    )


@router.get("/subject-requests/new", response_class=HTMLResponse)
def new_request(request: Request, uow: UowDep, actor: PageActor) -> HTMLResponse:
    require_on_register(uow=uow, actor=actor, action=AccessAction.SUBJECT_REQUEST_MANAGE)
    today = uow.today()
    return _new_form(
        request,
        {
            "kind": "access",
            "received-day": str(today.day),
            "received-month": str(today.month),
            "received-year": str(today.year),
        },
    )


@router.post("/subject-requests", response_model=None)
def record_request(
    request: Request,
    uow: UowDep,
    actor: PageActor,
    kind: Text = "",
    given_name: Text = "",
    family_name: Text = "",
    dob_day: Annotated[str, Form(alias="dob-day")] = "",
    dob_month: Annotated[str, Form(alias="dob-month")] = "",
    dob_year: Annotated[str, Form(alias="dob-year")] = "",
    received_day: Annotated[str, Form(alias="received-day")] = "",
    received_month: Annotated[str, Form(alias="received-month")] = "",
    received_year: Annotated[str, Form(alias="received-year")] = "",
    identity_method: Text = "",
    identity_confirmed: Text = "",
) -> Response:
    """Find the person by name and date of birth, then record the request with its check."""
    answers = {
        "kind": kind,
        "given_name": given_name,
        "family_name": family_name,
        "dob-day": dob_day,
        "dob-month": dob_month,
        "dob-year": dob_year,
        "received-day": received_day,
        "received-month": received_month,
        "received-year": received_year,
        "identity_method": identity_method,
        "identity_confirmed": identity_confirmed,
    }
    errors = FormErrors()
    if kind not in set(RequestKind):
        errors.add("kind", "choose the right the person is exercising")
    for field_id, value, message in (
        ("given-name", given_name, "enter the person's given name"),
        ("family-name", family_name, "enter the person's family name"),
        ("identity-method", identity_method, "say how the requester's identity is checked"),
    ):
        if not value.strip():
            errors.add(field_id, message)
    born = entered_date(
        dob_day, dob_month, dob_year, "dob", errors, "enter the person's date of birth"
    )
    received = entered_date(received_day, received_month, received_year, "received", errors)
    if errors or born is None:
        return _new_form(request, answers, errors, 422)
    try:
        subject_id = subject_requests.find_subject(
            uow=uow, actor=actor, given_name=given_name, family_name=family_name, date_of_birth=born
        )
        request_id = subject_requests.record_request(
            uow=uow,
            actor=actor,
            subject_id=subject_id,
            kind=kind,
            received_on=received or uow.today(),
            identity_method=identity_method,
            identity_confirmed_on=uow.today() if identity_confirmed == "yes" else None,
        )
    except (InvalidInput, NotFound) as error:
        errors.add_error(error, "given-name", FIELD_IDS)
        return _new_form(request, answers, errors, 422)
    return RedirectResponse(f"/subject-requests/{request_id}?done=recorded", status_code=303)


def _request_page(
    request: Request,
    uow: UowDep,
    actor: Actor,
    request_id: str,
    *,
    note: str | None = None,
    errors: FormErrors | None = None,
    answers: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = subject_requests.request_view(uow=uow, actor=actor, request_id=request_id)
    return render(
        request,
        "rights/request.html",
        {
            "req": view,
            "note": note,
            "answers": answers or {},
            "rectifiable": RECTIFIABLE,
            **(errors or FormErrors()).context(),
        },
        status=status,
    )


@router.get("/subject-requests/{request_id}", response_class=HTMLResponse)
def request_page(
    request: Request, request_id: str, uow: UowDep, actor: PageActor, done: str = ""
) -> HTMLResponse:
    note = "The request is recorded." if done == "recorded" else NOTES.get(done)
    return _request_page(request, uow, actor, request_id, note=note)


def _after(request_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/subject-requests/{request_id}?done={done}", status_code=303)


WHY_MISSING = {
    "extended": "say why the request is complex",
    "ncnd": "say why neither confirming nor denying is necessary",
    "officers": "say why the officers may be named",
}


def _reasoned(
    request: Request,
    uow: UowDep,
    actor: Actor,
    request_id: str,
    reason: str,
    action: Any,
    done: str,
) -> Response:
    errors = FormErrors()
    if not reason.strip():
        errors.add(f"{done}-reason", WHY_MISSING[done])
        return _request_page(request, uow, actor, request_id, errors=errors, status=422)
    try:
        action(uow=uow, actor=actor, request_id=request_id, reason=reason)
    except InvalidInput as error:
        errors.add_error(error, f"{done}-reason", {"reason": f"{done}-reason"})
        return _request_page(request, uow, actor, request_id, errors=errors, status=422)
    return _after(request_id, done)


@router.post("/subject-requests/{request_id}/identity", response_model=None)
def confirm_identity(request_id: str, uow: UowDep, actor: PageActor) -> Response:
    subject_requests.confirm_identity(uow=uow, actor=actor, request_id=request_id, on=uow.today())
    return _after(request_id, "identity")


@router.post("/subject-requests/{request_id}/clock/stop", response_model=None)
def stop_clock(request_id: str, uow: UowDep, actor: PageActor) -> Response:
    subject_requests.stop_clock(uow=uow, actor=actor, request_id=request_id, on=uow.today())
    return _after(request_id, "stopped")


@router.post("/subject-requests/{request_id}/clock/resume", response_model=None)
def resume_clock(request_id: str, uow: UowDep, actor: PageActor) -> Response:
    subject_requests.resume_clock(uow=uow, actor=actor, request_id=request_id, on=uow.today())
    return _after(request_id, "resumed")


@router.post("/subject-requests/{request_id}/extend", response_model=None)
def extend(
    request: Request, request_id: str, uow: UowDep, actor: PageActor, reason: Text = ""
) -> Response:
    return _reasoned(
        request, uow, actor, request_id, reason, subject_requests.extend_request, "extended"
    )


@router.post("/subject-requests/{request_id}/ncnd", response_model=None)
def ncnd(
    request: Request, request_id: str, uow: UowDep, actor: PageActor, reason: Text = ""
) -> Response:
    return _reasoned(
        request, uow, actor, request_id, reason, subject_requests.neither_confirm_nor_deny, "ncnd"
    )


@router.post("/subject-requests/{request_id}/reveal-officers", response_model=None)
def reveal_officers(
    request: Request, request_id: str, uow: UowDep, actor: PageActor, reason: Text = ""
) -> Response:
    return _reasoned(
        request, uow, actor, request_id, reason, subject_requests.reveal_officers, "officers"
    )


def _items(document: dict[str, Any]) -> list[dict[str, str]]:
    """Every item of a preview that can be withheld, with a line saying what it is."""
    out: list[dict[str, str]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "item_kind" in value and "reference" in value:
                shown = [
                    f"{str(k).replace('_', ' ')}: {v}"
                    for k, v in value.items()
                    if k not in ("item_kind", "reference") and not isinstance(v, dict | list)
                ]
                out.append(
                    {"kind": value["item_kind"], "id": value["reference"], "text": "; ".join(shown)}
                )
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk({k: document.get(k) for k in ("entries", "disclosures", "consultations")})
    return out


@router.post("/subject-requests/{request_id}/preview", response_class=HTMLResponse)
def preview(request: Request, request_id: str, uow: UowDep, actor: PageActor) -> HTMLResponse:
    """Everything the response would hold, each item with a form to withhold it (logged)."""
    response = subject_access.compile_sar(
        uow=uow, actor=actor, request_id=request_id, answer=False, references=True
    )
    document = subject_access.as_document(response)
    return render(
        request,
        "rights/preview.html",
        {
            "req": subject_requests.request_view(uow=uow, actor=actor, request_id=request_id),
            "document": document,
            "items": _items(document),
            "grounds": [g.value for g in RestrictionGround],
        },
    )


@router.post("/subject-requests/{request_id}/restrictions", response_model=None)
def restrict(
    request: Request,
    request_id: str,
    uow: UowDep,
    actor: PageActor,
    item_kind: Text = "",
    item_id: Text = "",
    ground: Text = "",
    reason: Text = "",
) -> Response:
    try:
        subject_requests.restrict_item(
            uow=uow,
            actor=actor,
            request_id=request_id,
            item_kind=item_kind,
            item_id=item_id,
            ground=ground,
            reason=reason,
        )
    except InvalidInput as error:
        errors = FormErrors()
        for reason_ in error.reasons:
            errors.add("restrict", reason_.detail)
        return _request_page(request, uow, actor, request_id, errors=errors, status=422)
    return _after(request_id, "restricted")


@router.post("/subject-requests/{request_id}/response", response_class=HTMLResponse)
def answer(request: Request, request_id: str, uow: UowDep, actor: PageActor) -> HTMLResponse:
    """Compile the response, restrictions applied, and record the request as answered."""
    response = subject_access.compile_sar(uow=uow, actor=actor, request_id=request_id)
    return render(
        request,
        "rights/response.html",
        {
            "req": subject_requests.request_view(uow=uow, actor=actor, request_id=request_id),
            "document": subject_access.as_document(response),
        },
    )


@router.post("/subject-requests/{request_id}/download", response_model=None)
def download(request_id: str, uow: UowDep, actor: PageActor, format: Text = "json") -> Response:
    """The response as the person receives it, as a JSON or PDF file (the read is logged)."""
    if format not in ("json", "pdf"):
        raise InvalidInput("choose JSON or PDF")
    response = subject_access.compile_sar(uow=uow, actor=actor, request_id=request_id, answer=False)
    document = subject_access.as_document(response)
    name = f"subject-access-{request_id[:8]}"
    if format == "pdf":
        body, media = sar_pdf(document), "application/pdf"
    else:
        body = json.dumps(document, indent=2, sort_keys=True).encode()
        media = "application/json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )


@router.post("/subject-requests/{request_id}/decision", response_class=HTMLResponse)
def decide(
    request: Request,
    request_id: str,
    uow: UowDep,
    actor: PageActor,
    outcome: Text = "",
    reason: Text = "",
    given_name: Text = "",
    family_name: Text = "",
    date_of_birth: Text = "",
    nicknames: Text = "",
    address: Text = "",
) -> HTMLResponse:
    """Grant (and apply) or refuse the request, with the reason; then say what it did."""
    given = {
        "given_name": given_name,
        "family_name": family_name,
        "date_of_birth": date_of_birth,
        "nicknames": nicknames,
        "address": address,
    }
    corrections = {k: v.strip() for k, v in given.items() if v.strip()}
    answers = {"outcome": outcome, "reason": reason, **given}
    errors = FormErrors()
    if outcome not in ("grant", "refuse"):
        errors.add("outcome", "choose whether to grant or refuse the request")
    if not errors:
        try:
            decided = subject_decisions.decide_request(
                uow=uow,
                actor=actor,
                request_id=request_id,
                grant=outcome == "grant",
                reason=reason,
                corrections=corrections or None,
            )
        except InvalidInput as error:
            errors.add_error(
                error, "reason", {"fields": "given-name", "date_of_birth": "date-of-birth"}
            )
        else:
            return render(request, "rights/decided.html", {"decided": decided})
    return _request_page(
        request, uow, actor, request_id, errors=errors, answers=answers, status=422
    )
