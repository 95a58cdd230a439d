"""The demo accounts' sign-in details, read back from the demo data directory."""

from __future__ import annotations

import json

import pyotp

from listwarden.domain.errors import InvalidInput, NotFound, Reason
from listwarden.settings import Settings

ACCOUNTS_FILE = "demo-accounts.json"


def current_code(settings: Settings, role: str) -> str:
    """The TOTP code a demo account's authenticator would show now."""
    path = settings.home / ACCOUNTS_FILE
    if not path.exists():
        raise NotFound(
            f"no demo accounts in {settings.home}",
            reasons=[Reason("demo-missing", "run 'listwarden demo' first", "home")],
        )
    accounts = json.loads(path.read_text())
    if role not in accounts:
        raise InvalidInput(
            f"no demo account for role {role!r}",
            reasons=[Reason("unknown-role", "choose from " + ", ".join(accounts), "role")],
        )
    return pyotp.TOTP(accounts[role]["totp_secret"]).now()
