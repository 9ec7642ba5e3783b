"""Notice types, their required fields, distributions and the lifecycle (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accord.errors import ValidationError
from accord.model.notices import (
    FINAL,
    IllegalTransition,
    NoticeStatus,
    NoticeType,
    check_details,
    check_transition,
    effective_status,
    notice_types,
    parse_distribution,
    parse_status,
    parse_type,
    type_spec,
)
from accord.policy.codes import is_country, purposes

S = NoticeStatus
RED = {
    "offence": "Trafficking in human beings",
    "arrest_warrant": "AG Berlin 12 Gs 345/26",
    "issuing_authority": "Amtsgericht Berlin-Tiergarten",
    "extradition_intent": True,
}


def test_every_type_is_in_the_data_file_with_an_action_a_purpose_and_required_fields() -> None:
    specs = notice_types()
    assert {s.type for s in specs} == set(NoticeType)
    for spec in specs:
        assert spec.action and spec.label and spec.valid_days > 0
        assert spec.purpose in purposes()
        assert any(f.required for f in spec.fields)
    assert type_spec(NoticeType.DIFFUSION).named_countries
    assert not type_spec(NoticeType.RED).named_countries


def test_a_red_notice_needs_offence_warrant_authority_and_extradition_intent() -> None:
    cleaned, errors = check_details(NoticeType.RED, RED)
    assert errors == [] and cleaned["extradition_intent"] is True
    for missing in RED:
        _, errors = check_details(NoticeType.RED, {k: v for k, v in RED.items() if k != missing})
        assert [e.field for e in errors] == [f"details.{missing}"]
        assert "requires" in errors[0].reason


def test_details_are_checked_by_kind_and_unknown_fields_are_named() -> None:
    _, errors = check_details(NoticeType.RED, {**RED, "extradition_intent": False})
    assert [e.field for e in errors] == ["details.extradition_intent"]
    _, errors = check_details(NoticeType.RED, {**RED, "extradition_intent": "yes"})
    assert errors[0].reason == "must be true or false"
    _, errors = check_details(NoticeType.RED, {**RED, "warrant_date": "12.03.2026"})
    assert [e.field for e in errors] == ["details.warrant_date"]
    _, errors = check_details(NoticeType.RED, {**RED, "colour": "red"})
    assert [e.field for e in errors] == ["details.colour"]
    _, errors = check_details(NoticeType.YELLOW, {"missing_since": "2026-02-30"})
    assert {e.field for e in errors} == {
        "details.missing_since",
        "details.last_seen_place",
        "details.circumstances",
    }
    _, errors = check_details(NoticeType.BLUE, ["not", "an", "object"])
    assert [e.field for e in errors] == ["details"]


def test_an_unknown_type_or_status_is_refused_naming_the_known_ones() -> None:
    assert parse_type("red") is NoticeType.RED
    with pytest.raises(ValidationError) as caught:
        parse_type("magenta")
    assert caught.value.errors[0].field == "type" and "diffusion" in caught.value.errors[0].reason
    with pytest.raises(ValidationError) as caught:
        parse_status("lost")
    assert caught.value.errors[0].field == "status"


def test_a_distribution_is_everyone_or_named_countries_and_a_diffusion_names_them() -> None:
    everyone, errors = parse_distribution(None, NoticeType.RED, is_country)
    assert errors == [] and everyone.everyone and everyone.includes("UA")
    named, errors = parse_distribution({"countries": ["nl", "UA"]}, NoticeType.RED, is_country)
    assert errors == [] and named.includes("NL") and not named.includes("DE")
    assert not named.includes(None)
    _, errors = parse_distribution(None, NoticeType.DIFFUSION, is_country)
    assert [e.field for e in errors] == ["distribution.countries"]
    _, errors = parse_distribution({"all": True}, NoticeType.DIFFUSION, is_country)
    assert [e.field for e in errors] == ["distribution.countries"]
    _, errors = parse_distribution({"countries": ["XX"]}, NoticeType.RED, is_country)
    assert [e.field for e in errors] == ["distribution.countries.0"]
    _, errors = parse_distribution({"to": "all"}, NoticeType.RED, is_country)
    assert [e.field for e in errors] == ["distribution"]


ALLOWED = {
    (S.DRAFT, S.PUBLISHED),
    (S.DRAFT, S.CANCELLED),
    (S.PUBLISHED, S.SUSPENDED),
    (S.PUBLISHED, S.CANCELLED),
    (S.PUBLISHED, S.EXPIRED),
    (S.SUSPENDED, S.PUBLISHED),
    (S.SUSPENDED, S.CANCELLED),
    (S.SUSPENDED, S.EXPIRED),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_the_lifecycle_allows_exactly_its_transitions(current: S, target: S) -> None:
    if (current, target) in ALLOWED:
        check_transition(current, target)
        return
    with pytest.raises(IllegalTransition) as caught:
        check_transition(current, target)
    assert caught.value.status == 409 and current.value in caught.value.message


def test_cancelled_and_expired_are_final() -> None:
    assert {S.CANCELLED, S.EXPIRED} == FINAL


def test_a_published_or_suspended_notice_past_its_validity_reads_as_expired() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    before, after = now - timedelta(seconds=1), now + timedelta(seconds=1)
    assert effective_status(S.PUBLISHED, after, now) is S.PUBLISHED
    assert effective_status(S.PUBLISHED, before, now) is S.EXPIRED
    assert effective_status(S.SUSPENDED, before, now) is S.EXPIRED
    assert effective_status(S.DRAFT, before, now) is S.DRAFT
    assert effective_status(S.CANCELLED, before, now) is S.CANCELLED
