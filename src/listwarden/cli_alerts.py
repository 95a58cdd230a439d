"""``listwarden alerts``: the access log's anomalies for the DPO (law 11).

Acts for the user whose API token is given (``--token`` or ``LISTWARDEN_TOKEN``); only the DPO
may read them. Users are named by id, people not at all; thresholds come from the settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from listwarden.cli_acting import act_as
from listwarden.cli_keys import cli_helpers

if TYPE_CHECKING:
    from listwarden.cli import JsonOption, emit_json, run
    from listwarden.services.access_alerts import AlertReport


def alerts_command(
    days: Annotated[int, typer.Option("--days", help="how many days back to look")] = 7,
    token: Annotated[
        str | None, typer.Option("--token", envvar="LISTWARDEN_TOKEN", help="your API token")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Bulk consultation, consultation outside a user's working pattern, repeated refusals."""
    from listwarden.domain.authn import Scope
    from listwarden.services.access_alerts import access_alerts

    report: AlertReport = act_as(
        token,
        lambda r, actor: access_alerts(uow=r.uow, actor=actor, days=days),
        scope=Scope.READ,
        needs="alerts are read for a user",
    )
    if json_out:
        emit_json(report)
        return
    limits = report.thresholds
    typer.echo(
        f"{len(report.alerts)} alert(s) from {report.since:%Y-%m-%d %H:%M} to "
        f"{report.until:%Y-%m-%d %H:%M} UTC (more than {limits.max_consultations_per_hour} "
        f"consultations or {limits.max_refusals_per_hour} refusals an hour; working pattern "
        f"from {limits.pattern_days} days)"
    )
    for a in report.alerts:
        typer.echo(
            f"  {a.kind.value}  user {a.actor_id}  {a.start:%Y-%m-%d %H:%M}-{a.end:%H:%M} UTC: "
            f"{a.detail} (events {a.first_event_id}-{a.last_event_id})"
        )


# Bound last, after the command exists: see ``cli_keys.cli_helpers``.
if not TYPE_CHECKING:
    JsonOption, emit_json, _fail, run = cli_helpers()
