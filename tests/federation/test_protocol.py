"""The /federation/v1 wire format: exact bytes, strict members, paths."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pydantic
import pytest

from accord.federation.protocol import (
    FollowUpOutcome,
    SearchAnswer,
    SearchRequest,
    encode,
    new_id,
    outcome_path,
)


def test_bodies_are_compact_utf8_json_with_aliases() -> None:
    request = SearchRequest(query="Олександр", schema="Person", purpose="investigation")
    body = encode(request)
    assert b" " not in body.replace("Олександр".encode(), b"")
    data = json.loads(body)
    assert data["schema"] == "Person" and data["query"] == "Олександр"
    assert "Олександр".encode() in body


def test_unknown_members_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        SearchRequest.model_validate({"query": "x", "purpose": "investigation", "extra": 1})


def test_oversized_property_lists_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        SearchRequest.model_validate({"properties": {"name": ["x"] * 21}})


def test_an_answer_item_is_full_redacted_or_reference_and_nothing_else() -> None:
    item = {"mode": "deny", "reference": {"schema": "Person", "owner": "DE-BKA", "reference": "r"}}
    with pytest.raises(pydantic.ValidationError):
        SearchAnswer.model_validate({"items": [item]})
    assert encode(SearchAnswer(items=[])) == b'{"items":[]}'


def test_an_outcome_decision_is_approved_or_declined() -> None:
    with pytest.raises(pydantic.ValidationError):
        FollowUpOutcome.model_validate(
            {"follow_up_id": "fu_1", "decision": "maybe", "decided_at": datetime.now(UTC)}
        )


def test_ids_are_prefixed_and_random_and_outcomes_have_their_own_path() -> None:
    first, second = new_id("fu"), new_id("fu")
    assert first.startswith("fu_") and len(first) == 35 and first != second
    assert outcome_path(first) == f"/federation/v1/follow-ups/{first}/outcome"


def test_times_without_a_timezone_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        FollowUpOutcome.model_validate(
            {"follow_up_id": "fu_1", "decision": "declined", "decided_at": "2026-11-27T14:39:53"}
        )
