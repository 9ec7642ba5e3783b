"""Agreements and the one decision every outbound record passes (pure).

Agreements are YAML files turned into typed values (`load_directory`, `parse_agreement`);
`decide` says how a record may leave the node; `answer`/`disclose`/`redact` give the shapes
that leave; `simulate` counts what an agreement would let flow; `explain` shows why.
Reading files from a directory lives in `accord.policy.files`, outside this public surface.
"""

from accord.policy.agreement import (
    Agreement,
    Clause,
    ClauseKind,
    Direction,
    DisclosureMode,
    OnwardTransfer,
    Party,
    PartyKind,
    clause_ref,
    parse_party,
)
from accord.policy.codes import (
    ANY,
    PartyGroup,
    RecordKind,
    expand_schema,
    kind_of,
    party_groups,
    purposes,
    record_kinds,
)
from accord.policy.decide import MODE_ORDER, Consent, Decision, Mode, Reason, decide
from accord.policy.explain import ClauseCheck, Explanation, explain
from accord.policy.index import AgreementSet
from accord.policy.load import load_directory, parse_agreement
from accord.policy.problems import AgreementError, Problem
from accord.policy.registry import AgreementRegistry
from accord.policy.shape import Reference, answer, disclose, redact, reference
from accord.policy.simulate import Flow, SimulationReport, simulate, simulation_day

__all__ = [
    "ANY",
    "MODE_ORDER",
    "Agreement",
    "AgreementError",
    "AgreementRegistry",
    "AgreementSet",
    "Clause",
    "ClauseCheck",
    "ClauseKind",
    "Consent",
    "Decision",
    "Direction",
    "DisclosureMode",
    "Explanation",
    "Flow",
    "Mode",
    "OnwardTransfer",
    "Party",
    "PartyGroup",
    "PartyKind",
    "Problem",
    "Reason",
    "RecordKind",
    "Reference",
    "SimulationReport",
    "answer",
    "clause_ref",
    "decide",
    "disclose",
    "expand_schema",
    "explain",
    "kind_of",
    "load_directory",
    "parse_agreement",
    "parse_party",
    "party_groups",
    "purposes",
    "record_kinds",
    "redact",
    "reference",
    "simulate",
    "simulation_day",
]
