"""SubjectCipher over a real key store: fields sealed per person, unreadable once erased."""

from __future__ import annotations

import pytest

from listwarden.crypto.cipher import SealedField, SubjectCipher, UnsafePlaintextCipher
from listwarden.crypto.keystore import KeyStore
from listwarden.domain.errors import CiphertextTampered, Conflict, KeyUnavailable


@pytest.fixture
def cipher(keystore: KeyStore) -> SubjectCipher:
    cipher = SubjectCipher(keystore)
    for subject in ("subject-1", "subject-2", "subject-3"):
        cipher.new_subject_key(subject)
    return cipher


def test_round_trip(cipher: SubjectCipher) -> None:
    blob = cipher.seal("subject-1", "subjects", "row-1", "given_name", "Zoë")
    assert "Zoë".encode() not in blob
    assert cipher.open("subject-1", "subjects", "row-1", "given_name", blob) == "Zoë"


def test_a_second_key_for_one_subject_is_refused(cipher: SubjectCipher) -> None:
    with pytest.raises(Conflict):
        cipher.new_subject_key("subject-1")


def test_a_value_cannot_move_between_rows_fields_or_people(cipher: SubjectCipher) -> None:
    blob = cipher.seal("subject-1", "subjects", "row-1", "given_name", "Jane")
    for place in [
        ("subject-1", "subjects", "row-2", "given_name"),
        ("subject-1", "subjects", "row-1", "family_name"),
        ("subject-2", "subjects", "row-1", "given_name"),
    ]:
        with pytest.raises(CiphertextTampered):
            cipher.open(*place, blob)


def test_open_many_across_subjects(cipher: SubjectCipher) -> None:
    items: list[SealedField] = []
    expected = []
    for n in range(1, 4):
        subject = f"subject-{n}"
        for field in ("given_name", "family_name"):
            value = f"{field} of {n}"
            items.append(
                (
                    subject,
                    "subjects",
                    subject,
                    field,
                    cipher.seal(subject, "subjects", subject, field, value),
                )
            )
            expected.append(value)
    cipher.keystore.clear_cache()
    assert cipher.open_many(items) == expected
    assert cipher.open_many([]) == []


def test_erasure_makes_every_field_unreadable(cipher: SubjectCipher) -> None:
    kept = cipher.seal("subject-2", "subjects", "row-2", "given_name", "Kept")
    erased = cipher.seal("subject-1", "subjects", "row-1", "given_name", "Gone")
    cipher.erase_subject("subject-1")
    cipher.erase_subject("subject-1")  # erasing twice is not an error
    with pytest.raises(KeyUnavailable):
        cipher.open("subject-1", "subjects", "row-1", "given_name", erased)
    with pytest.raises(KeyUnavailable, match="'subject-1'"):
        cipher.open_many(
            [
                ("subject-2", "subjects", "row-2", "given_name", kept),
                ("subject-1", "subjects", "row-1", "given_name", erased),
            ]
        )
    assert cipher.open("subject-2", "subjects", "row-2", "given_name", kept) == "Kept"


def test_monitoring_is_sealed_under_the_equality_key_alone(cipher: SubjectCipher) -> None:
    blob = cipher.seal_monitoring("mon-1", "self_defined_ethnicity", "white_irish")
    assert cipher.open_monitoring("mon-1", "self_defined_ethnicity", blob) == "white_irish"
    cipher.new_subject_key("subject-9")
    with pytest.raises(CiphertextTampered):  # not openable with a person's key
        cipher.open("subject-9", "monitoring", "mon-1", "self_defined_ethnicity", blob)
    with pytest.raises(CiphertextTampered):  # bound to its field
        cipher.open_monitoring("mon-1", "identity_code", blob)
    with pytest.raises(CiphertextTampered):  # and to its record
        cipher.open_monitoring("mon-2", "self_defined_ethnicity", blob)
    cipher.destroy_equality_key()
    with pytest.raises(CiphertextTampered):  # a new equality key cannot read the old record
        cipher.open_monitoring("mon-1", "self_defined_ethnicity", blob)


def test_the_unsafe_twin_stores_plaintext() -> None:
    unsafe = UnsafePlaintextCipher()
    blob = unsafe.seal("s", "t", "r", "f", "visible")
    assert blob == b"visible"
    assert unsafe.open("s", "t", "r", "f", blob) == "visible"
    assert unsafe.open_many([("s", "t", "r", "f", blob)]) == ["visible"]
    unsafe.erase_subject("s")
    assert unsafe.open("s", "t", "r", "f", blob) == "visible"  # nothing was erased


def test_seal_many_seals_each_field_as_seal_does(cipher: SubjectCipher) -> None:
    """Keys from the fresh batch (subject-3) and from the store (subject-1, 2) alike; each blob
    opens in its own row and field alone, and no two share a nonce."""
    items = [
        (f"subject-{n}", table, record, field, f"{field} of {record}")
        for n in (1, 2, 3)
        for table, record in (("subjects", f"subject-{n}"), ("intelligence_items", f"item-{n}"))
        for field in ("given_name", "text")
    ]
    blobs = cipher.seal_many(items)
    assert len(blobs) == len(items)
    assert len({blob[1:13] for blob in blobs}) == len(blobs)
    cipher.keystore.clear_cache()
    for (subject, table, record, field, value), blob in zip(items, blobs, strict=True):
        assert value.encode() not in blob
        assert cipher.open(subject, table, record, field, blob) == value
        other = "subject-2" if subject != "subject-2" else "subject-1"
        for place in [(other, table, record, field), (subject, table, record + "x", field)]:
            with pytest.raises(CiphertextTampered):
                cipher.open(*place, blob)
    assert cipher.seal_many([]) == []


def test_seal_many_refuses_a_person_without_a_key(cipher: SubjectCipher) -> None:
    with pytest.raises(KeyUnavailable, match="'nobody'"):
        cipher.seal_many([("nobody", "subjects", "nobody", "given_name", "X")])


def test_seal_monitoring_many_seals_each_field_as_seal_monitoring_does(
    cipher: SubjectCipher,
) -> None:
    items = [(f"record-{n}", field, f"{field} {n}") for n in (1, 2) for field in ("a", "b")]
    blobs = cipher.seal_monitoring_many(items)
    for (record, field, value), blob in zip(items, blobs, strict=True):
        assert cipher.open_monitoring(record, field, blob) == value
        with pytest.raises(CiphertextTampered):
            cipher.open_monitoring(record + "x", field, blob)
    assert len({blob[1:13] for blob in blobs}) == len(blobs)
