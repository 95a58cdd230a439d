"""``listwarden import``: bring a borough's legacy spreadsheet onto a list, with a report.

The import acts for the user whose API token is given (``--token`` or ``LISTWARDEN_TOKEN``):
collecting onto a list is decided for them like any other collection.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from listwarden.cli_keys import cli_helpers
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.settings import Settings

if TYPE_CHECKING:
    from listwarden.cli import JsonOption, emit_json, run
    from listwarden.services.imports import ImportReport


def import_command(
    file: Annotated[Path, typer.Argument(help="the CSV, xlsx or ods file to import")],
    list_id: Annotated[str, typer.Option("--list", help="the list to import into")],
    mapping: Annotated[Path, typer.Option("--mapping", help="the column mapping file (TOML)")],
    purpose: Annotated[
        str | None, typer.Option(help="the purpose collected for (default: the list's first)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="check every row and report; write nothing")
    ] = False,
    # services.imports.BATCH_SIZE, not imported here: the CLI loads the services lazily.
    batch_size: Annotated[int, typer.Option(help="rows loaded per batch", min=1)] = 2500,
    token: Annotated[
        str | None, typer.Option("--token", envvar="LISTWARDEN_TOKEN", help="your API token")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Import a legacy list: lawful rows load as legacy-unreviewed, the rest go to quarantine."""
    from listwarden.bootstrap import open_register
    from listwarden.domain.authn import Scope
    from listwarden.ingest.mapping_file import load_mapping
    from listwarden.services.imports import import_file
    from listwarden.services.users import authenticate_token, require_scope

    settings = Settings.load()
    bar = Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeRemainingColumn(),
        disable=json_out,
    )

    def body() -> ImportReport:
        if not token:
            raise InvalidInput(
                "importing needs your API token",
                reasons=[Reason("token-required", "give --token or set LISTWARDEN_TOKEN", "token")],
            )
        columns = load_mapping(mapping)
        register = open_register(settings)
        try:
            holder = authenticate_token(uow=register.uow, token=token)
            require_scope(uow=register.uow, holder=holder, scope=Scope.WRITE)
            actor = holder.actor
            with bar:
                task = bar.add_task("import", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                return import_file(
                    uow=register.uow,
                    actor=actor,
                    list_id=list_id,
                    purpose=purpose,
                    path=file,
                    mapping=columns,
                    dry_run=dry_run,
                    batch_size=batch_size,
                    progress=progress,
                )
        finally:
            register.close()

    report: ImportReport = run(body)
    if json_out:
        emit_json(report)
        return
    verb = "would be" if dry_run else "were"
    typer.echo(f"{report.rows} rows read from {report.file} ({report.file_format})")
    typer.echo(f"{report.loaded} {verb} loaded as legacy-unreviewed")
    typer.echo(f"  of whom {report.matched_existing_people} were already held on another list")
    typer.echo(f"{report.quarantined} {verb} quarantined:")
    for code, count in report.reasons.items():
        typer.echo(f"  {code}: {count}")
    if not dry_run:
        typer.echo(f"reviews due by {report.review_due_on}")
        typer.echo(f"quarantine erased on {report.quarantine_erase_on} (import {report.import_id})")
        typer.echo("the source file can now be scanned for and destroyed")


quarantine_app = typer.Typer(no_args_is_help=True, help="Rows an import could not hold yet.")


@quarantine_app.command("export")
def export_command(
    import_id: Annotated[str, typer.Argument(help="the import whose quarantine to export")],
    out: Annotated[Path, typer.Option(help="the CSV to write (fix it, then import it again)")],
    token: Annotated[
        str | None, typer.Option("--token", envvar="LISTWARDEN_TOKEN", help="your API token")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Write an import's quarantined rows, with their reasons, to a CSV to be fixed."""
    import csv

    from listwarden.bootstrap import open_register
    from listwarden.services.quarantine import export_quarantine
    from listwarden.services.users import authenticate_token

    def body() -> int:
        if not token:
            raise InvalidInput(
                "exporting the quarantine needs your API token",
                reasons=[Reason("token-required", "give --token or set LISTWARDEN_TOKEN", "token")],
            )
        register = open_register(Settings.load())
        try:
            actor = authenticate_token(uow=register.uow, token=token).actor
            header, rows = export_quarantine(uow=register.uow, actor=actor, import_id=import_id)
        finally:
            register.close()
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        out.chmod(0o600)
        return len(rows)

    count: int = run(body)
    if json_out:
        emit_json({"rows": count, "file": str(out)})
        return
    typer.echo(f"{count} quarantined rows written to {out}; fix them and import the file again")


# Bound last, after the command exists: see ``cli_keys.cli_helpers``.
if not TYPE_CHECKING:
    JsonOption, emit_json, _fail, run = cli_helpers()
