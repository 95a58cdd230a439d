"""``listwarden retention``: the retention sweep (law 3) from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

from listwarden.cli_keys import cli_helpers
from listwarden.settings import Settings

if TYPE_CHECKING:
    from listwarden.cli import JsonOption, emit_json, run
    from listwarden.services.retention import SweepReport

retention_app = typer.Typer(no_args_is_help=True, help="Retention schedules, reviews and sweeps.")


@retention_app.command("sweep")
def sweep_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="report what would go; change nothing")
    ] = False,
    batch_size: Annotated[int, typer.Option(help="entries decided per batch", min=1)] = 500,
    json_out: JsonOption = False,
) -> None:
    """Remove every entry its list's retention schedule says must go; escalate overdue reviews."""
    from listwarden.bootstrap import open_register
    from listwarden.services.retention import sweep

    settings = Settings.load()
    bar = Progress(
        TextColumn("sweeping"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed}/{task.total} entries"),
        disable=json_out,
    )

    def body() -> SweepReport:
        register = open_register(settings)
        try:
            with bar:
                task = bar.add_task("sweep", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                return sweep(
                    uow=register.uow, dry_run=dry_run, batch_size=batch_size, progress=progress
                )
        finally:
            register.close()

    report: SweepReport = run(body)
    if json_out:
        emit_json(report)
        return
    verb = "would be" if dry_run else "were"
    typer.echo(f"{report.candidates} entries on {report.lists} lists were looked at")
    typer.echo(f"{report.removed} entries {verb} removed ({report.subjects_erased} people erased)")
    typer.echo(f"{report.held} removals are deferred by a legal hold")
    typer.echo(f"{report.review_due} reviews are due; {report.escalated} overdue escalated")
    typer.echo(f"{report.quarantines_erased} import quarantines {verb} erased after 30 days")
    typer.echo(
        f"{report.loss_tokens_destroyed} erased people's loss-detection tokens {verb} destroyed "
        "after 90 days"
    )


# Bound last, after the commands exist: see ``cli_keys.cli_helpers``.
if not TYPE_CHECKING:
    JsonOption, emit_json, _fail, run = cli_helpers()
