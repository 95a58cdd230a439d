"""The log's own signing key, and the witness keys of people outside the system.

The log signs its checkpoints with an Ed25519 key whose 32-byte seed is a key-store system key,
so it is wrapped by the key-encryption key and kept apart from the database like every other
key. The origin line names the installation by the key's fingerprint unless configured.

A witness (the DPO, a regulator) keeps an Ed25519 signer key of their own in a file, in the
signed-note ``PRIVATE+KEY+…`` form; the system never holds it, which is what lets their
cosignature show that a checkpoint was seen outside the system (law 12).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from listwarden.auditlog.checkpoint import (
    SIGNATURE_TYPE_COSIGNATURE_V1,
    Checkpoint,
    NoteVerifier,
    decode_signer_key,
    encode_signer_key,
    encode_verifier_key,
    sign_note,
)
from listwarden.domain.errors import Conflict, InvalidInput, KeyUnavailable

SIGNING_KEY_NAME = "log-checkpoint-signing"
"""The key-store system key whose bytes seed the log's Ed25519 checkpoint key."""

MAX_WITNESS_KEY_FILE = 4096


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def default_origin(public_key: Ed25519PublicKey) -> str:
    """``listwarden.local/<install id>/log``, the install id being the key's fingerprint."""
    install_id = hashlib.sha256(raw_public(public_key)).hexdigest()[:16]
    return f"listwarden.local/{install_id}/log"


class LogSigner:
    """Signs checkpoints of this log; its origin is also the note key's name."""

    def __init__(self, seed: bytes, origin: str | None = None) -> None:
        if len(seed) != 32:
            raise InvalidInput("a checkpoint signing seed is 32 bytes")
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._private.public_key()
        self.origin = origin or default_origin(self.public_key)
        self.verifier = NoteVerifier(self.origin, self.public_key)

    @property
    def public_bytes(self) -> bytes:
        return raw_public(self.public_key)

    def vkey(self) -> str:
        """The verifier key outside parties configure to check this log's checkpoints."""
        return self.verifier.vkey()

    def sign(self, size: int, root: bytes) -> str:
        """The signed checkpoint note for a tree of ``size`` leaves with ``root``."""
        return sign_note(Checkpoint(self.origin, size, root).body(), self.origin, self._private)


@dataclass(frozen=True)
class WitnessKey:
    """A witness's signing key, read from the file they keep."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_bytes(self) -> bytes:
        return raw_public(self.public_key)

    def vkey(self) -> str:
        """The cosignature/v1 verifier key string others use to check this witness."""
        return witness_vkey(self.name, self.public_key)


def witness_vkey(name: str, public_key: Ed25519PublicKey) -> str:
    return encode_verifier_key(name, public_key, signature_type=SIGNATURE_TYPE_COSIGNATURE_V1)


def create_witness_key_file(path: Path, name: str) -> WitnessKey:
    """Write a new witness signer key to ``path`` (mode 0600, never over an existing file)."""
    key = WitnessKey(name, Ed25519PrivateKey.generate())
    text = encode_signer_key(name, key.private_key) + "\n"  # checks the name too
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict(f"{path} already exists: a key file is never overwritten") from None
    except OSError as exc:
        raise InvalidInput(f"cannot create {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
    return key


def read_witness_key_file(path: Path) -> WitnessKey:
    """Read a witness signer key file; errors name the file, never its contents."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_WITNESS_KEY_FILE + 1)
    except OSError as exc:
        raise KeyUnavailable(f"cannot read the key file {path}: {exc.strerror}") from None
    if len(raw) > MAX_WITNESS_KEY_FILE:
        raise InvalidInput(f"{path} is too large to be a signer key file")
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not a signer key file") from None
    name, private_key = decode_signer_key(text)
    return WitnessKey(name, private_key)
