"""The demo's sharing: a second IRU officer, an approved statutory recipient and an agreement.

Built through the sharing services like everything else in the demo, so the disclosure wizard
has something lawful to share under, and something to refuse. The recipient's age identity is
made here and written beside the other demo secrets, so a package can be opened.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pyrage import x25519

from listwarden.bootstrap import Register
from listwarden.domain.access import Actor
from listwarden.domain.vocabulary import Role
from listwarden.services import sharing

RECIPIENT = "Hackney Youth Justice Service (synthetic)"
AGREEMENT = "Youth violence reduction DSA (synthetic)"
IDENTITY_FILE = "demo-recipient-age-identity.txt"


def create_demo_sharing(
    register: Register, users: dict[Role, Actor], second_iru: Actor
) -> dict[str, str]:
    """Register the recipient (approved by a second IRU officer) and an approved agreement."""
    uow = register.uow
    identity = x25519.Identity.generate()
    recipient_id = sharing.register_recipient(
        uow=uow,
        actor=users[Role.IRU],
        name=RECIPIENT,
        kind="statutory",
        notice_contact="information.governance@youth-justice.example",
        age_public_key=str(identity.to_public()),
        statutory_function="youth_justice",
    )
    sharing.approve_recipient(uow=uow, actor=second_iru, recipient_id=recipient_id)
    today = uow.today()
    agreement_id = sharing.draft_agreement(
        uow=uow,
        actor=users[Role.IAO],
        terms=sharing.NewAgreement(
            title=AGREEMENT,
            parties=[recipient_id],
            purposes=["gang_violence_reduction", "offender_management"],
            lawful_basis="DPA 2018 s.35(2)(b); Crime and Disorder Act 1998 s.115",
            categories=["suspected", "convicted"],
            bands=["red", "amber"],
            fields=["entry_id", "given_name", "family_name", "date_of_birth", "band", "score"],
            recipient_retention_days=90,
            recipient_deletion="secure deletion with a certificate to the IRU",
            security_conditions="named case workers, encrypted storage, no onward sharing",
            valid_from=today - timedelta(days=1),
            valid_until=today + timedelta(days=365),
            review_on=today + timedelta(days=180),
        ),
    )
    sharing.approve_agreement(uow=uow, actor=users[Role.IRU], agreement_id=agreement_id)
    return {"recipient": recipient_id, "agreement": agreement_id, "identity": str(identity)}


def write_identity(home: Path, identity: str) -> str:
    path = home / IDENTITY_FILE
    path.touch(mode=0o600)
    path.write_text(identity + "\n")
    return str(path.resolve())
