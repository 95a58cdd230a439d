"""``listwarden guidance`` and ``listwarden audits``: the guidance register and BCU audits (law
12). Every command acts for a user: give their API token with ``--token`` or ``LISTWARDEN_TOKEN``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from listwarden.cli_audit import TokenOption, _act, _actor
from listwarden.cli_report import JsonFlag

guidance_app = typer.Typer(no_args_is_help=True, help="Guidance documents and who has read them.")
audits_app = typer.Typer(no_args_is_help=True, help="BCU audits: open, findings, close, show.")


def _cli() -> Any:
    import listwarden.cli as cli

    return cli


def _show(value: Any, json_out: bool, line: str) -> None:
    if json_out:
        _cli().emit_json(value)
    else:
        typer.echo(line)


@guidance_app.command("register")
def register_guidance(
    kind: Annotated[str, typer.Option(help="social_media, gang_definition, gang_member_or_syv, …")],
    title: Annotated[str, typer.Option(help="the document's title")],
    version: Annotated[str, typer.Option(help="its version, e.g. 1.0")],
    reference: Annotated[str, typer.Option(help="where its text is kept")],
    binds: Annotated[
        str, typer.Option(help="comma-separated roles it binds, e.g. officer,analyst")
    ],
    review_on: Annotated[str, typer.Option("--review-on", help="review date, YYYY-MM-DD")],
    token: TokenOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Register a new version of a guidance document (the DPO or a Data Board member)."""
    from listwarden.domain.errors import InvalidInput, Reason
    from listwarden.services.guidance import register_guidance as register

    try:
        review = date.fromisoformat(review_on)
    except ValueError:
        why = [Reason("invalid-date", "YYYY-MM-DD", "review_on")]
        _cli().fail(InvalidInput(f"invalid review date {review_on!r}", reasons=why))
    roles = [r.strip() for r in binds.split(",") if r.strip()]
    document_id = _act(
        lambda r: register(
            uow=r.uow, actor=_actor(r, token), kind=kind, title=title, version=version,
            reference=reference, binds_roles=roles, review_on=review,
        )
    )  # fmt: skip
    _show({"id": document_id}, json_out, f"guidance registered: {document_id}")


@guidance_app.command("acknowledge")
def acknowledge(
    document_id: Annotated[str, typer.Argument(help="the guidance document's id")],
    token: TokenOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Record that you have read and accept the current version of a document."""
    from listwarden.services.guidance import acknowledge_guidance

    _act(lambda r: acknowledge_guidance(uow=r.uow, actor=_actor(r, token), document_id=document_id))
    _show({"acknowledged": document_id}, json_out, f"acknowledged {document_id}")


@guidance_app.command("list")
def list_guidance(json_out: JsonFlag = False) -> None:
    """The current version of each document, and how many of those it binds have read it."""
    from listwarden.services.guidance import current_guidance

    views = _act(lambda r: current_guidance(uow=r.uow))
    if json_out:
        _cli().emit_json(views)
        return
    for v in views:
        typer.echo(
            f"{v.kind} {v.version} ({v.id}): review by {v.review_on}, "
            f"acknowledged by {v.acknowledged} of {v.bound}"
        )


@audits_app.command("open")
def open_audit(
    bcu: Annotated[str, typer.Option(help="the BCU audited, by its code")],
    token: TokenOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Open an audit of a BCU, freezing its compliance evidence (auditors)."""
    from listwarden.services.bcu_audits import open_audit as open_one

    audit_id = _act(lambda r: open_one(uow=r.uow, actor=_actor(r, token), bcu=bcu))
    _show({"id": audit_id}, json_out, f"audit opened: {audit_id}")


@audits_app.command("finding")
def add_finding(
    audit_id: Annotated[str, typer.Argument(help="the audit's id")],
    check: Annotated[str, typer.Option(help="the compliance check behind the finding")],
    summary: Annotated[str, typer.Option(help="what was found")],
    owner: Annotated[str, typer.Option(help="the user id who owns the finding")],
    due_on: Annotated[str, typer.Option("--due-on", help="due date, YYYY-MM-DD")],
    token: TokenOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Record a finding with its owner and due date (auditors)."""
    from listwarden.domain.errors import InvalidInput, Reason
    from listwarden.services.bcu_audits import add_finding as add

    try:
        due = date.fromisoformat(due_on)
    except ValueError:
        why = [Reason("invalid-date", "YYYY-MM-DD", "due_on")]
        _cli().fail(InvalidInput(f"invalid due date {due_on!r}", reasons=why))
    finding_id = _act(
        lambda r: add(
            uow=r.uow, actor=_actor(r, token), audit_id=audit_id, check_id=check,
            summary=summary, owner_id=owner, due_on=due,
        )
    )  # fmt: skip
    _show({"id": finding_id}, json_out, f"finding recorded: {finding_id}")


@audits_app.command("close-finding")
def close_finding(
    finding_id: Annotated[str, typer.Argument(help="the finding's id")],
    action_taken: Annotated[str, typer.Option("--action-taken", help="what was done")],
    token: TokenOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Close a finding with what was done (its owner, or an auditor)."""
    from listwarden.services.bcu_audits import close_finding as close

    _act(
        lambda r: close(
            uow=r.uow, actor=_actor(r, token), finding_id=finding_id, action_taken=action_taken
        )
    )
    _show({"closed": finding_id}, json_out, f"finding closed: {finding_id}")


@audits_app.command("close")
def close_audit(
    audit_id: Annotated[str, typer.Argument(help="the audit's id")],
    conclusion: Annotated[str, typer.Option(help="the auditor's conclusion")],
    token: TokenOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Close an audit once every finding is closed (auditors)."""
    from listwarden.services.bcu_audits import close_audit as close

    _act(
        lambda r: close(uow=r.uow, actor=_actor(r, token), audit_id=audit_id, conclusion=conclusion)
    )
    _show({"closed": audit_id}, json_out, f"audit closed: {audit_id}")
