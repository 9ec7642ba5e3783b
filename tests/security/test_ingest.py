"""Ingest under hostile input: no line is half-written, and no line can stop the file."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from accord.interop import read_json_lines
from accord.model import EnvelopeDefaults
from accord.services import records as record_service
from accord.services.ingest import IngestFormat, IngestReport, ingest_stream
from accord.services.node import Node
from accord.store.tables import records
from tests.conftest import entity

DEFAULTS = EnvelopeDefaults(owner="DE-BKA")

MAPPING = """
entities:
  person:
    schema: Person
    keys: [ref]
    properties:
      name: {column: full_name}
      birthDate: {column: dob}
  passport:
    schema: Passport
    keys: [passport_no]
    properties:
      number: {column: passport_no}
      holder: {entity: person}
"""
HEADER = b"ref,full_name,dob,passport_no\n"


def run_csv(node: Node, body: bytes) -> IngestReport:
    return ingest_stream(
        node,
        node.operator(),
        io.BytesIO(HEADER + body),
        defaults=DEFAULTS,
        fmt=IngestFormat.CSV,
        mapping_text=MAPPING,
    )


def run_lines(node: Node, body: bytes) -> IngestReport:
    return ingest_stream(node, node.operator(), io.BytesIO(body), defaults=DEFAULTS)


def stored(node: Node) -> dict[str, list[str]]:
    """Schema → captions of every stored record."""
    out: dict[str, list[str]] = {}
    with node.engine.connect() as conn:
        for schema, caption in conn.execute(select(records.c.schema, records.c.caption)):
            out.setdefault(schema, []).append(caption)
    return out


def test_csv_row_whose_person_is_rejected_writes_none_of_its_entities(node: Node) -> None:
    report = run_csv(
        node, b"1,Anna Schmidt,1980-01-01,C01X00T47\n2,Jan de Vries,not-a-date,NX1234567\n"
    )
    assert (report.lines, report.rejected, report.created) == (2, 1, 2)
    (error,) = report.errors
    assert (error.line, error.entity, error.field) == (3, "person", "properties.birthDate")
    # The rejected row's passport is not written: no document whose holder does not exist.
    assert sorted(stored(node)["Passport"]) == ["C01X00T47"]
    assert stored(node)["Person"] == ["Anna Schmidt"]


def test_csv_row_referring_to_an_entity_it_does_not_make_is_rejected(node: Node) -> None:
    report = run_csv(node, b",,,C01X00T47\n")
    assert report.rejected == 1
    assert report.errors[0].field == "passport.holder"
    assert "person" in report.errors[0].reason
    with node.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(records)).scalar_one() == 0


def test_unclosed_quote_is_reported_on_its_line_and_the_rows_after_it_load(node: Node) -> None:
    report = run_csv(
        node,
        b'1,"Anna Schmidt,1980-01-01,C01X00T47\n'
        b"2,Jan de Vries,1975-05-05,NX1234567\n"
        b'3,"Olena, Kovalenko",1981-03-02,FE1234567\n',
    )
    assert (report.lines, report.rejected, report.created) == (3, 1, 4)
    (error,) = report.errors
    assert error.line == 2
    assert "unclosed quote in column 2 (full_name)" in error.reason
    # The quote swallowed nothing: no name holds the rest of the file.
    assert sorted(stored(node)["Person"]) == ["Jan de Vries", "Olena, Kovalenko"]


def test_bad_utf8_in_a_csv_rejects_that_line_only(node: Node) -> None:
    report = run_csv(
        node,
        b"1,Anna Schmidt,1980-01-01,C01X00T47\n"
        b"2,J\xe4n de Vries,1975-05-05,NX1234567\n"
        b"3,Olena Kovalenko,1981-03-02,FE1234567\n",
    )
    assert (report.lines, report.rejected, report.created) == (3, 1, 4)
    (error,) = report.errors
    assert error.line == 3
    assert "not valid UTF-8: byte 0xe4" in error.reason


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"1,Anna\x00,1980-01-01,C01\n", "NUL"),
        (b"1,Anna,1980-01-01\n", "has 3 cells; the header has 4"),
        (b'1,"Anna"x,1980-01-01,C01\n', "not valid CSV"),
    ],
    ids=["NUL byte", "too few cells", "text after a closing quote"],
)
def test_other_unreadable_csv_lines_are_reported_by_line(
    node: Node, body: bytes, reason: str
) -> None:
    report = run_csv(node, body + b"2,Jan de Vries,1975-05-05,NX1234567\n")
    assert (report.rejected, report.created) == (1, 2)
    assert report.errors[0].line == 2
    assert reason in report.errors[0].reason


GOOD = json.dumps(entity("Person", "p-good", name="Anna Schmidt")).encode()
AFTER = json.dumps(entity("Person", "p-after", name="Jan de Vries")).encode()

HOSTILE_LINES = [
    (
        "nested 5000 levels",
        b'{"id": "x", "schema": "Person", "properties": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        "nested deeper than 64 levels",
    ),
    (
        "nested 100 levels",
        b'{"id": "x", "properties": {"name": ' + b"[" * 100 + b"]" * 100 + b"}}",
        "nested deeper than 64 levels",
    ),
    (
        "5000-digit integer",
        b'{"id": "x", "accord": {"version": 1' + b"0" * 5000 + b"}}",
        "malformed JSON",
    ),
    (
        "integer beyond the column",
        b'{"id": "x", "schema": "Person", "accord": {"version": 99999999999999999999}}',
        "accord.version",
    ),
    (
        "float overflow",
        b'{"id": "x", "schema": "Person", "properties": {"weight": [1e999]}}',
        "out of range",
    ),
    (
        "NaN",
        b'{"id": "x", "schema": "Person", "properties": {"weight": [NaN]}}',
        "NaN is not a number",
    ),
    (
        "lone surrogate",
        b'{"id": "x", "schema": "Person", "properties": {"name": ["\\ud800"]}}',
        "surrogate",
    ),
    (
        "NUL escape",
        b'{"id": "x", "schema": "Person", "accord": {"legal_basis": "a\\u0000b"}}',
        "NUL",
    ),
    ("not an object", b'"just a string"', "must be a JSON object"),
    (
        "bad UTF-8",
        b'{"id": "x", "schema": "Person", "properties": {"name": ["\xff"]}}',
        "not valid UTF-8",
    ),
    (
        "created_at without a UTC time",
        b'{"id": "x", "schema": "Person", "properties": {"name": ["A"]}, '
        b'"accord": {"created_at": "0001-01-01T00:00:00+01:00"}}',
        "out of range",
    ),
    (
        "created_at too late for a review date",
        b'{"id": "x", "schema": "Person", "properties": {"name": ["A"]}, '
        b'"accord": {"created_at": "9998-06-01T00:00:00+00:00"}}',
        "out of range",
    ),
    (
        "crime area not text",
        b'{"id": "x", "schema": "Person", "properties": {"name": ["A"]}, '
        b'"accord": {"crime_areas": [{"a": 1}]}}',
        "crime-area",
    ),
]


@pytest.mark.parametrize(
    ("case", "line", "reason"), HOSTILE_LINES, ids=[c[0] for c in HOSTILE_LINES]
)
def test_a_hostile_json_line_is_refused_by_number_and_the_file_goes_on(
    node: Node, case: str, line: bytes, reason: str
) -> None:
    report = run_lines(node, b"\n".join([GOOD, line, AFTER]))
    assert (report.lines, report.rejected, report.created) == (3, 1, 2)
    (error,) = report.errors
    assert error.line == 2
    assert reason in f"{error.field}: {error.reason}"


def test_deep_nesting_is_refused_without_recursion(node: Node) -> None:
    """Far beyond Python's recursion limit: refused by line, not by a RecursionError."""
    deep = b"[" * 200_000 + b"]" * 200_000
    ((number, _, bad),) = list(read_json_lines(io.BytesIO(deep), 10 * 1024 * 1024))
    assert number == 1
    assert "nested deeper than 64 levels" in getattr(bad, "reason", "")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
ENVELOPE = st.dictionaries(
    st.sampled_from(
        ["tlp", "handling", "crime_areas", "version", "review_by", "created_at", "legal_basis"]
    ),
    JSON,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    line=st.fixed_dictionaries(
        {"id": st.just("p1") | JSON, "schema": st.just("Person") | JSON},
        optional={
            "properties": st.dictionaries(st.sampled_from(["name", "birthDate", "phone"]), JSON)
            | JSON,
            "accord": ENVELOPE | JSON,
        },
    )
)
def test_no_line_of_any_shape_stops_the_file(node: Node, line: dict[str, Any]) -> None:
    body = json.dumps(line, allow_nan=True).encode() + b"\n" + AFTER
    report = run_lines(node, body)
    assert report.lines == 2
    assert report.loaded == 2 - report.rejected
    assert record_service.get_record(node, node.operator(), "p-after").caption == "Jan de Vries"
