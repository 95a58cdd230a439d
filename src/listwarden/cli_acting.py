"""Acting for a user from the command line: their API token, checked for a scope, then the work.

Commands that change or read personal data act as the token's holder, so that the policy
engine decides them as it decides the API; errors are one plain line (``cli.run``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from listwarden.domain.errors import InvalidInput, Reason
from listwarden.settings import Settings

if TYPE_CHECKING:
    from listwarden.bootstrap import Register
    from listwarden.domain.access import Actor
    from listwarden.domain.authn import Scope

T = TypeVar("T")


def act_as(
    token: str | None,
    action: Callable[[Register, Actor], T],
    *,
    scope: Scope | None = None,
    needs: str = "this command acts for a user",
) -> T:
    """Open the register, authenticate ``token``, require ``scope`` (write by default), act."""
    from listwarden.bootstrap import open_register
    from listwarden.cli_keys import cli_helpers
    from listwarden.domain.authn import Scope
    from listwarden.services.users import authenticate_token, require_scope

    settings = Settings.load()

    def body() -> T:
        if not token:
            raise InvalidInput(
                f"{needs}: give your API token",
                reasons=[Reason("token-required", "give --token or set LISTWARDEN_TOKEN", "token")],
            )
        register = open_register(settings)
        try:
            holder = authenticate_token(uow=register.uow, token=token)
            require_scope(uow=register.uow, holder=holder, scope=scope or Scope.WRITE)
            return action(register, holder.actor)
        finally:
            register.close()

    run = cli_helpers()[3]
    result: T = run(body)
    return result
