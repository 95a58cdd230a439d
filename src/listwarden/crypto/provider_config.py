"""Choosing and opening the key-encryption-key provider from configuration: a key file or an HSM.

Every way a provider can be misconfigured (a missing or unsafe key file, an absent PKCS#11
library, no token label, no PIN or two of them) ends here in one ``KeyUnavailable`` or
``InvalidInput`` naming the setting to fix, so the server refuses to start with one clear line.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from listwarden.crypto.file_provider import FileKeyProvider
from listwarden.crypto.pkcs11_provider import Pkcs11KeyProvider
from listwarden.crypto.providers import KeyProvider
from listwarden.domain.errors import InvalidInput, KeyUnavailable, Reason

PROVIDERS = ("file", "pkcs11")
_MAX_PIN_BYTES = 256


@dataclass(frozen=True)
class Pkcs11Config:
    """Where the HSM's key is: library, token and key label, and the PIN or a file holding it."""

    module: Path | None
    token_label: str | None
    key_label: str
    pin: str | None = None
    pin_file: Path | None = None


def file_provider(path: Path, *, create: bool) -> FileKeyProvider:
    """Open the key file; with ``create`` (``init``), write a new one if there is none."""
    if create and not path.exists():
        return FileKeyProvider.create(path)
    if not path.exists():
        raise KeyUnavailable(
            f"no key file at {path}: run 'listwarden init' first or set LISTWARDEN_KEY_FILE"
        )
    return FileKeyProvider.open(path)


def pkcs11_provider(config: Pkcs11Config, *, create: bool) -> Pkcs11KeyProvider:
    """A provider for the configured token; with ``create``, the KEK is generated if absent."""
    if find_spec("pkcs11") is None:
        raise KeyUnavailable(
            "the PKCS#11 provider needs python-pkcs11: install listwarden with the 'hsm' extra"
        )
    if config.module is None:
        raise _missing("pkcs11_module", "LISTWARDEN_PKCS11_MODULE")
    if not config.module.exists():
        raise KeyUnavailable(f"the PKCS#11 library {config.module} does not exist")
    if not config.token_label:
        raise _missing("pkcs11_token_label", "LISTWARDEN_PKCS11_TOKEN_LABEL")
    provider = Pkcs11KeyProvider(
        config.module, config.token_label, read_pin(config), config.key_label
    )
    if create:
        provider.ensure_key()
    return provider


def make_provider(
    kind: str, *, key_file: Path, pkcs11: Pkcs11Config, create: bool = False
) -> KeyProvider:
    """The provider ``kind`` names (``file`` or ``pkcs11``), opened and checked."""
    if kind == "file":
        return file_provider(key_file, create=create)
    if kind == "pkcs11":
        return pkcs11_provider(pkcs11, create=create)
    raise InvalidInput(
        f"LISTWARDEN_KEY_PROVIDER must be one of {', '.join(PROVIDERS)}, not {kind!r}",
        reasons=[Reason("unknown-key-provider", "use file or pkcs11", "key_provider")],
    )


def read_pin(config: Pkcs11Config) -> str:
    """The PIN, given directly or in a file only its owner can read; exactly one of the two."""
    if config.pin is not None and config.pin_file is not None:
        raise InvalidInput(
            "set LISTWARDEN_PKCS11_PIN or LISTWARDEN_PKCS11_PIN_FILE, not both",
            reasons=[Reason("two-pins", "keep the PIN in one place", "pkcs11_pin")],
        )
    if config.pin is not None:
        return config.pin
    if config.pin_file is None:
        raise _missing("pkcs11_pin_file", "LISTWARDEN_PKCS11_PIN_FILE (or LISTWARDEN_PKCS11_PIN)")
    path = config.pin_file
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise KeyUnavailable(f"PIN file {path} cannot be read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077:
            raise KeyUnavailable(
                f"PIN file {path} must be a regular file readable by its owner only "
                f"(mode 0600): run chmod 600 {path}"
            )
        raw = os.read(fd, _MAX_PIN_BYTES + 1)
    finally:
        os.close(fd)
    pin = raw.decode("utf-8", errors="strict").rstrip("\r\n")
    if not pin or len(raw) > _MAX_PIN_BYTES:
        raise KeyUnavailable(f"PIN file {path} does not hold a PIN")
    return pin


def _missing(field: str, variable: str) -> InvalidInput:
    return InvalidInput(
        f"the PKCS#11 key provider needs {variable}",
        reasons=[Reason("missing-setting", f"set {variable}", field)],
    )
