"""The one decision: may this record leave this node for this requester, and how?

Every outbound path (partner API reads, federated search answers, exports, messages with
attached records) calls `decide` and acts on the `Decision` it returns; nothing re-derives it.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from datetime import date, datetime
from functools import lru_cache

from accord.model import PERSON_SCHEMATA, TLP, Handling, Record, crime_areas
from accord.policy.agreement import ONWARD_ORDER, DisclosureMode, OnwardTransfer
from accord.policy.codes import purposes
from accord.policy.decision import MODE_ORDER, Consent, Decision, Mode, Reason
from accord.policy.index import HANDLING_RANK, TLP_RANK, AgreementSet, ClauseEntry

__all__ = ["MODE_ORDER", "Consent", "Decision", "Mode", "Reason", "decide"]


_PURPOSES = frozenset(purposes())
_AREAS = frozenset(crime_areas())
_DENY_NO_CLAUSE = Decision(Mode.DENY, reasons=(Reason.NO_APPLICABLE_CLAUSE,))
_DENY_PURPOSE = Decision(Mode.DENY, reasons=(Reason.UNKNOWN_PURPOSE,))
_DENY_AREA = Decision(Mode.DENY, reasons=(Reason.UNKNOWN_CRIME_AREA,))
_RED = TLP.RED
_STRICT = TLP.AMBER_STRICT
_H2 = Handling.H2


def decide(
    requester: str,
    purpose: str,
    crime_area: str,
    record: Record,
    *,
    agreements: AgreementSet,
    holder: str,
    now: datetime,
    consents: Container[Consent] = (),
    case_basis: str | None = None,
) -> Decision:
    """Decide how `record`, held by agency `holder`, may go to agency `requester`, asked for
    `purpose` in an inquiry into `crime_area`, at time `now`.

    Envelope rules first: TLP:RED never leaves the owner; a record past its `review_by` date is
    not shared; a holder that is not the owner never passes on TLP:AMBER+STRICT, nor H2 without
    the originator's `Consent`. Then the clauses: a clause applies when its agreement is in force
    on `now`'s date, it names the record's schema, the purpose and the crime area, one of the
    record's crime areas (if it has any), its subject category (if it is about a person), and
    allows the record's handling code and TLP label. No applicable clause: deny. Several: the
    most restrictive wins (`none` < `reference` < `full`; union of redactions; strictest onward
    transfer; shortest retention). H2 caps onward transfer at `with_consent`, AMBER+STRICT at
    `forbidden`. `case_basis` names the agreement of a joint investigation team the record is
    posted to: then only that agreement's clauses of kind `jit` apply, and such clauses apply
    nowhere else.
    """
    env = record.envelope
    today = now.date()
    tlp = env.tlp
    handling = env.handling
    if (
        tlp is _RED
        or env.review_by < today
        or (
            holder != env.owner
            and (
                tlp is _STRICT
                or (handling is _H2 and Consent(record.id, requester) not in consents)
            )
        )
    ):
        return _envelope_denial(record, requester, holder, today, consents)
    if purpose not in _PURPOSES:
        return _DENY_PURPOSE
    by_area = agreements.pair(holder, requester).get(record.schema)
    if by_area is None:
        return _DENY_NO_CLAUSE if crime_area in _AREAS else _DENY_AREA
    candidates = by_area.get(crime_area)
    if candidates is None:
        return _DENY_NO_CLAUSE if crime_area in _AREAS else _DENY_AREA

    h_rank = HANDLING_RANK[handling]
    t_rank = TLP_RANK[tlp]
    category = env.subject_category
    unknown_category = category is None and record.schema in PERSON_SCHEMATA
    areas = env.crime_areas
    first: ClauseEntry | None = None
    more: list[ClauseEntry] | None = None
    for e in candidates:
        if today < e.valid_from or today > e.valid_until:
            continue
        if e.jit != case_basis and (case_basis is not None or e.jit is not None):
            continue
        if h_rank > e.max_handling or t_rank > e.max_tlp:
            continue
        if e.purposes is not None and purpose not in e.purposes:
            continue
        if e.categories is not None and (
            unknown_category or (category is not None and category not in e.categories)
        ):
            continue
        if areas and e.areas is not None and e.areas.isdisjoint(areas):
            continue
        if first is None:
            first = e
        elif more is None:
            more = [first, e]
        else:
            more.append(e)
    if first is None:
        return _DENY_NO_CLAUSE

    cap = 2 if tlp is _STRICT else 1 if handling is _H2 else 0
    schema = record.schema
    if more is None:
        cached = first.decisions[cap].get(schema)
        if cached is None:
            cached = first.decisions[cap][schema] = combine((first,), schema, cap)
        return cached
    key = (*(e.ref for e in more), schema, cap)
    decision = agreements.combined(key)
    if decision is None:
        decision = agreements.remember(key, combine(more, schema, cap))
    return decision


def _envelope_denial(
    record: Record, requester: str, holder: str, today: date, consents: Container[Consent]
) -> Decision:
    env = record.envelope
    reasons: list[str] = []
    if env.tlp is _RED:
        reasons.append(Reason.TLP_RED)
    if env.review_by < today:
        reasons.append(Reason.REVIEW_OVERDUE)
    if holder != env.owner:
        if env.tlp is _STRICT:
            reasons.append(Reason.TLP_AMBER_STRICT_ONWARD)
        if env.handling is _H2 and Consent(record.id, requester) not in consents:
            reasons.append(Reason.H2_ONWARD_WITHOUT_CONSENT)
    return _denial(tuple(reasons))


@lru_cache(maxsize=64)
def _denial(reasons: tuple[str, ...]) -> Decision:
    return Decision(Mode.DENY, reasons=reasons)


@lru_cache(maxsize=256)
def _properties(schema: str) -> frozenset[str]:
    from followthemoney import model as ftm  # loaded at the first decision, not at import

    found = ftm.get(schema)
    return frozenset(found.properties) if found is not None else frozenset()


def combine(entries: Sequence[ClauseEntry], schema: str, cap: int) -> Decision:
    """The decision several applicable clauses yield together: the most restrictive wins.

    `cap` limits onward transfer: 1 at `with_consent` (H2), 2 at `forbidden` (AMBER+STRICT).
    """
    ordered = sorted(entries, key=lambda e: e.ref)
    refusing = tuple(e.ref for e in ordered if e.clause.mode is DisclosureMode.NONE)
    if refusing:
        return Decision(Mode.DENY, clauses=refusing, reasons=(Reason.CLAUSE_MODE_NONE,))
    rank = min(ONWARD_ORDER.index(e.clause.onward) for e in ordered)
    if cap:
        rank = min(rank, ONWARD_ORDER.index(OnwardTransfer.WITH_CONSENT) if cap == 1 else 0)
    retentions = [e.clause.retention_days for e in ordered if e.clause.retention_days is not None]
    conditions = tuple(dict.fromkeys(e.clause.conditions for e in ordered if e.clause.conditions))
    mode = Mode.FULL
    redactions: tuple[str, ...] = ()
    if any(e.clause.mode is DisclosureMode.REFERENCE for e in ordered):
        mode = Mode.REFERENCE
    else:
        removed: set[str] = set()
        for e in ordered:
            removed |= e.clause.redact
        redactions = tuple(sorted(removed & _properties(schema)))
        if redactions:
            mode = Mode.REDACTED
    return Decision(
        mode,
        clauses=tuple(e.ref for e in ordered),
        redactions=redactions,
        onward=ONWARD_ORDER[rank],
        retention_days=min(retentions) if retentions else None,
        conditions=conditions,
    )
