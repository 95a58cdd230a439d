"""Erased people's keyed-hash tokens (law 11): minted at erasure, read by a scan, gone at 90 days.

When a person is erased, a copy of them on a drive is still a loss to find, and the Commissioner
found exactly such copies of removed people. So the erasure keeps, for loss detection alone, two
HMAC-SHA256 tokens (``dlp.tokens``): of the folded name with the date of birth, and of the date
alone. Their key is the key store's system key ``loss-detection-tokens``; the erasure uses it
only to mint, inside its own transaction and before the person's data key is destroyed, and
hands it to nobody. The only path that reads it out is :func:`scanner_tokens`, for a user the
access policy lets run loss detection (``dlp:scan``: the DPO). The tokens carry no subject id or
certificate id. The retention sweep destroys each once its 90 days have passed
(:func:`destroy_expired_tokens`), and the scan ignores any it finds past that age.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, delete, func, insert, select
from sqlalchemy.orm import Session

from listwarden.dlp.tokens import TOKEN_MAX_AGE, ErasureToken, erasure_token
from listwarden.domain.access import Actor
from listwarden.domain.vocabulary import Operation
from listwarden.policy.engine import REGISTER, AccessAction
from listwarden.services.access import Authoriser
from listwarden.services.events import record_event
from listwarden.services.unit_of_work import Attempt, UnitOfWork
from listwarden.store.dlp_tables import ErasedPersonToken
from listwarden.store.tables import Subject

TOKEN_KEY = "loss-detection-tokens"  # noqa: S105 - a key's name in the key store, not a key
_CHUNK = 500


def _token_key(uow: UnitOfWork) -> bytes | None:
    """The scanner's key, or None for a unit of work with no key store (nothing to mint with)."""
    keys = getattr(uow.cipher, "keystore", None)
    if keys is None:
        return None
    key: bytes = keys.system_key(TOKEN_KEY)
    return key


def keep_tokens(session: Session, uow: UnitOfWork, subject_ids: Sequence[str]) -> int:
    """Mint and store the tokens of people about to be erased; how many were kept.

    Call it inside the erasure's transaction, before the rows go: it opens each person's name
    and date of birth under their data key, which still exists. A person without a date of
    birth or a full name leaves no token (a name alone is too common to be worth keeping).
    """
    key = _token_key(uow)
    if key is None or not subject_ids:
        return 0
    today = uow.today()
    rows: list[dict[str, object]] = []
    for start in range(0, len(subject_ids), _CHUNK):
        chunk = list(subject_ids[start : start + _CHUNK])
        sealed = session.execute(
            select(
                Subject.id, Subject.given_name_ct, Subject.family_name_ct, Subject.date_of_birth_ct
            ).where(Subject.id.in_(chunk), Subject.date_of_birth_ct.is_not(None))
        ).all()
        items = [
            (s.id, "subjects", s.id, name, blob)
            for s in sealed
            for name, blob in (
                ("given_name", s.given_name_ct),
                ("family_name", s.family_name_ct),
                ("date_of_birth", s.date_of_birth_ct),
            )
            if blob
        ]
        opened = iter(uow.cipher.open_many(items))
        for s in sealed:
            values = {
                name: next(opened)
                for name, blob in (
                    ("given_name", s.given_name_ct),
                    ("family_name", s.family_name_ct),
                    ("date_of_birth", s.date_of_birth_ct),
                )
                if blob
            }
            token = _mint(key, values, today)
            if token is not None:
                rows.append(
                    {
                        "id": str(uuid.uuid4()),
                        "name_dob": token.name_dob,
                        "dob": token.dob,
                        "created_on": today,
                    }
                )
    if rows:
        session.execute(insert(ErasedPersonToken), rows)
    return len(rows)


def _mint(key: bytes, values: dict[str, str], today: date) -> ErasureToken | None:
    given, family = values.get("given_name", ""), values.get("family_name", "")
    born = values.get("date_of_birth", "")
    if not born:
        return None
    try:
        return erasure_token(
            key,
            given_name=given,
            family_name=family,
            date_of_birth=date.fromisoformat(born),
            created=today,
        )
    except ValueError:  # no usable given or family name: nothing worth a token
        return None


@dataclass(frozen=True)
class ScannerTokens:
    """What the scan needs to recognise erased people: the key and the tokens within 90 days."""

    key: bytes
    tokens: tuple[ErasureToken, ...]


def scanner_tokens(*, uow: UnitOfWork, actor: Actor) -> ScannerTokens | None:
    """The scanner's key and the live tokens, for a user who may run loss detection only.

    Raises ``AccessDenied`` (logged once by the unit of work) for anyone else; None when this
    register has no key store. Tokens past their 90 days, which the sweep has not yet destroyed,
    are left out.
    """
    with uow.read_only(Attempt(Operation.LOSS_SCAN, actor.id)) as session:
        Authoriser(session, uow, actor).require(AccessAction.DLP_SCAN, REGISTER)
        key = _token_key(uow)
        if key is None:
            return None
        oldest = uow.today() - TOKEN_MAX_AGE
        rows = session.execute(
            select(
                ErasedPersonToken.name_dob, ErasedPersonToken.dob, ErasedPersonToken.created_on
            ).where(ErasedPersonToken.created_on >= oldest)
        ).all()
    return ScannerTokens(key, tuple(ErasureToken(r.name_dob, r.dob, r.created_on) for r in rows))


def _expired(today: date) -> ColumnElement[bool]:
    return ErasedPersonToken.created_on < today - TOKEN_MAX_AGE


def destroy_expired_tokens(*, uow: UnitOfWork, today: date, dry_run: bool = False) -> int:
    """Delete every token past its 90 days on ``today`` (with ``dry_run``, count them); logged."""
    count = select(func.count()).select_from(ErasedPersonToken).where(_expired(today))
    if dry_run:
        with uow.read_only() as session:
            return int(session.scalar(count) or 0)
    with uow.transaction() as session:
        due = int(session.scalar(count) or 0)
        if due:
            session.execute(delete(ErasedPersonToken).where(_expired(today)))
            record_event(
                session,
                at=uow.now(),
                operation=Operation.LOSS_TOKENS_DESTROY,
                actor_id=None,
                result_count=due,
                reason=f"loss-detection tokens of erased people destroyed after "
                f"{TOKEN_MAX_AGE.days} days",
            )
    return due
