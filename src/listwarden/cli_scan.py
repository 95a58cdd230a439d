"""``listwarden scan PATH...``: look for copies of the register's people in files (law 11).

The scan acts for the user whose API token is given (``--token`` or ``LISTWARDEN_TOKEN``); only
the DPO may run it. It prints subject ids and counts, never a name, and stores each finding.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from listwarden.cli_acting import act_as
from listwarden.cli_keys import cli_helpers

if TYPE_CHECKING:
    from listwarden.bootstrap import Register
    from listwarden.cli import JsonOption, emit_json, run
    from listwarden.dlp import ScanProgress
    from listwarden.domain.access import Actor
    from listwarden.services.loss_detection import ScanOutcome

T = TypeVar("T")
TokenOption = Annotated[
    str | None, typer.Option("--token", envvar="LISTWARDEN_TOKEN", help="your API token")
]
findings_app = typer.Typer(
    no_args_is_help=True, help="Loss findings: those still open, and closing one as justified."
)


def scan_command(
    paths: Annotated[list[Path], typer.Argument(help="files and directories to scan")],
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Scan files for people of the register; each file holding them is stored as a finding."""
    from listwarden.services.loss_detection import scan_paths

    bar = Progress(
        TextColumn("scanning"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        disable=json_out,
    )

    def action(register: Register, actor: Actor) -> ScanOutcome:
        with bar:
            task = bar.add_task("scan", total=None)

            def progress(p: ScanProgress) -> None:
                bar.update(task, completed=p.bytes_done, total=p.bytes_total)

            return scan_paths(uow=register.uow, actor=actor, paths=paths, progress=progress)

    outcome: ScanOutcome = _as_user(token, action)
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
    if outcome.closed:
        typer.echo(f"{len(outcome.closed)} earlier finding(s) closed: the file is gone or changed")


@findings_app.command("list")
def list_findings(token: TokenOption = None, json_out: JsonOption = False) -> None:
    """The findings still open, oldest first."""
    from listwarden.services.loss_detection import open_findings

    found = _as_user(token, lambda r, actor: open_findings(uow=r.uow, actor=actor))
    if json_out:
        emit_json(found)
        return
    for f in found:
        typer.echo(
            f"{f.id}  {f.path}: {f.strength}, {len(f.strong_subject_ids)} strong, "
            f"{len(f.problems)} problem(s)"
        )
    typer.echo(f"{len(found)} open finding(s)")


@findings_app.command("justify")
def justify(
    finding_id: Annotated[str, typer.Argument(help="the finding to close")],
    reason: Annotated[str, typer.Option("--reason", help="why the copy may be kept")],
    token: TokenOption = None,
) -> None:
    """Close a finding as justified: the copy may lawfully be kept, for the reason given."""
    from listwarden.services.loss_detection import justify_finding

    _as_user(
        token,
        lambda r, actor: justify_finding(
            uow=r.uow, actor=actor, finding_id=finding_id, reason=reason
        ),
    )
    typer.echo(f"finding {finding_id} closed as justified")


def _as_user(token: str | None, action: Callable[[Register, Actor], T]) -> T:
    """Findings are stored: scanning needs the write scope."""
    return act_as(token, action, needs="loss detection acts for a user")


# Bound last, after the command exists: see ``cli_keys.cli_helpers``.
if not TYPE_CHECKING:
    JsonOption, emit_json, _fail, run = cli_helpers()
