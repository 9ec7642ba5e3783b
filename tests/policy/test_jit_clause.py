"""Clauses of kind `jit`: they apply only to what is posted to a joint investigation team's
case set up under their agreement, and under such a case nothing else applies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.policy import ClauseKind, Mode, decide, parse_agreement
from accord.policy.problems import AgreementError

from .factories import NOW, agreement, agreements, clause, record

MOU = agreement(clause("persons-reference", mode="reference"), aid="mou")
JIT = agreement(clause("team-full", clause_kind="jit"), aid="jit-team")


def ask(case_basis: str | None) -> Mode:
    aset = agreements(MOU, JIT)
    return decide(
        "NL-POLITIE",
        "investigation",
        "thb",
        record(),
        agreements=aset,
        holder="DE-BKA",
        now=NOW,
        case_basis=case_basis,
    ).mode


def test_a_jit_clause_does_not_apply_outside_its_case() -> None:
    assert ask(None) is Mode.REFERENCE


def test_under_the_team_only_its_agreement_applies() -> None:
    assert ask("jit-team") is Mode.FULL


def test_a_case_on_another_basis_is_not_opened_by_the_team_clause() -> None:
    assert ask("another-team") is Mode.DENY


@given(
    st.sampled_from(["H0", "H1", "H2", "H3"]), st.sampled_from(["CLEAR", "GREEN", "AMBER", "RED"])
)
def test_a_jit_clause_never_lets_more_than_it_states(handling: str, tlp: str) -> None:
    narrow = agreement(
        clause("team", clause_kind="jit", max_handling="H1", max_tlp="AMBER"), aid="t"
    )
    decision = decide(
        "NL-POLITIE",
        "investigation",
        "thb",
        record(handling=handling, tlp=tlp),
        agreements=agreements(narrow),
        holder="DE-BKA",
        now=NOW,
        case_basis="t",
    )
    allowed = handling in ("H0", "H1") and tlp != "RED"
    assert (decision.mode is not Mode.DENY) == allowed


TEXT = """
id: jit-x
version: 1
title: A team
instrument: JIT agreement
parties: [DE-BKA, NL-POLITIE]
valid_from: 2025-01-01
directions:
  - between: [DE-BKA, NL-POLITIE]
    clauses:
      - id: team
        kind: {kind}
        mode: full
        crime_areas: any
        purposes: any
        record_kinds: any
        subject_categories: any
        max_handling: H1
        max_tlp: AMBER
        onward: forbidden
"""


def test_the_clause_kind_is_read_from_the_agreement_file() -> None:
    loaded = parse_agreement("jit-x.yaml", TEXT.format(kind="jit"))
    assert loaded.directions[0].clauses[0].kind is ClauseKind.JIT


def test_an_unknown_clause_kind_is_refused_at_its_line() -> None:
    kind_line = TEXT.splitlines().index("        kind: {kind}") + 1
    with pytest.raises(
        AgreementError, match=f"jit-x.yaml:{kind_line}: 'team' is not one of exchange, jit"
    ):
        parse_agreement("jit-x.yaml", TEXT.format(kind="team"))
