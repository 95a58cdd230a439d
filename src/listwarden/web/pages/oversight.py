"""The compliance dashboard (law 12) and the equality dashboard with its charts (law 9)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from listwarden.domain.bcu import BCU_NAMES
from listwarden.domain.equality import Basis
from listwarden.domain.errors import NotFound, Reason
from listwarden.reports.census import load_census_baseline
from listwarden.reports.jsonable import jsonable
from listwarden.reports.render import equality_charts
from listwarden.services import lists
from listwarden.services.compliance import compliance_report
from listwarden.services.equality import current_tallies, equality_report, parse_basis
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import PageActor
from listwarden.web.templating import render

router = APIRouter()

STATUS_TAGS = {"pass": "green", "fail": "red", "not_yet_evidenced": "grey"}


@router.get("/compliance", response_class=HTMLResponse)
def compliance(request: Request, uow: UowDep, actor: PageActor, bcu: str = "") -> HTMLResponse:
    """The force's checks, or one BCU's (chosen with a GET form: a BCU code is not personal)."""
    report = compliance_report(uow=uow, actor=actor, bcu=bcu or None)
    return render(
        request,
        "oversight/compliance.html",
        {
            "report": report,
            "counts": report.counts(),
            "tags": STATUS_TAGS,
            "bcus": BCU_NAMES,
            "chosen": {"bcu": bcu},
        },
    )


@router.get("/equality", response_class=HTMLResponse)
def equality(
    request: Request,
    uow: UowDep,
    actor: PageActor,
    bcu: str = "",
    basis: str = Basis.SELF_DEFINED.value,
    list_id: str = "",
) -> HTMLResponse:
    """Aggregates only, against the census baseline; the charts are SVG built on the server.

    The force or one BCU, on either basis (self-defined ethnicity or the officer-assigned
    identity code, never combined), for every list or one.
    """
    chosen_basis = parse_basis(basis)
    registers = lists.overviews(uow=uow, actor=actor)
    tallies = None
    if list_id:
        if list_id not in {o.id for o in registers}:
            why = [Reason("list-not-found", "choose a list from the register", "list_id")]
            raise NotFound("no such list", reasons=why)
        tallies = current_tallies(uow=uow, actor=actor, list_id=list_id)
    report = equality_report(
        uow=uow,
        actor=actor,
        baseline=load_census_baseline(),
        basis=chosen_basis,
        bcu=bcu or None,
        tallies=tallies,
    )
    data = jsonable(report)
    # The chart builder escapes every label and emits SVG attributes only (no style or script).
    charts = [Markup(svg) for svg in equality_charts(data)]  # noqa: S704 - built by our code
    return render(
        request,
        "oversight/equality.html",
        {
            "data": data,
            "charts": charts,
            "bcus": BCU_NAMES,
            "bases": [b.value for b in Basis],
            "lists": registers,
            "chosen": {"bcu": bcu, "basis": chosen_basis.value, "list_id": list_id},
            "list_name": next((o.name for o in registers if o.id == list_id), None),
        },
    )
