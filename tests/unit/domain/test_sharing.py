"""Law 6 as pure rules: the field catalogue, agreement approval, and every disclosure refusal."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from listwarden.domain.access import Actor
from listwarden.domain.agreements import (
    Agreement,
    AgreementStatus,
    Approval,
    IntelligencePermission,
    OrganisationType,
    Recipient,
    RecipientKind,
    StatutoryFunction,
    effective_status,
    recipient_gaps,
)
from listwarden.domain.errors import InvalidInput
from listwarden.domain.fields import (
    CATALOGUE,
    INTELLIGENCE_FIELDS,
    Field,
    Sensitivity,
    in_catalogue_order,
    parse_fields,
)
from listwarden.domain.grading import parse_grading
from listwarden.domain.sharing import (
    REASONS,
    DisclosureRequest,
    EntryFacts,
    SharingNotPermitted,
    agreement_gaps,
    approve_agreement,
    evaluate_disclosure,
    revoke_agreement,
)
from listwarden.domain.vocabulary import Band, Category, Purpose, Role

TODAY = date(2026, 6, 1)
KEY = "age16fnzphm3appyufxntqxq9t9sy5f9k3an2gyln9t9mm5g0ezt7q9s6uky5u"  # a public key
IRU_1, IRU_2 = Actor("iru-1", Role.IRU), Actor("iru-2", Role.IRU)
FIRST = Approval("iru-1", Role.IRU, TODAY - timedelta(days=30))

HOUSING = Recipient(
    id="rcp-housing",
    name="Borough Housing Department",
    kind=RecipientKind.STATUTORY,
    notice_contact="dpo@borough.example",
    age_public_key=KEY,
    statutory_function=StatutoryFunction.LOCAL_AUTHORITY_HOUSING,
    approval=FIRST,
)
CHARITY = replace(
    HOUSING,
    id="rcp-charity",
    name="Youth Charity",
    kind=RecipientKind.NON_STATUTORY,
    statutory_function=None,
    organisation_type=OrganisationType.CHARITY,
)
POLICE = replace(
    HOUSING, id="rcp-police", kind=RecipientKind.LAW_ENFORCEMENT, statutory_function=None
)

DRAFT = Agreement(
    id="dsa-1",
    parties=frozenset({HOUSING.id, CHARITY.id, POLICE.id}),
    purposes=frozenset({Purpose.GANG_VIOLENCE_REDUCTION, Purpose.CHILD_SAFEGUARDING}),
    lawful_basis="DPA 2018 s.35(2)(b); Crime and Disorder Act 1998 s.115",
    categories=frozenset({Category.SUSPECTED, Category.CONVICTED}),
    bands=frozenset({Band.RED, Band.AMBER}),
    fields=frozenset({"entry_id", "given_name", "family_name", "date_of_birth", "band", "bcu"}),
    recipient_retention_days=90,
    recipient_deletion="secure deletion, certificate to the IRU",
    security_conditions="official-sensitive; named officers only",
    valid_from=TODAY - timedelta(days=60),
    valid_until=TODAY + timedelta(days=300),
    review_on=TODAY + timedelta(days=120),
    drafted_by="iao-1",
)
APPROVED = replace(DRAFT, status=AgreementStatus.APPROVED, approval=FIRST)


def entry(n: int, **changes: object) -> EntryFacts:
    facts = EntryFacts(f"e{n}", Category.SUSPECTED, Band.RED, 12.0, under_18=False)
    return replace(facts, **changes)  # type: ignore[arg-type]


def request(n: int = 2, **changes: object) -> DisclosureRequest:
    ids = [f"e{i}" for i in range(1, n + 1)]
    base = DisclosureRequest(
        requested_by="officer-1",
        recipient_id=HOUSING.id,
        agreement_id=APPROVED.id,
        purpose=Purpose.GANG_VIOLENCE_REDUCTION.value,
        entry_ids=ids,
        fields=["entry_id", "given_name", "band"],
        justification="tenancy enforcement on two addresses",
        entry_justifications={i: f"threats made at the tenancy of {i}" for i in ids},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def codes(
    req: DisclosureRequest | None = None,
    agreement: Agreement = APPROVED,
    recipient: Recipient = HOUSING,
    entries: list[EntryFacts] | None = None,
    today: date = TODAY,
) -> list[str]:
    req = req or request()
    facts = entries if entries is not None else [entry(1), entry(2)]
    return [r.code for r in evaluate_disclosure(req, agreement, recipient, facts, today).reasons]


# The field catalogue ---------------------------------------------------------------------------


def test_every_field_has_one_catalogue_entry_with_a_sensitivity() -> None:
    assert list(CATALOGUE) == list(Field)
    assert CATALOGUE[Field.BCU].personal is False
    assert CATALOGUE[Field.DATE_OF_BIRTH].sensitivity is Sensitivity.IDENTIFYING
    assert set(INTELLIGENCE_FIELDS) == {Field.INTELLIGENCE_TEXT, Field.INTELLIGENCE_GRADING}


def test_unknown_fields_are_refused_naming_each() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_fields(["band", "shoe_size", "religion"])
    assert [(r.code, r.detail) for r in refused.value.reasons] == [
        ("field-unknown", "'shoe_size' is not a field in the catalogue"),
        ("field-unknown", "'religion' is not a field in the catalogue"),
    ]
    assert parse_fields(["band", "score"]) == {Field.BAND, Field.SCORE}


def test_columns_follow_catalogue_order() -> None:
    assert in_catalogue_order({Field.BAND, Field.ENTRY_ID, Field.ADDRESS}) == (
        Field.ENTRY_ID,
        Field.ADDRESS,
        Field.BAND,
    )


# Recipients and agreements ---------------------------------------------------------------------


def test_a_complete_recipient_approved_by_the_iru_has_no_gaps() -> None:
    for recipient in (HOUSING, CHARITY, POLICE):
        assert recipient_gaps(recipient, Role.IRU) == []


def test_recipient_types_are_told_apart() -> None:
    muddled = replace(CHARITY, statutory_function=StatutoryFunction.EDUCATION)
    untyped = replace(HOUSING, statutory_function=None, organisation_type=OrganisationType.CHARITY)
    assert [r.code for r in recipient_gaps(muddled, Role.IRU)] == ["statutory-function-unexpected"]
    assert [r.code for r in recipient_gaps(untyped, Role.IRU)] == [
        "statutory-function-missing",
        "organisation-type-unexpected",
    ]


def test_recipient_needs_an_x25519_key_a_contact_and_the_iru() -> None:
    bad = replace(HOUSING, age_public_key="age1pq1" + "q" * 80, notice_contact=" ")
    assert [r.code for r in recipient_gaps(bad, Role.DPO)] == [
        "notice-contact-missing",
        "age-key-invalid",
        "recipient-approver-not-iru",
    ]


def test_four_eyes_a_complete_draft_is_approved_by_another_iru_officer() -> None:
    assert agreement_gaps(DRAFT, IRU_2, TODAY) == []
    approved = approve_agreement(DRAFT, IRU_2, TODAY)
    assert approved.status is AgreementStatus.APPROVED
    assert approved.approval == Approval("iru-2", Role.IRU, TODAY)


def test_four_eyes_the_drafter_may_not_approve() -> None:
    drafted_by_iru = replace(DRAFT, drafted_by=IRU_2.id)
    with pytest.raises(SharingNotPermitted) as refused:
        approve_agreement(drafted_by_iru, IRU_2, TODAY)
    assert [r.code for r in refused.value.reasons] == ["agreement-self-approved"]


def test_only_the_iru_approves_an_agreement() -> None:
    gaps = agreement_gaps(DRAFT, Actor("dpo-1", Role.DPO), TODAY)
    assert [r.code for r in gaps] == ["agreement-approver-not-iru"]


def test_only_a_draft_is_approved() -> None:
    assert [r.code for r in agreement_gaps(APPROVED, IRU_2, TODAY)] == ["agreement-not-draft"]


def test_an_empty_agreement_lists_every_gap() -> None:
    empty = replace(
        DRAFT,
        parties=frozenset(),
        purposes=frozenset(),
        lawful_basis=" ",
        categories=frozenset(),
        bands=frozenset(),
        fields=frozenset({"shoe_size"}),
        recipient_retention_days=0,
        recipient_deletion="",
        security_conditions="",
    )
    assert [r.code for r in agreement_gaps(empty, IRU_2, TODAY)] == [
        "parties-missing",
        "purposes-missing",
        "lawful-basis-missing",
        "recipient-deletion-missing",
        "security-conditions-missing",
        "recipient-retention-missing",
        "categories-missing",
        "bands-missing",
        "field-unknown",
    ]


def test_an_agreement_cannot_name_victims_for_enforcement_only() -> None:
    victims = replace(
        DRAFT,
        purposes=frozenset({Purpose.GANG_VIOLENCE_REDUCTION}),
        categories=frozenset({Category.SUSPECTED, Category.VICTIM}),
    )
    gaps = agreement_gaps(victims, IRU_2, TODAY)
    assert [(r.code, r.field) for r in gaps] == [
        ("category-not-permitted-for-purposes", "categories.victim")
    ]


def test_validity_and_review_dates_are_checked() -> None:
    backwards = replace(DRAFT, valid_until=DRAFT.valid_from - timedelta(days=1))
    ended = replace(DRAFT, valid_until=TODAY - timedelta(days=1))
    assert [r.code for r in agreement_gaps(backwards, IRU_2, TODAY)] == [
        "validity-invalid",
        "review-date-invalid",
    ]
    assert [r.code for r in agreement_gaps(ended, IRU_2, TODAY)] == [
        "validity-ended",
        "review-date-invalid",
    ]


def test_an_agreement_carrying_intelligence_must_honour_handling_conditions() -> None:
    intelligence = replace(DRAFT, fields=DRAFT.fields | {"intelligence_text"})
    assert [r.code for r in agreement_gaps(intelligence, IRU_2, TODAY)] == [
        "handling-conditions-not-honoured"
    ]
    honoured = replace(intelligence, honours_handling_conditions=True)
    assert agreement_gaps(honoured, IRU_2, TODAY) == []


@pytest.mark.parametrize(
    ("permission", "expected"),
    [
        (IntelligencePermission("", FIRST), ["intelligence-permission-unjustified"]),
        (IntelligencePermission("mentoring"), ["intelligence-permission-not-approved"]),
        (
            IntelligencePermission("mentoring", replace(FIRST, role=Role.IAO)),
            ["intelligence-permission-approver-not-iru"],
        ),
        (
            IntelligencePermission("mentoring", replace(FIRST, by="iao-1")),
            ["intelligence-permission-self-approved"],
        ),
    ],
)
def test_the_intelligence_permission_needs_a_reason_and_an_iru_approval(
    permission: IntelligencePermission, expected: list[str]
) -> None:
    agreement = replace(DRAFT, intelligence_permission=permission)
    assert [r.code for r in agreement_gaps(agreement, IRU_2, TODAY)] == expected


def test_expiry_an_approved_agreement_expires_after_its_period() -> None:
    last_day = APPROVED.valid_until
    assert effective_status(APPROVED, last_day) is AgreementStatus.APPROVED
    assert effective_status(APPROVED, last_day + timedelta(days=1)) is AgreementStatus.EXPIRED
    assert codes(today=last_day + timedelta(days=1)) == ["agreement-expired"]


def test_revocation_is_by_the_iru_with_a_reason_and_stops_disclosure() -> None:
    with pytest.raises(SharingNotPermitted) as refused:
        revoke_agreement(APPROVED, Actor("officer-1", Role.OFFICER), "")
    assert [r.code for r in refused.value.reasons] == [
        "revoker-not-iru",
        "revocation-reason-missing",
    ]
    revoked = revoke_agreement(APPROVED, IRU_2, "recipient breached security conditions")
    assert revoked.status is AgreementStatus.REVOKED
    assert codes(agreement=revoked) == ["agreement-revoked"]


# Disclosures: the permitted case, then each reason for refusal, one at a time -------------------


def test_a_covered_disclosure_is_permitted() -> None:
    decision = evaluate_disclosure(request(), APPROVED, HOUSING, [entry(1), entry(2)], TODAY)
    assert decision.permitted
    assert decision.entry_ids == ("e1", "e2")
    assert decision.fields == {Field.ENTRY_ID, Field.GIVEN_NAME, Field.BAND}
    assert decision.redacted == frozenset()
    decision.require_permitted()


def test_fields_outside_the_agreement_are_removed_not_refused() -> None:
    asked = request(fields=["entry_id", "given_name", "address", "score"])
    decision = evaluate_disclosure(asked, APPROVED, HOUSING, [entry(1), entry(2)], TODAY)
    assert decision.permitted
    assert decision.fields == {Field.ENTRY_ID, Field.GIVEN_NAME}
    assert decision.redacted == {Field.ADDRESS, Field.SCORE}


def test_draft_agreement_is_refused() -> None:
    assert codes(agreement=DRAFT) == ["agreement-not-approved"]


def test_agreement_not_yet_in_force_is_refused() -> None:
    future = replace(APPROVED, valid_from=TODAY + timedelta(days=1))
    assert codes(agreement=future) == ["agreement-not-yet-valid"]


def test_agreement_past_its_review_date_is_refused() -> None:
    overdue = replace(APPROVED, review_on=TODAY - timedelta(days=1))
    assert codes(agreement=overdue) == ["agreement-review-overdue"]


def test_request_under_another_agreement_is_refused() -> None:
    assert codes(request(agreement_id="dsa-other")) == ["agreement-mismatch"]


def test_request_for_another_recipient_is_refused() -> None:
    assert codes(request(recipient_id="rcp-other")) == ["recipient-mismatch"]


def test_recipient_not_party_to_the_agreement_is_refused() -> None:
    outsider = replace(HOUSING, id="rcp-outsider")
    assert codes(request(recipient_id=outsider.id), recipient=outsider) == ["recipient-not-party"]


def test_recipient_not_approved_by_the_iru_is_refused() -> None:
    assert codes(recipient=replace(HOUSING, approval=None)) == ["recipient-not-approved"]


def test_unknown_purpose_is_refused() -> None:
    assert codes(request(purpose="curiosity")) == ["unknown-purpose"]


def test_purpose_not_covered_is_refused() -> None:
    asked = request(purpose=Purpose.CRIMINAL_INVESTIGATION.value)
    assert codes(asked) == ["purpose-not-covered"]


def test_category_not_covered_is_refused() -> None:
    suspects_only = replace(APPROVED, categories=frozenset({Category.SUSPECTED}))
    facts = [entry(1), entry(2, category=Category.CONVICTED)]
    assert codes(agreement=suspects_only, entries=facts) == ["category-not-covered"]


def test_no_agreement_overrides_the_purpose_class_rule() -> None:
    # An agreement that (wrongly) names victims cannot send a victim for enforcement (law 2) ...
    naming_victims = replace(APPROVED, categories=APPROVED.categories | {Category.VICTIM})
    facts = [entry(1), entry(2, category=Category.VICTIM)]
    assert codes(agreement=naming_victims, entries=facts) == ["category-not-permitted-for-purpose"]
    # ... while the same victim may go for safeguarding, which law 2 allows.
    safeguarding = request(purpose=Purpose.CHILD_SAFEGUARDING.value)
    assert codes(safeguarding, agreement=naming_victims, entries=facts) == []


def test_band_not_covered_is_refused() -> None:
    red_only = replace(APPROVED, bands=frozenset({Band.RED}))
    assert codes(agreement=red_only, entries=[entry(1), entry(2, band=Band.AMBER)]) == [
        "band-not-covered"
    ]


def test_green_entries_go_only_where_named() -> None:
    facts = [entry(1), entry(2, band=Band.GREEN)]
    assert codes(entries=facts) == ["green-not-named"]
    assert (
        codes(agreement=replace(APPROVED, bands=APPROVED.bands | {Band.GREEN}), entries=facts) == []
    )


def test_zero_score_entries_go_only_where_named() -> None:
    facts = [entry(1), entry(2, score=0.0)]
    assert codes(entries=facts) == ["zero-score-not-named"]
    assert codes(agreement=replace(APPROVED, zero_score=True), entries=facts) == []


def test_unassessed_entries_go_only_where_named() -> None:
    facts = [entry(1), entry(2, band=None, score=None)]
    assert codes(entries=facts) == ["unassessed-not-named"]
    assert codes(agreement=replace(APPROVED, unassessed=True), entries=facts) == []


def test_nobody_under_18_goes_to_a_non_statutory_body() -> None:
    facts = [entry(1), entry(2, under_18=True)]
    assert codes(request(recipient_id=CHARITY.id), recipient=CHARITY, entries=facts) == [
        "under-18-to-non-statutory"
    ]
    assert codes(entries=facts) == []  # a statutory body may receive it under the agreement


def _with_intelligence(agreement: Agreement = APPROVED) -> Agreement:
    return replace(
        agreement,
        fields=agreement.fields | {"intelligence_text", "intelligence_grading"},
        honours_handling_conditions=True,
    )


def test_intelligence_goes_to_a_non_statutory_body_only_with_approved_permission() -> None:
    asked = request(recipient_id=CHARITY.id, fields=["entry_id", "intelligence_text"])
    assert codes(asked, agreement=_with_intelligence(), recipient=CHARITY) == [
        "intelligence-not-permitted"
    ]
    self_approved = IntelligencePermission("mentoring", replace(FIRST, by="iao-1"))
    drafter_ok = _with_intelligence(replace(APPROVED, intelligence_permission=self_approved))
    assert codes(asked, agreement=drafter_ok, recipient=CHARITY) == ["intelligence-not-permitted"]
    permitted = IntelligencePermission("mentoring programme referral", FIRST)
    granted = _with_intelligence(replace(APPROVED, intelligence_permission=permitted))
    assert codes(asked, agreement=granted, recipient=CHARITY) == []


def test_intelligence_without_permission_is_fine_for_statutory_bodies() -> None:
    asked = request(fields=["entry_id", "intelligence_text"])
    assert codes(asked, agreement=_with_intelligence()) == []


def test_handling_conditions_travel_with_the_rows_and_must_be_honoured() -> None:
    graded = (parse_grading("2B C", "not to be shared with the subject's school"),)
    facts = [entry(1), entry(2, gradings=graded)]
    asked = request(fields=["entry_id", "intelligence_text"])
    unhonoured = replace(_with_intelligence(), honours_handling_conditions=False)
    decision = evaluate_disclosure(asked, unhonoured, HOUSING, facts, TODAY)
    assert [(r.code, r.field) for r in decision.reasons] == [
        ("handling-conditions-not-honoured", "entries.e2")
    ]
    honoured = evaluate_disclosure(asked, _with_intelligence(), HOUSING, facts, TODAY)
    assert honoured.permitted
    assert dict(honoured.handling_conditions) == {
        "e2": ("not to be shared with the subject's school",)
    }


def test_unknown_field_is_refused() -> None:
    assert codes(request(fields=["entry_id", "ethnicity"])) == ["field-unknown"]


def test_a_request_naming_no_field_is_refused() -> None:
    assert codes(request(fields=[])) == ["fields-missing"]


def test_a_request_without_justification_is_refused() -> None:
    assert codes(request(justification="  ")) == ["justification-missing"]


def test_enforcement_needs_a_justification_for_each_entry() -> None:
    asked = request(entry_justifications={"e1": "threats made at the tenancy"})
    decision = evaluate_disclosure(asked, APPROVED, HOUSING, [entry(1), entry(2)], TODAY)
    assert [(r.code, r.field) for r in decision.reasons] == [
        ("entry-justification-missing", "entries.e2")
    ]


def test_enforcement_justifications_pasted_onto_each_entry_do_not_count() -> None:
    same = {"e1": "Gang member.", "e2": "gang  member."}
    assert codes(request(entry_justifications=same)) == ["entry-justification-repeated"]


def test_safeguarding_needs_only_the_overall_justification() -> None:
    asked = request(purpose=Purpose.CHILD_SAFEGUARDING.value, entry_justifications={})
    assert codes(asked) == []


@pytest.mark.parametrize("entry_ids", [["all"], "all", ["e1", "*"], ["ALL "]])
def test_entries_are_named_never_all(entry_ids: object) -> None:
    assert codes(request(entry_ids=entry_ids)) == ["entries-not-explicit"]


def test_a_request_naming_no_entry_is_refused() -> None:
    assert codes(request(entry_ids=[])) == ["entries-missing"]


def test_an_entry_named_twice_is_refused() -> None:
    assert codes(request(entry_ids=["e1", "e2", "e1"])) == ["entry-duplicated"]


def test_an_unknown_entry_is_refused() -> None:
    assert codes(entries=[entry(1)]) == ["entry-unknown"]


def _many(n: int) -> list[EntryFacts]:
    return [entry(i) for i in range(1, n + 1)]


def test_twenty_entries_need_no_second_approval() -> None:
    assert codes(request(20), entries=_many(20)) == []


def test_more_than_twenty_entries_need_a_second_iru_approval() -> None:
    assert codes(request(21), entries=_many(21)) == ["second-approval-missing"]
    second = Approval("iru-2", Role.IRU, TODAY)
    assert codes(request(21, second_approval=second), entries=_many(21)) == []


def test_the_second_approval_must_be_the_iru() -> None:
    second = Approval("dpo-1", Role.DPO, TODAY)
    assert codes(request(21, second_approval=second), entries=_many(21)) == [
        "second-approver-not-iru"
    ]


@pytest.mark.parametrize("who", ["iru-1", "officer-1"])  # the agreement's approver; the requester
def test_the_second_approver_is_independent(who: str) -> None:
    asked = request(21, second_approval=Approval(who, Role.IRU, TODAY))
    assert codes(asked, entries=_many(21)) == ["second-approver-not-independent"]


def test_every_reason_is_given_not_only_the_first() -> None:
    asked = request(
        21,
        recipient_id=CHARITY.id,
        purpose=Purpose.CRIMINAL_INVESTIGATION.value,
        fields=["entry_id", "intelligence_text", "address"],
        justification="",
    )
    facts = _many(21)
    facts[0] = entry(1, category=Category.AT_RISK, band=Band.GREEN, under_18=True)
    agreement = replace(_with_intelligence(), review_on=TODAY - timedelta(days=1))
    decision = evaluate_disclosure(asked, agreement, CHARITY, facts, TODAY)
    assert [r.code for r in decision.reasons] == [
        "agreement-review-overdue",
        "purpose-not-covered",
        "justification-missing",
        "category-not-permitted-for-purpose",
        "category-not-covered",
        "green-not-named",
        "under-18-to-non-statutory",
        "intelligence-not-permitted",
        "second-approval-missing",
    ]
    assert decision.redacted == {Field.ADDRESS}
    with pytest.raises(SharingNotPermitted) as refused:
        decision.require_permitted()
    assert len(refused.value.reasons) == 9


def test_every_reason_has_plain_words() -> None:
    assert all(detail.strip() for detail in REASONS.values())
