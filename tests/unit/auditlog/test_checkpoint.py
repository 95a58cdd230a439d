"""Checkpoints, signed notes and witness cosignatures, against the C2SP specs and Go's vectors."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from listwarden.auditlog.checkpoint import (
    SIGNATURE_TYPE_COSIGNATURE_V1,
    Checkpoint,
    NoteVerifier,
    Signature,
    add_signature,
    cosign,
    decode_signer_key,
    decode_verifier_key,
    encode_signer_key,
    encode_verifier_key,
    key_id,
    open_note,
    parse_note,
    sign_note,
    verify_cosignature,
    verify_note,
)
from listwarden.auditlog.merkle import leaf_hash
from listwarden.domain.errors import InvalidInput, ListwardenError, LogIntegrityError

# The example of golang.org/x/mod/sumdb/note's documentation: Ed25519 is deterministic, so
# producing this note byte for byte shows that Go's tooling (and any C2SP verifier) reads ours.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvq"
    "fqdngotpRZb6KE6RyyBwJnAM=\n"
)

LOG = "listwarden.example/met/access-log"
WITNESS = "witness.example/w1"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes([1]) * 32)
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes([2]) * 32)
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes([3]) * 32)
LOG_VERIFIER = NoteVerifier(LOG, LOG_KEY.public_key())
ROOT = leaf_hash(b"root stand-in")
CHECKPOINT = Checkpoint(LOG, 1234, ROOT)
NOTE = sign_note(CHECKPOINT.body(), LOG, LOG_KEY)
TIME = 1_700_000_000


@contextmanager
def refused(reason: str, error: type[ListwardenError] = LogIntegrityError) -> Iterator[None]:
    """Expect ``error`` with exactly ``reason`` as its detail."""
    with pytest.raises(error) as caught:
        yield
    assert caught.value.detail == reason


# Checkpoint bodies.


def test_a_checkpoint_body_is_origin_size_and_base64_root() -> None:
    b64 = base64.b64encode(ROOT).decode()
    assert CHECKPOINT.body() == f"{LOG}\n1234\n{b64}\n"
    with_extension = Checkpoint(LOG, 0, ROOT, ("period 2025-Q1",))
    assert with_extension.body() == f"{LOG}\n0\n{b64}\nperiod 2025-Q1\n"


_line = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xD7FF), min_size=1, max_size=30)


@settings(max_examples=100)
@given(
    origin=_line,
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(_line, max_size=3).map(tuple),
)
def test_checkpoint_bodies_round_trip(
    origin: str, size: int, root: bytes, extensions: tuple[str, ...]
) -> None:
    checkpoint = Checkpoint(origin, size, root, extensions)
    assert Checkpoint.from_body(checkpoint.body()) == checkpoint


_B64_ROOT = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (f"{LOG}\n12\n{_B64_ROOT}", "a checkpoint body must end with a newline"),
        (f"{LOG}\n12\n", "a checkpoint body needs an origin, a size and a root"),
        (f"{LOG}\n012\n{_B64_ROOT}\n", "the checkpoint size '012' is not a tree size"),
        (f"{LOG}\n-1\n{_B64_ROOT}\n", "the checkpoint size '-1' is not a tree size"),
        (f"{LOG}\n+1\n{_B64_ROOT}\n", "the checkpoint size '+1' is not a tree size"),
        (f"{LOG}\n1 \n{_B64_ROOT}\n", "the checkpoint size '1 ' is not a tree size"),
        (f"{LOG}\n\u0661\n{_B64_ROOT}\n", "the checkpoint size '\u0661' is not a tree size"),
        (
            f"{LOG}\n{2**64}\n{_B64_ROOT}\n",
            "a checkpoint size must be an unsigned 64-bit integer",
        ),
        (f"{LOG}\n1\nAAAA\n", "a checkpoint root must be a 32-byte SHA-256 hash"),
        (f"{LOG}\n1\n{_B64_ROOT[:-1]}\n", "the checkpoint root is not valid base64"),
        (f"{LOG}\n1\n{_B64_ROOT[:-2]}9=\n", "the checkpoint root is not canonical base64"),
        (f"\n1\n{_B64_ROOT}\n", "a checkpoint origin must not be empty"),
        (f"{LOG}\n1\n{_B64_ROOT}\n\n", "a checkpoint extension line must not be empty"),
        (
            f"{LOG}\r\n1\n{_B64_ROOT}\n",
            "a checkpoint line must not contain a newline or a control character",
        ),
    ],
)
def test_malformed_checkpoint_bodies_are_refused(body: str, reason: str) -> None:
    with refused(reason):
        Checkpoint.from_body(body)


def test_a_checkpoint_cannot_be_built_from_bad_fields() -> None:
    with refused("a checkpoint root must be a 32-byte SHA-256 hash", InvalidInput):
        Checkpoint(LOG, 1, b"short")
    with refused("a checkpoint size must be an unsigned 64-bit integer", InvalidInput):
        Checkpoint(LOG, -1, ROOT)
    with refused(
        "a checkpoint line must not contain a newline or a control character", InvalidInput
    ):
        Checkpoint(LOG, 1, ROOT, ("two\nlines",))


# Signed notes and keys.


def test_the_go_reference_note_is_reproduced_byte_for_byte() -> None:
    name, private_key = decode_signer_key(GO_SIGNER)
    assert name == "PeterNeumann"
    assert sign_note(GO_TEXT, name, private_key) == GO_NOTE
    assert encode_signer_key(name, private_key) == GO_SIGNER
    verifier = NoteVerifier.from_vkey(GO_VERIFIER)
    assert verifier.vkey() == GO_VERIFIER
    assert verifier.key_id.hex() == "c74f20a3"
    assert open_note(GO_NOTE, [verifier]) == GO_TEXT
    with refused("the signature by PeterNeumann does not verify: the note was altered"):
        open_note(GO_NOTE.replace("cryptography", "cryptographY"), [verifier])


def test_a_base64_key_containing_plus_still_parses() -> None:
    verifier = NoteVerifier.from_vkey("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert verifier.name == "TEST"


def test_cosigner_key_ids_use_type_0x04() -> None:
    """A witness vkey from transparency-dev/formats' tests: its ID only matches under type 0x04."""
    vkey = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
    name, public_key = decode_verifier_key(vkey, signature_type=SIGNATURE_TYPE_COSIGNATURE_V1)
    assert key_id(name, public_key, SIGNATURE_TYPE_COSIGNATURE_V1).hex() == "da77ade7"
    assert (
        encode_verifier_key(name, public_key, signature_type=SIGNATURE_TYPE_COSIGNATURE_V1) == vkey
    )
    with refused("the verifier key is not an Ed25519 key of type 0x01", InvalidInput):
        decode_verifier_key(vkey)


def test_signer_and_verifier_keys_round_trip() -> None:
    skey = encode_signer_key(LOG, LOG_KEY)
    name, private_key = decode_signer_key(skey)
    assert name == LOG
    assert private_key.private_bytes_raw() == LOG_KEY.private_bytes_raw()
    assert NoteVerifier.from_vkey(LOG_VERIFIER.vkey()) == LOG_VERIFIER


@pytest.mark.parametrize(
    ("vkey", "reason"),
    [
        ("no-plus-signs", "a verifier key has the form <name>+<key id>+<key>"),
        ("name+c74f20a3+!!!!", "the verifier key is not valid base64"),
        ("name+c74f20a3+AQID", "the verifier key is not an Ed25519 key of type 0x01"),
        (
            "Peter+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "the verifier key's key ID does not match its name and key",
        ),
        (
            "PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "the verifier key's key ID does not match its name and key",
        ),
    ],
)
def test_bad_verifier_keys_are_refused(vkey: str, reason: str) -> None:
    with refused(reason, InvalidInput):
        decode_verifier_key(vkey)


def test_bad_signer_keys_are_refused() -> None:
    with refused("a signer key has the form PRIVATE+KEY+<name>+<key id>+<key>", InvalidInput):
        decode_signer_key(GO_VERIFIER)
    with refused("the signer key's key ID does not match its name and key", InvalidInput):
        decode_signer_key(GO_SIGNER.replace("c74f20a3", "c74f20a4"))


@pytest.mark.parametrize("name", ["", "has space", "has+plus", "tab\there", "nbsp\u00a0x"])
def test_key_names_without_spaces_or_plus(name: str) -> None:
    with refused(f"{name!r} is not a valid key name", InvalidInput):
        sign_note(CHECKPOINT.body(), name, LOG_KEY)


def test_a_signed_checkpoint_verifies() -> None:
    signature = NOTE.rsplit(" ", 1)[1]
    assert f"{CHECKPOINT.body()}\n\u2014 {LOG} {signature}" == NOTE
    assert verify_note(NOTE, [LOG_VERIFIER]) == CHECKPOINT
    assert verify_note(NOTE.encode(), [LOG_VERIFIER], origin=LOG) == CHECKPOINT
    body, signatures = parse_note(NOTE)
    assert body == CHECKPOINT.body()
    assert [(s.name, s.key_id) for s in signatures] == [(LOG, LOG_VERIFIER.key_id)]


def test_a_checkpoint_for_another_log_is_refused() -> None:
    with refused(f"the checkpoint is for log {LOG!r}, not 'elsewhere.example/log'"):
        verify_note(NOTE, [LOG_VERIFIER], origin="elsewhere.example/log")


def test_a_note_signed_by_another_key_is_refused() -> None:
    impostor = NoteVerifier(LOG, OTHER_KEY.public_key())
    with refused("the note carries no signature from a trusted key"):
        verify_note(NOTE, [impostor])
    with refused("the note carries no signature from a trusted key"):
        verify_note(sign_note(CHECKPOINT.body(), LOG, OTHER_KEY), [LOG_VERIFIER])


@pytest.mark.parametrize(
    ("old", "new"),
    [("\n1234\n", "\n1235\n"), (LOG, LOG + "2"), (_B64_ROOT, base64.b64encode(b"x" * 32).decode())],
)
def test_an_altered_checkpoint_is_refused(old: str, new: str) -> None:
    with refused(f"the signature by {LOG} does not verify: the note was altered"):
        verify_note(NOTE.replace(old, new, 1), [LOG_VERIFIER])


def test_a_bad_signature_by_a_trusted_key_rejects_the_note_even_beside_a_good_one() -> None:
    """A forged line under the log's name and key ID must not hide behind a valid signature."""
    forged = Signature(LOG, LOG_VERIFIER.key_id, OTHER_KEY.sign(CHECKPOINT.body().encode()))
    with refused(f"the signature by {LOG} does not verify: the note was altered"):
        verify_note(NOTE + forged.line(), [LOG_VERIFIER])


def test_signatures_by_unknown_keys_are_ignored() -> None:
    stranger = Signature("stranger.example", b"\x00\x01\x02\x03", b"\x55" * 64).line()
    assert verify_note(NOTE + stranger, [LOG_VERIFIER]) == CHECKPOINT
    only_stranger = CHECKPOINT.body() + "\n" + stranger
    with refused("the note carries no signature from a trusted key"):
        verify_note(only_stranger, [LOG_VERIFIER])


_SIG = NOTE.rsplit(" ", 1)[1].rstrip("\n")
_BODY = CHECKPOINT.body()
NO_BLANK_LINE = "a signed note needs a blank line before its signatures"
EM_DASH = "a signature line must start with an em dash and a space"
TOO_SHORT = "a signature is too short to hold a key ID and a signature"
CONTROL = "a signed note must not contain control characters other than newline"


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        (NOTE.rstrip("\n"), "a signed note must end with a newline"),
        (_BODY + f"\u2014 {LOG} {_SIG}\n", NO_BLANK_LINE),
        (_BODY + "\n", "a signed note needs at least one signature"),
        (NOTE.replace("\u2014 ", "-- "), EM_DASH),
        (NOTE.replace("\u2014 ", "\u2014"), EM_DASH),
        (
            NOTE.replace(f" {_SIG}", f"  {_SIG}"),
            "a signature line must hold a key name and a signature",
        ),
        (
            NOTE.replace(f" {_SIG}", f" {_SIG} extra"),
            "a signature line must hold a key name and a signature",
        ),
        (NOTE.replace(LOG + " ", "a+b "), "a signature line names an invalid key: 'a+b'"),
        (NOTE.replace(_SIG, "!!!!"), "a signature is not valid base64"),
        (NOTE.replace(_SIG, _SIG.rstrip("=")), "a signature is not valid base64"),
        (NOTE.replace(_SIG, "AAAAAA=="), TOO_SHORT),
        (NOTE.replace("1234", "12\x0734"), CONTROL),
        (NOTE.replace("1234", "12\r34"), CONTROL),
        (NOTE + NOTE.split("\n\n")[1] * 100, "a signed note may carry at most 100 signatures"),
        ("x" * (1 << 20) + NOTE, "the signed note is too large"),
    ],
)
def test_malformed_notes_are_refused(note: str, reason: str) -> None:
    with refused(reason):
        parse_note(note)
    with refused(reason):
        verify_note(note, [LOG_VERIFIER])


def test_a_note_that_is_not_utf8_is_refused() -> None:
    with refused("a signed note must be valid UTF-8"):
        parse_note(NOTE.encode().replace(b"1234", b"12\xff34"))
    with refused("a signed note must be valid UTF-8"):
        parse_note(NOTE.replace("1234", "12\ud80034"))
    with refused("a note body must be valid UTF-8", InvalidInput):
        sign_note("lone \ud800 surrogate\n", LOG, LOG_KEY)


def test_sixteen_signatures_are_accepted() -> None:
    stranger = Signature("stranger.example", b"\x00\x01\x02\x03", b"\x55" * 64).line()
    assert verify_note(NOTE + stranger * 15, [LOG_VERIFIER]) == CHECKPOINT


def test_a_body_that_is_not_a_note_text_cannot_be_signed() -> None:
    with refused("a note body must end with a newline", InvalidInput):
        sign_note("no newline", LOG, LOG_KEY)


# Cosignatures.


def test_a_cosignature_round_trips_and_leaves_the_log_signature_valid() -> None:
    line = cosign(NOTE, WITNESS, WITNESS_KEY, TIME)
    cosigned = add_signature(NOTE, line)
    assert cosigned == NOTE + line
    assert verify_cosignature(cosigned, line, WITNESS, WITNESS_KEY.public_key()) == TIME
    assert verify_note(cosigned, [LOG_VERIFIER]) == CHECKPOINT


def test_a_cosignature_signs_the_header_time_and_body() -> None:
    """The bytes on the line are key ID, 8-byte big-endian time, then the Ed25519 signature."""
    line = cosign(NOTE, WITNESS, WITNESS_KEY, TIME)
    _, [signature] = parse_note(CHECKPOINT.body() + "\n" + line)
    expected_id = key_id(WITNESS, WITNESS_KEY.public_key(), SIGNATURE_TYPE_COSIGNATURE_V1)
    assert signature.name == WITNESS
    assert signature.key_id == expected_id
    assert signature.sig[:8] == TIME.to_bytes(8, "big")
    message = f"cosignature/v1\ntime {TIME}\n{CHECKPOINT.body()}".encode()
    WITNESS_KEY.public_key().verify(signature.sig[8:], message)


def test_a_cosignature_line_from_another_implementation_has_the_same_layout() -> None:
    """transparency-dev/formats' sample cosignature carries the time 1727964367 after its ID."""
    sample = (
        "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOwor"
        "DcFiEBYJXORmnFBOBA=="
    )
    _, [signature] = parse_note(f"{_BODY}\n\u2014 {WITNESS} {sample}\n")
    assert int.from_bytes(signature.sig[:8], "big") == 1727964367
    assert len(signature.sig) == 8 + 64


def test_a_cosignature_does_not_survive_a_changed_checkpoint() -> None:
    line = cosign(NOTE, WITNESS, WITNESS_KEY, TIME)
    other = sign_note(Checkpoint(LOG, 1235, ROOT).body(), LOG, LOG_KEY)
    with refused(
        f"the cosignature by {WITNESS} does not verify: the checkpoint or its time was altered"
    ):
        verify_cosignature(other, line, WITNESS, WITNESS_KEY.public_key())


def test_a_cosignature_with_an_altered_time_is_refused() -> None:
    line = cosign(NOTE, WITNESS, WITNESS_KEY, TIME)
    _, [signature] = parse_note(_BODY + "\n" + line)
    later = Signature(
        signature.name, signature.key_id, (TIME + 3600).to_bytes(8, "big") + signature.sig[8:]
    )
    with refused(
        f"the cosignature by {WITNESS} does not verify: the checkpoint or its time was altered"
    ):
        verify_cosignature(NOTE, later.line(), WITNESS, WITNESS_KEY.public_key())


def test_only_the_named_witness_key_counts() -> None:
    line = cosign(NOTE, WITNESS, WITNESS_KEY, TIME)
    with refused(f"the cosignature is not by the witness key {WITNESS}"):
        verify_cosignature(NOTE, line, WITNESS, OTHER_KEY.public_key())
    with refused("the cosignature is not by the witness key other.example/w"):
        verify_cosignature(NOTE, line, "other.example/w", WITNESS_KEY.public_key())


def test_the_logs_own_signature_is_not_a_cosignature() -> None:
    """Type 0x04 in the key ID keeps the log's signature from passing for a witness's."""
    log_line = "\u2014 " + NOTE.split("\n\u2014 ", 1)[1]
    with refused(f"the cosignature is not by the witness key {LOG}"):
        verify_cosignature(NOTE, log_line, LOG, LOG_KEY.public_key())


def test_a_cosignature_of_the_wrong_length_is_refused() -> None:
    expected_id = key_id(WITNESS, WITNESS_KEY.public_key(), SIGNATURE_TYPE_COSIGNATURE_V1)
    short = Signature(WITNESS, expected_id, b"\x00" * 64).line()
    with refused("a cosignature must hold an 8-byte time and a 64-byte signature"):
        verify_cosignature(NOTE, short, WITNESS, WITNESS_KEY.public_key())


def test_a_cosignature_time_beyond_the_signed_64_bit_range_is_refused() -> None:
    expected_id = key_id(WITNESS, WITNESS_KEY.public_key(), SIGNATURE_TYPE_COSIGNATURE_V1)
    beyond = Signature(WITNESS, expected_id, (2**63).to_bytes(8, "big") + b"\x00" * 64).line()
    with refused("the cosignature time is out of range"):
        verify_cosignature(NOTE, beyond, WITNESS, WITNESS_KEY.public_key())


def test_a_cosignature_from_the_future_can_be_refused() -> None:
    line = cosign(NOTE, WITNESS, WITNESS_KEY, TIME)
    assert verify_cosignature(NOTE, line, WITNESS, WITNESS_KEY.public_key(), not_after=TIME) == TIME
    with refused(f"the cosignature by {WITNESS} is dated in the future ({TIME})"):
        verify_cosignature(NOTE, line, WITNESS, WITNESS_KEY.public_key(), not_after=TIME - 1)


def test_cosign_refuses_times_out_of_range_and_non_checkpoints() -> None:
    with refused(f"a cosignature timestamp must lie in 0..{2**63 - 1}", InvalidInput):
        cosign(NOTE, WITNESS, WITNESS_KEY, 2**63)
    with refused(f"a cosignature timestamp must lie in 0..{2**63 - 1}", InvalidInput):
        cosign(NOTE, WITNESS, WITNESS_KEY, -1)
    with refused("a checkpoint body needs an origin, a size and a root"):
        cosign(GO_NOTE, WITNESS, WITNESS_KEY, TIME)
