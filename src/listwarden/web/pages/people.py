"""Finding a person across the lists the searcher may see: the why first, every find logged."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from listwarden.domain.access import Actor, purposes_for
from listwarden.domain.bcu import BCU_NAMES
from listwarden.domain.errors import InvalidInput
from listwarden.services import consult, lists
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import FormErrors, PageActor
from listwarden.web.templating import render

router = APIRouter()

Text = Annotated[str, Form()]


def _form(
    request: Request,
    actor: Actor,
    *,
    answers: dict[str, str],
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "people/search.html",
        {
            "purposes": [p.value for p in purposes_for(actor.role)],
            "answers": answers,
            **(errors or FormErrors()).context(),
        },
        status=status,
    )


@router.get("/people", response_class=HTMLResponse)
def search_form(request: Request, actor: PageActor) -> HTMLResponse:
    return _form(request, actor, answers={})


@router.post("/people", response_class=HTMLResponse)
def find(
    request: Request,
    uow: UowDep,
    actor: PageActor,
    given_name: Text = "",
    family_name: Text = "",
    dob_day: Annotated[str, Form(alias="dob-day")] = "",
    dob_month: Annotated[str, Form(alias="dob-month")] = "",
    dob_year: Annotated[str, Form(alias="dob-year")] = "",
    purpose: Text = "",
    justification: Text = "",
) -> HTMLResponse:
    """Search by name and date of birth (a blind index); nothing shown before the why."""
    answers = {k: v for k, v in locals().items() if isinstance(v, str)}
    errors = FormErrors()
    if not given_name.strip():
        errors.add("given-name", "enter the person's given name")
    if not family_name.strip():
        errors.add("family-name", "enter the person's family name")
    try:
        born = date(int(dob_year), int(dob_month), int(dob_day))
    except ValueError:
        errors.add("dob", "enter a real date of birth, for example 27 3 2007")
    if not errors:
        try:
            found = consult.find_person(
                uow=uow,
                actor=actor,
                given_name=given_name,
                family_name=family_name,
                date_of_birth=born,
                purpose=purpose or None,
                justification=justification,
            )
        except InvalidInput as error:
            errors.add_error(error, "purpose")
        else:
            names = {o.id: o.name for o in lists.overviews(uow=uow, actor=actor)}
            return render(
                request,
                "people/results.html",
                {"found": found, "names": names, "answers": answers, "bcus": BCU_NAMES},
            )
    return _form(request, actor, answers=answers, errors=errors, status=422)
