"""One entry: the page asks for a purpose and justification first, then shows and logs (law 4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from listwarden.domain.access import Actor, purposes_for
from listwarden.domain.bcu import BCU_NAMES
from listwarden.domain.errors import InvalidInput
from listwarden.services import consult
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import FormErrors, PageActor
from listwarden.web.pages.lists import COLLECTORS
from listwarden.web.templating import render

router = APIRouter()


def _why_page(
    request: Request,
    actor: Actor,
    entry_id: str,
    *,
    errors: FormErrors | None = None,
    answers: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "entries/why.html",
        {
            "entry_id": entry_id,
            "purposes": [p.value for p in purposes_for(actor.role)],
            "answers": answers or {},
            **(errors or FormErrors()).context(),
        },
        status=status,
    )


@router.get("/entries/{entry_id}", response_class=HTMLResponse)
def ask_why(request: Request, entry_id: str, actor: PageActor) -> HTMLResponse:
    """Nothing about the entry is read: the page only asks why it is needed."""
    return _why_page(request, actor, entry_id)


@router.post("/entries/{entry_id}", response_class=HTMLResponse)
def show_entry(
    request: Request,
    entry_id: str,
    uow: UowDep,
    actor: PageActor,
    purpose: Annotated[str, Form()] = "",
    justification: Annotated[str, Form()] = "",
) -> HTMLResponse:
    answers = {"purpose": purpose, "justification": justification}
    try:
        view = consult.consult_entry(
            uow=uow,
            actor=actor,
            entry_id=entry_id,
            purpose=purpose or None,
            justification=justification,
        )
    except InvalidInput as error:
        errors = FormErrors()
        errors.add_error(error, "purpose")
        return _why_page(request, actor, entry_id, errors=errors, answers=answers, status=422)
    return render(
        request,
        "entries/view.html",
        {
            "view": view,
            "s": view.summary,
            "answers": answers,
            "bcus": BCU_NAMES,
            "can_collect": actor.role in COLLECTORS,
        },
    )
