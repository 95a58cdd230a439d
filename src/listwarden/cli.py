"""The command line (Typer): thin commands that call services; errors are one plain line."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from listwarden.bench import SUITE_NAMES
from listwarden.domain import errors
from listwarden.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="listwarden: a register for sensitive lists of people, lawful by construction.",
)

EXIT_CODES: dict[type[errors.ListwardenError], int] = {
    errors.InvalidInput: 2,
    errors.NotFound: 3,
    errors.Conflict: 4,
    errors.AuthenticationRequired: 5,
    errors.AccessDenied: 5,
    errors.PolicyViolation: 5,
    errors.CryptoError: 6,
    errors.LogIntegrityError: 7,
    errors.ListwardenError: 1,
}

JsonOption = Annotated[bool, typer.Option("--json", help="print the result as JSON")]


def fail(error: errors.ListwardenError) -> NoReturn:
    code = next(EXIT_CODES[c] for c in type(error).__mro__ if c in EXIT_CODES)
    detail = error.detail
    if error.reasons:
        detail += ": " + "; ".join(
            (f"{r.field}: " if r.field else "") + r.detail for r in error.reasons
        )
    typer.echo(f"listwarden: error: {detail}", err=True)
    raise typer.Exit(code)


def run(action: Callable[[], Any]) -> Any:
    """Run a command body, turning listwarden's errors into one line and an exit code."""
    try:
        return action()
    except errors.ListwardenError as error:
        fail(error)


def to_jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def emit_json(value: Any) -> None:
    typer.echo(json.dumps(to_jsonable(value), indent=2, sort_keys=True))


@app.command()
def init(json_out: JsonOption = False) -> None:
    """Create the data directory, keys, database and the first administrator."""
    from listwarden.setup import initialise

    settings = Settings.load()
    result = run(lambda: initialise(settings))
    if json_out:
        emit_json(result)
        return
    typer.echo(f"Initialised listwarden in {result.home}")
    typer.echo(f"  database:  {result.database}")
    typer.echo(f"  key store: {result.keystore}")
    typer.echo(f"  key file:  {result.key_file} (mode 0600; back it up apart from the data)")
    if result.admin_token:
        typer.echo(f"  administrator token (shown once): {result.admin_token}")


@app.command()
def demo(
    subjects: Annotated[int, typer.Option(help="people on the Matrix")] = 3800,
    seed: Annotated[int, typer.Option(help="random seed; the same seed gives the same data")] = 1,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="print the summary and stop")
    ] = False,
    json_out: JsonOption = False,
) -> None:
    """Generate the synthetic Matrix and a victim-safeguarding list, print a summary, serve."""
    from listwarden.demo.generator import generate_demo
    from listwarden.demo.summary import print_summary

    settings = Settings.load()
    summary = run(
        lambda: generate_demo(settings, subjects=subjects, seed=seed, progress=not json_out)
    )
    if json_out:
        emit_json(summary)
    else:
        print_summary(summary, settings)
    if not no_serve:
        serve(host=settings.host, port=settings.port, insecure_http=False)


@app.command("demo-code")
def demo_code(
    role: Annotated[str, typer.Argument(help="the demo account's role, e.g. officer")],
    json_out: JsonOption = False,
) -> None:
    """Print the current second-factor code of a demo account (demo data directories only)."""
    from listwarden.demo.accounts import current_code

    settings = Settings.load()
    code = run(lambda: current_code(settings, role))
    if json_out:
        emit_json({"role": role, "code": code})
    else:
        typer.echo(code)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port")] = None,
    insecure_http: Annotated[
        bool, typer.Option("--insecure-http", help="plain HTTP, allowed on a loopback address only")
    ] = False,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Serve the API over HTTPS (certificate from init, or LISTWARDEN_TLS_* files)."""
    from listwarden.web.server import run_server

    settings = Settings.load()
    run(
        lambda: run_server(
            settings,
            host=host or settings.host,
            port=port or settings.port,
            insecure_http=insecure_http,
            workers=workers,
        )
    )


@app.command()
def bench(
    only: Annotated[
        str | None,
        typer.Option(help="comma-separated suites: " + ", ".join(SUITE_NAMES)),
    ] = None,
    scale: Annotated[float, typer.Option(help="fraction of the full benchmark size")] = 1.0,
    datasets: Annotated[
        Path | None,
        typer.Option(
            help="keep loaded data here and reuse it on later runs (suite: retention)",
            file_okay=False,
        ),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Measure throughput and latency, each figure beside a baseline measured in the same run."""
    from listwarden.bench.suites import REUSES_DATASETS, SUITES

    names = [n.strip() for n in only.split(",")] if only else list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        fail(
            errors.InvalidInput(
                f"unknown benchmark suite {unknown[0]!r}",
                reasons=[
                    errors.Reason("unknown-suite", "choose from " + ", ".join(SUITES), "only")
                ],
            )
        )
    if scale <= 0:
        fail(errors.InvalidInput("scale must be positive"))
    results: dict[str, dict[str, object]] = {}
    for name in names:
        reuse = {"datasets": datasets} if datasets and name in REUSES_DATASETS else {}
        results[name] = run(partial(SUITES[name], scale, not json_out, **reuse))
    if json_out:
        emit_json(results)
        return
    for name, figures in results.items():
        typer.echo(f"[{name}]")
        for key, value in figures.items():
            typer.echo(f"  {key}: {value}")


from listwarden.cli_audit import audit_app  # noqa: E402 - uses the helpers above
from listwarden.cli_backup import backup, erasure_app, restore  # noqa: E402 - uses the helpers above
from listwarden.cli_keys import keys_app  # noqa: E402 - uses the helpers above

app.command()(backup)
app.command("sar")(__import__("listwarden.cli_rights").cli_rights.sar_command)
app.add_typer(__import__("listwarden.cli_rights").cli_rights.rights_app, name="rights")
app.command("import")(__import__("listwarden.cli_import").cli_import.import_command)
app.add_typer(__import__("listwarden.cli_import").cli_import.quarantine_app, name="quarantine")
app.command()(restore)
app.command("scan")(__import__("listwarden.cli_scan").cli_scan.scan_command)
app.add_typer(__import__("listwarden.cli_scan").cli_scan.findings_app, name="findings")
app.command("alerts")(__import__("listwarden.cli_alerts").cli_alerts.alerts_command)
app.add_typer(erasure_app, name="erasure")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(__import__("listwarden.cli_retention").cli_retention.retention_app, name="retention")
app.add_typer(__import__("listwarden.cli_gangs").cli_gangs.gang_app, name="gang")
app.add_typer(__import__("listwarden.cli_gangs").cli_gangs.assessment_app, name="assessment")
app.add_typer(__import__("listwarden.cli_access").cli_access.access_app, name="access")
app.add_typer(__import__("listwarden.cli_users").cli_users.users_app, name="users")
app.add_typer(__import__("listwarden.cli_share").cli_share.share_app, name="share")
app.add_typer(__import__("listwarden.cli_report").cli_report.report_app, name="report")
app.add_typer(__import__("listwarden.cli_oversight").cli_oversight.guidance_app, name="guidance")
app.add_typer(__import__("listwarden.cli_oversight").cli_oversight.audits_app, name="audits")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # the last line of defence: no stack traces
        if os.environ.get("LISTWARDEN_DEBUG"):
            raise
        typer.echo(
            f"listwarden: internal error: {type(error).__name__}: {error}".splitlines()[0], err=True
        )
        typer.echo("listwarden: set LISTWARDEN_DEBUG=1 to see the details", err=True)
        sys.exit(70)


if __name__ == "__main__":
    main()
