"""The start page, and once signed in a dashboard for the person's role."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from listwarden.domain.access import Actor
from listwarden.domain.vocabulary import ListStatus, Role
from listwarden.services import lists, reviews
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import MaybeActor
from listwarden.web.templating import render

router = APIRouter()


@dataclass(frozen=True)
class Task:
    href: str
    title: str
    description: str


CONSULT = Task(
    "/lists",
    "Consult a list",
    "Give your purpose and justification, then see the entries your role and BCU allow.",
)
FIND = Task(
    "/people",
    "Find a person",
    "Search every list you may see by name and date of birth, giving your purpose first.",
)
COLLECT = Task(
    "/lists",
    "Add a person to a list",
    "Choose the list, the person's category first, then record the evidence.",
)
REVIEWS = Task("/reviews", "Reviews due and overdue", "Entries in your BCUs whose review is due.")
LIST_REGISTER = Task(
    "/lists", "The list register", "Every list with its authorisation checks (law 1)."
)
ACCESS_LOG = Task(
    "/access-log", "Search the access log", "Who consulted, changed or shared what, and why."
)

COMPLIANCE = Task(
    "/compliance",
    "Compliance",
    "Every check of the laws and the Commissioner's steps, with its evidence.",
)
EQUALITY = Task(
    "/equality",
    "Equality monitoring",
    "People listed by ethnic group against the census, in aggregate only, with charts.",
)
SHARE = Task(
    "/sharing",
    "Agreements and disclosures",
    "The agreements data is shared under; request a disclosure and see why one is refused.",
)

RIGHTS = Task(
    "/subject-requests",
    "Subject rights requests",
    "Record a request, watch its deadline, answer it with restrictions, or decide it with reasons.",
)
IMPORT = Task(
    "/imports",
    "Import a legacy list",
    "Upload a borough spreadsheet with its column mapping; a dry run first, then the quarantine.",
)

TASKS: dict[Role, tuple[Task, ...]] = {
    Role.OFFICER: (CONSULT, FIND),
    Role.ANALYST: (CONSULT, FIND, COLLECT, REVIEWS, IMPORT),
    Role.IAO: (LIST_REGISTER, COLLECT, REVIEWS, IMPORT),
    Role.DPO: (LIST_REGISTER, COMPLIANCE, EQUALITY, ACCESS_LOG),
    Role.DATA_BOARD: (LIST_REGISTER, COMPLIANCE),
    Role.IRU: (RIGHTS, SHARE, LIST_REGISTER),
    Role.EQUALITY_ANALYST: (EQUALITY, LIST_REGISTER),
    Role.AUDITOR: (ACCESS_LOG, COMPLIANCE, LIST_REGISTER),
    Role.ADMINISTRATOR: (LIST_REGISTER, ACCESS_LOG),
}

NOTES: dict[Role, str] = {
    Role.OFFICER: "You may consult entries in your own BCUs, for an operational purpose.",
    Role.ANALYST: "You add people and evidence, and review entries, in your own BCUs.",
    Role.IAO: "You own lists: their DPIA, policy document and retention schedule.",
    Role.DPO: "You authorise lists and oversee the register's compliance.",
    Role.DATA_BOARD: "You authorise lists.",
    Role.IRU: "You approve recipients and agreements, and handle subject access requests.",
    Role.EQUALITY_ANALYST: "You see protected characteristics only in aggregate, never a person.",
    Role.AUDITOR: "You read the access log and audit BCUs; you cannot change anything.",
    Role.ADMINISTRATOR: "You manage accounts and configuration; you see no personal data.",
}


def _dashboard(request: Request, uow: UowDep, actor: Actor) -> HTMLResponse:
    overviews = lists.overviews(uow=uow, actor=actor)
    authorised = sum(1 for o in overviews if o.status is ListStatus.AUTHORISED)
    due = None
    if REVIEWS in TASKS[actor.role]:
        found = reviews.reviews_due_for(uow=uow, actor=actor)
        due = {"due": len(found), "overdue": sum(1 for r in found if r.overdue)}
    return render(
        request,
        "dashboard.html",
        {
            "tasks": TASKS[actor.role],
            "note": NOTES[actor.role],
            "lists_total": len(overviews),
            "lists_authorised": authorised,
            "due": due,
        },
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request, uow: UowDep, actor: MaybeActor) -> HTMLResponse:
    if actor is None:
        return render(request, "start.html")
    return _dashboard(request, uow, actor)
