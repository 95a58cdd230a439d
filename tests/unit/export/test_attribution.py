"""Attribution of a leaked fragment: by its row tags, and with the tags stripped, by its content."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from listwarden.domain.agreements import (
    Agreement,
    AgreementStatus,
    Approval,
    OrganisationType,
    Recipient,
    RecipientKind,
    StatutoryFunction,
)
from listwarden.domain.errors import InvalidInput
from listwarden.domain.fields import Field
from listwarden.domain.sharing import DisclosureRequest, EntryFacts, evaluate_disclosure
from listwarden.domain.vocabulary import Band, Category, Purpose, Role
from listwarden.export.attribution import (
    Attribution,
    DisclosureRecord,
    attribute_fragment,
    find_tags,
)
from listwarden.export.package import CSV_MEMBER, Disclosure, Package, assemble_package

TODAY = date(2026, 6, 1)
MASTER = b"attribution-master-key-for-tests!"
KEY = "age16fnzphm3appyufxntqxq9t9sy5f9k3an2gyln9t9mm5g0ezt7q9s6uky5u"
APPROVAL = Approval("iru-1", Role.IRU, TODAY - timedelta(days=10))
HOUSING = Recipient(
    "rcp-housing",
    "Borough Housing",
    RecipientKind.STATUTORY,
    "dpo@borough.example",
    KEY,
    statutory_function=StatutoryFunction.LOCAL_AUTHORITY_HOUSING,
    approval=APPROVAL,
)
CHARITY = replace(
    HOUSING,
    id="rcp-charity",
    kind=RecipientKind.NON_STATUTORY,
    statutory_function=None,
    organisation_type=OrganisationType.CHARITY,
)
POLICE = replace(
    HOUSING, id="rcp-police", kind=RecipientKind.LAW_ENFORCEMENT, statutory_function=None
)
AGREEMENT = Agreement(
    id="dsa-1",
    parties=frozenset({HOUSING.id, CHARITY.id, POLICE.id}),
    purposes=frozenset({Purpose.CHILD_SAFEGUARDING}),
    lawful_basis="DPA 2018 s.35(2)(b)",
    categories=frozenset({Category.SUSPECTED}),
    bands=frozenset({Band.RED}),
    fields=frozenset({"entry_id", "given_name", "family_name", "date_of_birth", "band", "score"}),
    recipient_retention_days=90,
    recipient_deletion="secure deletion",
    security_conditions="named officers only",
    valid_from=TODAY - timedelta(days=30),
    valid_until=TODAY + timedelta(days=300),
    review_on=TODAY + timedelta(days=100),
    drafted_by="iao-1",
    status=AgreementStatus.APPROVED,
    approval=APPROVAL,
)
NAMES = ["given_name", "family_name", "date_of_birth"]


def person(i: int) -> dict[str, Any]:
    return {
        "entry_id": f"e{i:03d}",
        "given_name": f"Zélie{i}",
        "family_name": f"Okonkwo-Smith{i}",
        "date_of_birth": date(2000, 3, 1) + timedelta(days=7 * i),
        "band": "red",
        "score": 10 + i,
    }


def disclose(
    n: str, recipient: Recipient, people: range, fields: list[str], on: date = TODAY
) -> Package:
    ids = [f"e{i:03d}" for i in people]
    request = DisclosureRequest(
        requested_by="officer-1",
        recipient_id=recipient.id,
        agreement_id=AGREEMENT.id,
        purpose=Purpose.CHILD_SAFEGUARDING.value,
        entry_ids=ids,
        fields=fields,
        justification="safeguarding",
        second_approval=Approval("iru-2", Role.IRU, on),
    )
    facts = [EntryFacts(i, Category.SUSPECTED, Band.RED, 12.0, False) for i in ids]
    decision = evaluate_disclosure(request, AGREEMENT, recipient, facts, on)
    disclosure = Disclosure(f"disc-{n}", f"LW-D-{n}", on, request.purpose, recipient, AGREEMENT)
    return assemble_package(disclosure, decision, [person(i) for i in people], master_key=MASTER)


# Three disclosures of overlapping people: the leak is five rows of the first.
TO_HOUSING = disclose("A", HOUSING, range(0, 10), [*NAMES, "band"])
TO_CHARITY = disclose("B", CHARITY, range(0, 8), NAMES)
TO_POLICE = disclose("C", POLICE, range(0, 30), ["entry_id", *NAMES, "band", "score"])
RECORDS: list[DisclosureRecord] = [p.record for p in (TO_HOUSING, TO_CHARITY, TO_POLICE)]


def leaked_rows(package: Package, rows: list[int]) -> list[dict[str, str]]:
    with zipfile.ZipFile(io.BytesIO(package.archive)) as opened:
        text = opened.read(CSV_MEMBER).decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    return [table[i] for i in rows]


def strip_tags(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [
        {k: v for k, v in row.items() if k not in {"row_tag", "disclosure_reference"}}
        for row in rows
    ]


def attribute(rows: list[dict[str, str]]) -> Attribution:
    return attribute_fragment(rows, RECORDS, master_key=MASTER)


FIVE = [1, 3, 4, 7, 9]


def test_five_leaked_rows_with_their_tags_name_the_disclosure_and_each_row() -> None:
    found = attribute(leaked_rows(TO_HOUSING, FIVE))
    assert found.method == "tags"
    assert [(m.disclosure_id, m.reference, m.row, m.entry_id) for m in found.tag_matches] == [
        ("disc-A", "LW-D-A", i, f"e{i:03d}") for i in FIVE
    ]
    assert all(m.consistent for m in found.tag_matches)


def test_tags_are_found_even_with_the_reference_and_headers_gone() -> None:
    rows = [
        {"col1": row["row_tag"], "col2": row["given_name"]} for row in leaked_rows(TO_HOUSING, FIVE)
    ]
    assert [m.row for m in attribute(rows).tag_matches] == FIVE


def test_tags_pasted_into_free_text_are_found() -> None:
    tags = [row["row_tag"] for row in leaked_rows(TO_CHARITY, [2, 5])]
    email = f"FYI see below\n> {tags[0]}, Zélie2 ...\n> {tags[1]}, Zélie5"
    assert find_tags(email) == tags
    found = attribute([{"body": email}])
    assert [(m.disclosure_id, m.row) for m in found.tag_matches] == [("disc-B", 2), ("disc-B", 5)]


def test_five_leaked_rows_without_tags_point_to_the_disclosures_that_could_have_produced_them() -> (
    None
):
    found = attribute(strip_tags(leaked_rows(TO_HOUSING, FIVE)))
    assert found.method == "content"
    assert found.tag_matches == ()
    assert found.people == 5
    assert found.fields == {Field.GIVEN_NAME, Field.FAMILY_NAME, Field.DATE_OF_BIRTH, Field.BAND}
    # The charity never received bands, so it is not a candidate; the police disclosure held the
    # same people with more fields, so it could have, but less likely than the exact match.
    assert [(c.disclosure_id, c.extra_fields) for c in found.candidates] == [
        ("disc-A", ()),
        ("disc-C", ("entry_id", "score")),
    ]


def test_a_spreadsheet_mangled_copy_still_points_to_its_disclosure() -> None:
    mangled = [
        {
            "Forename": row["given_name"].upper().replace("É", "E"),
            "Surname": row["family_name"].replace("é", "e"),
            "DOB": date.fromisoformat(row["date_of_birth"]).strftime("%d/%m/%Y"),
            "Band": row["band"],
            "Notes": "copied for the meeting",
        }
        for row in strip_tags(leaked_rows(TO_HOUSING, FIVE))
    ]
    found = attribute(mangled)
    assert [c.disclosure_id for c in found.candidates] == ["disc-A", "disc-C"]
    assert found.unrecognised_columns == ("Notes",)


def test_the_closest_field_set_ranks_first() -> None:
    names_only = [
        {k: row[k] for k in NAMES} for row in strip_tags(leaked_rows(TO_HOUSING, [0, 1, 2, 3, 4]))
    ]
    found = attribute(names_only)
    assert [(c.disclosure_id, c.disclosure_rows) for c in found.candidates] == [
        ("disc-B", 8),
        ("disc-A", 10),
        ("disc-C", 30),
    ]


def test_a_person_beyond_a_disclosure_rules_it_out() -> None:
    rows = strip_tags(leaked_rows(TO_POLICE, [1, 2, 3, 4, 25]))
    found = attribute([{k: row[k] for k in NAMES} for row in rows])
    assert [c.disclosure_id for c in found.candidates] == ["disc-C"]


def test_entry_ids_identify_people_when_present() -> None:
    rows = [{"entry_id": row["entry_id"]} for row in leaked_rows(TO_POLICE, [0, 2, 4, 6, 8])]
    assert [c.disclosure_id for c in attribute(rows).candidates] == ["disc-C"]


def test_a_fragment_of_nobody_we_disclosed_has_no_candidate() -> None:
    stranger = [{"given_name": "Nobody", "family_name": "Known", "date_of_birth": "1990-01-01"}]
    found = attribute(stranger)
    assert (found.method, found.candidates, found.people) == ("none", (), 1)


def test_a_tag_moved_onto_another_person_is_flagged() -> None:
    rows = leaked_rows(TO_POLICE, [0, 1])
    rows[0]["row_tag"], rows[1]["row_tag"] = rows[1]["row_tag"], rows[0]["row_tag"]
    found = attribute(rows)
    assert [(m.row, m.consistent) for m in found.tag_matches] == [(1, False), (0, False)]


def test_the_master_key_must_be_long_enough() -> None:
    with pytest.raises(InvalidInput) as refused:
        attribute_fragment([], RECORDS, master_key=b"short")
    assert [r.code for r in refused.value.reasons] == ["attribution-key-too-short"]
