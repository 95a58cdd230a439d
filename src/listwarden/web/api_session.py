"""Signing in and out through the API: POST and DELETE /api/v1/session (a session cookie)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, SecretStr

from listwarden.domain.authn import MAX_PASSWORD_LENGTH
from listwarden.domain.errors import Conflict, Reason
from listwarden.services import sessions, signin
from listwarden.web.deps import CredentialDep, UowDep, clear_session_cookie, set_session_cookie
from listwarden.web.schemas import Body

session_router = APIRouter(prefix="/api/v1", tags=["session"])


class SignIn(Body):
    account: str = Field(min_length=1, max_length=200, description="the account's user id")
    password: SecretStr = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    code: str = Field(min_length=1, max_length=12, description="the authenticator app's code")


class SessionView(BaseModel):
    user_id: str
    role: str
    expires_at: datetime
    csrf_token: str


@session_router.post("/session", status_code=201)
def post_session(body: SignIn, uow: UowDep, response: Response) -> SessionView:
    """Sign in with password and TOTP code: sets the session cookie and returns its CSRF token."""
    signed_in = signin.sign_in(
        uow=uow, account=body.account, password=body.password.get_secret_value(), code=body.code
    )
    set_session_cookie(response, signed_in)
    return SessionView(
        user_id=signed_in.actor.id,
        role=signed_in.actor.role.value,
        expires_at=signed_in.expires_at,
        csrf_token=signed_in.csrf_token,
    )


@session_router.delete("/session", status_code=204)
def delete_session(credential: CredentialDep, uow: UowDep, response: Response) -> None:
    """Sign out: end the session the cookie names and drop the cookie."""
    if credential.session_token is None:
        raise Conflict(
            "this request is not signed in with a session",
            reasons=[Reason("no-session", "API tokens are revoked, not signed out")],
        )
    sessions.sign_out(uow=uow, token=credential.session_token)
    clear_session_cookie(response)
