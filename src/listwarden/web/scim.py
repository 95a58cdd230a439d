"""SCIM 2.0 ``/scim/v2/Users`` (RFC 7643, 7644) for the force's identity system: joiners, movers
and leavers provisioned as they happen, through the same rules as the HR feed.

A user's ``id`` and ``userName`` are the HR feed's ``user_id``; role, BCUs and unit travel in
the listwarden extension. ``active: false`` (PUT or PATCH) or DELETE makes the user a leaver:
every grant, session and token ends at once and the account is kept, disabled. Errors are
RFC 7644's error messages (``scimType``, a string status), which identity systems parse, carrying
the same reasons as the rest of the API's problems. Administrators only, with a ``user:manage``
token.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from listwarden.domain.bcu import require_bcu
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.vocabulary import Role
from listwarden.services import provisioning
from listwarden.services.access_review import FeedRow
from listwarden.web.deps import AccountsActorDep, UowDep
from listwarden.web.problems import SCIM_MEDIA_TYPE

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
EXTENSION = "urn:listwarden:params:scim:schemas:extension:2.0:User"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
_FILTER = re.compile(r'\s*userName\s+eq\s+"([^"]{1,200})"\s*', re.IGNORECASE)

scim_router = APIRouter(prefix="/scim/v2", tags=["scim"])


class _Scim(BaseModel):
    # Identity systems send attributes listwarden does not keep (emails, names): ignore them.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Assignment(_Scim):
    role: str
    bcus: list[str] = []
    unit: str = ""
    gang_unit: bool | None = Field(default=None, alias="gangUnit")


class ScimUser(_Scim):
    schemas: list[str] = [USER_SCHEMA]
    user_name: str = Field(alias="userName", min_length=1, max_length=36)
    display_name: str = Field(default="", alias="displayName", max_length=200)
    active: bool = True
    assignment: Assignment = Field(alias=EXTENSION)


class PatchOperation(_Scim):
    op: str
    path: str | None = None
    value: Any = None


class PatchBody(_Scim):
    schemas: list[str] = [PATCH_SCHEMA]
    operations: list[PatchOperation] = Field(alias="Operations", min_length=1)


def _row(user: ScimUser, status: str, uow: UowDep) -> FeedRow:
    try:
        role = Role(user.assignment.role)
    except ValueError:
        raise InvalidInput(
            f"unknown role {user.assignment.role!r}",
            reasons=[Reason("unknown-role", ", ".join(Role), f"{EXTENSION}.role")],
        ) from None
    bcus = tuple(require_bcu(b, field=f"{EXTENSION}.bcus") for b in user.assignment.bcus)
    gang = user.assignment.gang_unit
    unit = user.assignment.unit.strip()
    return FeedRow(
        user_id=user.user_name.strip(),
        name=user.display_name.strip(),
        role=role,
        bcus=bcus,
        unit=unit,
        gang_unit=gang if gang is not None else "gang" in unit.lower(),
        status=status if user.active else "leaver",
        effective_date=uow.today(),
    )


def _resource(account: provisioning.Account) -> dict[str, Any]:
    return {
        "schemas": [USER_SCHEMA, EXTENSION],
        "id": account.id,
        "userName": account.id,
        "displayName": account.name,
        "active": account.active,
        EXTENSION: {
            "role": account.role,
            "bcus": account.bcus,
            "unit": account.unit or "",
            "gangUnit": account.gang_unit,
        },
        "meta": {
            "resourceType": "User",
            "created": account.created_at.isoformat(),
            "location": f"/scim/v2/Users/{account.id}",
        },
    }


def _scim(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=SCIM_MEDIA_TYPE)


@scim_router.get("/Users")
def list_users(
    uow: UowDep,
    actor: AccountsActorDep,
    filter_: str | None = Query(default=None, alias="filter", max_length=300),
    start_index: int = Query(default=1, alias="startIndex", ge=1),
    count: int = Query(default=100, ge=0, le=1000),
) -> JSONResponse:
    """Accounts, one page at a time; ``filter=userName eq "…"`` is the one filter supported."""
    user_id = None
    if filter_ is not None:
        match = _FILTER.fullmatch(filter_)
        if match is None:
            raise InvalidInput(
                'only the filter userName eq "…" is supported',
                reasons=[Reason("invalidFilter", 'use userName eq "id"', "filter")],
            )
        user_id = match.group(1)
    total, page = provisioning.list_accounts(
        uow=uow, actor=actor, user_id=user_id, offset=start_index - 1, limit=count
    )
    return _scim(
        {
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "startIndex": start_index,
            "itemsPerPage": len(page),
            "Resources": [_resource(a) for a in page],
        }
    )


@scim_router.get("/Users/{user_id}")
def get_user(user_id: str, uow: UowDep, actor: AccountsActorDep) -> JSONResponse:
    return _scim(_resource(provisioning.get_account(uow=uow, actor=actor, user_id=user_id)))


@scim_router.post("/Users", status_code=201)
def create_user(body: ScimUser, uow: UowDep, actor: AccountsActorDep) -> JSONResponse:
    """A joiner."""
    row = _row(body, "joiner", uow)
    return _scim(_resource(provisioning.provision(uow=uow, actor=actor, row=row, new=True)), 201)


@scim_router.put("/Users/{user_id}")
def replace_user(
    user_id: str, body: ScimUser, uow: UowDep, actor: AccountsActorDep
) -> JSONResponse:
    """A mover (a new role, BCUs or unit revokes what they do not justify), or a leaver."""
    if body.user_name.strip() != user_id:
        raise InvalidInput(
            "userName cannot change", reasons=[Reason("mutability", "it is the id", "userName")]
        )
    row = _row(body, "mover", uow)
    return _scim(_resource(provisioning.provision(uow=uow, actor=actor, row=row)))


@scim_router.patch("/Users/{user_id}")
def patch_user(user_id: str, body: PatchBody, uow: UowDep, actor: AccountsActorDep) -> JSONResponse:
    """Only ``replace active false`` (a leaver) is accepted; send PUT for anything else."""
    for operation in body.operations:
        value = operation.value
        if isinstance(value, dict) and operation.path is None:
            value = value.get("active")
        if (
            operation.op.lower() != "replace"
            or (operation.path or "active") != "active"
            or (value is not False)
        ):
            raise InvalidInput(
                "only replacing active with false is supported; send PUT for other changes",
                reasons=[Reason("invalidPath", "replace active false", "Operations")],
            )
    return _leave(user_id, uow, actor)


@scim_router.delete("/Users/{user_id}", status_code=204)
def delete_user(user_id: str, uow: UowDep, actor: AccountsActorDep) -> Response:
    """A leaver: the account is kept, disabled, and everything it held ends."""
    _leave(user_id, uow, actor)
    return Response(status_code=204)


def _leave(user_id: str, uow: UowDep, actor: AccountsActorDep) -> JSONResponse:
    current = provisioning.get_account(uow=uow, actor=actor, user_id=user_id)
    row = FeedRow(
        user_id=current.id,
        name=current.name,
        role=Role(current.role),
        bcus=tuple(current.bcus),
        unit=current.unit or "",
        gang_unit=current.gang_unit,
        status="leaver",
        effective_date=uow.today(),
    )
    return _scim(_resource(provisioning.provision(uow=uow, actor=actor, row=row)))
