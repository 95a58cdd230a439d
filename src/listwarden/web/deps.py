"""Request dependencies: the open register and the authenticated actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from listwarden.bootstrap import Register
from listwarden.domain.access import Actor
from listwarden.domain.errors import AuthenticationRequired
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.services.users import authenticate_token

_bearer = HTTPBearer(auto_error=False)


def get_uow(request: Request) -> UnitOfWork:
    register: Register = request.app.state.register
    return register.uow


def get_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationRequired("send a bearer token in the Authorization header")
    return authenticate_token(uow=get_uow(request), token=credentials.credentials)


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
ActorDep = Annotated[Actor, Depends(get_actor)]
