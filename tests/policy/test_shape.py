"""The shapes that leave the node: redacted records, references, and answers in which a
denied record looks exactly like no record."""

from __future__ import annotations

import json

import pytest

from accord.policy import Decision, Mode, Reason, answer, decide, disclose, redact, reference

from .factories import NOW, agreement, agreements, clause, record

PERSON = {
    "name": "Anna Schmidt",
    "birthDate": "1980-01-01",
    "nationality": "de",
    "address": "Berlin",
}


def decided(rec, aset, requester="NL-POLITIE"):
    return decide(requester, "investigation", "thb", rec, agreements=aset, holder="DE-BKA", now=NOW)


def test_redact_removes_exactly_the_redacted_properties():
    rec = record(**PERSON)
    decision = decided(rec, agreements(agreement(clause(redact=("birthDate", "address")))))
    out = redact(rec, decision)
    assert out.properties == {"name": ["Anna Schmidt"], "nationality": ["de"]}
    assert out.envelope == rec.envelope and out.id == rec.id
    assert rec.properties["birthDate"] == ["1980-01-01"]


def test_redact_of_a_full_decision_returns_the_record_unchanged():
    rec = record(**PERSON)
    assert redact(rec, decided(rec, agreements(agreement(clause())))) is rec


@pytest.mark.parametrize("mode", [Mode.DENY, Mode.REFERENCE])
def test_redact_refuses_decisions_that_disclose_no_content(mode):
    with pytest.raises(ValueError):
        redact(record(), Decision(mode))


def test_reference_names_schema_owner_and_the_callers_reference_only():
    rec = record(**PERSON)
    shape = reference(rec, Decision(Mode.REFERENCE), "ref-7f3a")
    assert shape.to_dict() == {"schema": "Person", "owner": "DE-BKA", "reference": "ref-7f3a"}
    with pytest.raises(ValueError):
        reference(rec, Decision(Mode.DENY), "ref-7f3a")


def test_disclose_reference_carries_no_record_content():
    rec = record(**PERSON)
    item = disclose(rec, decided(rec, agreements(agreement(clause(mode="reference")))), "ref-1")
    assert item is not None
    assert set(item) == {"mode", "reference", "terms"}
    assert "Anna" not in json.dumps(item) and rec.id not in json.dumps(item)


def test_disclose_redacted_record_carries_the_terms_and_no_redacted_value():
    rec = record(**PERSON)
    aset = agreements(
        agreement(clause(redact=("birthDate",), onward="forbidden", retention_days=30))
    )
    item = disclose(rec, decided(rec, aset), "ref-1")
    assert item is not None
    assert item["mode"] == "redacted"
    assert "birthDate" not in item["record"]["properties"]
    assert "1980-01-01" not in json.dumps(item)
    assert item["terms"] == {
        "clauses": ["a1@v1/c1"],
        "onward": "forbidden",
        "retention_days": 30,
        "conditions": [],
    }


def test_denied_record_is_absent_from_the_answer_as_if_it_did_not_exist():
    allowed = record(**PERSON, rid="p-allowed")
    informant = record(name="Karl Vogel", rid="p-informant", category="informant")
    red = record(name="Eva Roth", rid="p-red", tlp="RED")
    aset = agreements(
        agreement(clause(), clause("no-informants", mode="none", categories=("informant",)))
    )
    decisions = [(r, decided(r, aset)) for r in (allowed, informant, red)]
    assert [d.mode for _, d in decisions] == [Mode.FULL, Mode.DENY, Mode.DENY]
    assert decisions[2][1].reasons == (Reason.TLP_RED,)

    def ref(r):
        return f"ref-{r.id}"

    with_denied = answer(decisions, ref)
    without = answer(decisions[:1], ref)
    assert json.dumps(with_denied, sort_keys=True) == json.dumps(without, sort_keys=True)
    assert answer(decisions[1:], ref) == []


def test_answer_asks_for_references_only_for_records_that_leave():
    asked = []
    rec = record(**PERSON)

    def ref(r):
        asked.append(r.id)
        return "ref"

    answer([(rec, Decision(Mode.DENY, reasons=(Reason.NO_APPLICABLE_CLAUSE,)))], ref)
    assert asked == []
