"""First-run setup: data directory, key file, TLS certificate, schema, first administrator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from listwarden.bootstrap import open_register
from listwarden.domain.vocabulary import Role
from listwarden.services.lists import suspend_overdue_lists
from listwarden.services.users import create_user, issue_token
from listwarden.settings import Settings
from listwarden.store.tables import User
from listwarden.tls import create_localhost_certificate


@dataclass(frozen=True)
class InitResult:
    home: Path
    database: str
    keystore: str
    key_file: Path
    certificate: Path
    admin_token: str | None
    key_provider: str = "file"
    key_id: str = ""


def tls_paths(settings: Settings) -> tuple[Path, Path]:
    return settings.home / "tls" / "cert.pem", settings.home / "tls" / "key.pem"


def initialise(settings: Settings) -> InitResult:
    """Create whatever is missing; running it again changes nothing already there.

    The key-encryption key is made here: a new 0600 key file, or with the PKCS#11 provider a
    non-extractable key generated on the token (``ensure_key``) unless one has that label.
    """
    register = open_register(settings, create=True)
    try:
        cert, key = tls_paths(settings)
        if not cert.exists():
            create_localhost_certificate(cert, key)
        token = None
        with register.uow.read_only() as session:
            has_users = bool(session.scalar(select(func.count()).select_from(User)))
        if not has_users:
            admin = create_user(
                uow=register.uow,
                actor_id=None,
                name="Administrator",
                role=Role.ADMINISTRATOR,
                force_wide=True,
            )
            token = issue_token(uow=register.uow, user_id=admin.id)
        suspend_overdue_lists(uow=register.uow)
        return InitResult(
            settings.home.resolve(),
            _safe_url(settings.resolved_database_url),
            _safe_url(settings.resolved_keystore_url),
            settings.resolved_key_file.resolve(),
            cert.resolve(),
            token,
            settings.key_provider,
            register.keystore.provider.key_id,
        )
    finally:
        register.close()


def _safe_url(url: str) -> str:
    """A database URL fit to print: any password is masked."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
