"""The monthly progress report against each Annex 1 step (law 12), stored and signed.

The body (each step's status, its checks' evidence, the change since last month) is put in
RFC 8785 canonical JSON and its SHA-256 is signed as a C2SP signed note with an Ed25519 key
whose seed is a key-store system key, the same handling as the log's checkpoint key. Anyone
with the verifier key can check an exported report; a stored month is never re-signed.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from listwarden.auditlog.checkpoint import NoteVerifier, open_note, sign_note
from listwarden.domain.access import Actor
from listwarden.domain.compliance import REGISTRY, CheckResult, CheckStatus
from listwarden.domain.errors import (
    Conflict,
    InvalidInput,
    KeyUnavailable,
    LogIntegrityError,
    NotFound,
    Reason,
)
from listwarden.domain.progress import annex_progress, law_progress
from listwarden.domain.vocabulary import Operation
from listwarden.policy.engine import AccessAction
from listwarden.reports.jsonable import jsonable
from listwarden.services.access import require_on_register
from listwarden.services.audit_config import event_log
from listwarden.services.compliance import compliance_report
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import UnitOfWork
from listwarden.store.oversight_tables import MonthlyReport

SIGNING_KEY_NAME = "monthly-report-signing"
NOTE_TITLE = "listwarden monthly progress report"


@dataclass(frozen=True)
class SignedReport:
    """A stored monthly report as exported: its body, the signed note, the verifier key."""

    month: str
    body: dict[str, Any]
    signed_note: str
    verifier_key: str

    def document(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "signed_note": self.signed_note,
            "verifier_key": self.verifier_key,
        }


@dataclass(frozen=True)
class ReportVerification:
    month: str
    digest: str
    signer: str


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def _signer(uow: UnitOfWork) -> tuple[NoteVerifier, Ed25519PrivateKey]:
    log = event_log(uow)
    if log.keys is None:
        raise KeyUnavailable("no key store is open for the report signing key")
    private = Ed25519PrivateKey.from_private_bytes(log.keys.system_key(SIGNING_KEY_NAME))
    name = log.signer().origin.removesuffix("/log") + "/monthly-report"
    return NoteVerifier(name, private.public_key()), private


def installation_verifier_key(*, uow: UnitOfWork) -> str:
    """The verifier key of this installation's report signing key, to publish."""
    return _signer(uow)[0].vkey()


def digest_of(body: dict[str, Any]) -> str:
    return base64.b64encode(hashlib.sha256(rfc8785.dumps(body)).digest()).decode("ascii")


def _note_body(month: str, digest: str) -> str:
    return f"{NOTE_TITLE}\n{month}\nsha256 {digest}\n"


def build_monthly(*, uow: UnitOfWork, month: str) -> dict[str, Any]:
    """This month's report body, with each step's change against last month's stored report."""
    report = compliance_report(uow=uow, actor=None)
    with uow.read_only() as session:
        before = session.get(MonthlyReport, previous_month(month))
        previous_body = dict(before.body) if before is not None else None
    previous_steps = (
        {s["key"]: s["status"] for s in previous_body["steps"] + previous_body["laws"]}
        if previous_body
        else None
    )
    results = {c.id: c for c in report.checks}
    verdicts = {k: CheckResult(CheckStatus(c.status), c.evidence) for k, c in results.items()}
    body: dict[str, Any] = jsonable(
        {
            "month": month,
            "generated_at": report.generated_at,
            "previous_month": previous_month(month) if previous_body else None,
            "counts": report.counts(),
            "steps": annex_progress(REGISTRY, verdicts, previous_steps),
            "laws": law_progress(REGISTRY, verdicts, previous_steps),
            "checks": report.checks,
        }
    )
    return body


def sign_monthly(*, uow: UnitOfWork, actor: Actor | None, month: str | None = None) -> SignedReport:
    """Build, sign and store the report for ``month`` (this month by default), once."""
    if actor is not None:
        require_on_register(uow=uow, actor=actor, action=AccessAction.COMPLIANCE_READ)
    month = month or month_of(uow.today())
    _check_month(month)
    with uow.read_only() as session:
        if session.get(MonthlyReport, month) is not None:
            raise Conflict(
                f"the report for {month} is already signed and stored",
                reasons=[Reason("monthly-report-exists", month, "month")],
            )
    body = build_monthly(uow=uow, month=month)
    verifier, private = _signer(uow)
    note = sign_note(_note_body(month, digest_of(body)), verifier.name, private)
    with uow.transaction() as session:
        session.add(
            MonthlyReport(
                month=month,
                body=body,
                signed_note=note,
                verifier_key=verifier.vkey(),
                created_at=uow.now(),
            )
        )
        record_event(
            session,
            at=uow.now(),
            operation=Operation.REPORT_SIGN,
            actor_id=None if actor is None else actor.id,
            reason=f"monthly progress report {month} signed",
        )
    return SignedReport(month, body, note, verifier.vkey())


def stored_monthly(*, uow: UnitOfWork, month: str | None = None) -> SignedReport:
    """The stored report for ``month``, or the latest."""
    with uow.read_only() as session:
        query = select(MonthlyReport).order_by(MonthlyReport.month.desc()).limit(1)
        if month is not None:
            query = select(MonthlyReport).where(MonthlyReport.month == month)
        row = session.scalars(query).first()
        if row is None:
            raise NotFound(
                "no monthly report is stored" + (f" for {month}" if month else ""),
                reasons=[Reason("monthly-report-not-found", month or "latest", "month")],
            )
        return SignedReport(row.month, dict(row.body), row.signed_note, row.verifier_key)


def verify_document(document: Any, *, verifier_key: str | None = None) -> ReportVerification:
    """Check an exported report: the note verifies under the key, and the body is what it signs.

    ``verifier_key`` is the key the reader trusts (the installation's, published); without it
    the key inside the document is used, which shows only that the document is self-consistent.
    """
    try:
        body, note = document["body"], document["signed_note"]
        vkey = verifier_key or document["verifier_key"]
        month = body["month"]
    except (KeyError, TypeError):
        raise InvalidInput(
            "not a signed monthly report",
            reasons=[
                Reason(
                    "not-a-signed-report", "needs body, signed_note and verifier_key", "document"
                )
            ],
        ) from None
    verifier = NoteVerifier.from_vkey(str(vkey))
    signed = open_note(str(note), [verifier])
    digest = digest_of(body)
    if signed != _note_body(str(month), digest):
        raise LogIntegrityError(
            f"the report for {month} does not match its signature: the body was altered"
        )
    return ReportVerification(str(month), digest, verifier.name)


def verify_stored(*, uow: UnitOfWork, month: str | None = None) -> ReportVerification:
    """Verify a stored report against this installation's own signing key."""
    stored = stored_monthly(uow=uow, month=month)
    return verify_document(stored.document(), verifier_key=installation_verifier_key(uow=uow))


def _check_month(month: str) -> None:
    if (
        len(month) != 7
        or month[4] != "-"
        or not (month[:4] + month[5:]).isdigit()
        or not 1 <= int(month[5:]) <= 12
    ):
        raise InvalidInput(
            f"month {month!r} is not YYYY-MM", reasons=[Reason("invalid-month", "YYYY-MM", "month")]
        )
