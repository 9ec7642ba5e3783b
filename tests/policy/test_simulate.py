"""Simulation: what an agreement would let flow, by party, kind, category and mode."""

from __future__ import annotations

from datetime import date

from accord.policy import Mode, simulate, simulation_day

from .factories import NOW, agreement, clause, record


def mou():
    return agreement(
        clause("persons", mode="reference", kinds=("persons",), categories=("suspect",)),
        clause("documents", kinds=("documents",), areas=("document_forgery", "thb")),
        aid="mou",
        target="UA-NPU",
    )


RECORDS = [
    record(rid="p1", category="suspect"),
    record(rid="p2", category="suspect", areas=()),
    record(rid="p3", category="victim"),
    record("Passport", "d1", number="C01X00T47", category=None),
    record("Vehicle", "v1", model="Golf", category=None),
    record(rid="p4", owner="NL-POLITIE"),
    record(rid="p5", owner="UA-NPU", category="suspect"),
]


def test_counts_per_direction_kind_category_and_mode():
    report = simulate(mou(), RECORDS, now=NOW)
    rows = {(f.source, f.target, f.kind, f.category, f.mode): f.count for f in report.flows}
    assert rows == {
        ("DE-BKA", "UA-NPU", "persons", "suspect", Mode.REFERENCE): 2,
        ("DE-BKA", "UA-NPU", "persons", "victim", Mode.DENY): 1,
        ("DE-BKA", "UA-NPU", "documents", None, Mode.FULL): 1,
        ("DE-BKA", "UA-NPU", "vehicles", None, Mode.DENY): 1,
        ("UA-NPU", "DE-BKA", "persons", "suspect", Mode.REFERENCE): 1,
    }
    assert report.records == len(RECORDS)
    assert report.count(target="UA-NPU", mode=Mode.REFERENCE) == 2
    assert report.count(kind="persons") == 4


def test_defaults_to_the_first_day_of_validity():
    later = agreement(clause(), valid_from=date(2027, 3, 1), target="NL-POLITIE", both=False)
    expiring = record(rid="p1", review_by="2027-01-31")
    report = simulate(later, [expiring, record(rid="p2")])
    assert report.day == date(2027, 3, 1)
    assert report.count(mode=Mode.DENY) == 1
    assert report.count(mode=Mode.FULL) == 1


def test_best_request_is_counted_for_purpose_restricted_clauses():
    narrow = agreement(
        clause("prosecution-only", purposes=("prosecution",), areas=("fraud",)),
        target="NL-POLITIE",
        both=False,
    )
    report = simulate(narrow, [record(areas=()), record(rid="p2", areas=("thb",))], now=NOW)
    assert report.count(mode=Mode.FULL) == 1
    assert report.count(mode=Mode.DENY) == 1
    only_investigation = simulate(
        narrow, [record(areas=())], now=NOW, purpose_codes=["investigation"]
    )
    assert only_investigation.count(mode=Mode.DENY) == 1


def test_group_recipient_is_reported_under_the_group():
    to_eu = agreement(clause(redact=("birthDate",)), target="EU", both=False)
    report = simulate(to_eu, [record(rid="p1", birthDate="1980-01-01")], now=NOW)
    assert [(f.target, f.mode, f.count) for f in report.flows] == [("EU", Mode.REDACTED, 1)]
    assert report.to_dict()["flows"][0]["to"] == "EU"


def test_a_draft_starting_later_is_judged_on_its_first_day():
    draft = agreement(clause(), valid_from=date(2027, 7, 1), target="NL-POLITIE", both=False)
    assert simulation_day(draft, date(2026, 12, 1)) == date(2027, 7, 1)
    assert simulation_day(draft, date(2027, 9, 1)) == date(2027, 9, 1)
    assert simulation_day(draft, date(2026, 12, 1), date(2026, 12, 24)) == date(2026, 12, 24)


def test_a_day_outside_validity_is_reported_and_denies_everything():
    draft = agreement(clause(), valid_from=date(2027, 7, 1), target="NL-POLITIE", both=False)
    before = simulate(draft, [record(rid="p1")], now=NOW)
    assert not before.in_force and before.to_dict()["in_force"] is False
    assert before.count(mode=Mode.DENY) == 1
    first = simulate(draft, [record(rid="p1")])
    assert first.in_force and first.count(mode=Mode.FULL) == 1
