"""Reviews due and overdue (law 3) in the reviewer's BCUs: identifiers and dates, nobody named."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from listwarden.domain.access import Actor, purposes_for
from listwarden.domain.bcu import BCU_NAMES
from listwarden.domain.errors import InvalidInput
from listwarden.domain.retention import NracQuestion, ReviewIncomplete, ReviewOutcome
from listwarden.services import lists, reviews
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import FormErrors, PageActor
from listwarden.web.templating import render

router = APIRouter()

WINDOWS = (14, 30, 90, 365)


@router.get("/reviews", response_class=HTMLResponse)
def reviews_due(
    request: Request,
    uow: UowDep,
    actor: PageActor,
    within: Annotated[int, Query()] = 14,
) -> HTMLResponse:
    window = within if within in WINDOWS else WINDOWS[0]
    due = reviews.reviews_due_for(uow=uow, actor=actor, within_days=window)
    names = {o.id: o.name for o in lists.overviews(uow=uow, actor=actor)}
    return render(
        request,
        "reviews.html",
        {
            "overdue": [r for r in due if r.overdue],
            "due": [r for r in due if not r.overdue],
            "names": names,
            "window": window,
            "windows": WINDOWS,
            "bcus": sorted(BCU_NAMES[b] for b in actor.bcus) if not actor.force_wide else [],
        },
    )


def _review_form(
    request: Request,
    actor: Actor,
    entry_id: str,
    *,
    answers: dict[str, object],
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "review.html",
        {
            "entry_id": entry_id,
            "purposes": [p.value for p in purposes_for(actor.role)],
            "outcomes": [o.value for o in ReviewOutcome],
            "questions": [q.value for q in NracQuestion],
            "answers": answers,
            **(errors or FormErrors()).context(),
        },
        status=status,
    )


@router.get("/reviews/{entry_id}", response_class=HTMLResponse)
def review_form(request: Request, entry_id: str, actor: PageActor) -> HTMLResponse:
    """The review asks for its reasons; it shows nothing of the person (open the entry for that)."""
    return _review_form(request, actor, entry_id, answers={"nrac": []})


@router.post("/reviews/{entry_id}", response_class=HTMLResponse)
def record_review(
    request: Request,
    entry_id: str,
    uow: UowDep,
    actor: PageActor,
    purpose: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    nrac: Annotated[list[str] | None, Form()] = None,
    rationale: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Retain with NRAC reasons and a rationale, or remove (which erases the entry)."""
    answers: dict[str, object] = {
        "purpose": purpose,
        "outcome": outcome,
        "nrac": nrac or [],
        "rationale": rationale,
    }
    errors = FormErrors()
    if outcome not in {o.value for o in ReviewOutcome}:
        errors.add("outcome", "choose whether to retain or remove the entry")
    if not purpose:
        errors.add("purpose", "choose the purpose of the review")
    if not errors:
        try:
            next_on = reviews.record_review(
                uow=uow,
                actor=actor,
                entry_id=entry_id,
                purpose=purpose,
                outcome=outcome,
                nrac=nrac or [],
                rationale=rationale,
            )
        except (InvalidInput, ReviewIncomplete) as error:
            errors.add_error(error, "outcome")
        else:
            return render(request, "review_done.html", {"entry_id": entry_id, "next_on": next_on})
    return _review_form(request, actor, entry_id, answers=answers, errors=errors, status=422)
