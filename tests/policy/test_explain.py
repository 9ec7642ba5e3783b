"""Explanations: the enforced decision with every clause and what it lacked."""

from __future__ import annotations

from datetime import date

from accord.policy import Mode, Reason, decide, explain

from .factories import NOW, agreement, agreements, clause, record


def test_explanation_shows_the_enforced_decision_and_why_each_clause_did_not_apply():
    aset = agreements(
        agreement(
            clause("documents", kinds=("documents",), max_handling="H0"),
            clause("persons", mode="reference", purposes=("prosecution",)),
            aid="mou",
        ),
        agreement(clause("old"), aid="expired", valid_until=date(2025, 12, 31)),
    )
    rec = record(handling="H1", areas=("thb",))
    result = explain(
        "NL-POLITIE", "investigation", "thb", rec, agreements=aset, holder="DE-BKA", now=NOW
    )
    assert result.decision == decide(
        "NL-POLITIE", "investigation", "thb", rec, agreements=aset, holder="DE-BKA", now=NOW
    )
    assert result.decision.mode is Mode.DENY
    unmet = {c.ref: c.unmet for c in result.clauses}
    assert unmet == {
        "expired@v1/old": (
            "agreement not in force on 2026-06-01 (valid 2025-01-01 to 2025-12-31)",
        ),
        "mou@v1/documents": ("record kind Person not covered", "handling H1 above H0"),
        "mou@v1/persons": ("purpose investigation not allowed",),
    }
    assert result.rules == ()


def test_explanation_names_envelope_rules_and_applicable_clauses():
    aset = agreements(agreement(clause("wide", max_tlp="RED")))
    rec = record(tlp="RED")
    result = explain(
        "NL-POLITIE", "investigation", "thb", rec, agreements=aset, holder="DE-BKA", now=NOW
    )
    assert result.rules == (Reason.TLP_RED,)
    assert [c.applies for c in result.clauses] == [True]
    assert result.to_dict()["decision"]["reasons"] == ["tlp_red"]
