"""Process-wide logins to PKCS#11 tokens, shared by every provider that uses the same token.

PKCS#11 login state belongs to the application, not to a session: once one session logs in, all
of the process's sessions on that token are logged in; a second ``C_Login`` fails with "user
already logged in", and logging out any session logs them all out. So each token gets one login
session here, counted by the providers using it and closed by the last; providers do their work in
sessions of their own opened without a PIN. A provider arriving with a different PIN from the one
that logged in is refused, so sharing the login never lets a wrong PIN through.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from listwarden.domain.errors import KeyUnavailable

if TYPE_CHECKING:
    from pkcs11 import Session, Token

_SALT = secrets.token_bytes(16)  # PINs are compared as salted digests, never kept as text.
_lock = threading.Lock()


@dataclass
class _Login:
    session: Session | None  # None when someone else in the process logged in first
    pin_digest: bytes
    users: int = 0


_logins: dict[tuple[str, str], _Login] = {}


def _digest(pin: str) -> bytes:
    return hashlib.sha256(_SALT + pin.encode("utf-8")).digest()


def acquire(token: Token, module_path: str, pin: str) -> None:
    """Make sure the process is logged in to ``token`` with ``pin``; pair with :func:`release`."""
    key = (module_path, token.label)
    with _lock:
        login = _logins.get(key)
        if login is None:
            login = _Login(_log_in(token, pin), _digest(pin))
            _logins[key] = login
        elif not hmac.compare_digest(login.pin_digest, _digest(pin)):
            raise KeyUnavailable(f"the PIN for token {token.label!r} was refused")
        login.users += 1


def release(module_path: str, token_label: str) -> None:
    """One provider is done with the token; the last one out logs out."""
    import pkcs11

    with _lock:
        login = _logins.get((module_path, token_label))
        if login is None:
            return
        login.users -= 1
        if login.users > 0:
            return
        del _logins[(module_path, token_label)]
        if login.session is not None:
            # Logging out of a token that has gone away fails; there is nothing left to undo.
            with contextlib.suppress(pkcs11.PKCS11Error):
                login.session.close()


def _log_in(token: Token, pin: str) -> Session | None:
    import pkcs11

    try:
        return token.open(user_pin=pin)
    except pkcs11.UserAlreadyLoggedIn:
        # Code outside listwarden logged this process in; its login serves us too.
        return None
    except (pkcs11.PinIncorrect, pkcs11.PinInvalid, pkcs11.PinLenRange):
        raise KeyUnavailable(f"the PIN for token {token.label!r} was refused") from None
    except pkcs11.PinLocked:
        raise KeyUnavailable(f"token {token.label!r} is locked (PIN tried too often)") from None
    except pkcs11.PKCS11Error as exc:
        raise KeyUnavailable(
            f"cannot log in to token {token.label!r}: {str(exc) or type(exc).__name__}"
        ) from None
