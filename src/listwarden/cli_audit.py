"""``listwarden audit``: verify, checkpoint, cosign, prove, search and export the access log.

Commands about the log's integrity (verify, checkpoint, cosign, keygen, expire-keys, sequence)
are for whoever runs the installation. Commands that read the log's content (search, prove,
export) act for a user: give their API token with ``--token`` or ``LISTWARDEN_TOKEN``; the
auditor and the DPO may read it, the administrator without justifications.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from listwarden.bootstrap import Register, open_register
from listwarden.domain.access import Actor
from listwarden.domain.errors import InvalidInput, LogIntegrityError, Reason
from listwarden.settings import Settings

if TYPE_CHECKING:
    from listwarden.cli import JsonOption, emit_json, fail, run, to_jsonable

T = TypeVar("T")

audit_app = typer.Typer(
    no_args_is_help=True,
    help="The access log: verify it, sign and cosign checkpoints, prove, search and export.",
)

TokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar="LISTWARDEN_TOKEN", help="your API token (reading the log)"),
]


@contextmanager
def _opened() -> Iterator[Register]:
    from listwarden.services.audit_config import LogConfig, attach_event_log

    settings = Settings.load()
    register: Register = run(lambda: open_register(settings))
    attach_event_log(register.uow, keys=register.keystore, config=LogConfig.from_settings(settings))
    try:
        yield register
    finally:
        register.close()


def _act(action: Callable[[Register], T]) -> T:
    """Open the register, run ``action`` on it, map listwarden's errors to one line."""
    with _opened() as register:
        result: T = run(lambda: action(register))
        return result


def _actor(register: Register, token: str | None) -> Actor:
    from listwarden.domain.authn import Scope
    from listwarden.services.users import authenticate_token, require_scope

    if not token:
        raise InvalidInput(
            "reading the access log needs your API token",
            reasons=[Reason("token-required", "give --token or set LISTWARDEN_TOKEN", "token")],
        )
    holder = authenticate_token(uow=register.uow, token=token)
    require_scope(uow=register.uow, holder=holder, scope=Scope.LOG)
    return holder.actor


@audit_app.command()
def verify(
    checkpoint: Annotated[
        Path | None,
        typer.Option("--checkpoint", help="a checkpoint kept outside the system to check against"),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Re-derive every leaf, recompute the tree, check every checkpoint; exit 7 on any failure."""
    from listwarden.services.audit_verify import verify_log

    outside = None
    if checkpoint is not None:
        try:
            outside = checkpoint.read_text(encoding="utf-8")
        except (OSError, UnicodeError) as exc:
            fail(InvalidInput(f"cannot read the checkpoint file {checkpoint}: {exc}"))
    show = not json_out and sys.stderr.isatty()
    console = Console(stderr=True)
    columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True, disable=not show) as bar:
        task = bar.add_task("verify", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = _act(
            lambda r: verify_log(uow=r.uow, outside_checkpoint=outside, progress=progress)
        )
    if json_out:
        emit_json(result)
    else:
        typer.echo(f"origin:      {result.origin}")
        typer.echo(f"tree size:   {result.tree_size}")
        typer.echo(f"root:        {result.root}")
        typer.echo(f"checkpoints: {result.checkpoints_checked} verified")
        typer.echo(f"cosignatures: {result.cosignatures_checked} verified")
        if result.outside_checkpoint_size is not None:
            typer.echo(f"outside checkpoint: size {result.outside_checkpoint_size}")
        for departure in result.departures:
            typer.echo(f"FAIL: {departure.reason}")
        if result.ok:
            typer.echo(result.summary())
    if not result.ok:
        fail(LogIntegrityError(result.summary(), index=result.first_departure))


@audit_app.command()
def checkpoint(json_out: JsonOption = False) -> None:
    """Sequence pending events, sign a checkpoint if the log grew, print the latest note."""
    from listwarden.services.audit import latest_checkpoint_view

    view = _act(lambda r: latest_checkpoint_view(uow=r.uow))
    if json_out:
        emit_json(view)
    else:
        typer.echo(view.note, nl=False)


@audit_app.command()
def keygen(
    name: Annotated[str, typer.Option("--name", help="the witness's key name, e.g. dpo.example")],
    out: Annotated[Path, typer.Option("--out", help="the new key file (mode 0600)")],
    json_out: JsonOption = False,
) -> None:
    """Make a witness signing key for the DPO or a regulator; keep it off this machine."""
    from listwarden.auditlog.signer import create_witness_key_file

    key = run(lambda: create_witness_key_file(out, name))
    if json_out:
        emit_json({"name": key.name, "vkey": key.vkey(), "file": out})
    else:
        typer.echo(f"wrote {out} (mode 0600): keep it where this system cannot read it")
        typer.echo(key.vkey())


@audit_app.command()
def cosign(
    key: Annotated[Path, typer.Option("--key", help="your witness signer key file")],
    json_out: JsonOption = False,
) -> None:
    """As a witness, check the latest checkpoint extends your last one, and cosign it."""
    from listwarden.auditlog.signer import read_witness_key_file
    from listwarden.services.audit import cosign_checkpoint

    witness = run(lambda: read_witness_key_file(key))
    result = _act(
        lambda r: cosign_checkpoint(uow=r.uow, witness=witness, key_file=key, home=r.settings.home)
    )
    if json_out:
        emit_json(result)
    else:
        typer.echo(result.cosigned_note, nl=False)


@audit_app.command()
def status(json_out: JsonOption = False) -> None:
    """How old the latest checkpoint cosigned outside the system is."""
    from listwarden.services.audit import last_cosigned

    age = _act(lambda r: last_cosigned(uow=r.uow))
    if json_out:
        emit_json({"last_cosigned": age})
    elif age is None:
        typer.echo("no checkpoint has been cosigned by a key outside the system")
    else:
        typer.echo(
            f"last cosigned: size {age.tree_size} by {age.witness} at "
            f"{age.cosigned_at.isoformat()} ({age.age_seconds} s ago)"
        )


@audit_app.command()
def sequence(json_out: JsonOption = False) -> None:
    """Give every committed event its place in the log now."""
    from listwarden.services.audit_sequence import sequence_log

    result = _act(lambda r: sequence_log(uow=r.uow))
    if json_out:
        emit_json({"sequenced": result.sequenced, "tree_size": result.tree_size})
    else:
        typer.echo(f"sequenced {result.sequenced} events")


@audit_app.command()
def prove(
    event: Annotated[
        int | None, typer.Option("--event", help="prove this event's inclusion")
    ] = None,
    first: Annotated[int | None, typer.Option("--from", help="consistency from this size")] = None,
    second: Annotated[
        int | None, typer.Option("--to", help="to this size (default: latest)")
    ] = None,
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """An inclusion proof for --event ID, or a consistency proof --from N [--to M]."""
    from listwarden.services.audit_proofs import prove_consistency, prove_inclusion

    if (event is None) == (first is None):
        fail(InvalidInput("give either --event ID or --from N [--to M]"))

    def action(r: Register) -> Any:
        actor = _actor(r, token)
        if event is not None:
            return prove_inclusion(uow=r.uow, actor=actor, event_id=event)
        assert first is not None
        return prove_consistency(uow=r.uow, actor=actor, first=first, second=second)

    proof = _act(action)
    if json_out:
        emit_json(proof)
        return
    for field, value in to_jsonable(proof).items():
        if isinstance(value, list):
            typer.echo(f"{field}:")
            for item in value:
                typer.echo(f"  {item}")
        elif isinstance(value, str) and "\n" in value:
            typer.echo(f"{field}:")
            typer.echo(value, nl=False)
        else:
            typer.echo(f"{field}: {value}")


@audit_app.command()
def search(
    subject: Annotated[str | None, typer.Option("--subject", help="subject id")] = None,
    user: Annotated[str | None, typer.Option("--user", help="acting user id")] = None,
    operation: Annotated[str | None, typer.Option("--operation", help="e.g. entry:consult")] = None,
    list_id: Annotated[str | None, typer.Option("--list", help="list id")] = None,
    since: Annotated[datetime | None, typer.Option("--since", help="from this time (UTC)")] = None,
    until: Annotated[datetime | None, typer.Option("--until", help="before this time")] = None,
    after: Annotated[int, typer.Option("--after", help="resume after this event id")] = 0,
    limit: Annotated[int, typer.Option("--limit", help="events per page, 1-1000")] = 100,
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """A page of events matching every filter, oldest first; --after resumes."""
    from listwarden.services.log_search import search_events

    def action(r: Register) -> Any:
        return search_events(
            uow=r.uow,
            actor=_actor(r, token),
            subject_id=subject,
            user_id=user,
            operation=operation,
            list_id=list_id,
            since=_utc(since),
            until=_utc(until),
            after_id=after,
            limit=limit,
        )

    events = _act(action)
    next_after = events[-1].id if len(events) == limit else None
    if json_out:
        emit_json({"events": events, "next_after": next_after})
        return
    for e in events:
        typer.echo(
            f"{e.id}\t{e.occurred_at.isoformat()}\t{e.operation}\t{e.outcome}\t"
            f"actor={e.actor_id}\tlist={e.list_id}\tsubject={e.subject_id}\t"
            f"purpose={e.purpose}\tjustification={json.dumps(e.justification)}"
        )
    if next_after is not None:
        typer.echo(f"more: --after {next_after}")


def _utc(value: datetime | None) -> datetime | None:
    from datetime import UTC

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@audit_app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="the JSON-lines file to write (mode 0600)")],
    subject: Annotated[
        str | None, typer.Option("--subject", help="only this subject's events, with proofs")
    ] = None,
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Export the log with its checkpoints and proofs for the Commissioner (s.62(5))."""
    from listwarden.services.audit_export import export_log

    def action(r: Register) -> int:
        actor = _actor(r, token)
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise InvalidInput(f"{out} already exists: an export never overwrites a file") from None
        except OSError as exc:
            raise InvalidInput(f"cannot create {out}: {exc.strerror}") from None
        count = 0
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for record in export_log(uow=r.uow, actor=actor, subject_id=subject):
                handle.write(json.dumps(to_jsonable(record), sort_keys=True) + "\n")
                count += record["type"] == "event"
        return count

    count = _act(action)
    if json_out:
        emit_json({"file": out, "events": count})
    else:
        typer.echo(f"wrote {count} events to {out}")


@audit_app.command("expire-keys")
def expire_keys(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show, destroy nothing")] = False,
    json_out: JsonOption = False,
) -> None:
    """Destroy the keys of log periods past retention; their leaves still verify."""
    from listwarden.services.audit import expire_log_keys

    result = _act(lambda r: expire_log_keys(uow=r.uow, dry_run=dry_run))
    if json_out:
        emit_json(result)
        return
    verb = "would destroy" if dry_run else "destroyed"
    typer.echo(f"{verb} {len(result.destroyed)} period keys: {', '.join(result.destroyed) or '-'}")
    for period, until in result.kept.items():
        typer.echo(f"kept {period} until {until.isoformat()}")


def _cli_module() -> ModuleType:
    """cli.py, which imports this module at its end: the running copy under ``python -m``."""
    main = sys.modules.get("__main__")
    if getattr(getattr(main, "__spec__", None), "name", None) == "listwarden.cli":
        assert main is not None
        return main
    return importlib.import_module("listwarden.cli")


# The shared helpers are bound last, once the commands exist, so that this module and cli.py
# may be imported in either order (Typer reads the string annotations only when it runs).
if not TYPE_CHECKING:
    _cli = _cli_module()
    JsonOption, emit_json, fail, run, to_jsonable = (
        _cli.JsonOption,
        _cli.emit_json,
        _cli.fail,
        _cli.run,
        _cli.to_jsonable,
    )
