"""``listwarden report KIND``: the oversight reports as HTML, PDF, JSON or CSV (law 12).

``compliance``, ``monthly`` (stored and signed), ``dpia`` and ``publication`` are for whoever
runs the installation; they hold identifiers, counts and published figures only. ``equality``
and ``bcu`` act for a user (``--token``): the equality report for equality analysts and the DPO.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from listwarden.cli_audit import TokenOption, _act, _actor
from listwarden.domain.errors import InvalidInput, Reason

if TYPE_CHECKING:
    from listwarden.bootstrap import Register

report_app = typer.Typer(
    no_args_is_help=True,
    help="Oversight reports: compliance, monthly, equality, bcu, dpia, publication; verify.",
)

FormatOption = Annotated[
    str, typer.Option("--format", help="html, pdf, json or csv", show_default=True)
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="write to this file instead of standard output")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="the same as --format json")]
BcuOption = Annotated[str | None, typer.Option("--bcu", help="one BCU, by its code (e.g. CE)")]
BaselineOption = Annotated[
    Path | None,
    typer.Option(
        "--baseline",
        help="census baseline CSV (default: LISTWARDEN_CENSUS_BASELINE)",
        show_default=False,
    ),
]


def _cli() -> Any:
    import listwarden.cli as cli

    return cli


def _format(fmt: str, json_out: bool, allowed: tuple[str, ...]) -> str:
    chosen = "json" if json_out else fmt.strip().lower()
    if chosen not in allowed:
        _cli().fail(
            InvalidInput(
                f"unknown format {fmt!r}",
                reasons=[Reason("invalid-format", "one of: " + ", ".join(allowed), "format")],
            )
        )
    return chosen


def _write(content: str | bytes, out: Path | None) -> None:
    if out is None:
        if isinstance(content, bytes):
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            typer.echo(content, nl=not content.endswith("\n"))
        return
    try:
        if isinstance(content, bytes):
            out.write_bytes(content)
        else:
            out.write_text(content, encoding="utf-8")
    except OSError as exc:
        _cli().fail(InvalidInput(f"cannot write {out}: {exc.strerror}"))
    typer.echo(f"written {out}", err=True)


def _emit(
    data: Any,
    fmt: str,
    out: Path | None,
    *,
    to_html: Callable[[Any], str],
    to_csv: Callable[[Any], str],
) -> None:
    from listwarden.reports import render

    if fmt == "json":
        _write(json.dumps(data, indent=2, sort_keys=True) + "\n", out)
    elif fmt == "csv":
        _write(to_csv(data), out)
    elif fmt == "html":
        _write(to_html(data), out)
    else:
        _write(_cli().run(lambda: render.pdf(to_html(data))), out)


@report_app.command()
def compliance(
    bcu: BcuOption = None,
    fmt: FormatOption = "html",
    out: OutOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Every compliance check, with its legal source, status and evidence (identifiers only)."""
    from listwarden.reports import render
    from listwarden.reports.jsonable import jsonable
    from listwarden.services.compliance import compliance_report

    chosen = _format(fmt, json_out, render.FORMATS)
    report = _act(lambda r: compliance_report(uow=r.uow, actor=None, bcu=bcu))
    _emit(
        jsonable(report), chosen, out, to_html=render.compliance_html, to_csv=render.compliance_csv
    )


@report_app.command()
def monthly(
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (default: this month)")
    ] = None,
    fmt: FormatOption = "html",
    out: OutOption = None,
    json_out: JsonFlag = False,
) -> None:
    """The monthly progress report: signed and stored the first time it is asked for."""
    from listwarden.domain.errors import NotFound
    from listwarden.reports import render
    from listwarden.services.monthly_report import month_of, sign_monthly, stored_monthly

    chosen = _format(fmt, json_out, render.FORMATS)

    def stored_or_signed(r: Register) -> Any:
        wanted = month or month_of(r.uow.today())
        try:
            return stored_monthly(uow=r.uow, month=wanted)
        except NotFound:
            return sign_monthly(uow=r.uow, actor=None, month=wanted)

    signed = _act(stored_or_signed)
    _emit(signed.document(), chosen, out, to_html=render.monthly_html, to_csv=render.monthly_csv)


@report_app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="a monthly report exported with --format json")],
    key: Annotated[
        str | None,
        typer.Option("--key", help="the verifier key you trust (default: this installation's)"),
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Check a monthly report's signature and that its body is what was signed; exit 7 if not."""
    from listwarden.services.monthly_report import installation_verifier_key, verify_document

    cli = _cli()
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, json.JSONDecodeError) as exc:
        cli.fail(InvalidInput(f"cannot read {file} as JSON: {exc}"))
    if key is None:
        key = _act(lambda r: installation_verifier_key(uow=r.uow))
    result = cli.run(lambda: verify_document(document, verifier_key=key))
    if json_out:
        cli.emit_json(result)
    else:
        typer.echo(f"the monthly report for {result.month} verifies (signed by {result.signer})")


@report_app.command()
def equality(
    token: TokenOption = None,
    bcu: BcuOption = None,
    basis: Annotated[
        str, typer.Option("--basis", help="self_defined or identity_code")
    ] = "self_defined",
    baseline: BaselineOption = None,
    fmt: FormatOption = "html",
    out: OutOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Counts, rates per 1,000 residents and disparity ratios by ethnic group (law 9)."""
    from listwarden.reports import render
    from listwarden.reports.census import load_census_baseline
    from listwarden.reports.jsonable import jsonable
    from listwarden.services.equality import equality_report, parse_basis

    chosen = _format(fmt, json_out, render.FORMATS)
    cli = _cli()
    population = cli.run(lambda: load_census_baseline(baseline))
    chosen_basis = cli.run(lambda: parse_basis(basis))

    def report(r: Register) -> Any:
        return equality_report(
            uow=r.uow, actor=_actor(r, token), baseline=population, basis=chosen_basis, bcu=bcu
        )

    data = jsonable(_act(report))
    _emit(data, chosen, out, to_html=render.equality_html, to_csv=render.equality_csv)


@report_app.command()
def snapshot(
    token: TokenOption = None,
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM (default: this month)")
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Store this month's aggregate equality counts, for trends and change since last month."""
    from listwarden.services.equality import take_snapshot
    from listwarden.services.monthly_report import month_of

    taken = _act(
        lambda r: take_snapshot(
            uow=r.uow, actor=_actor(r, token), month=month or month_of(r.uow.today())
        )
    )
    if json_out:
        _cli().emit_json(taken.to_json())
    else:
        typer.echo(f"equality snapshot for {taken.month} stored")


@report_app.command()
def dpia(fmt: FormatOption = "html", out: OutOption = None, json_out: JsonFlag = False) -> None:
    """The register of lists and their data protection impact assessments."""
    from listwarden.reports import render
    from listwarden.reports.jsonable import jsonable
    from listwarden.services.dpia_register import dpia_register

    chosen = _format(fmt, json_out, render.FORMATS)
    data = jsonable(_act(lambda r: dpia_register(uow=r.uow)))
    _emit(data, chosen, out, to_html=render.dpia_html, to_csv=render.dpia_csv)


@report_app.command()
def publication(
    baseline: BaselineOption = None,
    fmt: FormatOption = "html",
    out: OutOption = None,
    json_out: JsonFlag = False,
) -> None:
    """The public transparency page of every list, its figures after disclosure control."""
    from listwarden.reports import render
    from listwarden.reports.census import load_census_baseline
    from listwarden.reports.jsonable import jsonable
    from listwarden.services.publication import list_pages

    chosen = _format(fmt, json_out, render.FORMATS)
    population = _cli().run(lambda: load_census_baseline(baseline))

    def build(r: Register) -> dict[str, Any]:
        return {
            "generated_at": r.uow.now(),
            "baseline": population.source,
            "lists": list_pages(uow=r.uow, baseline=population),
        }

    data = jsonable(_act(build))
    _emit(data, chosen, out, to_html=render.publication_html, to_csv=render.publication_csv)


@report_app.command()
def bcu(
    bcu_code: Annotated[str, typer.Option("--bcu", help="the BCU audited, by its code")],
    token: TokenOption = None,
    fmt: FormatOption = "html",
    out: OutOption = None,
    json_out: JsonFlag = False,
) -> None:
    """The latest stored audit of one BCU: its frozen evidence and its findings (auditors)."""
    from listwarden.domain.errors import NotFound
    from listwarden.policy.engine import AccessAction
    from listwarden.reports import render
    from listwarden.reports.jsonable import jsonable
    from listwarden.services.access import require_on_register
    from listwarden.services.bcu_audits import audit_view, latest_audit_of

    chosen = _format(fmt, json_out, render.FORMATS)

    def latest(r: Register) -> Any:
        actor = _actor(r, token)
        require_on_register(uow=r.uow, actor=actor, action=AccessAction.COMPLIANCE_READ)
        audit_id = latest_audit_of(uow=r.uow, bcu=bcu_code)
        if audit_id is None:
            why = [Reason("audit-not-found", "open one with: listwarden audits open", "bcu")]
            raise NotFound(f"no audit of BCU {bcu_code.upper()} is stored", reasons=why)
        return audit_view(uow=r.uow, audit_id=audit_id)

    data = jsonable(_act(latest))
    _emit(data, chosen, out, to_html=render.bcu_html, to_csv=render.bcu_csv)
