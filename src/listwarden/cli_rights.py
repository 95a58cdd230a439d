"""``listwarden sar`` and ``listwarden rights``: the Information Rights Unit's commands.

They act for the user whose API token is given (``--token`` or ``LISTWARDEN_TOKEN``); only the
IRU may record and answer requests, and its reads are logged as consultations.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from listwarden.cli_acting import act_as
from listwarden.cli_keys import cli_helpers
from listwarden.domain.errors import InvalidInput, Reason

if TYPE_CHECKING:
    from listwarden.bootstrap import Register
    from listwarden.cli import JsonOption, emit_json, run
    from listwarden.cli import fail as _fail
    from listwarden.domain.access import Actor

rights_app = typer.Typer(no_args_is_help=True, help="Requests to exercise a right (ss.45-48).")

TokenOption = Annotated[
    str | None, typer.Option("--token", envvar="LISTWARDEN_TOKEN", help="your API token")
]


def _acting(token: str | None, action: Any, *, writes: bool = True) -> Any:
    """Run ``action(register, actor)`` for the token's user (a token that may write, if it does)."""
    from listwarden.domain.authn import Scope

    scope = Scope.WRITE if writes else Scope.READ
    return act_as(token, action, scope=scope, needs="this command acts for a user")


@rights_app.command("request")
def request_command(
    subject_id: Annotated[str, typer.Argument(help="the person's subject id")],
    identity: Annotated[str, typer.Option(help="how the requester's identity is checked")],
    kind: Annotated[str, typer.Option(help="access, rectification, erasure or restriction")] = (
        "access"
    ),
    received: Annotated[
        str | None, typer.Option(help="the day it was received (YYYY-MM-DD; default today)")
    ] = None,
    confirmed: Annotated[
        bool, typer.Option("--identity-confirmed", help="the identity is confirmed today")
    ] = False,
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record a request, with its identity check; print its id and due date."""
    from listwarden.services.subject_requests import record_request, requests

    def act(register: Register, actor: Actor) -> dict[str, Any]:
        today = register.uow.today()
        try:
            received_on = date.fromisoformat(received) if received else today
        except ValueError:
            raise InvalidInput(
                "received must be a date",
                reasons=[Reason("invalid-date", "use YYYY-MM-DD", "received")],
            ) from None
        request_id = record_request(
            uow=register.uow,
            actor=actor,
            subject_id=subject_id,
            kind=kind,
            received_on=received_on,
            identity_method=identity,
            identity_confirmed_on=today if confirmed else None,
        )
        view = next(v for v in requests(uow=register.uow, actor=actor) if v.id == request_id)
        return {"request_id": request_id, "due_on": view.due_on}

    result = _acting(token, act)
    if json_out:
        emit_json(result)
        return
    due = result["due_on"] or "not yet: the clock starts when the identity is confirmed"
    typer.echo(f"request {result['request_id']} recorded; due {due}")


@rights_app.command("list")
def list_command(token: TokenOption = None, json_out: JsonOption = False) -> None:
    """Every request with its deadline; overdue ones are marked."""
    from listwarden.services.subject_requests import requests

    views = _acting(
        token, lambda register, actor: requests(uow=register.uow, actor=actor), writes=False
    )
    if json_out:
        emit_json(views)
        return
    for v in views:
        flag = " OVERDUE" if v.overdue else ""
        typer.echo(f"{v.id}\t{v.kind}\t{v.status}\tdue {v.due_on or '-'}{flag}")


def sar_command(
    subject_id: Annotated[str, typer.Argument(help="the person's subject id")],
    output_format: Annotated[str, typer.Option("--format", help="json or pdf")] = "json",
    out: Annotated[Path | None, typer.Option(help="write the response to this file")] = None,
    request_id: Annotated[
        str | None, typer.Option("--request", help="the request (default: their open one)")
    ] = None,
    token: TokenOption = None,
) -> None:
    """Compile the answer to a person's subject access request, restrictions applied."""
    from listwarden.export.sar_document import sar_pdf
    from listwarden.services.subject_access import as_document, compile_sar
    from listwarden.services.subject_requests import requests

    if output_format not in ("json", "pdf"):
        _fail(InvalidInput("--format is json or pdf", reasons=[Reason("format", "json, pdf")]))
    if output_format == "pdf" and out is None:
        _fail(InvalidInput("a PDF needs --out FILE", reasons=[Reason("out-missing", "", "out")]))

    def act(register: Register, actor: Actor) -> dict[str, Any]:
        chosen = request_id or next(
            (
                v.id
                for v in requests(uow=register.uow, actor=actor)
                if v.subject_id == subject_id and v.kind == "access" and v.status == "open"
            ),
            None,
        )
        if chosen is None:
            raise InvalidInput(
                "there is no open access request for this person",
                reasons=[Reason("request-missing", "record it with: rights request", "subject")],
            )
        return as_document(compile_sar(uow=register.uow, actor=actor, request_id=chosen))

    document = _acting(token, act)
    if output_format == "pdf":
        assert out is not None
        out.write_bytes(sar_pdf(document))
        typer.echo(f"the response is in {out}")
        return
    text = json.dumps(document, indent=2, sort_keys=True)
    if out is not None:
        out.write_text(text + "\n")
        typer.echo(f"the response is in {out}")
    else:
        typer.echo(text)


# Bound last, after the commands exist: see ``cli_keys.cli_helpers``.
if not TYPE_CHECKING:
    JsonOption, emit_json, _fail, run = cli_helpers()
