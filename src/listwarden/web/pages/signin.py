"""Signing in with a password and a second factor, and signing out (services/signin.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from listwarden.domain.errors import AuthenticationRequired, InvalidInput
from listwarden.services import sessions, signin
from listwarden.web.deps import (
    CredentialDep,
    UowDep,
    clear_session_cookie,
    csrf_token,
    set_session_cookie,
)
from listwarden.web.pages.errors import sentence
from listwarden.web.pages.forms import FormErrors
from listwarden.web.templating import render

router = APIRouter()


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request) -> HTMLResponse:
    return render(request, "sign_in.html", {"answers": {}})


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    uow: UowDep,
    account: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
) -> Response:
    errors = FormErrors()
    if not account.strip():
        errors.add("account", "enter your account reference")
    if not password:
        errors.add("password", "enter your password")
    if not code.strip():
        errors.add("code", "enter the code from your authenticator app")
    if not errors:
        try:
            signed = signin.sign_in(
                uow=uow, account=account.strip(), password=password, code=code.strip()
            )
        except (AuthenticationRequired, InvalidInput) as error:
            # One message for every wrong answer: it does not say which one was wrong.
            reasons = " ".join(sentence(r.detail) for r in error.reasons)
            errors.add("account", f"{sentence(error.detail)} {reasons}".strip())
        else:
            response = RedirectResponse("/", status_code=303)
            set_session_cookie(response, signed)
            return response
    # The password is never sent back to the browser.
    return render(
        request,
        "sign_in.html",
        {"answers": {"account": account}, **errors.context()},
        status=422,
    )


@router.post("/sign-out")
def sign_out(request: Request, uow: UowDep, credential: CredentialDep) -> Response:
    """End the session (its CSRF token was checked by ``CredentialDep``) and drop the cookie."""
    if credential.session_token is not None:
        sessions.sign_out(uow=uow, token=credential.session_token)
    response = RedirectResponse("/signed-out", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/signed-out", response_class=HTMLResponse)
def signed_out(request: Request) -> HTMLResponse:
    return render(request, "signed_out.html", {"still_signed_in": csrf_token(request) is not None})
