"""Sealing account credentials that must be read back (TOTP shared secrets).

They are sealed with AES-256-GCM under one system key of the key store, ``credentials``, bound
to the user's row and the field, so a sealed secret copied to another account fails to open.
Passwords are never sealed: they are hashed (``crypto/passwords.py``).
"""

from __future__ import annotations

import time

from listwarden.crypto.envelope import Envelope, field_aad
from listwarden.crypto.keystore import KeyStore

CREDENTIALS_KEY = "credentials"
USERS_TABLE = "users"


class CredentialCipher:
    """Seals and opens one user's credential fields under the ``credentials`` system key."""

    def __init__(self, keystore: KeyStore) -> None:
        self.keystore = keystore
        self._cached: tuple[float, Envelope] | None = None

    def seal_credential(self, user_id: str, field: str, value: str) -> bytes:
        return self._envelope().seal(value.encode("utf-8"), field_aad(USERS_TABLE, user_id, field))

    def open_credential(self, user_id: str, field: str, blob: bytes) -> str:
        return self._envelope().open_field(blob, USERS_TABLE, user_id, field).decode("utf-8")

    def _envelope(self) -> Envelope:
        # One key-store round trip a minute at most; the key is never destroyed in service.
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > 60.0:
            self._cached = (now, Envelope(self.keystore.system_key(CREDENTIALS_KEY)))
        return self._cached[1]
