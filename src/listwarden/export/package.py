"""Disclosure packages: JSON and CSV with a manifest in one zip, row-tagged, sealed with age."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyrage
from pyrage import x25519

from listwarden.domain.agreements import Agreement, Recipient
from listwarden.domain.errors import InvalidInput, Reason
from listwarden.domain.fields import Field, in_catalogue_order
from listwarden.domain.sharing import DisclosureDecision
from listwarden.export.attribution import (
    DisclosureRecord,
    RowMark,
    disclosure_key,
    fingerprint_key,
    person_fingerprint,
    row_tag,
)

FORMAT = "listwarden-disclosure/1"
JSON_MEMBER, CSV_MEMBER, MANIFEST_MEMBER = "disclosure.json", "disclosure.csv", "manifest.json"
REFERENCE_COLUMN, TAG_COLUMN = "disclosure_reference", "row_tag"

Value = str | int | float | bool | date | Sequence[str] | None
Row = Mapping[str, Value]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Disclosure:
    """The facts a package states about itself: which disclosure, to whom, under what."""

    disclosure_id: str
    reference: str
    created_on: date
    purpose: str
    recipient: Recipient
    agreement: Agreement


@dataclass(frozen=True)
class Package:
    """A package before sealing: the zip in memory, never written out, and its record."""

    archive: bytes
    record: DisclosureRecord


@dataclass(frozen=True)
class SealedPackage:
    """What leaves the register: the age file, its digest for the log, and the record."""

    filename: str
    ciphertext: bytes
    sha256: str
    record: DisclosureRecord


def _json_value(value: Value) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return value


def _csv_value(value: Value) -> str:
    """Cells as text; text a spreadsheet would run as a formula is quoted so it stays text."""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    return "; ".join(value)


def _check_decided(d: Disclosure, decision: DisclosureDecision, rows: Sequence[Row]) -> None:
    """Package only what was decided: these rows, in order, to this recipient, under this DSA."""
    decision.require_permitted()
    given = tuple(str(row.get(Field.ENTRY_ID.value, "")) for row in rows)
    reasons = []
    if given != decision.entry_ids:
        reasons.append(Reason("rows-not-decided", "one row per decided entry, in order", "rows"))
    if (d.recipient.id, d.agreement.id) != (decision.recipient_id, decision.agreement_id):
        reasons.append(
            Reason("decision-mismatch", "the decision was for another recipient or agreement")
        )
    if reasons:
        raise InvalidInput("the package does not match its disclosure decision", reasons=reasons)


def _member(archive: zipfile.ZipFile, name: str, data: bytes, on: date) -> None:
    info = zipfile.ZipInfo(name, date_time=(max(on.year, 1980), on.month, on.day, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    archive.writestr(info, data)


def _manifest(
    d: Disclosure,
    decision: DisclosureDecision,
    columns: Sequence[Field],
    members: Mapping[str, bytes],
) -> dict[str, Any]:
    a, r = d.agreement, d.recipient
    row_of = {entry_id: n for n, entry_id in enumerate(decision.entry_ids)}
    return {
        "format": FORMAT,
        "disclosure_id": d.disclosure_id,
        "disclosure_reference": d.reference,
        "created_on": d.created_on.isoformat(),
        "recipient": {
            "id": r.id,
            "name": r.name,
            "kind": r.kind.value,
            "statutory_function": r.statutory_function,
            "organisation_type": r.organisation_type,
        },
        "agreement_id": a.id,
        "purpose": d.purpose,
        "lawful_basis": a.lawful_basis,
        "fields": [f.value for f in columns],
        "fields_removed": sorted(f.value for f in decision.redacted),
        "rows": len(decision.entry_ids),
        "handling_conditions": [
            {"row": row_of[entry_id], "conditions": list(conditions)}
            for entry_id, conditions in decision.handling_conditions.items()
        ],
        "delete_by": (d.created_on + timedelta(days=a.recipient_retention_days)).isoformat(),
        "deletion": a.recipient_deletion,
        "security_conditions": a.security_conditions,
        "attribution": f"each row carries a keyed {TAG_COLUMN} naming this disclosure and row",
        "members_sha256": {
            name: hashlib.sha256(data).hexdigest() for name, data in members.items()
        },
    }


def _tables(
    disclosure: Disclosure, columns: Sequence[Field], rows: Sequence[Row], master_key: bytes
) -> tuple[dict[str, bytes], list[RowMark]]:
    """The JSON and CSV members, each row tagged, and the marks attribution keeps of the rows."""
    tag_key = disclosure_key(master_key, disclosure.disclosure_id)
    names = (Field.GIVEN_NAME, Field.FAMILY_NAME, Field.DATE_OF_BIRTH)
    fp_key = fingerprint_key(master_key) if set(names) <= set(columns) else None
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([REFERENCE_COLUMN, TAG_COLUMN, *(f.value for f in columns)])
    json_rows, marks = [], []
    for n, row in enumerate(rows):
        entry_id = str(row[Field.ENTRY_ID.value])
        tag = row_tag(tag_key, n, entry_id)
        # Only the decision's columns are read from the row: anything else is never touched.
        values = [row.get(f.value) for f in columns]
        writer.writerow([disclosure.reference, tag, *map(_csv_value, values)])
        cells = zip((f.value for f in columns), map(_json_value, values), strict=True)
        json_rows.append({TAG_COLUMN: tag, **dict(cells)})
        fp = None
        if fp_key is not None:
            fp = person_fingerprint(fp_key, *(row.get(f.value) for f in names))
        marks.append(RowMark(n, entry_id, fp))
    document = {
        "format": FORMAT,
        "disclosure_reference": disclosure.reference,
        "columns": [TAG_COLUMN, *(f.value for f in columns)],
        "rows": json_rows,
    }
    members = {
        # Compact, so the C encoder writes it: indenting 1,000 rows costs more than the rules.
        JSON_MEMBER: json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(),
        CSV_MEMBER: text.getvalue().encode("utf-8-sig"),  # the BOM makes Excel read UTF-8
    }
    return members, marks


def assemble_package(
    disclosure: Disclosure, decision: DisclosureDecision, rows: Sequence[Row], *, master_key: bytes
) -> Package:
    """The zip of a permitted disclosure, carrying only the decision's fields, each row tagged."""
    _check_decided(disclosure, decision, rows)
    columns = in_catalogue_order(decision.fields)
    members, marks = _tables(disclosure, columns, rows, master_key)
    manifest = json.dumps(_manifest(disclosure, decision, columns, members), indent=1).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in {MANIFEST_MEMBER: manifest, **members}.items():
            _member(archive, name, data, disclosure.created_on)
    record = DisclosureRecord(
        disclosure_id=disclosure.disclosure_id,
        reference=disclosure.reference,
        recipient_id=disclosure.recipient.id,
        created_on=disclosure.created_on,
        fields=frozenset(columns),
        rows=tuple(marks),
    )
    return Package(buffer.getvalue(), record)


def seal(plaintext: bytes, age_public_key: str) -> bytes:
    """``plaintext`` encrypted to one age X25519 recipient; ``age -d -i key.txt`` opens it."""
    try:
        recipient = x25519.Recipient.from_str(age_public_key.strip())
        return bytes(pyrage.encrypt(plaintext, [recipient]))
    except (pyrage.RecipientError, pyrage.EncryptError) as error:
        raise InvalidInput(
            "the recipient's age key cannot be used",
            reasons=[Reason("age-key-invalid", str(error), "age_public_key")],
        ) from None


def seal_package(package: Package, recipient: Recipient) -> SealedPackage:
    """The package sealed to the recipient's key, named by its reference."""
    ciphertext = seal(package.archive, recipient.age_public_key)
    return SealedPackage(
        filename=f"{package.record.reference}.zip.age",
        ciphertext=ciphertext,
        sha256=hashlib.sha256(ciphertext).hexdigest(),
        record=package.record,
    )


def build_package(
    disclosure: Disclosure, decision: DisclosureDecision, rows: Sequence[Row], *, master_key: bytes
) -> SealedPackage:
    """Assemble and seal in one step; the plaintext zip never leaves memory."""
    package = assemble_package(disclosure, decision, rows, master_key=master_key)
    return seal_package(package, disclosure.recipient)
