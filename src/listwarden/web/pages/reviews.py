"""Reviews due and overdue (law 3) in the reviewer's BCUs: identifiers and dates, nobody named."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from listwarden.domain.bcu import BCU_NAMES
from listwarden.services import lists, reviews
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import PageActor
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
