"""``listwarden share``: recipients, agreements, disclosures, the sharing review and attribution.

Every command acts for a user: give their API token with ``--token`` or ``LISTWARDEN_TOKEN``.
A disclosure's package is written to ``--out`` (mode 0600) as ``<reference>.zip.age``; the
recipient opens it with ``age -d -i key.txt``.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from dataclasses import MISSING, asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from listwarden.cli_acting import act_as
from listwarden.cli_keys import cli_helpers
from listwarden.domain.errors import InvalidInput, Reason

if TYPE_CHECKING:
    from listwarden.bootstrap import Register
    from listwarden.cli import JsonOption, emit_json, run
    from listwarden.domain.access import Actor
    from listwarden.services.disclosures import DisclosureOutcome

T = TypeVar("T")

share_app = typer.Typer(
    no_args_is_help=True,
    help="Sharing under agreements: recipients, agreements, disclosures, review, attribution.",
)
recipient_app = typer.Typer(no_args_is_help=True, help="Recipients of disclosures.")
agreement_app = typer.Typer(no_args_is_help=True, help="Data sharing agreements.")
share_app.add_typer(recipient_app, name="recipient")
share_app.add_typer(agreement_app, name="agreement")

TokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar="LISTWARDEN_TOKEN", help="your API token"),
]
OutOption = Annotated[
    Path, typer.Option("--out", help="directory to write the encrypted package to")
]


def _act(token: str | None, action: Callable[[Register, Actor], T]) -> T:
    """Sharing changes what the register holds or releases: it needs the write scope."""
    return act_as(token, action, needs="sharing commands act for a user")


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InvalidInput(
            f"cannot read the {what}: {error.strerror}",
            reasons=[Reason(f"{what.replace(' ', '-')}-unreadable", str(path), what)],
        ) from None


# Recipients.


@recipient_app.command("add")
def recipient_add(
    name: Annotated[str, typer.Argument(help="the organisation's name")],
    kind: Annotated[str, typer.Option(help="law_enforcement, statutory or non_statutory")],
    contact: Annotated[str, typer.Option(help="contact for notices (s.48)")],
    age_key: Annotated[str, typer.Option("--age-key", help="the recipient's age1… public key")],
    statutory_function: Annotated[
        str | None, typer.Option(help="for a statutory body, e.g. local_authority_housing")
    ] = None,
    organisation_type: Annotated[
        str | None, typer.Option(help="for a non-statutory body, e.g. charity")
    ] = None,
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Register a recipient; another IRU officer approves it."""
    from listwarden.services.sharing import register_recipient

    recipient_id = _act(
        token,
        lambda r, actor: register_recipient(
            uow=r.uow,
            actor=actor,
            name=name,
            kind=kind,
            notice_contact=contact,
            age_public_key=age_key,
            statutory_function=statutory_function,
            organisation_type=organisation_type,
        ),
    )
    if json_out:
        emit_json({"id": recipient_id})
        return
    typer.echo(f"recipient {recipient_id} registered; it needs another IRU officer's approval")


@recipient_app.command("approve")
def recipient_approve(
    recipient_id: Annotated[str, typer.Argument(help="the recipient's id")],
    token: TokenOption = None,
) -> None:
    """Approve a recipient (an IRU officer other than the one who registered it)."""
    from listwarden.services.sharing import approve_recipient

    _act(
        token, lambda r, actor: approve_recipient(uow=r.uow, actor=actor, recipient_id=recipient_id)
    )
    typer.echo(f"recipient {recipient_id} approved")


@recipient_app.command("list")
def recipient_list(token: TokenOption = None, json_out: JsonOption = False) -> None:
    """Every recipient, with its type and whether it is approved."""
    from listwarden.services.sharing import list_recipients

    found = _act(token, lambda r, actor: list_recipients(uow=r.uow, actor=actor))
    if json_out:
        emit_json(found)
        return
    for item in found:
        approved = f"approved {item.approved_on}" if item.approved_on else "NOT APPROVED"
        typer.echo(f"{item.id}  {item.name} ({item.kind}), {approved}")


# Agreements.


def _terms(text: str) -> Any:
    from listwarden.services.sharing import NewAgreement

    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"the terms are not valid JSON: line {error.lineno}: {error.msg}",
            reasons=[Reason("terms-not-json", error.msg, "terms")],
        ) from None
    if not isinstance(raw, dict):
        raise InvalidInput("the terms must be a JSON object")
    names = set(NewAgreement.__dataclass_fields__)
    unknown = sorted(set(raw) - names)
    missing = sorted(
        n
        for n, f in NewAgreement.__dataclass_fields__.items()
        if n not in raw and f.default is MISSING and f.default_factory is MISSING
    )
    if unknown or missing:
        raise InvalidInput(
            "the terms do not match an agreement",
            reasons=[Reason("unknown-term", n, n) for n in unknown]
            + [Reason("missing-term", f"{n} is required", n) for n in missing],
        )
    for name in ("valid_from", "valid_until", "review_on"):
        try:
            raw[name] = date.fromisoformat(str(raw[name]))
        except ValueError:
            raise InvalidInput(
                f"{name} must be a date", reasons=[Reason("invalid-date", "YYYY-MM-DD", name)]
            ) from None
    return NewAgreement(**raw)


@agreement_app.command("draft")
def agreement_draft(
    terms: Annotated[Path, typer.Argument(help="a JSON file of the agreement's terms")],
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Draft an agreement from a JSON file of its terms; an IRU officer approves it."""
    from listwarden.services.sharing import draft_agreement

    agreement_id = _act(
        token,
        lambda r, actor: draft_agreement(
            uow=r.uow, actor=actor, terms=_terms(_read(terms, "terms file"))
        ),
    )
    if json_out:
        emit_json({"id": agreement_id})
        return
    typer.echo(f"agreement {agreement_id} drafted; an IRU officer who is not you approves it")


@agreement_app.command("approve")
def agreement_approve(
    agreement_id: Annotated[str, typer.Argument(help="the agreement's id")],
    intelligence_permission: Annotated[
        bool,
        typer.Option(
            "--intelligence-permission",
            help="also approve the explicit permission for intelligence to non-statutory parties",
        ),
    ] = False,
    token: TokenOption = None,
) -> None:
    """Approve a draft agreement; every gap is named if it cannot be."""
    from listwarden.services.sharing import approve_agreement

    _act(
        token,
        lambda r, actor: approve_agreement(
            uow=r.uow,
            actor=actor,
            agreement_id=agreement_id,
            approve_intelligence_permission=intelligence_permission,
        ),
    )
    typer.echo(f"agreement {agreement_id} approved")


@agreement_app.command("revoke")
def agreement_revoke(
    agreement_id: Annotated[str, typer.Argument(help="the agreement's id")],
    reason: Annotated[str, typer.Option(help="why it is revoked")],
    token: TokenOption = None,
) -> None:
    """Revoke an agreement: nothing more is disclosed under it."""
    from listwarden.services.sharing import revoke_agreement

    _act(
        token,
        lambda r, actor: revoke_agreement(
            uow=r.uow, actor=actor, agreement_id=agreement_id, reason=reason
        ),
    )
    typer.echo(f"agreement {agreement_id} revoked")


@agreement_app.command("list")
def agreement_list(token: TokenOption = None, json_out: JsonOption = False) -> None:
    """Every agreement with its status today and its review date."""
    from listwarden.services.sharing import list_agreements

    found = _act(token, lambda r, actor: list_agreements(uow=r.uow, actor=actor))
    if json_out:
        emit_json(found)
        return
    for item in found:
        due = ", REVIEW DUE" if item.review_due else ""
        typer.echo(
            f"{item.id}  {item.title}: {item.status}, until {item.valid_until}, "
            f"review {item.review_on}{due}"
        )


# Disclosures.


def _entries(path: Path) -> tuple[list[str], dict[str, str]]:
    """Entry ids and their necessity justifications: a CSV of ``entry_id[,justification]``."""
    reader = csv.DictReader(io.StringIO(_read(path, "entries file")))
    if "entry_id" not in (reader.fieldnames or []):
        raise InvalidInput(
            "the entries file needs an entry_id column",
            reasons=[
                Reason("entry-id-column-missing", "columns: entry_id,justification", "entries")
            ],
        )
    ids, why = [], {}
    for row in reader:
        entry_id = (row.get("entry_id") or "").strip()
        ids.append(entry_id)
        if (row.get("justification") or "").strip():
            why[entry_id] = row["justification"].strip()
    return ids, why


def _write_package(outcome: DisclosureOutcome, out: Path) -> Path | None:
    if outcome.package is None or outcome.filename is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    path = out / outcome.filename
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(outcome.package)
    return path


def _report(outcome: DisclosureOutcome, path: Path | None, json_out: bool) -> None:
    if json_out:
        body = {k: v for k, v in asdict(outcome).items() if k != "package"}
        emit_json({**body, "path": str(path) if path else None})
        return
    if path is None:
        typer.echo(
            f"request {outcome.request_id} of {outcome.entries} entries awaits a second IRU "
            "approval (listwarden share approve)"
        )
        return
    removed = ", ".join(outcome.fields_removed) or "none"
    typer.echo(f"disclosed {outcome.entries} entries as {outcome.reference} to {path}")
    typer.echo(f"  fields removed (outside the agreement): {removed}")
    typer.echo(f"  sha256 {outcome.package_sha256}")


@share_app.command("disclose")
def disclose(
    recipient: Annotated[str, typer.Option(help="the recipient's id")],
    agreement: Annotated[str, typer.Option(help="the agreement's id")],
    purpose: Annotated[str, typer.Option(help="a purpose from the vocabulary")],
    justification: Annotated[str, typer.Option(help="why the disclosure is necessary")],
    field: Annotated[list[str], typer.Option("--field", help="a field to disclose (repeat)")],
    entries: Annotated[
        Path, typer.Option(help="CSV of entry_id and, for enforcement, each entry's justification")
    ],
    out: OutOption = Path("."),
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Disclose named entries under an agreement; refused with every reason if it may not."""
    from listwarden.services.disclosures import DisclosureAsk, request_disclosure

    def action(r: Register, actor: Actor) -> tuple[DisclosureOutcome, Path | None]:
        ids, why = _entries(entries)
        ask = DisclosureAsk(recipient, agreement, purpose, ids, field, justification, why)
        outcome = request_disclosure(uow=r.uow, actor=actor, ask=ask)
        return outcome, _write_package(outcome, out)

    outcome, path = _act(token, action)
    _report(outcome, path, json_out)


@share_app.command("approve")
def approve(
    request_id: Annotated[str, typer.Argument(help="the disclosure request's id")],
    out: OutOption = Path("."),
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Give the second IRU approval a disclosure of more than 20 entries needs."""
    from listwarden.services.disclosures import approve_disclosure

    def action(r: Register, actor: Actor) -> tuple[DisclosureOutcome, Path | None]:
        outcome = approve_disclosure(uow=r.uow, actor=actor, request_id=request_id)
        return outcome, _write_package(outcome, out)

    outcome, path = _act(token, action)
    _report(outcome, path, json_out)


@share_app.command("decline")
def decline(
    request_id: Annotated[str, typer.Argument(help="the disclosure request's id")],
    reason: Annotated[str, typer.Option(help="why the second approver says no")],
    token: TokenOption = None,
) -> None:
    """Decline a request awaiting the second IRU approval; it is kept as refused."""
    from listwarden.services.disclosures import decline_disclosure

    _act(
        token,
        lambda r, actor: decline_disclosure(
            uow=r.uow, actor=actor, request_id=request_id, reason=reason
        ),
    )
    typer.echo(f"request {request_id} declined")


@share_app.command("review")
def review(token: TokenOption = None, json_out: JsonOption = False) -> None:
    """The full review of all data sharing: what, to whom, how often, due agreements, refusals."""
    from listwarden.services.sharing_review import review_sharing

    found = _act(token, lambda r, actor: review_sharing(uow=r.uow, actor=actor))
    if json_out:
        emit_json(found)
        return
    typer.echo(
        f"sharing review on {found.on}: {found.recipients} recipient(s), "
        f"{found.disclosures} disclosure(s)"
    )
    for s in found.shared:
        purposes = ", ".join(f"{p} x{n}" for p, n in s.purposes.items())
        typer.echo(
            f"  {s.recipient_name} ({s.recipient_kind}) under {s.agreement_title} "
            f"[{s.agreement_status}]: {s.disclosures} disclosure(s), {s.entries} entries, "
            f"{s.first_on} to {s.last_on}; {purposes}"
        )
    for a in found.expired_or_due:
        typer.echo(f"  agreement {a.title} ({a.id}): {a.status}, review {a.review_on}")
    for w in found.awaiting_second_approval:
        typer.echo(f"  awaiting second approval: request {w.request_id} of {w.entries} entries")
    for f in found.refused:
        typer.echo(
            f"  refused {f.at:%Y-%m-%d %H:%M} ({f.refused_by}) by {f.by}: {', '.join(f.reasons)}"
        )
    typer.echo(f"{len(found.refused)} refused attempt(s)")


@share_app.command("notices")
def notices(token: TokenOption = None, json_out: JsonOption = False) -> None:
    """Erasures, rectifications and restrictions still to tell recipients of (s.48)."""
    from listwarden.services.sharing_notices import pending_notices

    found = _act(token, lambda r, actor: pending_notices(uow=r.uow, actor=actor))
    if json_out:
        emit_json(found)
        return
    for n in found:
        typer.echo(
            f"{n.id}  {n.kind}: tell {n.recipient_name} <{n.notice_contact}> about "
            f"{n.reference} row {n.row} (entry {n.entry_id})"
        )
    typer.echo(f"{len(found)} notice(s) to send")


@share_app.command("notices-sent")
def notices_sent(
    ids: Annotated[list[str], typer.Argument(help="the notices sent")],
    token: TokenOption = None,
) -> None:
    """Record that these notices were sent to their recipients."""
    from listwarden.services.sharing_notices import mark_sent

    count = _act(token, lambda r, actor: mark_sent(uow=r.uow, actor=actor, notice_ids=ids))
    typer.echo(f"{count} notice(s) recorded as sent")


@share_app.command("attribute")
def attribute(
    fragment: Annotated[Path, typer.Argument(help="a leaked CSV fragment")],
    token: TokenOption = None,
    json_out: JsonOption = False,
) -> None:
    """Name the disclosure a leaked CSV came from: by its row tags, or by its people and fields."""
    from listwarden.services.sharing_review import attribute_leak

    def action(r: Register, actor: Actor) -> Any:
        rows = list(csv.DictReader(io.StringIO(_read(fragment, "fragment"))))
        return attribute_leak(uow=r.uow, actor=actor, rows=rows)

    found = _act(token, action)
    if json_out:
        emit_json({**asdict(found), "method": found.method})
        return
    typer.echo(f"attributed by {found.method}: {found.people} person(s) in the fragment")
    for m in found.tag_matches:
        typer.echo(f"  row {m.fragment_row}: {m.reference} row {m.row} (entry {m.entry_id})")
    for c in found.candidates:
        typer.echo(f"  candidate {c.reference} to {c.recipient_id} on {c.created_on}")


# Bound last, after the commands exist: see ``cli_keys.cli_helpers``.
if not TYPE_CHECKING:
    JsonOption, emit_json, _fail, run = cli_helpers()
