"""The list register (law 1) and consulting a list: nothing personal before a purpose is given."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from listwarden.domain.access import Actor, purposes_for
from listwarden.domain.bcu import BCU_NAMES
from listwarden.domain.errors import InvalidInput
from listwarden.domain.vocabulary import PURPOSE_CLASS, Band, Role
from listwarden.services import consult, lists
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import FormErrors, PageActor
from listwarden.web.pages.list_checks import checks_for
from listwarden.web.templating import render

router = APIRouter()

COLLECTORS = frozenset({Role.IAO, Role.ANALYST})
PAGE_SIZE = 20


@router.get("/lists", response_class=HTMLResponse)
def register_of_lists(request: Request, uow: UowDep, actor: PageActor) -> HTMLResponse:
    overviews = lists.overviews(uow=uow, actor=actor)
    rows = [(o, checks_for(o)) for o in overviews]
    return render(request, "lists/index.html", {"rows": rows})


def _list_page(
    request: Request,
    uow: UowDep,
    actor: Actor,
    list_id: str,
    *,
    errors: FormErrors | None = None,
    answers: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    overview = lists.overview(uow=uow, actor=actor, list_id=list_id)
    return render(
        request,
        "lists/detail.html",
        {
            "list": overview,
            "checks": checks_for(overview),
            "purposes": consultation_purposes(actor, overview),
            "bcus": BCU_NAMES,
            "bands": [b.value for b in Band],
            "can_collect": actor.role in COLLECTORS,
            "answers": answers or {},
            **(errors or FormErrors()).context(),
        },
        status=status,
    )


def consultation_purposes(actor: Actor, overview: lists.ListOverview) -> list[str]:
    """Purposes the role may give that fit this list: its own, or oversight and rights."""
    declared = set(overview.purposes)
    return [
        p.value
        for p in purposes_for(actor.role)
        if p.value in declared or PURPOSE_CLASS[p].value in ("oversight", "rights")
    ]


@router.get("/lists/{list_id}", response_class=HTMLResponse)
def list_detail(request: Request, list_id: str, uow: UowDep, actor: PageActor) -> HTMLResponse:
    return _list_page(request, uow, actor, list_id)


@router.post("/lists/{list_id}/search", response_class=HTMLResponse)
def search_list(
    request: Request,
    list_id: str,
    uow: UowDep,
    actor: PageActor,
    purpose: Annotated[str, Form()] = "",
    justification: Annotated[str, Form()] = "",
    bcu: Annotated[str, Form()] = "",
    band: Annotated[str, Form()] = "",
    offset: Annotated[int, Form(ge=0)] = 0,
) -> HTMLResponse:
    """A page of entries, shown only now that the purpose is given; each person is logged."""
    answers = {"purpose": purpose, "justification": justification, "bcu": bcu, "band": band}
    try:
        page = consult.search_list(
            uow=uow,
            actor=actor,
            list_id=list_id,
            purpose=purpose or None,
            justification=justification,
            bcu=bcu or None,
            band=band or None,
            offset=offset,
            limit=PAGE_SIZE,
        )
    except InvalidInput as error:
        errors = FormErrors()
        errors.add_error(error, "purpose")
        return _list_page(request, uow, actor, list_id, errors=errors, answers=answers, status=422)
    overview = lists.overview(uow=uow, actor=actor, list_id=list_id)
    return render(
        request,
        "lists/results.html",
        {"list": overview, "page": page, "answers": answers, "bcus": BCU_NAMES},
    )
