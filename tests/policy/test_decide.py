"""Table tests of `decide`: envelope rules, clause conditions, and how clauses combine."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from accord.model import HANDLING_ORDER, TLP_ORDER, SubjectCategory
from accord.policy import Consent, Decision, Mode, OnwardTransfer, Reason, decide

from .factories import NOW, agreement, agreements, clause, record

TODAY = NOW.date()


def ask(
    rec,
    aset,
    *,
    requester: str = "NL-POLITIE",
    holder: str = "DE-BKA",
    purpose: str = "investigation",
    area: str = "thb",
    now=NOW,
    consents=(),
) -> Decision:
    return decide(
        requester, purpose, area, rec, agreements=aset, holder=holder, now=now, consents=consents
    )


@pytest.mark.parametrize("allowed", HANDLING_ORDER)
@pytest.mark.parametrize("handling", HANDLING_ORDER)
def test_handling_code_above_the_clause_maximum_is_denied(handling, allowed):
    aset = agreements(agreement(clause(max_handling=allowed.value)))
    rec = record(handling=handling.value)
    decision = ask(rec, aset)
    if HANDLING_ORDER.index(handling) <= HANDLING_ORDER.index(allowed):
        assert decision.mode is Mode.FULL
    else:
        assert decision.mode is Mode.DENY
        assert decision.reasons == (Reason.NO_APPLICABLE_CLAUSE,)


@pytest.mark.parametrize("allowed", TLP_ORDER)
@pytest.mark.parametrize("tlp", [t for t in TLP_ORDER if t.value != "RED"])
def test_tlp_label_above_the_clause_maximum_is_denied(tlp, allowed):
    aset = agreements(agreement(clause(max_tlp=allowed.value)))
    decision = ask(record(tlp=tlp.value), aset)
    if TLP_ORDER.index(tlp) <= TLP_ORDER.index(allowed):
        assert decision.mode is Mode.FULL
    else:
        assert decision.reasons == (Reason.NO_APPLICABLE_CLAUSE,)


@pytest.mark.parametrize("holder", ["DE-BKA", "NL-POLITIE"])
def test_tlp_red_never_leaves_the_owner_even_when_a_clause_allows_red(holder):
    aset = agreements(agreement(clause(max_tlp="RED"), source="DE-BKA", target="EU"))
    decision = ask(record(tlp="RED"), aset, holder=holder, requester="FR-DGPN")
    assert decision.mode is Mode.DENY
    assert Reason.TLP_RED in decision.reasons
    assert decision.clauses == ()


def test_amber_strict_goes_from_the_owner_to_the_recipient_with_onward_transfer_forbidden():
    aset = agreements(agreement(clause(max_tlp="AMBER+STRICT", onward="allowed")))
    decision = ask(record(tlp="AMBER+STRICT"), aset)
    assert decision.mode is Mode.FULL
    assert decision.onward is OnwardTransfer.FORBIDDEN


def test_amber_strict_is_never_passed_on_by_a_holder_that_is_not_the_owner():
    aset = agreements(agreement(clause(max_tlp="AMBER+STRICT"), source="NL-POLITIE", target="BE"))
    rec = record(tlp="AMBER+STRICT", owner="DE-BKA")
    consent = {Consent(rec.id, "BE-FGP")}
    decision = ask(rec, aset, holder="NL-POLITIE", requester="BE-FGP", consents=consent)
    assert decision.mode is Mode.DENY
    assert decision.reasons == (Reason.TLP_AMBER_STRICT_ONWARD,)


def test_h2_from_its_owner_flows_with_onward_transfer_capped_at_consent():
    aset = agreements(agreement(clause(onward="allowed")))
    decision = ask(record(handling="H2"), aset)
    assert decision.mode is Mode.FULL
    assert decision.onward is OnwardTransfer.WITH_CONSENT


def test_h2_is_not_passed_on_by_a_recipient_without_the_originators_consent():
    aset = agreements(agreement(clause(), source="NL-POLITIE", target="BE-FGP"))
    rec = record(handling="H2", owner="DE-BKA")
    decision = ask(rec, aset, holder="NL-POLITIE", requester="BE-FGP")
    assert decision.mode is Mode.DENY
    assert decision.reasons == (Reason.H2_ONWARD_WITHOUT_CONSENT,)


def test_h2_consent_for_another_recipient_does_not_count():
    aset = agreements(agreement(clause(), source="NL-POLITIE", target="BE"))
    rec = record(handling="H2", owner="DE-BKA")
    other = {Consent(rec.id, "BE-OTHER"), Consent("another-record", "BE-FGP")}
    decision = ask(rec, aset, holder="NL-POLITIE", requester="BE-FGP", consents=other)
    assert decision.reasons == (Reason.H2_ONWARD_WITHOUT_CONSENT,)


def test_h2_with_the_originators_consent_is_passed_on_and_stays_under_consent():
    aset = agreements(agreement(clause(onward="allowed"), source="NL-POLITIE", target="BE-FGP"))
    rec = record(handling="H2", owner="DE-BKA")
    decision = ask(
        rec, aset, holder="NL-POLITIE", requester="BE-FGP", consents={Consent(rec.id, "BE-FGP")}
    )
    assert decision.mode is Mode.FULL
    assert decision.onward is OnwardTransfer.WITH_CONSENT


def test_h0_received_record_may_be_passed_on_under_the_holders_agreement():
    aset = agreements(agreement(clause(), source="NL-POLITIE", target="BE-FGP"))
    decision = ask(record(owner="DE-BKA"), aset, holder="NL-POLITIE", requester="BE-FGP")
    assert decision.mode is Mode.FULL


def test_several_envelope_rules_are_all_named():
    aset = agreements(agreement(clause(), source="NL-POLITIE", target="BE-FGP"))
    rec = record(tlp="RED", handling="H2", review_by=(TODAY - timedelta(days=1)).isoformat())
    decision = ask(rec, aset, holder="NL-POLITIE", requester="BE-FGP")
    assert set(decision.reasons) == {
        Reason.TLP_RED,
        Reason.REVIEW_OVERDUE,
        Reason.H2_ONWARD_WITHOUT_CONSENT,
    }


@pytest.mark.parametrize(
    ("offset", "mode"),
    [(-400, Mode.DENY), (-1, Mode.DENY), (0, Mode.FULL), (1, Mode.FULL), (365, Mode.FULL)],
)
def test_record_past_its_review_date_is_not_shared(offset, mode):
    aset = agreements(agreement(clause()))
    rec = record(review_by=(TODAY + timedelta(days=offset)).isoformat())
    decision = ask(rec, aset)
    assert decision.mode is mode
    if mode is Mode.DENY:
        assert decision.reasons == (Reason.REVIEW_OVERDUE,)


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "mode"),
    [
        (TODAY + timedelta(days=1), None, Mode.DENY),
        (TODAY, None, Mode.FULL),
        (TODAY - timedelta(days=30), TODAY, Mode.FULL),
        (TODAY - timedelta(days=30), TODAY - timedelta(days=1), Mode.DENY),
        (date(2020, 1, 1), date(2030, 12, 31), Mode.FULL),
    ],
)
def test_agreement_outside_its_validity_does_not_apply(valid_from, valid_until, mode):
    aset = agreements(agreement(clause(), valid_from=valid_from, valid_until=valid_until))
    assert ask(record(), aset).mode is mode


def test_the_version_in_force_is_the_one_cited():
    old = agreement(clause(mode="reference"), version=1, valid_until=date(2025, 12, 31))
    new = agreement(clause(mode="full"), version=2, valid_from=date(2026, 1, 1))
    aset = agreements(old, new)
    assert ask(record(), aset).clauses == ("a1@v2/c1",)
    earlier = NOW.replace(year=2025)
    assert ask(record(), aset, now=earlier).clauses == ("a1@v1/c1",)
    assert ask(record(), aset, now=earlier).mode is Mode.REFERENCE


@pytest.mark.parametrize("category", list(SubjectCategory))
def test_subject_categories_outside_the_clause_are_denied(category):
    aset = agreements(agreement(clause(categories=("suspect", "convicted"))))
    decision = ask(record(category=category.value), aset)
    allowed = category.value in {"suspect", "convicted"}
    assert decision.mode is (Mode.FULL if allowed else Mode.DENY)


def test_person_without_a_category_matches_only_a_clause_for_any_category():
    rec = record(category=None)
    assert ask(rec, agreements(agreement(clause(categories=("suspect",))))).mode is Mode.DENY
    assert ask(rec, agreements(agreement(clause()))).mode is Mode.FULL


def test_category_restriction_does_not_block_records_that_are_not_about_a_person():
    aset = agreements(agreement(clause(categories=("suspect",))))
    car = record("Vehicle", "v1", registrationNumber="B-AB 123")
    assert ask(car, aset).mode is Mode.FULL


def test_purpose_not_in_the_clause_is_denied():
    aset = agreements(agreement(clause(purposes=("prosecution",))))
    assert ask(record(), aset, purpose="investigation").mode is Mode.DENY
    assert ask(record(), aset, purpose="prosecution").mode is Mode.FULL


def test_unknown_purpose_is_denied_even_under_a_clause_for_any_purpose():
    decision = ask(record(), agreements(agreement(clause())), purpose="curiosity")
    assert decision.reasons == (Reason.UNKNOWN_PURPOSE,)


def test_unknown_crime_area_is_denied_even_under_a_clause_for_any_area():
    decision = ask(record(), agreements(agreement(clause())), area="jaywalking")
    assert decision.reasons == (Reason.UNKNOWN_CRIME_AREA,)


def test_request_crime_area_must_be_allowed_by_the_clause():
    aset = agreements(agreement(clause(areas=("thb", "fraud"))))
    assert ask(record(areas=()), aset, area="fraud").mode is Mode.FULL
    assert ask(record(areas=()), aset, area="terrorism").mode is Mode.DENY


def test_record_about_other_crime_areas_only_is_denied():
    aset = agreements(agreement(clause(areas=("fraud",))))
    assert ask(record(areas=("terrorism",)), aset, area="fraud").mode is Mode.DENY
    assert ask(record(areas=("terrorism", "fraud")), aset, area="fraud").mode is Mode.FULL


def test_record_kinds_outside_the_clause_are_denied():
    aset = agreements(agreement(clause(kinds=("documents",))))
    passport = record("Passport", "d1", number="C01X00T47", category=None)
    assert ask(passport, aset).mode is Mode.FULL
    assert ask(record(), aset).mode is Mode.DENY


def test_one_way_direction_does_not_apply_backwards():
    aset = agreements(agreement(clause(), both=False))
    assert ask(record(), aset).mode is Mode.FULL
    backwards = record(owner="NL-POLITIE")
    assert ask(backwards, aset, holder="NL-POLITIE", requester="DE-BKA").mode is Mode.DENY


@pytest.mark.parametrize(
    ("target", "requester", "mode"),
    [
        ("NL", "NL-POLITIE", Mode.FULL),
        ("NL", "NL-KMAR", Mode.FULL),
        ("NL", "BE-FGP", Mode.DENY),
        ("EU", "FR-DGPN", Mode.FULL),
        ("EU", "UA-NPU", Mode.DENY),
        ("SCHENGEN", "NO-KRIPOS", Mode.FULL),
        ("NL-POLITIE", "NL-KMAR", Mode.DENY),
        ("NL-POLITIE", "not-an-agency", Mode.DENY),
    ],
)
def test_country_and_group_parties_cover_their_agencies(target, requester, mode):
    aset = agreements(agreement(clause(), target=target, both=False))
    assert ask(record(), aset, requester=requester).mode is mode


def test_no_agreement_flow_inside_one_agency():
    aset = agreements(agreement(clause(), source="EU", target="DE"))
    assert ask(record(), aset, requester="DE-BKA").reasons == (Reason.NO_APPLICABLE_CLAUSE,)


def test_no_agreements_at_all_denies():
    assert ask(record(), agreements()).reasons == (Reason.NO_APPLICABLE_CLAUSE,)


def test_most_restrictive_mode_wins_between_full_and_reference():
    aset = agreements(agreement(clause("wide"), clause("narrow", mode="reference")))
    decision = ask(record(), aset)
    assert decision.mode is Mode.REFERENCE
    assert decision.clauses == ("a1@v1/narrow", "a1@v1/wide")
    assert decision.redactions == ()


def test_an_applicable_none_clause_denies_and_is_cited():
    aset = agreements(
        agreement(clause("wide"), clause("informants", mode="none", categories=("informant",)))
    )
    assert ask(record(category="suspect"), aset).mode is Mode.FULL
    decision = ask(record(category="informant"), aset)
    assert decision.mode is Mode.DENY
    assert decision.clauses == ("a1@v1/informants",)
    assert decision.reasons == (Reason.CLAUSE_MODE_NONE,)


def test_clauses_of_two_agreements_combine_most_restrictively():
    first = agreement(
        clause(onward="with_consent", retention_days=365, redact=("address",), conditions="A"),
        aid="first",
    )
    second = agreement(
        clause(onward="allowed", retention_days=90, redact=("birthDate",), conditions="B"),
        aid="second",
    )
    rec = record(name="Anna Schmidt", address="Berlin", birthDate="1980-01-01")
    decision = ask(rec, agreements(first, second))
    assert decision.mode is Mode.REDACTED
    assert decision.redactions == ("address", "birthDate")
    assert decision.onward is OnwardTransfer.WITH_CONSENT
    assert decision.retention_days == 90
    assert decision.conditions == ("A", "B")
    assert decision.clauses == ("first@v1/c1", "second@v1/c1")


def test_redactions_name_only_properties_of_the_records_schema():
    aset = agreements(agreement(clause(redact=("birthDate", "model"))))
    car = record("Vehicle", "v1", registrationNumber="B-AB 123", model="Golf")
    person = record(name="Anna Schmidt")
    assert ask(car, aset).redactions == ("model",)
    assert ask(person, aset).redactions == ("birthDate",)
    assert ask(person, aset).mode is Mode.REDACTED


def test_clause_without_redactions_for_this_schema_gives_full():
    aset = agreements(agreement(clause(redact=("model",))))
    assert ask(record(), aset).mode is Mode.FULL


def test_retention_is_unset_only_when_no_clause_sets_one():
    aset = agreements(agreement(clause("x"), clause("y", retention_days=30)))
    assert ask(record(), aset).retention_days == 30
    assert ask(record(), agreements(agreement(clause()))).retention_days is None


def test_repeated_decisions_are_equal_values():
    aset = agreements(agreement(clause("x"), clause("y", redact=("birthDate",))))
    first = ask(record(), aset)
    assert ask(record(), aset) == first
    assert ask(record("Vehicle", "v1", model="Golf"), aset).mode is Mode.FULL
    assert ask(record(), aset) == first
