"""Disclosure packages: redaction, row tags and the manifest, opened with Debian's age tool."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyrage
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyrage import x25519

from listwarden.domain.agreements import (
    Agreement,
    AgreementStatus,
    Approval,
    Recipient,
    RecipientKind,
    StatutoryFunction,
)
from listwarden.domain.errors import InvalidInput
from listwarden.domain.grading import parse_grading
from listwarden.domain.sharing import (
    DisclosureDecision,
    DisclosureRequest,
    EntryFacts,
    SharingNotPermitted,
    evaluate_disclosure,
)
from listwarden.domain.vocabulary import Band, Category, Purpose, Role
from listwarden.export.attribution import disclosure_key, row_tag
from listwarden.export.package import (
    CSV_MEMBER,
    JSON_MEMBER,
    MANIFEST_MEMBER,
    Disclosure,
    Row,
    assemble_package,
    build_package,
    seal,
)

TODAY = date(2026, 6, 1)
MASTER = bytes(range(32))
IDENTITY = x25519.Identity.generate()
APPROVAL = Approval("iru-1", Role.IRU, TODAY - timedelta(days=10))
RECIPIENT = Recipient(
    id="rcp-housing",
    name="Borough Housing Department",
    kind=RecipientKind.STATUTORY,
    notice_contact="dpo@borough.example",
    age_public_key=str(IDENTITY.to_public()),
    statutory_function=StatutoryFunction.LOCAL_AUTHORITY_HOUSING,
    approval=APPROVAL,
)
AGREEMENT = Agreement(
    id="dsa-1",
    parties=frozenset({RECIPIENT.id}),
    purposes=frozenset({Purpose.CHILD_SAFEGUARDING}),
    lawful_basis="DPA 2018 s.35(2)(b)",
    categories=frozenset({Category.SUSPECTED}),
    bands=frozenset({Band.RED}),
    fields=frozenset(
        {"entry_id", "given_name", "family_name", "date_of_birth", "band", "intelligence_text"}
    ),
    recipient_retention_days=90,
    recipient_deletion="secure deletion, certificate to the IRU",
    security_conditions="named officers only",
    valid_from=TODAY - timedelta(days=30),
    valid_until=TODAY + timedelta(days=300),
    review_on=TODAY + timedelta(days=100),
    drafted_by="iao-1",
    honours_handling_conditions=True,
    status=AgreementStatus.APPROVED,
    approval=APPROVAL,
)
DISCLOSURE = Disclosure("disc-0001", "LW-D-0001", TODAY, "child_safeguarding", RECIPIENT, AGREEMENT)
ASKED = ["entry_id", "given_name", "family_name", "date_of_birth", "band", "address", "score"]


def rows(n: int = 5) -> list[dict[str, Any]]:
    return [
        {
            "entry_id": f"e{i}",
            "given_name": f"Given{i}",
            "family_name": f"Family{i}",
            "date_of_birth": date(2001, 1, 1) + timedelta(days=i),
            "band": "red",
            "address": f"{i} Nonesuch Road, Synthetic Town",
            "score": 4242.5,
            "intelligence_text": f"seen with associates {i}",
        }
        for i in range(n)
    ]


def decide(
    n: int = 5, fields: list[str] | None = None, facts: list[EntryFacts] | None = None
) -> DisclosureDecision:
    ids = [f"e{i}" for i in range(n)]
    request = DisclosureRequest(
        requested_by="officer-1",
        recipient_id=RECIPIENT.id,
        agreement_id=AGREEMENT.id,
        purpose=Purpose.CHILD_SAFEGUARDING.value,
        entry_ids=ids,
        fields=fields or ASKED,
        justification="safeguarding referral for the household",
    )
    facts = facts or [EntryFacts(i, Category.SUSPECTED, Band.RED, 12.0, False) for i in ids]
    return evaluate_disclosure(request, AGREEMENT, RECIPIENT, facts, TODAY)


def members(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def age_decrypt(tmp_path: Path, ciphertext: bytes) -> bytes:
    if shutil.which("age") is None:
        pytest.skip("Debian's age tool is not installed (make system-deps)")
    identity = tmp_path / "identity.txt"
    identity.write_text(str(IDENTITY) + "\n")
    identity.chmod(0o600)
    package = tmp_path / "package.age"
    package.write_bytes(ciphertext)
    opened = subprocess.run(
        ["age", "-d", "-i", str(identity), str(package)], capture_output=True, check=True
    )
    return opened.stdout


def test_redaction_a_removed_field_never_appears_in_what_the_age_tool_opens(
    tmp_path: Path,
) -> None:
    decision = decide()
    sealed = build_package(DISCLOSURE, decision, rows(), master_key=MASTER)
    opened = members(age_decrypt(tmp_path, sealed.ciphertext))
    assert set(opened) == {MANIFEST_MEMBER, JSON_MEMBER, CSV_MEMBER}
    everything = b"".join(opened.values())
    for row in rows():
        assert row["address"].encode() not in everything
    assert b"Nonesuch" not in everything
    assert b"4242" not in everything
    assert b"associates" not in everything  # allowed by the agreement, but not asked for
    table = csv_rows(opened[CSV_MEMBER])
    assert list(table[0]) == [
        "disclosure_reference",
        "row_tag",
        "entry_id",
        "given_name",
        "family_name",
        "date_of_birth",
        "band",
    ]
    assert table[0]["given_name"] == "Given0"
    document = json.loads(opened[JSON_MEMBER])
    assert all(set(row) == set(document["columns"]) for row in document["rows"])
    assert "address" not in document["columns"]
    manifest = json.loads(opened[MANIFEST_MEMBER])
    assert manifest["fields_removed"] == ["address", "score"]


def test_each_row_carries_the_reference_and_its_keyed_tag() -> None:
    package = assemble_package(DISCLOSURE, decide(), rows(), master_key=MASTER)
    opened = members(package.archive)
    key = disclosure_key(MASTER, DISCLOSURE.disclosure_id)
    table = csv_rows(opened[CSV_MEMBER])
    assert [r["row_tag"] for r in table] == [row_tag(key, n, f"e{n}") for n in range(5)]
    assert len({r["row_tag"] for r in table}) == 5
    assert {r["disclosure_reference"] for r in table} == {"LW-D-0001"}
    document = json.loads(opened[JSON_MEMBER])
    assert document["disclosure_reference"] == "LW-D-0001"
    assert [r["row_tag"] for r in document["rows"]] == [r["row_tag"] for r in table]


def test_another_disclosure_of_the_same_rows_has_other_tags() -> None:
    first = assemble_package(DISCLOSURE, decide(), rows(), master_key=MASTER)
    again = replace(DISCLOSURE, disclosure_id="disc-0002", reference="LW-D-0002")
    second = assemble_package(again, decide(), rows(), master_key=MASTER)
    tags = [
        {r["row_tag"] for r in csv_rows(members(p.archive)[CSV_MEMBER])} for p in (first, second)
    ]
    assert not tags[0] & tags[1]


def test_the_manifest_states_terms_and_member_digests() -> None:
    opened = members(assemble_package(DISCLOSURE, decide(), rows(), master_key=MASTER).archive)
    manifest = json.loads(opened[MANIFEST_MEMBER])
    assert manifest["disclosure_id"] == "disc-0001"
    assert manifest["recipient"]["kind"] == "statutory"
    assert manifest["recipient"]["statutory_function"] == "local_authority_housing"
    assert manifest["delete_by"] == (TODAY + timedelta(days=90)).isoformat()
    assert manifest["security_conditions"] == "named officers only"
    assert manifest["rows"] == 5
    for name in (JSON_MEMBER, CSV_MEMBER):
        assert manifest["members_sha256"][name] == hashlib.sha256(opened[name]).hexdigest()


def test_handling_conditions_travel_in_the_manifest() -> None:
    graded = (parse_grading("2B C", "not to be shown to the subject's landlord"),)
    facts = [EntryFacts(f"e{i}", Category.SUSPECTED, Band.RED, 12.0, False) for i in range(3)]
    facts[1] = replace(facts[1], gradings=graded)
    decision = decide(3, ["entry_id", "intelligence_text"], facts)
    opened = members(assemble_package(DISCLOSURE, decision, rows(3), master_key=MASTER).archive)
    manifest = json.loads(opened[MANIFEST_MEMBER])
    assert manifest["handling_conditions"] == [
        {"row": 1, "conditions": ["not to be shown to the subject's landlord"]}
    ]
    assert (
        json.loads(opened[JSON_MEMBER])["rows"][1]["intelligence_text"] == "seen with associates 1"
    )


def test_a_refused_decision_cannot_be_packaged() -> None:
    refused = decide(fields=["shoe_size"])
    with pytest.raises(SharingNotPermitted) as raised:
        assemble_package(DISCLOSURE, refused, rows(), master_key=MASTER)
    assert [r.code for r in raised.value.reasons] == ["field-unknown"]


@pytest.mark.parametrize("change", ["extra", "reordered", "missing"])
def test_rows_must_be_exactly_the_decided_entries(change: str) -> None:
    given_rows: list[Row] = rows()
    if change == "extra":
        given_rows = [*rows(), rows(6)[5]]
    elif change == "reordered":
        given_rows = list(reversed(rows()))
    else:
        given_rows = rows(4)
    with pytest.raises(InvalidInput) as raised:
        assemble_package(DISCLOSURE, decide(), given_rows, master_key=MASTER)
    assert [r.code for r in raised.value.reasons] == ["rows-not-decided"]


def test_a_decision_for_another_recipient_cannot_be_packaged_for_this_one() -> None:
    elsewhere = replace(DISCLOSURE, recipient=replace(RECIPIENT, id="rcp-other"))
    with pytest.raises(InvalidInput) as raised:
        assemble_package(elsewhere, decide(), rows(), master_key=MASTER)
    assert [r.code for r in raised.value.reasons] == ["decision-mismatch"]


@pytest.mark.parametrize("key", ["", "age1notakey", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA"])
def test_a_key_that_is_not_an_age_x25519_recipient_is_refused(key: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        seal(b"data", key)
    assert [r.code for r in raised.value.reasons] == ["age-key-invalid"]


def test_text_a_spreadsheet_would_run_is_kept_as_text() -> None:
    tricky = rows(1)
    tricky[0]["given_name"] = '=HYPERLINK("http://x.example","click")'
    package = assemble_package(DISCLOSURE, decide(1), tricky, master_key=MASTER)
    table = csv_rows(members(package.archive)[CSV_MEMBER])
    assert table[0]["given_name"] == '\'=HYPERLINK("http://x.example","click")'


def test_assembly_is_deterministic_and_the_record_holds_no_names() -> None:
    first = assemble_package(DISCLOSURE, decide(), rows(), master_key=MASTER)
    second = assemble_package(DISCLOSURE, decide(), rows(), master_key=MASTER)
    assert first.archive == second.archive
    record = first.record
    assert [(m.row, m.entry_id) for m in record.rows] == [(n, f"e{n}") for n in range(5)]
    assert all(m.fingerprint and "Given" not in m.fingerprint for m in record.rows)
    assert {f.value for f in record.fields} == {
        "entry_id",
        "given_name",
        "family_name",
        "date_of_birth",
        "band",
    }


def test_no_fingerprint_is_kept_when_names_were_not_disclosed() -> None:
    package = assemble_package(
        DISCLOSURE, decide(fields=["entry_id", "band"]), rows(), master_key=MASTER
    )
    assert {m.fingerprint for m in package.record.rows} == {None}


def test_the_sealed_file_is_named_by_reference_and_digested() -> None:
    sealed = build_package(DISCLOSURE, decide(), rows(), master_key=MASTER)
    assert sealed.filename == "LW-D-0001.zip.age"
    assert sealed.sha256 == hashlib.sha256(sealed.ciphertext).hexdigest()
    assert sealed.ciphertext.startswith(b"age-encryption.org/v1\n-> X25519 ")
    assert b"Given0" not in sealed.ciphertext


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=4096))
def test_sealing_round_trips_any_bytes(plaintext: bytes) -> None:
    assert pyrage.decrypt(seal(plaintext, RECIPIENT.age_public_key), [IDENTITY]) == plaintext
