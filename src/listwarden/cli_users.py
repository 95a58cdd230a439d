"""``listwarden users``: set a password, enrol a TOTP second factor, unlock, disable an account.

These run on the server as its operator (like ``init``), so they act for no signed-in user;
each change is logged all the same.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from listwarden.cli_keys import cli_helpers
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.settings import Settings

if TYPE_CHECKING:
    from listwarden.bootstrap import Register
    from listwarden.cli import JsonOption, emit_json, run

users_app = typer.Typer(
    no_args_is_help=True, help="Accounts: passwords, second factors, revocation."
)

UserArgument = Annotated[str, typer.Argument(help="the account's user id")]


def _with_register(action: Callable[[Register], Any]) -> Any:
    from listwarden.bootstrap import open_register

    def body() -> Any:
        register = open_register(Settings.load())
        try:
            return action(register)
        finally:
            register.close()

    return run(body)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("New password", hide_input=True)
    if typer.prompt("Repeat it", hide_input=True) != first:
        raise InvalidInput(
            "the passwords differ", reasons=[Reason("password-mismatch", "type it twice alike")]
        )
    return str(first)


@users_app.command("set-password")
def set_password_command(
    user_id: UserArgument,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Set the account's password (argon2id); at least 12 characters."""
    from listwarden.services.signin import set_password

    password = run(lambda: _read_password(password_stdin))
    _with_register(
        lambda r: set_password(uow=r.uow, actor_id=None, user_id=user_id, password=password)
    )
    if json_out:
        emit_json({"user_id": user_id, "password_set": True})
    else:
        typer.echo(f"password set for {user_id}")


@users_app.command("enrol-totp")
def enrol_totp_command(user_id: UserArgument, json_out: JsonOption = False) -> None:
    """Give the account a new TOTP secret and print its otpauth:// URI, once; the old one ends."""
    from listwarden.services.signin import enrol_totp

    uri = _with_register(lambda r: enrol_totp(uow=r.uow, actor_id=None, user_id=user_id))
    if json_out:
        emit_json({"user_id": user_id, "otpauth_uri": uri})
        return
    typer.echo("Add this to the user's authenticator app (shown once, not stored in clear):")
    typer.echo(uri)


@users_app.command("unlock")
def unlock_command(user_id: UserArgument, json_out: JsonOption = False) -> None:
    """Clear the account's failed sign-ins, so that its next attempt is heard at once."""
    from listwarden.services.signin import unlock_account

    _with_register(lambda r: unlock_account(uow=r.uow, actor_id=None, user_id=user_id))
    if json_out:
        emit_json({"user_id": user_id, "unlocked": True})
    else:
        typer.echo(f"unlocked {user_id}")


@users_app.command("disable")
def disable_command(
    user_id: UserArgument,
    reason: Annotated[str, typer.Option(help="why (kept sealed in the access log)")],
    json_out: JsonOption = False,
) -> None:
    """Disable the account: every session, token and grant it holds stops at once."""
    from listwarden.services.revocation import disable_user

    revoked = _with_register(
        lambda r: disable_user(uow=r.uow, actor=None, user_id=user_id, reason=reason)
    )
    if json_out:
        emit_json(revoked)
        return
    typer.echo(
        f"disabled {user_id}: {revoked.sessions_ended} session(s), {revoked.tokens_revoked} "
        f"token(s) and {revoked.grants_revoked} grant(s) revoked"
    )


@users_app.command("issue-token")
def issue_token_command(
    user_id: UserArgument,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            help="what the token may do (repeat): register:read, entry:consult, "
            "register:write, log:read, user:manage; all of them when not given",
        ),
    ] = None,
    days: Annotated[int, typer.Option(help="days until it expires (at most 365)")] = 90,
    json_out: JsonOption = False,
) -> None:
    """Issue an API token for the account and print it, once; only its digest is kept."""
    from datetime import timedelta

    from listwarden.domain.authn import ALL_SCOPES
    from listwarden.services.users import issue_token

    def issue(register: Register) -> str:
        expires_at = register.uow.now() + timedelta(days=days)
        return issue_token(
            uow=register.uow, user_id=user_id, scopes=scope or ALL_SCOPES, expires_at=expires_at
        )

    token = _with_register(issue)
    if json_out:
        emit_json({"user_id": user_id, "token": token, "scopes": sorted(scope or ALL_SCOPES)})
    else:
        typer.echo(f"API token for {user_id} (shown once): {token}")


# Bound last, after the commands exist: see ``cli_keys.cli_helpers``.
if not TYPE_CHECKING:
    JsonOption, emit_json, _fail, run = cli_helpers()
