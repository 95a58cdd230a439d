"""The agreement register and the disclosure wizard (law 6): every refusal shows every reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from listwarden.domain.access import purposes_for
from listwarden.domain.errors import InvalidInput
from listwarden.domain.fields import Field
from listwarden.domain.sharing import SharingNotPermitted
from listwarden.services import disclosures, sharing
from listwarden.web.deps import UowDep
from listwarden.web.pages.errors import sentence
from listwarden.web.pages.forms import FormErrors, PageActor
from listwarden.web.templating import render

router = APIRouter()


@router.get("/sharing", response_class=HTMLResponse)
def agreement_register(request: Request, uow: UowDep, actor: PageActor) -> HTMLResponse:
    return render(
        request,
        "sharing/register.html",
        {
            "recipients": sharing.list_recipients(uow=uow, actor=actor),
            "agreements": sharing.list_agreements(uow=uow, actor=actor),
        },
    )


def _wizard(
    request: Request,
    uow: UowDep,
    actor: PageActor,
    *,
    answers: dict[str, object],
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "sharing/disclose.html",
        {
            "recipients": [
                r for r in sharing.list_recipients(uow=uow, actor=actor) if r.approved_by
            ],
            "agreements": [
                a for a in sharing.list_agreements(uow=uow, actor=actor) if a.status == "approved"
            ],
            "purposes": [p.value for p in purposes_for(actor.role)],
            "fields": [f.value for f in Field],
            "answers": answers,
            **(errors or FormErrors()).context(),
        },
        status=status,
    )


@router.get("/disclosures/new", response_class=HTMLResponse)
def disclosure_form(request: Request, uow: UowDep, actor: PageActor) -> HTMLResponse:
    return _wizard(request, uow, actor, answers={"fields": []})


def _about(field: str | None) -> str | None:
    """What a refusal reason concerns, in words: ``entries.<id>`` is that entry."""
    if field and field.startswith("entries."):
        return "Entry " + field.removeprefix("entries.")
    return field.replace("_", " ").capitalize() if field else None


def _entries(text: str) -> tuple[list[str], dict[str, str]]:
    """One entry a line: its reference, then optionally ':' and why sharing it is necessary."""
    ids: list[str] = []
    reasons: dict[str, str] = {}
    for line in text.splitlines():
        ref, _, why = line.partition(":")
        if ref.strip():
            ids.append(ref.strip())
            if why.strip():
                reasons[ref.strip()] = why.strip()
    return ids, reasons


@router.post("/disclosures", response_model=None)
def request_disclosure(
    request: Request,
    uow: UowDep,
    actor: PageActor,
    recipient_id: Annotated[str, Form()] = "",
    agreement_id: Annotated[str, Form()] = "",
    purpose: Annotated[str, Form()] = "",
    entries: Annotated[str, Form()] = "",
    fields: Annotated[list[str] | None, Form()] = None,
    justification: Annotated[str, Form()] = "",
) -> Response:
    """Decide the request: the sealed package as a download, or the page of every reason."""
    chosen = fields or []
    answers: dict[str, object] = {
        "recipient_id": recipient_id,
        "agreement_id": agreement_id,
        "purpose": purpose,
        "entries": entries,
        "fields": chosen,
        "justification": justification,
    }
    errors = FormErrors()
    for name, value, message in (
        ("recipient-id", recipient_id, "choose the recipient"),
        ("agreement-id", agreement_id, "choose the agreement the disclosure is made under"),
        ("purpose", purpose, "choose the purpose of the disclosure"),
        ("entries", entries.strip(), "give at least one entry reference"),
        ("fields", chosen, "choose the fields to disclose"),
    ):
        if not value:
            errors.add(name, message)
    if errors:
        return _wizard(request, uow, actor, answers=answers, errors=errors, status=422)
    ids, reasons = _entries(entries)
    ask = disclosures.DisclosureAsk(
        recipient_id=recipient_id,
        agreement_id=agreement_id,
        purpose=purpose,
        entry_ids=ids,
        fields=chosen,
        justification=justification,
        entry_justifications=reasons,
    )
    try:
        outcome = disclosures.request_disclosure(uow=uow, actor=actor, ask=ask)
    except SharingNotPermitted as refused:
        return render(
            request,
            "sharing/refused.html",
            {
                "reasons": [(_about(r.field), sentence(r.detail)) for r in refused.reasons],
                "answers": answers,
            },
            status=409,
        )
    except InvalidInput as error:
        errors.add_error(error, "entries", {"justification": "justification"})
        return _wizard(request, uow, actor, answers=answers, errors=errors, status=422)
    if outcome.package is None:
        return render(request, "sharing/awaiting.html", {"outcome": outcome}, status=202)
    # The package is returned once and never stored: it goes straight to the requester.
    return Response(
        outcome.package,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{outcome.filename}"',
            "X-Disclosure-Reference": outcome.reference or "",
        },
    )
