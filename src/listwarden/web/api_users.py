"""Account management through the API: disabling an account revokes all it holds at once."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from listwarden.services import revocation
from listwarden.web.deps import AccountsActorDep, UowDep
from listwarden.web.schemas import Body

users_router = APIRouter(prefix="/api/v1/users", tags=["users"])


class DisableBody(Body):
    reason: str = Field(min_length=1, max_length=2000, description="why; sealed in the log")


@users_router.post("/{user_id}/disable")
def disable_user(
    user_id: str, body: DisableBody, uow: UowDep, actor: AccountsActorDep
) -> revocation.Revoked:
    """Disable an account: every session, API token and grant it holds stops at once."""
    return revocation.disable_user(uow=uow, actor=actor, user_id=user_id, reason=body.reason)
