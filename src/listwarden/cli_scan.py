"""``listwarden scan PATH...``: look for copies of the register's people in files (law 11).

The scan acts for the user whose API token is given (``--token`` or ``LISTWARDEN_TOKEN``); only
the DPO may run it. It prints subject ids and counts, never a name, and stores each finding.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from listwarden.cli_keys import cli_helpers
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.settings import Settings

if TYPE_CHECKING:
    from listwarden.cli import JsonOption, emit_json, run
    from listwarden.dlp import ScanProgress
    from listwarden.services.loss_detection import ScanOutcome


def scan_command(
    paths: Annotated[list[Path], typer.Argument(help="files and directories to scan")],
    token: Annotated[
        str | None, typer.Option("--token", envvar="LISTWARDEN_TOKEN", help="your API token")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Scan files for people of the register; each file holding them is stored as a finding."""
    from listwarden.bootstrap import open_register
    from listwarden.domain.authn import Scope
    from listwarden.services.loss_detection import scan_paths
    from listwarden.services.users import authenticate_token, require_scope

    settings = Settings.load()
    bar = Progress(
        TextColumn("scanning"),
        BarColumn(),
        DownloadColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        TimeRemainingColumn(),
        disable=json_out,
    )

    def body() -> ScanOutcome:
        if not token:
            raise InvalidInput(
                "scanning needs your API token",
                reasons=[Reason("token-required", "give --token or set LISTWARDEN_TOKEN", "token")],
            )
        register = open_register(settings)
        try:
            holder = authenticate_token(uow=register.uow, token=token)
            # A scan stores its findings: it needs the write scope.
            require_scope(uow=register.uow, holder=holder, scope=Scope.WRITE)
            with bar:
                task = bar.add_task("scan", total=None)

                def progress(p: ScanProgress) -> None:
                    bar.update(task, completed=p.bytes_done, total=p.bytes_total)

                return scan_paths(
                    uow=register.uow, actor=holder.actor, paths=paths, progress=progress
                )
        finally:
            register.close()

    outcome: ScanOutcome = run(body)
    if json_out:
        emit_json(outcome)
        return
    typer.echo(
        f"{outcome.files_scanned} file(s) scanned, {outcome.files_skipped} skipped, "
        f"{len(outcome.findings)} finding(s) stored (scan {outcome.scan_id})"
    )
    for f in outcome.findings:
        if f.strength != "none":
            what = "informal list" if f.informal_list else f.strength
            line = (
                f"  {f.path}: {what}, {len(f.strong_subject_ids)} strong and "
                f"{len(f.weak_subject_ids)} weak match(es)"
            )
            if f.erased_matches:
                line += f", {f.erased_matches} erased person(s)"
            if f.disclosure_ids:
                line += f", from disclosure(s) {', '.join(f.disclosure_ids)}"
            typer.echo(f"{line} (finding {f.id})")
        if f.problems:
            typer.echo(f"  {f.path}: not read in full: {'; '.join(f.problems)} (finding {f.id})")


# Bound last, after the command exists: see ``cli_keys.cli_helpers``.
if not TYPE_CHECKING:
    JsonOption, emit_json, _fail, run = cli_helpers()
