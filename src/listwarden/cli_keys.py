"""``listwarden keys``: rotate the key-encryption key, reconcile the key store with the database."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

from listwarden.settings import Settings


def cli_helpers() -> tuple[Any, Any, Any, Any]:
    """``JsonOption``, ``emit_json``, ``fail`` and ``run`` from cli.py, which imports this module.

    cli.py imports the command modules at its end, once those helpers exist; the command modules
    bind them at *their* end, after their commands are defined (the annotations are strings that
    Typer reads only when it builds the app), so either module may be imported first. Run as
    ``python -m listwarden.cli``, cli.py is ``__main__``: importing ``listwarden.cli`` too would
    run it a second time, so the running one is used.
    """
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    module: ModuleType
    if main is not None and getattr(spec, "name", None) == "listwarden.cli":
        module = main
    else:
        module = importlib.import_module("listwarden.cli")
    return module.JsonOption, module.emit_json, module.fail, module.run


if TYPE_CHECKING:
    from listwarden.cli import JsonOption, emit_json, fail, run

keys_app = typer.Typer(
    no_args_is_help=True, help="Key-encryption key rotation and key store reconciliation."
)


@dataclass(frozen=True)
class RotationDone:
    rewrapped: int
    new_key_id: str
    keys_by_kek: dict[str, int]
    next_step: str


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed}/{task.total} keys"),
        disable=not enabled,
        transient=True,
    )


@keys_app.command()
def rotate(
    to_file: Annotated[
        Path | None, typer.Option("--to-file", help="new key file (created if absent)")
    ] = None,
    to_pkcs11: Annotated[
        bool, typer.Option("--to-pkcs11", help="a new KEK on a PKCS#11 token (an HSM)")
    ] = False,
    module: Annotated[
        Path | None, typer.Option(help="PKCS#11 library (default: LISTWARDEN_PKCS11_MODULE)")
    ] = None,
    token: Annotated[
        str | None, typer.Option(help="token label (default: LISTWARDEN_PKCS11_TOKEN_LABEL)")
    ] = None,
    key_label: Annotated[
        str | None, typer.Option(help="label of the new key on the token (generated if absent)")
    ] = None,
    pin_file: Annotated[
        Path | None, typer.Option(help="file holding the token PIN (default: the settings')")
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(help="the previous key file, if the settings already name the new KEK"),
    ] = None,
    batch_size: Annotated[int, typer.Option(help="keys re-wrapped per transaction")] = 500,
    json_out: JsonOption = False,
) -> None:
    """Re-wrap every data and system key under a new KEK; no data is re-encrypted. Resumable."""
    from listwarden.bootstrap import key_provider
    from listwarden.crypto.keystore import KeyStore
    from listwarden.crypto.provider_config import Pkcs11Config, file_provider, pkcs11_provider
    from listwarden.crypto.providers import KeyProvider
    from listwarden.domain.errors import InvalidInput

    settings = Settings.load()
    if (to_file is None) == (not to_pkcs11):
        fail(InvalidInput("give exactly one of --to-file FILE and --to-pkcs11"))

    def new_provider() -> KeyProvider:
        if to_file is not None:
            return file_provider(to_file, create=True)
        if not key_label:
            raise InvalidInput("--to-pkcs11 needs --key-label for the new key")
        pin = settings.pkcs11_pin.get_secret_value() if settings.pkcs11_pin else None
        config = Pkcs11Config(
            module=module or settings.pkcs11_module,
            token_label=token or settings.pkcs11_token_label,
            key_label=key_label,
            pin=None if pin_file else pin,
            pin_file=pin_file or (None if pin else settings.pkcs11_pin_file),
        )
        return pkcs11_provider(config, create=True)

    def body() -> RotationDone:
        current = key_provider(settings)
        older = [file_provider(from_file, create=False)] if from_file else []
        new = new_provider()
        store = KeyStore(settings.resolved_keystore_url, current, old_providers=older)
        try:
            with _progress(not json_out) as bar:
                task = bar.add_task("Re-wrapping keys", total=None)
                done = store.rotate(
                    new,
                    batch_size=batch_size,
                    progress=lambda d, t: bar.update(task, completed=d, total=t),
                )
            usage = store.kek_usage()
        finally:
            store.close()
        where = (
            f"LISTWARDEN_KEY_FILE={to_file}"
            if to_file is not None
            else f"LISTWARDEN_KEY_PROVIDER=pkcs11 and LISTWARDEN_PKCS11_KEY_LABEL={key_label}"
        )
        return RotationDone(
            done,
            new.key_id,
            usage,
            f"set {where}; keep the old key until key-store backups made before now have aged "
            f"out ({settings.keystore_backup_retention_days} days), then destroy it",
        )

    result: RotationDone = run(body)
    if json_out:
        emit_json(result)
        return
    typer.echo(f"Re-wrapped {result.rewrapped} keys under {result.new_key_id}.")
    for kek_id, count in sorted(result.keys_by_kek.items()):
        typer.echo(f"  {kek_id}: {count} keys")
    typer.echo(f"Next: {result.next_step}.")


@keys_app.command()
def reconcile(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="report only; change nothing")] = False,
    grace_minutes: Annotated[
        int, typer.Option(help="leave pending work younger than this alone", min=0)
    ] = 60,
    vacuum_full: Annotated[
        bool, typer.Option("--vacuum-full", help="then rewrite the erased tables (locks them)")
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Finish interrupted erasures, destroy keys left without a person, re-apply the ledger."""
    from listwarden.bootstrap import open_register
    from listwarden.services.backup import Reconciliation, reconcile_erasures
    from listwarden.services.erasure import overwrite_erased

    settings = Settings.load()

    def body() -> Reconciliation:
        register = open_register(settings)
        try:
            report = reconcile_erasures(
                uow=register.uow, grace=timedelta(minutes=grace_minutes), dry_run=dry_run
            )
            if vacuum_full and not dry_run:
                overwrite_erased(uow=register.uow, full=True)
            return report
        finally:
            register.close()

    report: Reconciliation = run(body)
    if json_out:
        emit_json(report)
        return
    verb = "would be" if dry_run else "were"
    typer.echo(f"{len(report.completed)} interrupted erasures {verb} completed")
    typer.echo(f"{len(report.abandoned)} erasures that never committed {verb} abandoned")
    typer.echo(f"{len(report.orphaned_keys)} keys left without a person {verb} destroyed")
    typer.echo(
        f"{len(report.reapplied.subjects)} erased people and {len(report.reapplied.entries)} "
        f"erased entries found in the database {verb} deleted again"
    )


@keys_app.command()
def status(json_out: JsonOption = False) -> None:
    """Which key-encryption keys wrap how many keys, and any erasures still pending."""
    from listwarden.bootstrap import open_register

    settings = Settings.load()

    def body() -> dict[str, Any]:
        register = open_register(settings)
        try:
            keys = register.uow.keys
            pending = [] if keys is None else [c.id for c in keys.pending_certificates()]
            return {
                "provider": settings.key_provider,
                "current_key_id": register.keystore.provider.key_id,
                "keys_by_kek": register.keystore.kek_usage(),
                "pending_erasures": pending,
            }
        finally:
            register.close()

    result: dict[str, Any] = run(body)
    if json_out:
        emit_json(result)
        return
    typer.echo(f"current key-encryption key: {result['current_key_id']} ({result['provider']})")
    for kek_id, count in sorted(result["keys_by_kek"].items()):
        typer.echo(f"  {kek_id}: {count} keys")
    typer.echo(f"pending erasures: {len(result['pending_erasures'])}")


# Bound last, after the commands exist: see ``cli_helpers``.
if not TYPE_CHECKING:
    JsonOption, emit_json, fail, run = cli_helpers()
