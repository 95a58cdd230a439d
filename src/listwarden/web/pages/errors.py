"""Refusals and errors on the web pages, explained in plain words rather than as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from listwarden.web.templating import render

HEADINGS = {
    400: "We could not use what was sent",
    401: "You need to sign in",
    403: "You cannot do this",
    404: "Page not found",
    405: "This page cannot be used that way",
    409: "This cannot be done at the moment",
    413: "What was sent is too large",
    422: "Some of the answers need changing",
    503: "This cannot be done at the moment",
}


def sentence(text: str) -> str:
    """Service messages are lower-case clauses; on a page they read as sentences."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def error_page(request: Request, status: int, problem: dict[str, Any]) -> Response:
    """The page for a refusal or error: what happened, every reason, and no stack trace."""
    if status == 401:
        return RedirectResponse("/sign-in", status_code=303)
    reasons = [sentence(r["detail"]) for r in problem.get("reasons", []) if r.get("detail")]
    return render(
        request,
        "error.html",
        {
            "heading": HEADINGS.get(status, "Sorry, there is a problem with the service"),
            "detail": sentence(str(problem.get("detail", ""))),
            "reasons": [r for r in reasons if r != sentence(str(problem.get("detail", "")))],
            "policy": problem.get("policy"),
        },
        status=status,
    )
