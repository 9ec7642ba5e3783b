"""Loading agreement files: the shipped examples load; every kind of bad input is refused
with the file, the line and the reason; a broken file never replaces what was loaded."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from accord.model import TLP, Handling, SubjectCategory
from accord.policy import (
    AgreementError,
    DisclosureMode,
    Mode,
    OnwardTransfer,
    PartyKind,
    decide,
    load_directory,
    parse_agreement,
)

from .factories import NOW, record

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "agreements"

GOOD = """\
id: de-nl-test
version: 1
title: Test agreement between BKA and Politie
instrument: Council Framework Decision 2006/960/JHA
parties:
  - DE-BKA
  - NL-POLITIE
valid_from: 2025-01-01
valid_until: 2030-12-31
directions:
  - between: [DE-BKA, NL-POLITIE]
    clauses:
      - id: persons-full
        mode: full
        crime_areas: [thb, fraud]
        purposes: [investigation, prosecution]
        record_kinds: [persons, Passport]
        subject_categories: [suspect, convicted]
        max_handling: H2
        max_tlp: AMBER
        onward: with_consent
        redact: [birthDate]
        retention_days: 365
        conditions: Only for the stated investigation.
  - from: DE-BKA
    to: NL-POLITIE
    clauses:
      - id: vehicles-reference
        mode: reference
        crime_areas: any
        purposes: any
        record_kinds: [vehicles]
        subject_categories: any
        max_handling: H1
        max_tlp: GREEN
        onward: forbidden
"""


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[nth - 1]


def problems_of(files: list[tuple[str, str]]) -> list[tuple[str, int, str]]:
    with pytest.raises(AgreementError) as caught:
        load_directory(files)
    return [(p.file, p.line, p.reason) for p in caught.value.problems]


def assert_refused(text: str, line: int, reason: str, file: str = "broken.yaml") -> None:
    found = problems_of([(file, text)])
    assert any(f == file and n == line and reason in r for f, n, r in found), found


def test_good_agreement_loads_into_typed_values():
    agreement = parse_agreement("good.yaml", GOOD)
    assert agreement.id == "de-nl-test"
    assert agreement.valid_until == date(2030, 12, 31)
    assert [p.kind for p in agreement.parties] == [PartyKind.AGENCY, PartyKind.AGENCY]
    assert [(d.source.code, d.target.code) for d in agreement.directions] == [
        ("DE-BKA", "NL-POLITIE"),
        ("NL-POLITIE", "DE-BKA"),
        ("DE-BKA", "NL-POLITIE"),
    ]
    persons = agreement.directions[0].clauses[0]
    assert persons.mode is DisclosureMode.FULL
    assert persons.schemata == {"Person", "Passport"}
    assert persons.subject_categories == {SubjectCategory.SUSPECT, SubjectCategory.CONVICTED}
    assert persons.max_handling is Handling.H2 and persons.max_tlp is TLP.AMBER
    assert persons.onward is OnwardTransfer.WITH_CONSENT
    assert persons.redact == {"birthDate"} and persons.retention_days == 365
    vehicles = agreement.directions[2].clauses[0]
    assert vehicles.crime_areas is None and vehicles.purposes is None
    assert vehicles.schemata == {"Vehicle", "Vessel", "Airplane"}
    assert agreement.source == "good.yaml"
    assert agreement.line == line_of(GOOD, "valid_from")


def test_shipped_example_agreements_load_and_decide_as_the_demo_expects():
    files = [(p.name, p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("*.yaml"))]
    aset = load_directory(files)
    assert len(aset) == 3
    suspect = record(handling="H1", tlp="AMBER", areas=("thb",))
    passport = record("Passport", "d1", number="C01X00T47", category=None)

    def mode(rec, requester, holder="DE-BKA"):
        return decide(
            requester, "investigation", "thb", rec, agreements=aset, holder=holder, now=NOW
        ).mode

    assert mode(suspect, "NL-POLITIE") is Mode.FULL
    assert mode(suspect, "UA-NPU") is Mode.REFERENCE
    assert mode(passport, "UA-NPU") is Mode.FULL
    nl_suspect = record(owner="NL-POLITIE")
    assert mode(nl_suspect, "UA-NPU", holder="NL-POLITIE") is Mode.DENY


def test_agreement_text_that_is_a_datetime_or_quoted_date_is_handled():
    quoted = GOOD.replace("valid_from: 2025-01-01", 'valid_from: "2025-01-01"')
    assert parse_agreement("q.yaml", quoted).valid_from == date(2025, 1, 1)
    timed = GOOD.replace("valid_from: 2025-01-01", "valid_from: 2025-01-01T10:00:00")
    assert_refused(timed, line_of(timed, "valid_from"), "is a date-time")


BAD = [
    # (name, old, new, needle of the reported line, reason)
    (
        "unknown top-level key",
        "version: 1\n",
        "version: 1\nsigned_by: minister\n",
        "signed_by",
        "unknown key 'signed_by'",
    ),
    (
        "unknown clause key",
        "        onward: forbidden\n",
        "        onward: forbidden\n        priority: high\n",
        "priority",
        "unknown key 'priority'",
    ),
    (
        "unknown direction key",
        "  - from: DE-BKA\n",
        "  - from: DE-BKA\n    via: EU\n",
        "via: EU",
        "unknown key 'via'",
    ),
    (
        "unknown crime area",
        "[thb, fraud]",
        "[thb, jaywalking]",
        "jaywalking",
        "unknown crime area 'jaywalking'",
    ),
    (
        "unknown schema",
        "[persons, Passport]",
        "[persons, Spaceship]",
        "Spaceship",
        "unknown record kind or FtM schema 'Spaceship'",
    ),
    (
        "unknown purpose",
        "[investigation, prosecution]",
        "[investigation, curiosity]",
        "curiosity",
        "unknown purpose 'curiosity'",
    ),
    (
        "unknown subject category",
        "[suspect, convicted]",
        "[suspect, bystander]",
        "bystander",
        "unknown subject category 'bystander'",
    ),
    ("any inside a list", "[thb, fraud]", "[thb, any]", "[thb, any]", "'any' stands alone"),
    ("empty list", "[thb, fraud]", "[]", "crime_areas: []", "non-empty list"),
    (
        "party neither agency nor group",
        "  - NL-POLITIE\n",
        "  - Dutch police\n",
        "Dutch police",
        "is not an agency code",
    ),
    (
        "agency code of no country",
        "  - NL-POLITIE\n",
        "  - XX-POLICE\n",
        "XX-POLICE",
        "is not an agency code",
    ),
    ("unknown group", "  - NL-POLITIE\n", "  - NATO\n", "- NATO", "or a known group"),
    ("unquoted NO read as false", "  - NL-POLITIE\n", "  - NO\n", "- NO", "quote a country code"),
    ("party listed twice", "  - NL-POLITIE\n", "  - DE-BKA\n", "  - DE-BKA", "listed twice", 2),
    (
        "dates in the wrong order",
        "valid_until: 2030-12-31",
        "valid_until: 2024-12-31",
        "valid_until",
        "is before valid_from",
    ),
    (
        "not a date",
        "valid_until: 2030-12-31",
        "valid_until: 2030-13-01",
        "valid_until",
        "is not a date",
    ),
    (
        "missing required key",
        "instrument: Council Framework Decision 2006/960/JHA\n",
        "",
        "id: de-nl-test",
        "missing required key 'instrument'",
    ),
    (
        "missing clause key",
        "        max_tlp: GREEN\n",
        "",
        "id: vehicles-reference",
        "missing required key 'max_tlp'",
    ),
    (
        "duplicate key",
        "version: 1\n",
        "version: 1\nversion: 2\n",
        "version: 2",
        "duplicate key 'version'",
    ),
    (
        "redacted property of no schema of the clause",
        "redact: [birthDate]",
        "redact: [wingspan]",
        "wingspan",
        "'wingspan' is not a property",
    ),
    (
        "redacted property of another schema",
        "redact: [birthDate]",
        "redact: [model]",
        "redact: [model]",
        "'model' is not a property",
    ),
    (
        "direction party not a party",
        "  - from: DE-BKA\n    to: NL-POLITIE",
        "  - from: DE-BKA\n    to: FR-DGPN",
        "to: FR-DGPN",
        "not one of the agreement's parties",
    ),
    (
        "direction to itself",
        "  - from: DE-BKA\n    to: NL-POLITIE",
        "  - from: DE-BKA\n    to: DE-BKA",
        "to: DE-BKA",
        "must be different parties",
    ),
    (
        "between and from together",
        "  - between: [DE-BKA, NL-POLITIE]\n",
        "  - between: [DE-BKA, NL-POLITIE]\n    from: DE-BKA\n",
        "between:",
        "not both",
    ),
    (
        "duplicate clause id",
        "id: vehicles-reference",
        "id: persons-full",
        "id: persons-full",
        "used twice",
        2,
    ),
    (
        "unknown handling code",
        "max_handling: H1",
        "max_handling: H5",
        "H5",
        "'H5' is not one of H0, H1, H2, H3",
    ),
    ("unknown TLP label", "max_tlp: GREEN", "max_tlp: WHITE", "WHITE", "'WHITE' is not one of"),
    (
        "unknown disclosure mode",
        "mode: reference",
        "mode: partial",
        "partial",
        "'partial' is not one of none, reference, full",
    ),
    (
        "unknown onward term",
        "onward: forbidden",
        "onward: sometimes",
        "sometimes",
        "is not one of forbidden, with_consent, allowed",
    ),
    (
        "retention of zero days",
        "retention_days: 365",
        "retention_days: 0",
        "retention_days",
        "not a positive whole number",
    ),
    ("version zero", "version: 1", "version: 0", "version", "not a positive whole number"),
    ("id with capitals", "id: de-nl-test", "id: DE NL", "id: DE NL", "is not an id"),
    (
        "no clauses",
        "    clauses:\n      - id: vehicles-reference",
        "    clauses: []\n    rest:\n      - id: vehicles-reference",
        "clauses: []",
        "non-empty list of clauses",
    ),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_agreement_is_refused_with_file_line_and_reason(case):
    _, old, new, needle, reason, *nth = case
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    assert_refused(text, line_of(text, needle, *nth), reason)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "the file is empty"),
        ("- just\n- a list\n", 1, "must be a mapping"),
        ("id: x\nparties: [DE-BKA\ntitle: y\n", 3, "not valid YAML"),
        ("id: x\n  bad: indentation\n", 2, "not valid YAML"),
        ("id: !!python/object:os.system x\n", 1, "not valid YAML"),
        ("? [a, b]\n: c\n", 1, "key must be a plain value"),
    ],
)
def test_unreadable_file_is_refused_with_its_line(text, line, reason):
    assert_refused(text, line, reason)


def test_every_problem_of_every_file_is_reported_at_once():
    one = GOOD.replace("[thb, fraud]", "[thb, jaywalking]").replace("max_tlp: AMBER", "max_tlp: X")
    two = GOOD.replace("id: de-nl-test", "id: other").replace("version: 1", "version: one")
    found = problems_of([("one.yaml", one), ("two.yaml", two), ("good.yaml", GOOD)])
    assert {(f, n) for f, n, _ in found} == {
        ("one.yaml", line_of(one, "jaywalking")),
        ("one.yaml", line_of(one, "max_tlp: X")),
        ("two.yaml", line_of(two, "version: one")),
    }


def versioned(version: int, start: str, end: str | None) -> str:
    text = GOOD.replace("version: 1", f"version: {version}")
    text = text.replace("valid_from: 2025-01-01", f"valid_from: {start}")
    until = f"valid_until: {end}" if end else ""
    return text.replace("valid_until: 2030-12-31", until)


def test_versions_of_one_agreement_with_overlapping_validity_are_refused():
    first = versioned(1, "2025-01-01", "2026-06-30")
    second = versioned(2, "2026-06-30", None)
    found = problems_of([("v1.yaml", first), ("v2.yaml", second)])
    assert found == [
        (
            "v2.yaml",
            line_of(second, "valid_from"),
            "validity of agreement de-nl-test version 2 overlaps version 1 "
            "(2025-01-01 to 2026-06-30) in v1.yaml",
        )
    ]


def test_open_ended_version_overlaps_every_later_one():
    found = problems_of(
        [
            ("v1.yaml", versioned(1, "2025-01-01", None)),
            ("v2.yaml", versioned(2, "2028-01-01", None)),
        ]
    )
    assert [(f, "overlaps version 1" in r) for f, _, r in found] == [("v2.yaml", True)]


def test_same_version_twice_is_refused():
    found = problems_of([("a.yaml", GOOD), ("b.yaml", GOOD)])
    assert found == [
        (
            "b.yaml",
            line_of(GOOD, "valid_from"),
            "agreement de-nl-test version 1 is also defined in a.yaml",
        )
    ]


def test_successive_versions_load_side_by_side():
    aset = load_directory(
        [
            ("v1.yaml", versioned(1, "2025-01-01", "2026-06-29")),
            ("v2.yaml", versioned(2, "2026-06-30", None)),
        ]
    )
    assert [a.version for a in aset.versions("de-nl-test")] == [1, 2]
    assert aset.get("de-nl-test").version == 2
    assert [a.version for a in aset.in_force(date(2026, 1, 1))] == [1]


def test_agreement_error_carries_status_code_and_problems():
    with pytest.raises(AgreementError) as caught:
        parse_agreement("x.yaml", "")
    error = caught.value
    assert error.status == 422
    assert error.to_dict()["problems"] == [
        {"file": "x.yaml", "line": 1, "reason": "the file is empty"}
    ]
    assert str(error) == "x.yaml:1: the file is empty"


def test_country_and_group_parties_load():
    text = (
        GOOD.replace("  - NL-POLITIE\n", "  - EU\n  - UA\n")
        .replace("between: [DE-BKA, NL-POLITIE]", "between: [DE-BKA, EU]")
        .replace("    to: NL-POLITIE", "    to: UA")
    )
    agreement = parse_agreement("g.yaml", text)
    kinds = {p.code: p.kind for p in agreement.parties}
    assert kinds == {"DE-BKA": PartyKind.AGENCY, "EU": PartyKind.GROUP, "UA": PartyKind.COUNTRY}
