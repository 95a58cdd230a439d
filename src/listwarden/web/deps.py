"""Request dependencies: the open register and the authenticated actor, by token or by session.

A request is authenticated by a bearer API token (``Authorization: Bearer lw1...``) or by the
session cookie ``__Host-listwarden-session`` (``Secure; HttpOnly; SameSite=Strict; Path=/``).
A bearer token wins when both are sent. An unsafe request (not GET, HEAD or OPTIONS)
authenticated by the cookie must carry the session's CSRF token, in the ``X-CSRF-Token``
header or the ``csrf_token`` form field; browsers add cookies to cross-site requests, never an
Authorization header, so token requests need no CSRF token.

Every route that takes an actor checks the token's scope (``Scoped``): ``ActorDep`` asks
``register:read`` of a safe method and ``register:write`` of any other; routes that reveal
people, read the log or manage accounts name their scope (``ConsultActorDep``, ``LogActorDep``,
``AccountsActorDep``). A session cookie carries every scope: the policies still decide.

For pages: ``ActorDep`` (or ``OptionalActorDep``, None when not signed in) gives the signed-in
actor; ``csrf_token(request)`` the token to put in each form; ``set_session_cookie`` and
``clear_session_cookie`` set and drop the cookie after ``signin.sign_in`` and
``sessions.sign_out``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from listwarden.bootstrap import Register
from listwarden.domain.access import Actor
from listwarden.domain.authn import Scope, csrf_token_for, require_csrf
from listwarden.domain.errors import AuthenticationRequired
from listwarden.services.sessions import SignedIn, resolve_session
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.services.users import TokenHolder, authenticate_token, require_scope

SESSION_COOKIE = "__Host-listwarden-session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")

_bearer = HTTPBearer(auto_error=False, description="an API token: lw1.<id>.<secret>")


@dataclass(frozen=True)
class Credential:
    """Who a request speaks for, and how: a token (``token``, with its scopes) or a session
    cookie (``session_token``; a person signed in acts with every scope their role allows)."""

    actor: Actor
    token: TokenHolder | None = None
    session_token: str | None = None


def get_uow(request: Request) -> UnitOfWork:
    register: Register = request.app.state.register
    return register.uow


async def request_uow(request: Request) -> UnitOfWork:
    """The register's unit of work, as a dependency. It is ``async`` because it blocks on
    nothing: FastAPI would run a synchronous dependency in a trip of its own to the thread
    pool, and each trip is a hand-over of the interpreter between threads."""
    return get_uow(request)


def session_cookie(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def _bearer_of(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe cookie-authenticated request without its session's CSRF token.

    It needs no database: the token is derived from the cookie (``domain/authn.csrf_token_for``).
    """
    if request.method in SAFE_METHODS or _bearer_of(request) is not None:
        return
    cookie = session_cookie(request)
    if cookie is None:
        return
    presented = request.headers.get(CSRF_HEADER)
    if presented is None and request.headers.get("content-type", "").startswith(_FORMS):
        value = (await request.form()).get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    require_csrf(cookie, presented)


def get_credential(
    request: Request,
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _csrf: Annotated[None, Depends(check_csrf)],
) -> Credential:
    uow = get_uow(request)
    bearer = _bearer_of(request)
    if bearer is not None:
        holder = authenticate_token(uow=uow, token=bearer)
        return Credential(holder.actor, token=holder)
    cookie = session_cookie(request)
    if cookie is not None:
        return Credential(resolve_session(uow=uow, token=cookie), session_token=cookie)
    raise AuthenticationRequired("sign in, or send a bearer token in the Authorization header")


def scope_for_method(method: str) -> Scope:
    """The scope a route needs unless it names one: reading for safe methods, else writing."""
    return Scope.READ if method in SAFE_METHODS else Scope.WRITE


class Scoped:
    """The actor of a request, refused unless its token holds ``scope`` (by default, the one
    its method needs); ``Depends(Scoped(Scope.CONSULT))`` on a route that reveals people."""

    def __init__(self, scope: Scope | None = None) -> None:
        self.scope = scope

    async def __call__(
        self,
        request: Request,
        _token: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        _csrf: Annotated[None, Depends(check_csrf)],
    ) -> Actor:
        # Authentication reads the database, so it makes one trip to the thread pool; the
        # credential and the scope are both settled in it (get_credential is called, not
        # injected, since FastAPI would give an injected synchronous dependency its own trip).
        return await run_in_threadpool(self.actor_of, request, _token)

    def actor_of(self, request: Request, token: HTTPAuthorizationCredentials | None) -> Actor:
        credential = get_credential(request, token, None)
        if credential.token is not None:
            scope = self.scope or scope_for_method(request.method)
            require_scope(uow=get_uow(request), holder=credential.token, scope=scope)
        return credential.actor


def get_optional_actor(
    request: Request, _csrf: Annotated[None, Depends(check_csrf)]
) -> Actor | None:
    """The signed-in actor, or None when the request carries no credential (for pages)."""
    if _bearer_of(request) is None and session_cookie(request) is None:
        return None
    credential = get_credential(request, None, None)
    if credential.token is not None:
        scope = scope_for_method(request.method)
        require_scope(uow=get_uow(request), holder=credential.token, scope=scope)
    return credential.actor


def csrf_token(request: Request) -> str | None:
    """The CSRF token for the forms of a page served to this session, or None if signed out."""
    cookie = session_cookie(request)
    return csrf_token_for(cookie) if cookie is not None else None


def set_session_cookie(response: Response, signed_in: SignedIn) -> None:
    """Send the new session's cookie: host-only, HTTPS-only, hidden from scripts, same-site."""
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        expires=signed_in.expires_at,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")


UowDep = Annotated[UnitOfWork, Depends(request_uow)]
CredentialDep = Annotated[Credential, Depends(get_credential)]
ActorDep = Annotated[Actor, Depends(Scoped())]
"""The actor; a token needs ``register:read`` for a safe method, ``register:write`` otherwise."""
ReadActorDep = Annotated[Actor, Depends(Scoped(Scope.READ))]
ConsultActorDep = Annotated[Actor, Depends(Scoped(Scope.CONSULT))]
WriteActorDep = Annotated[Actor, Depends(Scoped(Scope.WRITE))]
LogActorDep = Annotated[Actor, Depends(Scoped(Scope.LOG))]
AccountsActorDep = Annotated[Actor, Depends(Scoped(Scope.ACCOUNTS))]
OptionalActorDep = Annotated[Actor | None, Depends(get_optional_actor)]
