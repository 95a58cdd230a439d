"""Every page's route, gathered into one router for the app."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from listwarden.web.templating import render

pages_router = APIRouter(include_in_schema=False)


@pages_router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """The start page, or the signed-in person's dashboard."""
    return render(request, "start.html")
