"""Property: for random agreements, records and requests, `decide` never discloses a record in
a mode, with properties, or on terms more permissive than every applicable clause allows.

The oracle below is written from the rules in docs/policy.md, independently of the engine's
index: it walks every clause of every agreement and checks each condition directly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from accord.model import HANDLING_ORDER, TLP_ORDER, Record, SubjectCategory
from accord.policy import (
    Agreement,
    AgreementSet,
    Clause,
    Consent,
    Decision,
    Mode,
    OnwardTransfer,
    decide,
    redact,
)
from accord.policy.codes import party_groups

from .factories import agreement, clause, record

AGENCIES = ["DE-BKA", "DE-LKA_BY", "NL-POLITIE", "UA-NPU"]
PARTIES = [*AGENCIES, "DE", "NL", "EU"]
AREAS = ["thb", "fraud", "terrorism", "cybercrime"]
PURPOSES = ["investigation", "prosecution", "border_control", "prevention"]
KINDS = ["persons", "vehicles", "documents", "organisations", "Passport", "Company"]
CATEGORIES = [c.value for c in SubjectCategory]
PROPS = {
    "Person": {
        "name": "Anna Schmidt",
        "birthDate": "1980-01-01",
        "nationality": "de",
        "address": "Berlin",
    },
    "Vehicle": {"model": "Golf", "registrationNumber": "B-AB 123", "address": "Berlin"},
    "Passport": {"number": "C01X00T47", "country": "de"},
    "Company": {"name": "Acme GmbH", "address": "Berlin", "registrationNumber": "HRB 1"},
}
REDACTABLE = sorted({p for props in PROPS.values() for p in props})
DAY0 = date(2026, 1, 1)
MODE_RANK = {Mode.DENY: 0, Mode.REFERENCE: 1, Mode.REDACTED: 2, Mode.FULL: 2}
CLAUSE_RANK = {"none": 0, "reference": 1, "full": 2}
ONWARD_RANK = {"forbidden": 0, "with_consent": 1, "allowed": 2}


def around(values, hit):
    """A clause condition drawn near the scenario: None (any), a list holding `hit`, or any
    non-empty list, so that clauses apply often and fail on single conditions."""
    subset = st.lists(st.sampled_from(values), min_size=1, unique=True)
    near = subset.map(lambda xs: xs if hit is None or hit in xs else [*xs, hit])
    return st.one_of(st.none(), near, near, subset)


def ceiling(order, value):
    """A clause maximum: usually at or above `value`, sometimes anything."""
    at_least = [o.value for o in order[order.index(value) :]]
    return st.one_of(st.sampled_from(at_least), st.sampled_from([o.value for o in order]))


@st.composite
def clauses(draw, cid, rec, req):
    env = rec.envelope
    kind = {
        "Person": "persons",
        "Vehicle": "vehicles",
        "Passport": "documents",
        "Company": "organisations",
    }[rec.schema]
    category = env.subject_category.value if env.subject_category else None
    return clause(
        cid,
        mode=draw(st.sampled_from(["full", "full", "full", "reference", "none"])),
        areas=draw(around(AREAS, req["area"])),
        purposes=draw(around(PURPOSES, req["purpose"])),
        kinds=draw(around(KINDS, kind)),
        categories=draw(around(CATEGORIES, category)),
        max_handling=draw(ceiling(HANDLING_ORDER, env.handling)),
        max_tlp=draw(ceiling(TLP_ORDER, env.tlp)),
        onward=draw(st.sampled_from(list(ONWARD_RANK))),
        redact=tuple(draw(st.lists(st.sampled_from(REDACTABLE), unique=True, max_size=3))),
        retention_days=draw(st.one_of(st.none(), st.integers(1, 2000))),
    )


@st.composite
def agreement_sets(draw, rec, req):
    near = [req["holder"], req["requester"], req["holder"][:2], req["requester"][:2], "EU"]
    items = []
    for i in range(draw(st.integers(1, 3))):
        source = draw(st.one_of(st.sampled_from(near), st.sampled_from(PARTIES)))
        target = draw(st.one_of(st.sampled_from(near), st.sampled_from(PARTIES)))
        if source == target:
            target = "UA-NPU" if source != "UA-NPU" else "DE-BKA"
        start = DAY0 + timedelta(days=draw(st.integers(-400, 100)))
        end = draw(
            st.one_of(
                st.none(),
                st.integers(0, 800).map(lambda n, s=start: s + timedelta(days=800 - n)),
            )
        )
        cs = [draw(clauses(f"c{j}", rec, req)) for j in range(draw(st.integers(1, 4)))]
        items.append(
            agreement(
                *cs,
                aid=f"a{i}",
                source=source,
                target=target,
                both=draw(st.booleans()),
                valid_from=start,
                valid_until=end,
            )
        )
    return AgreementSet(items)


@st.composite
def records(draw):
    schema = draw(st.sampled_from(sorted(PROPS)))
    keys = draw(st.lists(st.sampled_from(sorted(PROPS[schema])), min_size=1, unique=True))
    props = {k: PROPS[schema][k] for k in keys}
    return record(
        schema,
        "rec-1",
        owner=draw(st.sampled_from(AGENCIES)),
        handling=draw(st.sampled_from([h.value for h in HANDLING_ORDER])),
        tlp=draw(st.sampled_from([t.value for t in TLP_ORDER if t.value != "RED"] * 3 + ["RED"])),
        category=draw(st.one_of(st.none(), st.sampled_from(CATEGORIES))),
        areas=tuple(draw(st.lists(st.sampled_from(AREAS), unique=True, max_size=2))),
        review_by=(DAY0 + timedelta(days=900 - draw(st.integers(0, 960)))).isoformat(),
        **props,
    )


def includes(party, agency: str) -> bool:
    if party.code == agency:
        return True
    if "-" in party.code:
        return False
    countries = (
        party_groups()[party.code].countries if party.code in party_groups() else {party.code}
    )
    return agency[:2] in countries


def applicable(a: Agreement, c: Clause, rec: Record, req: dict) -> bool:
    env = rec.envelope
    today = req["now"].date()
    if today < a.valid_from or (a.valid_until is not None and today > a.valid_until):
        return False
    if rec.schema not in c.schemata:
        return False
    if c.purposes is not None and req["purpose"] not in c.purposes:
        return False
    if c.crime_areas is not None:
        if req["area"] not in c.crime_areas:
            return False
        if env.crime_areas and not set(env.crime_areas) & c.crime_areas:
            return False
    if c.subject_categories is not None:
        if env.subject_category is None and rec.schema == "Person":
            return False
        if env.subject_category is not None and env.subject_category not in c.subject_categories:
            return False
    if HANDLING_ORDER.index(env.handling) > HANDLING_ORDER.index(c.max_handling):
        return False
    return TLP_ORDER.index(env.tlp) <= TLP_ORDER.index(c.max_tlp)


def applicable_clauses(aset: AgreementSet, rec: Record, req: dict) -> dict[str, Clause]:
    found = {}
    if req["holder"] == req["requester"]:
        return found
    for a in aset:
        for d in a.directions:
            if includes(d.source, req["holder"]) and includes(d.target, req["requester"]):
                for c in d.clauses:
                    if applicable(a, c, rec, req):
                        found[f"{a.id}@v{a.version}/{c.id}"] = c
    return found


def envelope_forbids(rec: Record, req: dict) -> bool:
    env = rec.envelope
    if env.tlp.value == "RED" or env.review_by < req["now"].date():
        return True
    if req["holder"] != env.owner:
        if env.tlp.value == "AMBER+STRICT":
            return True
        if env.handling.value == "H2" and Consent(rec.id, req["requester"]) not in req["consents"]:
            return True
    return False


@st.composite
def requests(draw, rec):
    owner = rec.owner
    holder = draw(st.one_of(st.just(owner), st.just(owner), st.sampled_from(AGENCIES)))
    requester = draw(st.sampled_from([a for a in AGENCIES if a != holder]))
    day = DAY0 + timedelta(days=draw(st.integers(0, 200)))
    consents = {Consent("rec-1", requester)} if draw(st.booleans()) else set()
    return {
        "requester": requester,
        "holder": holder,
        "purpose": draw(st.sampled_from([*PURPOSES, "intelligence_analysis"])),
        "area": draw(st.sampled_from([*rec.envelope.crime_areas, *AREAS])),
        "now": datetime.combine(day, time(12), tzinfo=UTC),
        "consents": consents,
    }


def run(aset: AgreementSet, rec: Record, req: dict) -> Decision:
    return decide(
        req["requester"],
        req["purpose"],
        req["area"],
        rec,
        agreements=aset,
        holder=req["holder"],
        now=req["now"],
        consents=req["consents"],
    )


@settings(max_examples=200, deadline=None)
@given(rec=records(), data=st.data())
def test_no_disclosure_is_more_permissive_than_every_applicable_clause(rec, data):
    req = data.draw(requests(rec))
    aset = data.draw(agreement_sets(rec, req))
    decision = run(aset, rec, req)
    found = applicable_clauses(aset, rec, req)
    event(f"mode {decision.mode.value}")
    if decision.mode is Mode.DENY:
        # Denying is always safe; but it must have a reason, and must not be arbitrary:
        assert decision.reasons
        if not envelope_forbids(rec, req) and found:
            assert any(c.mode.value == "none" for c in found.values())
        return
    assert not envelope_forbids(rec, req)
    assert found
    assert set(decision.clauses) == set(found)
    for c in found.values():
        assert MODE_RANK[decision.mode] <= CLAUSE_RANK[c.mode.value]
        assert ONWARD_RANK[decision.onward.value] <= ONWARD_RANK[c.onward.value]
        if c.retention_days is not None:
            assert decision.retention_days is not None
            assert decision.retention_days <= c.retention_days
    if rec.envelope.handling.value == "H2":
        assert ONWARD_RANK[decision.onward.value] <= ONWARD_RANK["with_consent"]
    if rec.envelope.tlp.value == "AMBER+STRICT":
        assert decision.onward is OnwardTransfer.FORBIDDEN
    if decision.discloses_content:
        sent = redact(rec, decision).properties
        for c in found.values():
            assert not set(sent) & c.redact
        assert set(sent) <= set(rec.properties)
