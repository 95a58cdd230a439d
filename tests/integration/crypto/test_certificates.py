"""Erasure certificates in the key store: pending, completed with the key, signed, verifiable."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from listwarden.crypto.erasure_certificates import CertificateStore, certificate_document
from listwarden.crypto.keystore import KeyStore
from listwarden.crypto.providers import FileKeyProvider
from listwarden.crypto.register_keys import RegisterKeys
from listwarden.domain.errors import Conflict, KeyUnavailable, NotFound

from .conftest import OpenKeyStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _document(cert_id: str, subject: str, entries: list[str], scope: str = "subject") -> dict:
    return certificate_document(
        certificate_id=cert_id,
        scope=scope,
        subject_id=subject,
        entries=[(e, "list-1") for e in entries],
        list_names={"list-1": "Gangs Violence Matrix"},
        by="user-1",
        rule="request:SAR-1",
        erased_at=NOW,
        keystore_retention=timedelta(days=30),
        database_retention=timedelta(days=90),
    )


def test_a_certificate_completes_with_the_key_and_its_ledger_line(keystore: KeyStore) -> None:
    keystore.create_data_keys(["subject-1", "subject-2"])
    store = CertificateStore(keystore)
    issued = store.issue(_document("cert-1", "subject-1", ["entry-1", "entry-2"]))
    assert not issued.completed
    assert keystore.data_key("subject-1")  # nothing is destroyed until the database commits
    assert [c.id for c in store.pending()] == ["cert-1"]

    assert store.complete("cert-1") is True
    with pytest.raises(KeyUnavailable):
        keystore.data_key("subject-1")
    assert keystore.data_key("subject-2")
    done = store.get("cert-1")
    assert done.completed
    assert done.document["no_backup_restores_identifying_data_after"] == "2026-03-31T12:00:00+00:00"
    assert done.document["monitoring_residue_gone_after"] == "2026-05-30T12:00:00+00:00"
    assert [(r.owner_id, r.certificate_id, r.signature) for r in keystore.erasure_ledger()] == [
        ("subject-1", "cert-1", done.signature)
    ]
    assert store.complete("cert-1") is False  # idempotent: no second ledger line
    assert len(list(keystore.erasure_ledger())) == 1
    assert store.for_entry("entry-2") == done
    assert store.for_subject("subject-1") == done
    with pytest.raises(Conflict, match="is completed and cannot be abandoned"):
        store.abandon("cert-1")


def test_an_entry_certificate_destroys_no_key(keystore: KeyStore) -> None:
    keystore.create_data_key("subject-1")
    store = CertificateStore(keystore)
    store.issue(_document("cert-e", "subject-1", ["entry-1"], scope="entry"))
    assert store.complete("cert-e") is True
    assert keystore.data_key("subject-1")
    assert list(keystore.erasure_ledger()) == []
    assert list(store.completed_entries()) == [("entry-1", "cert-e")]
    with pytest.raises(Conflict, match="entry entry-1 was already erased under certificate cert-e"):
        store.issue(_document("cert-again", "subject-1", ["entry-1"], scope="entry"))


def test_a_stale_pending_certificate_is_replaced_and_an_abandoned_one_is_gone(
    keystore: KeyStore,
) -> None:
    store = CertificateStore(keystore)
    store.issue(_document("cert-old", "subject-1", ["entry-1"]))
    store.issue(_document("cert-new", "subject-1", ["entry-1"]))
    assert [c.id for c in store.pending()] == ["cert-new"]
    with pytest.raises(NotFound):
        store.get("cert-old")
    assert store.abandon("cert-new") is True
    assert store.abandon("cert-new") is False
    assert store.for_entry("entry-1") is None


def test_signatures_verify_and_name_their_key(
    open_keystore: OpenKeyStore, kek: FileKeyProvider, tmp_path: Path
) -> None:
    keys = RegisterKeys(
        open_keystore(kek), keystore_backup_retention_days=30, database_backup_retention_days=90
    )
    cert = keys.issue_certificate(
        scope="subject",
        subject_id="subject-1",
        entries=[("entry-1", "list-1")],
        list_names={},
        by="system",
        rule="retention:matrix-removal",
        erased_at=NOW,
    )
    assert keys.certificate_problem(cert) is None
    assert cert.document["signing_key"].startswith("ed25519:")
    assert len(keys.signing_public_key()) == 32

    forged = dataclasses.replace(cert, signature=bytes(64))
    assert keys.certificate_problem(forged) == "its signature does not match its contents"
    moved = dataclasses.replace(cert, subject_id="subject-2")
    assert keys.certificate_problem(moved) == "its stored record does not match its signed contents"

    elsewhere = RegisterKeys(
        KeyStore(f"sqlite:///{tmp_path / 'other.sqlite'}", kek),
        keystore_backup_retention_days=30,
        database_backup_retention_days=90,
    )
    try:
        assert elsewhere.certificate_problem(cert) == (
            "it names another signing key than this register's"
        )
    finally:
        elsewhere.keystore.close()
