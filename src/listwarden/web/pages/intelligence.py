"""Recording intelligence on an entry: the 3x5x2 grading and, for social media, its checklist."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from listwarden.domain.access import Actor, purposes_for
from listwarden.domain.errors import InvalidInput, PolicyViolation
from listwarden.domain.social_media import CHECKLIST_ITEMS, SocialMediaChecklist
from listwarden.domain.vocabulary import OPERATIONAL_CLASSES, PURPOSE_CLASS, SourceType
from listwarden.services.entries import NewIntelligence, add_intelligence
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import FormErrors, PageActor
from listwarden.web.templating import render

router = APIRouter()

Text = Annotated[str, Form()]

SOURCE_EVALUATIONS = {"1": "Reliable", "2": "Untested", "3": "Not reliable"}
ASSESSMENTS = {
    "A": "Known directly to the source",
    "B": "Known indirectly to the source but corroborated",
    "C": "Known indirectly to the source",
    "D": "Not known",
    "E": "Suspected to be false",
}
HANDLING = {
    "P": "Lawful sharing permitted",
    "C": "Lawful sharing permitted subject to conditions",
}
FIELD_IDS = {
    "grading": "source-evaluation",
    "reported_on": "reported",
    "text": "report",
    "source_type": "source-type",
    "source_ref": "source-ref",
    "purpose": "purpose",
}


def _form(
    request: Request,
    actor: Actor,
    entry_id: str,
    *,
    answers: dict[str, str],
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "entries/intelligence.html",
        {
            "entry_id": entry_id,
            "purposes": [
                p.value for p in purposes_for(actor.role) if PURPOSE_CLASS[p] in OPERATIONAL_CLASSES
            ],
            "sources": SOURCE_EVALUATIONS,
            "assessments": ASSESSMENTS,
            "handling": HANDLING,
            "source_types": [s.value for s in SourceType],
            "checklist_items": CHECKLIST_ITEMS,
            "answers": answers,
            **(errors or FormErrors()).context(),
        },
        status=status,
    )


@router.get("/entries/{entry_id}/intelligence", response_class=HTMLResponse)
def intelligence_form(request: Request, entry_id: str, actor: PageActor) -> HTMLResponse:
    return _form(request, actor, entry_id, answers={"nature": "assessment"})


@router.post("/entries/{entry_id}/intelligence", response_class=HTMLResponse)
def record_intelligence(
    request: Request,
    entry_id: str,
    uow: UowDep,
    actor: PageActor,
    purpose: Text = "",
    source_evaluation: Text = "",
    intelligence_assessment: Text = "",
    handling_code: Text = "",
    handling_conditions: Text = "",
    source_type: Text = "",
    source_ref: Text = "",
    reported_day: Annotated[str, Form(alias="reported-day")] = "",
    reported_month: Annotated[str, Form(alias="reported-month")] = "",
    reported_year: Annotated[str, Form(alias="reported-year")] = "",
    nature: Text = "assessment",
    report: Text = "",
    checklist_platform: Text = "",
    checklist_attribution: Text = "",
    checklist_conduct: Text = "",
    checklist_relevance_to_violence: Text = "",
    checklist_corroboration: Text = "",
) -> HTMLResponse:
    answers = {k: v for k, v in locals().items() if isinstance(v, str) and k != "entry_id"}
    errors = FormErrors()
    if not source_evaluation:
        errors.add("source-evaluation", "choose how reliable the source is (1, 2 or 3)")
    if not intelligence_assessment:
        errors.add("intelligence-assessment", "choose how the source knows it (A to E)")
    if not handling_code:
        errors.add("handling-code", "choose the handling code (P or C)")
    try:
        reported = date(int(reported_year), int(reported_month), int(reported_day))
    except ValueError:
        errors.add("reported", "enter a real date, for example 27 3 2026")
    if not errors:
        checklist = None
        if source_type == SourceType.SOCIAL_MEDIA.value:
            checklist = SocialMediaChecklist(
                platform=checklist_platform,
                attribution=checklist_attribution,
                conduct=checklist_conduct,
                relevance_to_violence=checklist_relevance_to_violence,
                corroboration=checklist_corroboration,
            )
        item = NewIntelligence(
            grading=f"{source_evaluation}{intelligence_assessment} {handling_code}",
            source_type=source_type,
            source_ref=source_ref,
            text=report,
            reported_on=reported,
            nature=nature,
            handling_conditions=handling_conditions.strip() or None,
            checklist=checklist,
        )
        try:
            item_id = add_intelligence(
                uow=uow, actor=actor, entry_id=entry_id, purpose=purpose, item=item
            )
        except (InvalidInput, PolicyViolation) as error:
            errors.add_error(error, "report", FIELD_IDS)
        else:
            return render(
                request,
                "entries/intelligence_done.html",
                {"entry_id": entry_id, "item_id": item_id, "grading": item.grading},
            )
    return _form(request, actor, entry_id, answers=answers, errors=errors, status=422)
