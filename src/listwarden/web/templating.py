"""The Jinja2 environment for the web pages: our templates and GOV.UK Frontend's macros."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape

from listwarden.web.pages.navigation import navigation_for

STATIC_DIR = Path(__file__).parent / "static"
"""Built by ``make assets`` from the npm packages; never committed."""


def humanise(value: object) -> str:
    """A vocabulary value as words: ``gang_violence_reduction`` → ``Gang violence reduction``."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def make_environment() -> Environment:
    environment = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("listwarden.web", "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["humanise"] = humanise
    return environment


_ENVIRONMENT = make_environment()


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """Render a page; the layout reads the signed-in actor and CSRF token from the request."""
    actor = getattr(request.state, "actor", None)
    values: dict[str, Any] = {
        "request": request,
        "actor": actor,
        "actor_name": getattr(request.state, "actor_name", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "navigation": navigation_for(actor, request.url.path),
    }
    values.update(context or {})
    html = _ENVIRONMENT.get_template(template).render(values)
    return HTMLResponse(html, status_code=status)
