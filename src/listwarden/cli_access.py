"""``listwarden access``: movers and leavers from the HR feed, and the access review (law 7)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from listwarden.cli_keys import cli_helpers
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.settings import Settings

if TYPE_CHECKING:
    from listwarden.cli import JsonOption, emit_json, run
    from listwarden.services.access_review import AccessReview, SyncReport

access_app = typer.Typer(no_args_is_help=True, help="Grants, training, movers and leavers.")


@access_app.command("sync")
def sync_command(
    feed: Annotated[Path, typer.Argument(help="the HR joiners/movers/leavers CSV")],
    json_out: JsonOption = False,
) -> None:
    """Apply the HR feed: revoke at once every grant a move does not justify; deactivate leavers."""
    from listwarden.bootstrap import open_register
    from listwarden.services.access_review import sync_hr_feed

    settings = Settings.load()

    def body() -> SyncReport:
        try:
            text = feed.read_text(encoding="utf-8")
        except OSError as error:
            raise InvalidInput(
                f"cannot read the feed: {error.strerror}",
                reasons=[Reason("feed-unreadable", str(feed), "feed")],
            ) from None
        register = open_register(settings)
        try:
            return sync_hr_feed(uow=register.uow, text=text)
        finally:
            register.close()

    report: SyncReport = run(body)
    if json_out:
        emit_json(report)
        return
    typer.echo(
        f"joined {len(report.joined)}, moved {len(report.moved)}, left {len(report.left)}; "
        f"{len(report.grants_revoked)} grant(s) and {report.tokens_revoked} token(s) revoked"
    )


@access_app.command("review")
def review_command(json_out: JsonOption = False) -> None:
    """Who holds access, since when, last used, training status; gang-unit staff untrained."""
    from listwarden.bootstrap import open_register
    from listwarden.services.access_review import review_access

    settings = Settings.load()

    def body() -> AccessReview:
        register = open_register(settings)
        try:
            return review_access(uow=register.uow)
        finally:
            register.close()

    review: AccessReview = run(body)
    if json_out:
        emit_json(review)
        return
    for held in review.held:
        used = held.last_used_at.isoformat() if held.last_used_at else "never"
        state = "current" if held.current else "lapsed"
        training = (
            "trained"
            if held.mandatory_training_current and held.list_training_current
            else "TRAINING NOT CURRENT"
        )
        typer.echo(
            f"{held.list_name}: {held.user_name} ({held.role}) since {held.granted_at.date()}, "
            f"last used {used}, {state}, {training}"
        )
    for user_id in review.gang_unit_without_mandatory_training:
        typer.echo(f"gang unit, mandatory training not current: {user_id}")
    typer.echo(
        f"{len(review.held)} grant(s); third parties with access: {len(review.third_parties)}"
    )


# Bound last, after the commands exist: see ``cli_keys.cli_helpers``.
if not TYPE_CHECKING:
    JsonOption, emit_json, _fail, run = cli_helpers()
