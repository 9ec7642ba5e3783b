"""Why a decision came out as it did: each clause between the two agencies, and what it lacked.

For people (`accord policy check`), not for the hot path: it walks every clause instead of the
index, then calls `decide` itself so that the decision shown is the one that is enforced.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime

from accord.model import HANDLING_ORDER, PERSON_SCHEMATA, TLP, TLP_ORDER, Handling, Record
from accord.policy.agreement import DisclosureMode
from accord.policy.decide import Consent, Decision, Reason, decide
from accord.policy.index import AgreementSet, ClauseEntry

__all__ = ["ClauseCheck", "Explanation", "explain"]


@dataclass(frozen=True, slots=True)
class ClauseCheck:
    """One clause between holder and requester: whether it applies, and if not, why not."""

    ref: str
    mode: DisclosureMode
    unmet: tuple[str, ...]

    @property
    def applies(self) -> bool:
        return not self.unmet


@dataclass(frozen=True, slots=True)
class Explanation:
    decision: Decision
    rules: tuple[str, ...]  # envelope rules that deny regardless of clauses
    clauses: tuple[ClauseCheck, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "decision": self.decision.to_dict(),
            "rules": list(self.rules),
            "clauses": [
                {"ref": c.ref, "mode": c.mode.value, "applies": c.applies, "unmet": list(c.unmet)}
                for c in self.clauses
            ],
        }


def _unmet(
    e: ClauseEntry, purpose: str, crime_area: str, record: Record, now: datetime
) -> list[str]:
    c = e.clause
    env = record.envelope
    out: list[str] = []
    if not e.agreement.in_force(now.date()):
        until = e.agreement.valid_until.isoformat() if e.agreement.valid_until else "open end"
        out.append(
            f"agreement not in force on {now.date().isoformat()} "
            f"(valid {e.agreement.valid_from.isoformat()} to {until})"
        )
    if record.schema not in c.schemata:
        out.append(f"record kind {record.schema} not covered")
    if c.purposes is not None and purpose not in c.purposes:
        out.append(f"purpose {purpose} not allowed")
    if c.crime_areas is not None and crime_area not in c.crime_areas:
        out.append(f"crime area {crime_area} not allowed")
    if env.crime_areas and c.crime_areas is not None and c.crime_areas.isdisjoint(env.crime_areas):
        out.append(f"record's crime areas {', '.join(env.crime_areas)} not allowed")
    if c.subject_categories is not None:
        category = env.subject_category
        if category is None and record.schema in PERSON_SCHEMATA:
            out.append("record about a person without a subject category")
        elif category is not None and category not in c.subject_categories:
            out.append(f"subject category {category.value} not allowed")
    if HANDLING_ORDER.index(env.handling) > HANDLING_ORDER.index(c.max_handling):
        out.append(f"handling {env.handling.value} above {c.max_handling.value}")
    if TLP_ORDER.index(env.tlp) > TLP_ORDER.index(c.max_tlp):
        out.append(f"TLP:{env.tlp.value} above TLP:{c.max_tlp.value}")
    return out


def explain(
    requester: str,
    purpose: str,
    crime_area: str,
    record: Record,
    *,
    agreements: AgreementSet,
    holder: str,
    now: datetime,
    consents: Container[Consent] = (),
) -> Explanation:
    """The decision `decide` makes for these arguments, with every clause and envelope rule
    that took part."""
    decision = decide(
        requester,
        purpose,
        crime_area,
        record,
        agreements=agreements,
        holder=holder,
        now=now,
        consents=consents,
    )
    env = record.envelope
    rules: list[str] = []
    if env.tlp is TLP.RED:
        rules.append(Reason.TLP_RED)
    if env.review_by < now.date():
        rules.append(Reason.REVIEW_OVERDUE)
    if holder != env.owner:
        if env.tlp is TLP.AMBER_STRICT:
            rules.append(Reason.TLP_AMBER_STRICT_ONWARD)
        if env.handling is Handling.H2 and Consent(record.id, requester) not in consents:
            rules.append(Reason.H2_ONWARD_WITHOUT_CONSENT)
    checks = tuple(
        ClauseCheck(e.ref, e.clause.mode, tuple(_unmet(e, purpose, crime_area, record, now)))
        for e in sorted(agreements.entries(holder, requester), key=lambda e: e.ref)
    )
    return Explanation(decision=decision, rules=tuple(rules), clauses=checks)
