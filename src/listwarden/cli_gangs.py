"""`listwarden gang` and `listwarden assessment`: gang records (law 8), framework trials (law 10).

Every command acts for a user: give their API token with ``--token`` or ``LISTWARDEN_TOKEN``
(with the write scope).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from listwarden.cli_acting import act_as
from listwarden.cli_keys import cli_helpers
from listwarden.domain.errors import InvalidInput, Reason

if TYPE_CHECKING:
    from listwarden.bootstrap import Register
    from listwarden.cli import JsonOption, emit_json, run
    from listwarden.domain.access import Actor

T = TypeVar("T")

gang_app = typer.Typer(no_args_is_help=True, help="Gang records: recorded, approved, reviewed.")
assessment_app = typer.Typer(
    no_args_is_help=True, help="Assessment frameworks: trial by ethnic group, sign-off, activation."
)
TokenOption = Annotated[
    str | None, typer.Option("--token", envvar="LISTWARDEN_TOKEN", help="your API token")
]
PurposeOption = Annotated[str, typer.Option(help="the purpose, e.g. gang_violence_reduction")]


def _act(token: str | None, action: Callable[[Register, Actor], T]) -> T:
    return act_as(token, action)


def _say(value: object, json_out: bool, line: str) -> None:
    if json_out:
        emit_json(value)
    else:
        typer.echo(line)


@gang_app.command("record")
def gang_record(
    name: Annotated[str, typer.Argument(help="the group's name")],
    bcu: Annotated[list[str], typer.Option("--bcu", help="a BCU it is active in (repeat)")],
    evidence_file: Annotated[
        Path,
        typer.Option("--evidence-file", help="why it meets the force's definition (UTF-8 text)"),
    ],
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record a group as a proposed gang; an IAO who did not record it approves it."""
    from listwarden.services.gangs import record_gang

    def action(r: Register, actor: Actor) -> str:
        try:
            evidence = evidence_file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInput(
                f"cannot read the evidence file: {getattr(error, 'strerror', None) or error}",
                reasons=[Reason("evidence-unreadable", str(evidence_file), "evidence_file")],
            ) from None
        return record_gang(
            uow=r.uow, actor=actor, name=name, bcus=bcu, definition_evidence=evidence
        )

    gang_id = _act(token, action)
    _say({"id": gang_id}, json_out, f"gang recorded: {gang_id} (awaiting an IAO's approval)")


@gang_app.command("approve")
def gang_approve(
    gang_id: Annotated[str, typer.Argument(help="the gang's id")],
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Approve (or, at its review, re-approve) a gang recorded by someone else."""
    from listwarden.services.gangs import approve_gang

    review_on = _act(token, lambda r, a: approve_gang(uow=r.uow, actor=a, gang_id=gang_id))
    _say({"id": gang_id, "review_on": review_on}, json_out, f"approved; review due {review_on}")


@gang_app.command("list")
def gang_list(token: TokenOption = None, json_out: JsonOption = False) -> None:
    """The gang register: status, BCUs, review date and linked nominals (no evidence text)."""
    from listwarden.services.gangs import gang_register

    gangs = _act(token, lambda r, a: gang_register(uow=r.uow, actor=a))
    if json_out:
        emit_json(gangs)
        return
    for g in gangs:
        review = f"review {g.review_on}" + (" OVERDUE" if g.review_overdue else "")
        typer.echo(f"{g.id}  {g.name}  [{', '.join(g.bcus)}]  {g.status}  {review}  {g.nominals}")


@gang_app.command("link")
def gang_link(
    entry_id: Annotated[str, typer.Argument(help="the gang nominal's entry")],
    gang_id: Annotated[str, typer.Argument(help="the recorded gang")],
    purpose: PurposeOption = "gang_violence_reduction",
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Link a corroborated gang nominal to an approved gang active in their BCU."""
    from listwarden.services.gangs import link_to_gang

    _act(
        token,
        lambda r, a: link_to_gang(
            uow=r.uow, actor=a, entry_id=entry_id, gang_id=gang_id, purpose=purpose
        ),
    )
    _say({"entry_id": entry_id, "gang_id": gang_id}, json_out, "linked")


@assessment_app.command("trial")
def assessment_trial(
    list_id: Annotated[str, typer.Option("--list", help="the list's id")],
    framework: Annotated[str, typer.Option(help="the framework's name")] = "matrix-2018-example",
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Run a framework over a list and tabulate its bands by ethnic group (equality analysts)."""
    from listwarden.services.frameworks import run_trial

    trial = _act(
        token, lambda r, a: run_trial(uow=r.uow, actor=a, list_id=list_id, framework=framework)
    )
    if json_out:
        emit_json(trial)
        return
    typer.echo(f"trial {trial.id}: {trial.framework} {trial.framework_version}, "
               f"{trial.results['entries']} entries")  # fmt: skip
    typer.echo(
        f"{'self-defined ethnicity':32} " + " ".join(f"{b:>6}" for b in trial.results["bands"])
    )
    for group, row in trial.results["by_self_defined_ethnicity"].items():
        typer.echo(f"{group:32} " + " ".join(f"{row[b]:>6}" for b in trial.results["bands"]))


@assessment_app.command("sign-off")
def assessment_sign_off(
    trial_id: Annotated[str, typer.Argument(help="the trial's id")],
    note: Annotated[str, typer.Option(help="what the DPO concluded from the table")],
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """The DPO's sign-off of a trial: what lets the IAO activate the framework on the list."""
    from listwarden.services.frameworks import sign_off_trial

    trial = _act(
        token, lambda r, a: sign_off_trial(uow=r.uow, actor=a, trial_id=trial_id, note=note)
    )
    _say(trial, json_out, f"trial {trial.id} signed off")


@assessment_app.command("activate")
def assessment_activate(
    list_id: Annotated[str, typer.Option("--list", help="the list's id")],
    framework: Annotated[str, typer.Option(help="the framework's name")] = "matrix-2018-example",
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Make a framework whose trial the DPO signed off the one that scores the list (the IAO)."""
    from listwarden.services.frameworks import activate_framework

    activation = _act(
        token,
        lambda r, a: activate_framework(uow=r.uow, actor=a, list_id=list_id, framework=framework),
    )
    _say({"activation_id": activation}, json_out, f"{framework} is active on the list")


# Bound last, after the commands exist: see ``cli_keys.cli_helpers``.
if not TYPE_CHECKING:
    JsonOption, emit_json, _fail, run = cli_helpers()
