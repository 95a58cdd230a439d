"""Searching the access log (law 4) for auditors and the DPO; filters travel in the form body."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from listwarden.domain.vocabulary import Operation
from listwarden.policy.engine import AccessAction
from listwarden.services import lists, log_search
from listwarden.services.access import require_on_register
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import FormErrors, PageActor
from listwarden.web.templating import render

router = APIRouter()

PAGE_SIZE = 50


def _day(value: str, field_id: str, errors: FormErrors) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.add(field_id, "enter a date like 2026-03-31")
        return None


def _page(
    request: Request,
    uow: UowDep,
    actor: PageActor,
    *,
    answers: dict[str, str],
    events: list[log_search.EventView] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    names = {o.id: o.name for o in lists.overviews(uow=uow, actor=actor)}
    return render(
        request,
        "access_log.html",
        {
            "answers": answers,
            "events": events,
            "operations": [o.value for o in Operation],
            "lists": names,
            "page_size": PAGE_SIZE,
            **(errors or FormErrors()).context(),
        },
        status=status,
    )


@router.get("/access-log", response_class=HTMLResponse)
def search_form(request: Request, uow: UowDep, actor: PageActor) -> HTMLResponse:
    # A role that may not read the log is refused before it is offered the search.
    require_on_register(uow=uow, actor=actor, action=AccessAction.LOG_READ)
    return _page(request, uow, actor, answers={})


@router.post("/access-log", response_class=HTMLResponse)
def search(
    request: Request,
    uow: UowDep,
    actor: PageActor,
    operation: Annotated[str, Form()] = "",
    list_id: Annotated[str, Form()] = "",
    user_id: Annotated[str, Form()] = "",
    subject_id: Annotated[str, Form()] = "",
    since: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    after_id: Annotated[int, Form(ge=0)] = 0,
) -> HTMLResponse:
    answers = {
        "operation": operation,
        "list_id": list_id,
        "user_id": user_id,
        "subject_id": subject_id,
        "since": since,
        "until": until,
    }
    errors = FormErrors()
    start, end = _day(since, "since", errors), _day(until, "until", errors)
    if errors:
        return _page(request, uow, actor, answers=answers, errors=errors, status=422)
    events = log_search.search_events(
        uow=uow,
        actor=actor,
        operation=operation or None,
        list_id=list_id or None,
        user_id=user_id.strip() or None,
        subject_id=subject_id.strip() or None,
        since=datetime.combine(start, time.min, UTC) if start else None,
        until=datetime.combine(end + timedelta(days=1), time.min, UTC) if end else None,
        after_id=after_id,
        limit=PAGE_SIZE,
    )
    return _page(request, uow, actor, answers=answers, events=events)
