"""Signed checkpoints of the access log: C2SP tlog-checkpoint bodies, signed notes, cosignatures.

A checkpoint commits to the log's size and root in the text format that transparency-log tooling
reads (https://c2sp.org/tlog-checkpoint), signed as a note (https://c2sp.org/signed-note) with
Ed25519. A witness that the force does not control adds a cosignature
(https://c2sp.org/tlog-cosignature, ``cosignature/v1``): only then does a checkpoint count as held
outside the system (law 12). Everything read from outside is parsed strictly and refused with a
:class:`LogIntegrityError` that names the reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from listwarden.domain.errors import InvalidInput, LogIntegrityError

SIGNATURE_TYPE_ED25519 = 0x01
"""Signed-note signature type of a plain Ed25519 note signature (the log's own)."""

SIGNATURE_TYPE_COSIGNATURE_V1 = 0x04
"""Signed-note signature type of a timestamped Ed25519 cosignature (a witness's)."""

SIGNATURE_PREFIX = "\u2014 "
"""Every signature line opens with an em dash and a space."""

COSIGNATURE_HEADER = "cosignature/v1\n"
MAX_SIGNATURES = 100
MAX_NOTE_CHARS = 1 << 20
MAX_TIMESTAMP = (1 << 63) - 1

_KEY_ID_SIZE = 4
_ED25519_SIGNATURE_SIZE = 64
_ED25519_KEY_SIZE = 32
_TIMESTAMP_SIZE = 8
_MAX_SIZE_DIGITS = 20  # a tree size is an unsigned 64-bit integer
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


@dataclass(frozen=True)
class Checkpoint:
    """The log at one size: its origin, its size and its root, plus optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problem = _checkpoint_problem(self)
        if problem:
            raise InvalidInput(problem)

    def body(self) -> str:
        """The note text: origin, size, base64 root, any extensions; each line ends in newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii")]
        return "".join(line + "\n" for line in [*lines, *self.extensions])

    @classmethod
    def from_body(cls, body: str) -> Checkpoint:
        """Parse a checkpoint body, refusing anything :meth:`body` would not have written."""
        if not body.endswith("\n"):
            raise LogIntegrityError("a checkpoint body must end with a newline")
        try:
            origin, size_text, root_text, *extensions = body[:-1].split("\n")
        except ValueError:
            raise LogIntegrityError(
                "a checkpoint body needs an origin, a size and a root"
            ) from None
        if not _DECIMAL.fullmatch(size_text) or len(size_text) > _MAX_SIZE_DIGITS:
            raise LogIntegrityError(f"the checkpoint size {size_text[:40]!r} is not a tree size")
        root = _strict_b64(root_text, "the checkpoint root")
        try:
            return cls(origin, int(size_text), root, tuple(extensions))
        except InvalidInput as exc:
            raise LogIntegrityError(exc.detail) from exc


def _checkpoint_problem(checkpoint: Checkpoint) -> str | None:
    """What, if anything, keeps these fields from making a well-formed checkpoint."""
    if not checkpoint.origin:
        return "a checkpoint origin must not be empty"
    if not 0 <= checkpoint.size < 1 << 64:
        return "a checkpoint size must be an unsigned 64-bit integer"
    if len(checkpoint.root) != hashlib.sha256().digest_size:
        return "a checkpoint root must be a 32-byte SHA-256 hash"
    if any(not line for line in checkpoint.extensions):
        return "a checkpoint extension line must not be empty"
    for line in (checkpoint.origin, *checkpoint.extensions):
        if "\n" in line or _CONTROL.search(line):
            return "a checkpoint line must not contain a newline or a control character"
    return None


# Keys. A key ID is the first four bytes of SHA-256(name || "\n" || type || public key): short, an
# index to pick the right key rather than a security boundary, since the verifier is configured
# with the full key anyway.


def key_id(name: str, public_key: Ed25519PublicKey, signature_type: int) -> bytes:
    """The 4-byte signed-note key ID of ``public_key`` under ``name`` for ``signature_type``."""
    _check_key_name(name)
    material = bytes([signature_type]) + _raw_public(public_key)
    return hashlib.sha256(name.encode() + b"\n" + material).digest()[:_KEY_ID_SIZE]


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _check_key_name(name: str) -> None:
    """Key names are non-empty and hold no spaces or plus signs (they delimit vkey strings)."""
    if not name or "+" in name or any(c.isspace() for c in name) or _CONTROL.search(name):
        raise InvalidInput(f"{name!r} is not a valid key name")


@dataclass(frozen=True)
class NoteVerifier:
    """A trusted note-signing key: the name it signs under and its Ed25519 public key."""

    name: str
    public_key: Ed25519PublicKey

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key, SIGNATURE_TYPE_ED25519)

    def vkey(self) -> str:
        """The standard verifier key string for this key."""
        return encode_verifier_key(self.name, self.public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Read a standard Ed25519 verifier key string."""
        return cls(*decode_verifier_key(vkey))


def encode_verifier_key(
    name: str, public_key: Ed25519PublicKey, *, signature_type: int = SIGNATURE_TYPE_ED25519
) -> str:
    """``<name>+<hex key ID>+<base64(type || public key)>``, the vkey form tools exchange."""
    material = bytes([signature_type]) + _raw_public(public_key)
    hex_id = key_id(name, public_key, signature_type).hex()
    return f"{name}+{hex_id}+{base64.b64encode(material).decode('ascii')}"


def decode_verifier_key(
    vkey: str, *, signature_type: int = SIGNATURE_TYPE_ED25519
) -> tuple[str, Ed25519PublicKey]:
    """Read a vkey string of ``signature_type``, checking its key ID against its key."""
    # The base64 part may itself contain '+', so split from the left only twice.
    try:
        name, hex_id, encoded = vkey.split("+", 2)
    except ValueError:
        raise InvalidInput("a verifier key has the form <name>+<key id>+<key>") from None
    material = _typed_key_material(encoded, signature_type, "verifier key")
    try:
        public_key = Ed25519PublicKey.from_public_bytes(material)
    except ValueError:
        raise InvalidInput("the verifier key is not a valid Ed25519 public key") from None
    _check_key_id(hex_id, key_id(name, public_key, signature_type), "verifier key")
    return name, public_key


def encode_signer_key(name: str, private_key: Ed25519PrivateKey) -> str:
    """``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>``: a secret, never to be logged."""
    seed = private_key.private_bytes_raw()
    hex_id = key_id(name, private_key.public_key(), SIGNATURE_TYPE_ED25519).hex()
    material = base64.b64encode(bytes([SIGNATURE_TYPE_ED25519]) + seed).decode("ascii")
    return f"PRIVATE+KEY+{name}+{hex_id}+{material}"


def decode_signer_key(skey: str) -> tuple[str, Ed25519PrivateKey]:
    """Read a signer key string, checking that its key ID matches the key it holds."""
    parts = skey.split("+", 4)  # PRIVATE, KEY, name, key ID, key (whose base64 may hold '+')
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise InvalidInput("a signer key has the form PRIVATE+KEY+<name>+<key id>+<key>")
    _, _, name, hex_id, encoded = parts
    seed = _typed_key_material(encoded, SIGNATURE_TYPE_ED25519, "signer key")
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    expected = key_id(name, private_key.public_key(), SIGNATURE_TYPE_ED25519)
    _check_key_id(hex_id, expected, "signer key")
    return name, private_key


def _typed_key_material(encoded: str, signature_type: int, what: str) -> bytes:
    try:
        material = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise InvalidInput(f"the {what} is not valid base64") from None
    if len(material) != 1 + _ED25519_KEY_SIZE or material[0] != signature_type:
        raise InvalidInput(f"the {what} is not an Ed25519 key of type 0x{signature_type:02x}")
    return material[1:]


def _check_key_id(hex_id: str, expected: bytes, what: str) -> None:
    if hex_id.lower() != expected.hex():
        raise InvalidInput(f"the {what}'s key ID does not match its name and key")


# Signed notes: the body, a blank line, then one "— <name> <base64(key ID || signature)>" line per
# signature. The body is everything up to the last blank line, so a note can only ever have one
# reading.


@dataclass(frozen=True)
class Signature:
    """One signature line of a note: who claims to have signed, the key ID, the signature bytes.

    ``sig`` is everything after the key ID: for a cosignature, the timestamp then the signature.
    """

    name: str
    key_id: bytes
    sig: bytes

    def line(self) -> str:
        """The signature line as it appears in a note, newline included."""
        encoded = base64.b64encode(self.key_id + self.sig).decode("ascii")
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"


def _check_note_text(text: str, what: str) -> None:
    if not text.endswith("\n"):
        raise LogIntegrityError(f"{what} must end with a newline")
    if _CONTROL.search(text):
        raise LogIntegrityError(f"{what} must not contain control characters other than newline")


def sign_note(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Sign ``body`` with an Ed25519 key under ``name`` and return the whole signed note."""
    _check_key_name(name)
    try:
        _check_note_text(body, "a note body")
    except LogIntegrityError as exc:
        raise InvalidInput(exc.detail) from exc
    try:
        message = body.encode("utf-8")
    except UnicodeError:
        raise InvalidInput("a note body must be valid UTF-8") from None
    signature = Signature(
        name,
        key_id(name, private_key.public_key(), SIGNATURE_TYPE_ED25519),
        private_key.sign(message),
    )
    return f"{body}\n{signature.line()}"


def parse_note(text: str | bytes) -> tuple[str, list[Signature]]:
    """Split a signed note into its body and signature lines, refusing any malformed note.

    Parsing verifies nothing: the body must be ignored until :func:`verify_note` has checked a
    signature from a trusted key.
    """
    try:
        text = text.decode("utf-8") if isinstance(text, bytes) else text
        text.encode("utf-8")  # a str may still hold lone surrogates, which no note can
    except UnicodeError:
        raise LogIntegrityError("a signed note must be valid UTF-8") from None
    if len(text) > MAX_NOTE_CHARS:
        raise LogIntegrityError("the signed note is too large")
    _check_note_text(text, "a signed note")
    split = text.rfind("\n\n")
    if split < 0:
        raise LogIntegrityError("a signed note needs a blank line before its signatures")
    body, signature_block = text[: split + 1], text[split + 2 :]
    lines = signature_block[:-1].split("\n") if signature_block else []
    if not lines:
        raise LogIntegrityError("a signed note needs at least one signature")
    if len(lines) > MAX_SIGNATURES:
        raise LogIntegrityError(f"a signed note may carry at most {MAX_SIGNATURES} signatures")
    return body, [_parse_signature_line(line) for line in lines]


def _parse_signature_line(line: str) -> Signature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise LogIntegrityError("a signature line must start with an em dash and a space")
    try:
        name, encoded = line[len(SIGNATURE_PREFIX) :].split(" ")
    except ValueError:
        raise LogIntegrityError("a signature line must hold a key name and a signature") from None
    try:
        _check_key_name(name)
    except InvalidInput as exc:
        raise LogIntegrityError(f"a signature line names an invalid key: {name!r}") from exc
    raw = _strict_b64(encoded, "a signature")
    if len(raw) <= _KEY_ID_SIZE:
        raise LogIntegrityError("a signature is too short to hold a key ID and a signature")
    return Signature(name, raw[:_KEY_ID_SIZE], raw[_KEY_ID_SIZE:])


def _strict_b64(encoded: str, what: str) -> bytes:
    """Decode standard padded base64, refusing any other spelling of the same bytes."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise LogIntegrityError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != encoded:
        raise LogIntegrityError(f"{what} is not canonical base64")
    return raw


def open_note(text: str | bytes, verifiers: Sequence[NoteVerifier]) -> str:
    """Return the body of ``text`` once a trusted key's signature on it verifies.

    Signatures by keys not in ``verifiers`` (for example, witnesses' cosignatures) are ignored, as
    the signed-note spec requires; a failing signature by a trusted key rejects the whole note,
    whatever else verifies, because a trusted key never signs anything it would not stand by.
    """
    body, signatures = parse_note(text)
    trusted = {(v.name, v.key_id): v for v in verifiers}
    verified = False
    for signature in signatures:
        verifier = trusted.get((signature.name, signature.key_id))
        if verifier is None:
            continue
        try:
            verifier.public_key.verify(signature.sig, body.encode())
        except InvalidSignature:
            raise LogIntegrityError(
                f"the signature by {signature.name} does not verify: the note was altered"
            ) from None
        verified = True
    if not verified:
        raise LogIntegrityError("the note carries no signature from a trusted key")
    return body


def verify_note(
    text: str | bytes, verifiers: Sequence[NoteVerifier], *, origin: str | None = None
) -> Checkpoint:
    """Return the checkpoint in ``text`` once a trusted key's signature on it verifies.

    ``origin``, when given, must be the checkpoint's origin line: a signature by the right key
    on another log's checkpoint proves nothing about this log.
    """
    checkpoint = Checkpoint.from_body(open_note(text, verifiers))
    if origin is not None and checkpoint.origin != origin:
        raise LogIntegrityError(f"the checkpoint is for log {checkpoint.origin!r}, not {origin!r}")
    return checkpoint


# Cosignatures (cosignature/v1). The witness signs "cosignature/v1\ntime <seconds>\n" followed by
# the checkpoint body, and the line carries key ID || timestamp (8 bytes, big endian) || signature.
# The key ID uses type 0x04, so a witness key can never be mistaken for a log key.


def _cosigned_message(body: str, timestamp: int) -> bytes:
    return f"{COSIGNATURE_HEADER}time {timestamp}\n{body}".encode()


def cosign(note_text: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """A witness's cosignature line on the checkpoint in ``note_text``, at ``timestamp`` seconds."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise InvalidInput(f"a cosignature timestamp must lie in 0..{MAX_TIMESTAMP}")
    body, _ = parse_note(note_text)
    Checkpoint.from_body(body)
    signature = private_key.sign(_cosigned_message(body, timestamp))
    return Signature(
        name,
        key_id(name, private_key.public_key(), SIGNATURE_TYPE_COSIGNATURE_V1),
        timestamp.to_bytes(_TIMESTAMP_SIZE, "big") + signature,
    ).line()


def add_signature(note_text: str, line: str) -> str:
    """``note_text`` with one more signature line (for example a cosignature) appended."""
    _parse_signature_line(line.removesuffix("\n"))
    parse_note(note_text)
    return note_text + line.removesuffix("\n") + "\n"


def verify_cosignature(
    note_text: str,
    line: str,
    name: str,
    public_key: Ed25519PublicKey,
    *,
    not_after: int | None = None,
) -> int:
    """Check a witness's cosignature ``line`` on the checkpoint in ``note_text``; return its time.

    ``not_after``, when given, refuses a cosignature dated later than it (a clock in the future).
    """
    body, _ = parse_note(note_text)
    signature = _parse_signature_line(line.removesuffix("\n"))
    expected_id = key_id(name, public_key, SIGNATURE_TYPE_COSIGNATURE_V1)
    if signature.name != name or signature.key_id != expected_id:
        raise LogIntegrityError(f"the cosignature is not by the witness key {name}")
    if len(signature.sig) != _TIMESTAMP_SIZE + _ED25519_SIGNATURE_SIZE:
        raise LogIntegrityError("a cosignature must hold an 8-byte time and a 64-byte signature")
    timestamp = int.from_bytes(signature.sig[:_TIMESTAMP_SIZE], "big")
    if timestamp > MAX_TIMESTAMP:
        raise LogIntegrityError("the cosignature time is out of range")
    try:
        public_key.verify(signature.sig[_TIMESTAMP_SIZE:], _cosigned_message(body, timestamp))
    except InvalidSignature as exc:
        raise LogIntegrityError(
            f"the cosignature by {name} does not verify: the checkpoint or its time was altered"
        ) from exc
    if not_after is not None and timestamp > not_after:
        raise LogIntegrityError(f"the cosignature by {name} is dated in the future ({timestamp})")
    return timestamp
