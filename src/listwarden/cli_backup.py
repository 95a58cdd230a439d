"""``listwarden backup``, ``restore`` and ``erasure show``: sealed backups, erasure certificates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from listwarden.settings import Settings

if TYPE_CHECKING:
    from listwarden.cli import JsonOption, emit_json, fail, run
    from listwarden.services.unit_of_work import UnitOfWork

erasure_app = typer.Typer(no_args_is_help=True, help="Signed erasure certificates.")


def backup(
    out: Annotated[Path, typer.Option("--out", help="the archive to write (a new file)")],
    keystore: Annotated[
        bool, typer.Option("--keystore", help="back up the key store instead of the database")
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Write an encrypted, integrity-checked backup of the database (or, apart, the key store)."""
    from listwarden.bootstrap import open_register
    from listwarden.services.backup import DATABASE, KEYSTORE, BackupMade, back_up

    settings = Settings.load()
    kind = KEYSTORE if keystore else DATABASE
    source = settings.resolved_keystore_url if keystore else settings.resolved_database_url
    days = (
        settings.keystore_backup_retention_days
        if keystore
        else settings.database_backup_retention_days
    )

    def body() -> BackupMade:
        register = open_register(settings)
        try:
            return back_up(
                uow=register.uow, kind=kind, source_url=source, out=out, workdir=settings.home
            )
        finally:
            register.close()

    made: BackupMade = run(body)
    if json_out:
        emit_json({**_plain(made), "keep_for_days": days})
        return
    typer.echo(f"Wrote {made.kind} backup {made.path} ({made.size_bytes} bytes, {made.method}).")
    typer.echo(f"Keep it no longer than {days} days (the stated retention), then delete it.")
    if not keystore:
        typer.echo("It holds no data key: back up the key store apart (backup --keystore).")


def restore(
    archive: Annotated[Path, typer.Argument(help="a database backup made by 'listwarden backup'")],
    json_out: JsonOption = False,
) -> None:
    """Restore the database from a backup against the live key store, re-applying erasures.

    Stop the server first. A truncated, altered or foreign backup is refused and nothing changes.
    """
    from listwarden.bootstrap import open_register
    from listwarden.domain.errors import NotFound
    from listwarden.services.backup import Restored, restore_database

    settings = Settings.load()
    if not archive.is_file():
        fail(NotFound(f"no backup file {archive}"))

    def body() -> Restored:
        register = open_register(settings)
        try:
            return restore_database(
                uow=register.uow,
                archive=archive,
                live_url=settings.resolved_database_url,
                workdir=settings.home,
                open_staged=staged_opener(settings),
            )
        finally:
            register.close()

    done: Restored = run(body)
    if json_out:
        emit_json(done)
        return
    typer.echo(f"Restored the database from the backup of {done.backup_created_at}.")
    typer.echo(
        f"Re-applied erasures: {len(done.reapplied.subjects)} people and "
        f"{len(done.reapplied.entries)} entries erased since the backup were deleted again."
    )
    if done.subjects_on_no_list:
        typer.echo(f"{done.subjects_on_no_list} people are on no list: review them for erasure.")


def staged_opener(settings: Settings) -> Callable[[str], AbstractContextManager[UnitOfWork]]:
    """Opens a staged copy of the database (migrated to this version) with the live key store."""
    from listwarden.bootstrap import open_register

    @contextmanager
    def opener(url: str) -> Iterator[UnitOfWork]:
        register = open_register(settings.model_copy(update={"database_url": url}))
        try:
            yield register.uow
        finally:
            register.close()

    return opener


@erasure_app.command()
def show(
    certificate_id: Annotated[str, typer.Argument(help="the certificate's id")],
    json_out: JsonOption = False,
) -> None:
    """Show an erasure certificate and verify its signature; non-zero exit if it fails."""
    from listwarden.bootstrap import open_register
    from listwarden.domain.errors import CiphertextTampered
    from listwarden.services.erasure import CertificateCheck, check_certificate

    settings = Settings.load()

    def body() -> CertificateCheck:
        register = open_register(settings)
        try:
            return check_certificate(uow=register.uow, certificate_id=certificate_id)
        finally:
            register.close()

    check: CertificateCheck = run(body)
    if json_out:
        emit_json({**_plain(check), "valid": check.valid})
    else:
        for key, value in check.document.items():
            typer.echo(f"{key}: {value}")
        typer.echo(f"status: {'completed' if check.completed else 'pending'}")
        typer.echo(f"signature: {'valid' if check.valid else 'INVALID'} (Ed25519)")
        typer.echo(f"public key: {check.public_key_hex}")
    if not check.valid:
        fail(CiphertextTampered(f"erasure certificate {certificate_id} fails: {check.problem}"))


def _plain(value: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(value)


# Bound last, after the commands exist: see ``listwarden.cli_keys.cli_helpers``.
if not TYPE_CHECKING:
    from listwarden.cli_keys import cli_helpers

    JsonOption, emit_json, fail, run = cli_helpers()
