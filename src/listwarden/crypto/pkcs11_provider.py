"""A key-encryption key that never leaves a PKCS#11 token (an HSM; SoftHSM2 in tests).

Data keys are wrapped by AES-GCM encryption performed on the token, in the same blob format as the
key file (:mod:`listwarden.crypto.wrapping`). The KEK is generated on the token as sensitive and
non-extractable, so neither listwarden nor anyone holding the PIN can read it out.

``python-pkcs11`` is an optional dependency (the ``hsm`` extra), imported only when a provider
first talks to its token. Library errors are translated here: an unreachable module or token or a
wrong PIN is ``KeyUnavailable``; a failed GCM tag is ``CiphertextTampered``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self, TypeVar
from urllib.parse import quote

from listwarden.crypto import pkcs11_login
from listwarden.crypto.envelope import KEY_BYTES, check_key
from listwarden.crypto.wrapping import (
    NONCE_BYTES,
    pack_wrapped,
    parse_wrapped,
    wrap_header,
)
from listwarden.domain.errors import CiphertextTampered, KeyUnavailable

if TYPE_CHECKING:
    from pkcs11 import Session

_TAG_BITS = 128
_K = TypeVar("_K")


class Pkcs11KeyProvider:
    """Wraps data keys under an AES-256 key held on a PKCS#11 token, found by its label.

    The key id is ``pkcs11:<token label>/<key label>`` (percent-encoded), so it is known without
    reaching the token; rotating to a new HSM key means generating one under a new label. One
    session is kept and used under a lock, reopened after a failure; the login itself is shared
    by every provider on the token (see :mod:`listwarden.crypto.pkcs11_login`).
    """

    def __init__(self, module_path: str | Path, token_label: str, pin: str, key_label: str) -> None:
        self.module_path = str(module_path)
        self.token_label = token_label
        self.key_label = key_label
        self.key_id = f"pkcs11:{quote(token_label, safe='')}/{quote(key_label, safe='')}"
        self._header = wrap_header(self.key_id)
        self._pin = pin
        self._lock = threading.Lock()
        self._session: Session | None = None
        self._key: object | None = None  # the key object found in the current session

    def __repr__(self) -> str:
        return f"Pkcs11KeyProvider(key_id={self.key_id!r}, module_path={self.module_path!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Log out and close the session; the provider reconnects if used again."""
        with self._lock:
            self._drop_session()

    def ensure_key(self) -> bool:
        """Generate the KEK on the token unless one with this label exists; True if generated.

        Run once when the key store is set up (``listwarden init``), not from several workers at
        once: two racing generations would leave two keys under one label, which is refused.
        """
        import pkcs11

        with self._lock:
            session = self._open_session()
            try:
                self._find_key(session, pkcs11.SecretKey)
                return False
            except KeyUnavailable:
                pass
            try:
                session.generate_key(
                    pkcs11.KeyType.AES,
                    KEY_BYTES * 8,
                    label=self.key_label,
                    id=secrets.token_bytes(16),
                    store=True,
                    capabilities=pkcs11.MechanismFlag.ENCRYPT | pkcs11.MechanismFlag.DECRYPT,
                    template={
                        pkcs11.Attribute.SENSITIVE: True,
                        pkcs11.Attribute.EXTRACTABLE: False,
                        pkcs11.Attribute.PRIVATE: True,
                    },
                )
            except pkcs11.PKCS11Error as exc:
                self._drop_session()
                raise self._unavailable("cannot generate the key on the token", exc) from None
            return True

    def wrap(self, data_key: bytes) -> bytes:
        import pkcs11

        check_key(data_key)
        nonce = os.urandom(NONCE_BYTES)
        params = pkcs11.GCMParams(nonce, self._header, _TAG_BITS)
        with self._lock:
            key = self._find_key(self._open_session(), pkcs11.EncryptMixin)
            try:
                sealed = key.encrypt(
                    data_key, mechanism=pkcs11.Mechanism.AES_GCM, mechanism_param=params
                )
            except pkcs11.PKCS11Error as exc:
                self._drop_session()
                raise self._unavailable("the token could not wrap the key", exc) from None
        if not isinstance(sealed, bytes):
            raise KeyUnavailable("the token returned no ciphertext")
        return pack_wrapped(self.key_id, nonce, sealed)

    def unwrap(self, wrapped: bytes) -> bytes:
        import pkcs11

        parsed = parse_wrapped(wrapped)
        if parsed.kek_id != self.key_id:
            raise KeyUnavailable(
                f"wrapped key needs key-encryption key {parsed.kek_id!r}; "
                f"this HSM provider holds {self.key_id!r}"
            )
        params = pkcs11.GCMParams(parsed.nonce, parsed.header, _TAG_BITS)
        with self._lock:
            key = self._find_key(self._open_session(), pkcs11.DecryptMixin)
            try:
                plain = key.decrypt(
                    parsed.sealed, mechanism=pkcs11.Mechanism.AES_GCM, mechanism_param=params
                )
            except (
                pkcs11.GeneralError,
                pkcs11.EncryptedDataInvalid,
                pkcs11.EncryptedDataLenRange,
            ):
                # SoftHSM2 reports a failed GCM tag as a general error.
                raise CiphertextTampered(
                    f"wrapped key failed authentication under {self.key_id!r}"
                ) from None
            except pkcs11.PKCS11Error as exc:
                self._drop_session()
                raise self._unavailable("the token could not unwrap the key", exc) from None
        if not isinstance(plain, bytes) or len(plain) != KEY_BYTES:
            raise CiphertextTampered("wrapped key did not hold a 256-bit key")
        return plain

    def _open_session(self) -> Session:
        import pkcs11

        if self._session is not None:
            return self._session
        try:
            lib = pkcs11.lib(self.module_path)
        except pkcs11.PKCS11Error as exc:
            raise self._unavailable(f"cannot load PKCS#11 module {self.module_path}", exc) from None
        try:
            token = lib.get_token(token_label=self.token_label)
        except pkcs11.NoSuchToken:
            raise KeyUnavailable(
                f"no PKCS#11 token labelled {self.token_label!r} in {self.module_path}"
            ) from None
        except pkcs11.PKCS11Error as exc:
            raise self._unavailable(f"cannot reach token {self.token_label!r}", exc) from None
        pkcs11_login.acquire(token, self.module_path, self._pin)
        try:
            # No PIN here: the process-wide login (pkcs11_login) covers this session too.
            self._session = token.open(rw=True)
        except pkcs11.PKCS11Error as exc:
            pkcs11_login.release(self.module_path, self.token_label)
            raise self._unavailable(f"cannot open a session on {self.token_label!r}", exc) from None
        return self._session

    def _find_key(self, session: Session, kind: type[_K]) -> _K:
        """The token's key under our label, as ``kind`` (a key class or capability mixin)."""
        import pkcs11

        if isinstance(self._key, kind):
            return self._key
        try:
            key = session.get_key(
                pkcs11.ObjectClass.SECRET_KEY, pkcs11.KeyType.AES, label=self.key_label
            )
        except pkcs11.NoSuchKey:
            raise KeyUnavailable(
                f"no AES key labelled {self.key_label!r} on token {self.token_label!r} "
                "(run 'listwarden init' to generate it)"
            ) from None
        except pkcs11.MultipleObjectsReturned:
            raise KeyUnavailable(
                f"more than one key is labelled {self.key_label!r} on token "
                f"{self.token_label!r}; remove the extra one"
            ) from None
        except pkcs11.PKCS11Error as exc:
            self._drop_session()
            raise self._unavailable("cannot search the token", exc) from None
        if not isinstance(key, kind):
            raise KeyUnavailable(
                f"key labelled {self.key_label!r} cannot be used for AES-GCM wrapping"
            )
        self._key = key
        return key

    def _drop_session(self) -> None:
        import pkcs11

        session, self._session, self._key = self._session, None, None
        if session is not None:
            # The session is being discarded, usually because it is already broken.
            with contextlib.suppress(pkcs11.PKCS11Error):
                session.close()
            pkcs11_login.release(self.module_path, self.token_label)

    def _unavailable(self, what: str, exc: Exception) -> KeyUnavailable:
        return KeyUnavailable(f"{what}: {str(exc) or type(exc).__name__}")
