"""Adding a person to a list: the category first (law 2), then the person and the evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from listwarden.domain.access import Actor, purposes_for, visible_bcus
from listwarden.domain.bcu import BCU_NAMES, BOROUGHS_BY_BCU
from listwarden.domain.errors import InvalidInput, PolicyViolation
from listwarden.domain.vocabulary import EvidenceKind, EvidenceRole
from listwarden.services import lists
from listwarden.services.entries import NewEntry, NewEvidence, add_entry
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import FormErrors, PageActor, entered_date
from listwarden.web.templating import render

router = APIRouter()

Text = Annotated[str, Form()]
FIELD_IDS = {
    "date_of_birth": "dob",
    "description": "evidence-description",
    "kind": "evidence-kind",
    "role": "evidence-role",
    "occurred_on": "evidence-date",
    "list_id": "category",
    "iao_approval": "iao-approval-by",
}


def _choices(actor: Actor, overview: lists.ListOverview) -> dict[str, object]:
    return {
        "list": overview,
        "categories": overview.categories,
        "purposes": [p.value for p in purposes_for(actor.role) if p.value in overview.purposes],
        "bcus": {b: BCU_NAMES[b] for b in sorted(visible_bcus(actor, BOROUGHS_BY_BCU.keys()))},
        "kinds": [k.value for k in EvidenceKind],
        "roles": [r.value for r in EvidenceRole],
    }


@router.get("/lists/{list_id}/add", response_class=HTMLResponse)
def choose_category(request: Request, list_id: str, uow: UowDep, actor: PageActor) -> HTMLResponse:
    overview = lists.overview(uow=uow, actor=actor, list_id=list_id)
    return render(request, "collect/category.html", {**_choices(actor, overview), "answers": {}})


@router.post("/lists/{list_id}/add/details", response_class=HTMLResponse)
def person_and_evidence(
    request: Request,
    list_id: str,
    uow: UowDep,
    actor: PageActor,
    category: Text = "",
    purpose: Text = "",
) -> HTMLResponse:
    overview = lists.overview(uow=uow, actor=actor, list_id=list_id)
    choices = _choices(actor, overview)
    answers = {"category": category, "purpose": purpose}
    errors = FormErrors()
    if category not in overview.categories:
        errors.add("category", "choose the category of person this list may hold")
    if purpose not in choices["purposes"]:  # type: ignore[operator]
        errors.add("purpose", "choose the purpose you are collecting for")
    if errors:
        return render(
            request,
            "collect/category.html",
            {**choices, "answers": answers, **errors.context()},
            status=422,
        )
    return render(request, "collect/details.html", {**choices, "answers": answers})


REAL_DATE = "enter a real date, for example 27 3 2007"


@router.post("/lists/{list_id}/add", response_class=HTMLResponse)
def add_person(
    request: Request,
    list_id: str,
    uow: UowDep,
    actor: PageActor,
    category: Text = "",
    purpose: Text = "",
    given_name: Text = "",
    family_name: Text = "",
    dob_day: Annotated[str, Form(alias="dob-day")] = "",
    dob_month: Annotated[str, Form(alias="dob-month")] = "",
    dob_year: Annotated[str, Form(alias="dob-year")] = "",
    bcu: Text = "",
    iao_approval_by: Text = "",
    safeguarding_referral: Text = "",
    evidence_kind: Text = "",
    evidence_role: Text = "",
    evidence_day: Annotated[str, Form(alias="evidence-day")] = "",
    evidence_month: Annotated[str, Form(alias="evidence-month")] = "",
    evidence_year: Annotated[str, Form(alias="evidence-year")] = "",
    evidence_description: Text = "",
    evidence_gang_related: Text = "",
) -> HTMLResponse:
    overview = lists.overview(uow=uow, actor=actor, list_id=list_id)
    answers = {k: v for k, v in locals().items() if isinstance(v, str) and k != "list_id"}
    errors = FormErrors()
    born = entered_date(dob_day, dob_month, dob_year, "dob", errors, REAL_DATE)
    occurred = entered_date(
        evidence_day, evidence_month, evidence_year, "evidence-date", errors, REAL_DATE
    )
    if not evidence_description.strip():
        errors.add("evidence-description", "describe the evidence for adding this person")
    if not errors and born is not None and occurred is not None:
        item = NewEntry(
            given_name=given_name,
            family_name=family_name,
            date_of_birth=born,
            category=category,
            bcu=bcu,
            iao_approval_by=iao_approval_by.strip() or None,
            safeguarding_referral=safeguarding_referral.strip() or None,
            evidence=[
                NewEvidence(
                    kind=evidence_kind,
                    role=evidence_role,
                    occurred_on=occurred,
                    description=evidence_description,
                    gang_related=evidence_gang_related == "yes",
                )
            ],
        )
        try:
            entry_id = add_entry(uow=uow, actor=actor, list_id=list_id, purpose=purpose, item=item)
        except (InvalidInput, PolicyViolation) as error:
            errors.add_error(error, "given-name", FIELD_IDS)
        else:
            return render(request, "collect/done.html", {"list": overview, "entry_id": entry_id})
    return render(
        request,
        "collect/details.html",
        {**_choices(actor, overview), "answers": answers, **errors.context()},
        status=422,
    )
