"""The compliance dashboard (law 12) and the equality dashboard with its charts (law 9)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from listwarden.reports.census import load_census_baseline
from listwarden.reports.jsonable import jsonable
from listwarden.reports.render import equality_charts
from listwarden.services.compliance import compliance_report
from listwarden.services.equality import equality_report
from listwarden.web.deps import UowDep
from listwarden.web.pages.forms import PageActor
from listwarden.web.templating import render

router = APIRouter()

STATUS_TAGS = {"pass": "green", "fail": "red", "not_yet_evidenced": "grey"}


@router.get("/compliance", response_class=HTMLResponse)
def compliance(request: Request, uow: UowDep, actor: PageActor) -> HTMLResponse:
    report = compliance_report(uow=uow, actor=actor)
    return render(
        request,
        "oversight/compliance.html",
        {"report": report, "counts": report.counts(), "tags": STATUS_TAGS},
    )


@router.get("/equality", response_class=HTMLResponse)
def equality(request: Request, uow: UowDep, actor: PageActor) -> HTMLResponse:
    """Aggregates only, against the census baseline; the charts are SVG built on the server."""
    report = equality_report(uow=uow, actor=actor, baseline=load_census_baseline())
    data = jsonable(report)
    # The chart builder escapes every label and emits SVG attributes only (no style or script).
    charts = [Markup(svg) for svg in equality_charts(data)]  # noqa: S704 - built by our code
    return render(request, "oversight/equality.html", {"data": data, "charts": charts})
