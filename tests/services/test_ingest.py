"""Ingest of FtM JSON lines and mapped CSV, including the bad-input table of the node core."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from accord.errors import Forbidden, ValidationError
from accord.model import EnvelopeDefaults, Principal
from accord.services import records as record_service
from accord.services.ingest import IngestFormat, IngestReport, ingest_stream
from accord.services.node import Node
from accord.store import records as store
from accord.store.tables import record_history, records
from tests.conftest import entity, person, principal

DEFAULTS = EnvelopeDefaults(owner="DE-BKA", crime_areas=("thb",))


def lines(*items: Any) -> io.BytesIO:
    text = "\n".join(i if isinstance(i, str) else json.dumps(i, ensure_ascii=False) for i in items)
    return io.BytesIO(text.encode("utf-8"))


def run(node: Node, stream: io.BytesIO, **kw: Any) -> IngestReport:
    kw.setdefault("defaults", DEFAULTS)
    return ingest_stream(node, node.operator(), stream, **kw)


def count(node: Node) -> int:
    with node.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


GOOD = entity("Person", "p-good", name="Anna Schmidt", birthDate="1980-01-01")


def test_ingest_loads_records_with_batch_envelope_and_line_overrides(node: Node) -> None:
    report = run(
        node,
        lines(
            GOOD,
            entity("Person", "p2", {"tlp": "RED", "subject_category": "victim"}, name="Olena"),
            entity("Passport", "d1", number="FE1234567", holder="p-good"),
        ),
    )
    assert (report.created, report.rejected) == (3, 0)
    p2 = record_service.get_record(node, node.operator(), "p2")
    assert p2.envelope.tlp.value == "RED"
    assert p2.envelope.crime_areas == ("thb",)
    d1 = record_service.get_record(node, node.operator(), "d1")
    assert d1.envelope.subject_category is None


def test_rerun_of_same_file_creates_no_duplicates(node: Node) -> None:
    data = [GOOD, entity("Company", "c1", name="Nordlicht GmbH")]
    run(node, lines(*data))
    again = run(node, lines(*data))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert count(node) == 2


def test_changed_line_on_rerun_becomes_new_version_with_history(node: Node) -> None:
    run(node, lines(GOOD))
    changed = entity("Person", "p-good", name="Anna Weber", birthDate="1980-01-01")
    report = run(node, lines(changed))
    assert report.updated == 1
    rec = record_service.get_record(node, node.operator(), "p-good")
    assert rec.envelope.version == 2
    (old,) = record_service.record_history(node, node.operator(), "p-good")
    assert old["properties"]["name"] == ["Anna Schmidt"]


def test_same_id_twice_in_one_file_keeps_the_later_line(node: Node) -> None:
    first = entity("Person", "p1", name="Anna Schmidt")
    second = entity("Person", "p1", name="Anna Weber")
    report = run(node, lines(first, second))
    assert (report.created, report.updated) == (1, 1)
    assert record_service.get_record(node, node.operator(), "p1").caption == "Anna Weber"


BAD_LINES = [
    ("unknown schema", entity("Spaceship", "x"), "schema", "unknown FollowTheMoney schema"),
    (
        "unknown property",
        entity("Person", "x", shoeSize="44"),
        "properties.shoeSize",
        "unknown property",
    ),
    (
        "date not a date",
        entity("Person", "x", birthDate="soon"),
        "properties.birthDate",
        "not a valid date",
    ),
    (
        "country not a country",
        entity("Person", "x", nationality="Atlantis"),
        "properties.nationality",
        "not a valid country",
    ),
    (
        "bad handling code",
        entity("Person", "x", {"handling": "H7"}),
        "accord.handling",
        "not one of H0",
    ),
    ("bad TLP label", entity("Person", "x", {"tlp": "PURPLE"}), "accord.tlp", "not one of CLEAR"),
    (
        "bad reliability",
        entity("Person", "x", {"reliability": "E"}),
        "accord.reliability",
        "not one of A",
    ),
    (
        "bad category",
        entity("Person", "x", {"subject_category": "bystander"}),
        "accord.subject_category",
        "not one of suspect",
    ),
    (
        "unknown crime area",
        entity("Person", "x", {"crime_areas": ["littering"]}),
        "accord.crime_areas",
        "unknown crime-area code",
    ),
    ("malformed JSON", '{"id": "x", "schema": "Person",', "line", "malformed JSON"),
    ("not an object", '["x"]', "line", "must be a JSON object"),
    (
        "another agency's record",
        entity("Person", "x", {"owner": "NL-POLITIE"}),
        "accord.owner",
        "can only be written by NL-POLITIE",
    ),
]


@pytest.mark.parametrize(
    ("case", "line", "field", "reason"), BAD_LINES, ids=[b[0] for b in BAD_LINES]
)
def test_bad_line_is_reported_by_number_and_good_lines_still_load(
    node: Node, case: str, line: Any, field: str, reason: str
) -> None:
    report = run(node, lines(GOOD, line))
    assert report.created == 1
    assert report.rejected == 1
    (error,) = report.errors
    assert error.line == 2
    assert error.field == field
    assert reason in error.reason


@pytest.mark.parametrize(
    ("case", "line", "field", "reason"), BAD_LINES, ids=[b[0] for b in BAD_LINES]
)
def test_strict_mode_leaves_store_unchanged_on_any_bad_line(
    node: Node, case: str, line: Any, field: str, reason: str
) -> None:
    report = run(node, lines(GOOD, line, GOOD), strict=True)
    assert not report.written
    assert (report.lines, report.rejected, report.created) == (3, 1, 0)
    assert (report.errors[0].line, report.errors[0].field) == (2, field)
    assert count(node) == 0


def test_line_over_10_mib_is_rejected_without_loading_it(node: Node) -> None:
    huge = entity("Person", "big", name="A", notes="x" * (10 * 1024 * 1024))
    report = run(node, lines(GOOD, huge, entity("Person", "after", name="B")))
    assert report.created == 2
    (error,) = report.errors
    assert (error.line, error.field) == (2, "line")
    assert "10 MiB" in error.reason


def test_empty_file_is_an_error_and_writes_nothing(node: Node) -> None:
    with pytest.raises(ValidationError, match="file: is empty"):
        run(node, io.BytesIO(b"\n\n"))
    assert count(node) == 0


def test_batch_owner_of_another_agency_is_forbidden(node: Node) -> None:
    with pytest.raises(Forbidden):
        run(node, lines(GOOD), defaults=EnvelopeDefaults(owner="NL-POLITIE"))
    assert count(node) == 0


MAPPING = """
accord:
  subject_category: suspect
entities:
  person:
    schema: Person
    keys: [ref]
    properties:
      name: {column: full_name}
      birthDate: {column: dob}
      nationality: {column: country}
  passport:
    schema: Passport
    keys: [passport_no]
    properties:
      number: {column: passport_no}
      holder: {entity: person}
"""


def csv_file(text: str) -> io.BytesIO:
    return io.BytesIO(text.strip().encode("utf-8"))


def test_csv_with_mapping_creates_linked_entities(node: Node) -> None:
    data = csv_file(
        "ref,full_name,dob,country,passport_no\n"
        "1,Anna Schmidt,1980-01-01,de,C01X00T47\n"
        "2,Jan de Vries,1975-05-05,nl,NX1234567\n"
    )
    report = run(node, data, fmt=IngestFormat.CSV, mapping_text=MAPPING)
    assert report.created == 4
    hits = record_service.list_records(node, node.operator(), "Passport", 10, 0)
    assert {h.properties["number"][0] for h in hits} == {"C01X00T47", "NX1234567"}
    people = record_service.list_records(node, node.operator(), "Person", 10, 0)
    assert {p.envelope.subject_category.value for p in people if p.envelope.subject_category} == {
        "suspect"
    }
    assert all(h.properties["holder"][0] in {p.id for p in people} for h in hits)


def test_csv_bad_cell_names_row_and_property(node: Node) -> None:
    data = csv_file(
        "ref,full_name,dob,country,passport_no\n1,Anna Schmidt,not-a-date,de,C01X00T47\n"
    )
    report = run(node, data, fmt=IngestFormat.CSV, mapping_text=MAPPING)
    assert report.errors[0].line == 2
    assert report.errors[0].field == "properties.birthDate"


def test_csv_mapping_naming_missing_column_is_rejected_before_loading(node: Node) -> None:
    data = csv_file("ref,full_name,country,passport_no\n1,Anna,de,C01\n")
    with pytest.raises(ValidationError) as exc:
        run(node, data, fmt=IngestFormat.CSV, mapping_text=MAPPING)
    assert exc.value.errors[0].field == "mapping column 'dob'"
    assert count(node) == 0


def test_csv_without_mapping_is_an_error(node: Node) -> None:
    with pytest.raises(ValidationError, match="mapping"):
        run(node, csv_file("a,b\n1,2"), fmt=IngestFormat.CSV)


def test_update_of_another_agencys_record_is_forbidden_and_changes_nothing(node: Node) -> None:
    theirs = person("Jan de Vries", "nl-1", owner="NL-POLITIE")
    with node.engine.begin() as conn:
        store.insert_records(conn, [(theirs, theirs.caption, set())])
    me: Principal = principal("DE-BKA")
    with pytest.raises(Forbidden):
        record_service.update_record(
            node, me, "nl-1", {"properties": {"name": ["X"]}}, owner="NL-POLITIE"
        )
    with pytest.raises(Forbidden):
        record_service.delete_record(node, me, "nl-1", owner="NL-POLITIE")
    assert record_service.get_record(node, me, "nl-1").caption == "Jan de Vries"
    with node.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(record_history)).scalar_one() == 0
