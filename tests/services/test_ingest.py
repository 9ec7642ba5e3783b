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
from accord.services.ingest import (
    MAX_KEPT_ERRORS,
    IngestFormat,
    IngestReport,
    LineError,
    ingest_stream,
)
from accord.services.node import Node
from accord.services.purpose import parse_purpose
from accord.services.search import search_local
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


def envelope_of(node: Node, entity_id: str) -> dict[str, Any]:
    return record_service.get_record(node, node.operator(), entity_id).envelope.to_dict()


def test_line_envelope_wins_and_batch_flags_fill_what_the_line_does_not_say(node: Node) -> None:
    batch = EnvelopeDefaults(owner="DE-BKA", tlp="GREEN", reliability="B", crime_areas=("thb",))
    run(node, lines(entity("Person", "p1", {"tlp": "RED"}, name="Anna")), defaults=batch)
    env = envelope_of(node, "p1")
    assert (env["tlp"], env["reliability"], env["crime_areas"]) == ("RED", "B", ["thb"])


def test_override_forces_the_batch_values_over_the_lines_own(node: Node) -> None:
    batch = EnvelopeDefaults(owner="DE-BKA", tlp="GREEN", subject_category="suspect")
    data = lines(
        entity("Person", "p1", {"tlp": "RED", "reliability": "A"}, name="Anna"),
        entity("Company", "c1", {"tlp": "RED"}, name="Nordlicht GmbH"),
    )
    report = run(node, data, defaults=batch, override=True)
    assert (report.created, report.rejected) == (2, 0)
    p1 = envelope_of(node, "p1")
    assert (p1["tlp"], p1["reliability"], p1["subject_category"]) == ("GREEN", "A", "suspect")
    # A subject category is forced on people only.
    assert (envelope_of(node, "c1")["tlp"], envelope_of(node, "c1")["subject_category"]) == (
        "GREEN",
        None,
    )


def test_csv_flags_win_over_the_mappings_accord_block(node: Node) -> None:
    data = csv_file("ref,full_name,dob,country,passport_no\n1,Anna Schmidt,1980-01-01,de,C01\n")
    batch = EnvelopeDefaults(owner="DE-BKA", subject_category="victim")
    run(node, data, fmt=IngestFormat.CSV, mapping_text=MAPPING, defaults=batch)
    (anna,) = record_service.list_records(node, node.operator(), "Person", 10, 0)
    assert anna.envelope.subject_category is not None
    assert anna.envelope.subject_category.value == "victim"


def test_reingest_with_new_labels_makes_a_new_version(node: Node) -> None:
    run(node, lines(GOOD))
    report = run(node, lines(GOOD), defaults=EnvelopeDefaults(owner="DE-BKA", tlp="RED"))
    assert (report.updated, report.unchanged) == (1, 0)
    rec = record_service.get_record(node, node.operator(), "p-good")
    assert (rec.envelope.tlp.value, rec.envelope.version) == ("RED", 2)
    (old,) = record_service.record_history(node, node.operator(), "p-good")
    assert old["accord"]["tlp"] == "AMBER"
    # The crime area stated the first time and not the second stays.
    assert rec.envelope.crime_areas == ("thb",)


def test_reingest_without_the_flags_changes_nothing_and_downgrades_nothing(node: Node) -> None:
    run(node, lines(GOOD), defaults=EnvelopeDefaults(owner="DE-BKA", tlp="RED"))
    created = envelope_of(node, "p-good")
    report = run(node, lines(GOOD), defaults=EnvelopeDefaults(owner="DE-BKA"))
    assert (report.updated, report.unchanged) == (0, 1)
    assert envelope_of(node, "p-good") == created


def test_reingest_with_a_changed_line_envelope_is_an_update(node: Node) -> None:
    run(node, lines(GOOD))
    changed = entity("Person", "p-good", {"handling": "H2"}, name="Anna Schmidt")
    changed["properties"]["birthDate"] = ["1980-01-01"]
    report = run(node, lines(changed))
    assert report.updated == 1
    assert envelope_of(node, "p-good")["handling"] == "H2"


class Unread(io.BytesIO):
    def read(self, *_: Any) -> bytes:
        raise AssertionError("the file was read")

    readline = read


@pytest.mark.parametrize(
    ("batch", "field"),
    [
        ({"tlp": "PURPLE"}, "accord.tlp"),
        ({"handling": "H9"}, "accord.handling"),
        ({"handling": "H3"}, "accord.handling_conditions"),
        ({"reliability": "E"}, "accord.reliability"),
        ({"assessment": "7"}, "accord.assessment"),
        ({"subject_category": "bystander"}, "accord.subject_category"),
        ({"crime_areas": ("littering",)}, "accord.crime_areas"),
        ({"review_by": "next year"}, "accord.review_by"),
    ],
)
def test_bad_batch_value_is_refused_once_before_the_file_is_read(
    node: Node, batch: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        run(node, Unread(), defaults=EnvelopeDefaults(owner="DE-BKA", **batch))
    assert [e.field for e in exc.value.errors] == [field]


def test_bad_value_in_the_mappings_accord_block_is_refused_before_reading(node: Node) -> None:
    mapping = MAPPING.replace("subject_category: suspect", "tlp: PURPLE")
    with pytest.raises(ValidationError) as exc:
        run(node, csv_file("ref\n1"), fmt=IngestFormat.CSV, mapping_text=mapping)
    assert [e.field for e in exc.value.errors] == ["mapping.accord.tlp"]
    assert count(node) == 0


def test_every_error_is_counted_and_passed_on_beyond_the_kept_ones(node: Node) -> None:
    bad = [entity("Person", f"x{i}", birthDate="soon") for i in range(MAX_KEPT_ERRORS + 250)]
    seen: list[LineError] = []
    report = run(node, lines(GOOD, *bad), on_error=seen.append)
    assert report.rejected == report.error_count == len(seen) == MAX_KEPT_ERRORS + 250
    assert len(report.errors) == MAX_KEPT_ERRORS
    assert not report.errors_complete
    assert report.to_dict()["errors_complete"] is False
    assert seen[-1].line == MAX_KEPT_ERRORS + 251
    assert report.created == 1


def test_strict_reports_every_bad_line_and_writes_nothing(node: Node) -> None:
    data = lines(GOOD, entity("Person", "a", birthDate="soon"), entity("Spaceship", "b"))
    report = run(node, data, strict=True)
    assert not report.written
    assert [e.line for e in report.errors] == [2, 3]
    assert count(node) == 0


PURPOSE = parse_purpose("investigation", "BKA-2026-0042", "thb")


def found(node: Node, query: str) -> list[str]:
    return [h.record.id for h in search_local(node, node.operator(), query, PURPOSE)]


def test_national_phone_number_is_read_in_the_nodes_country_and_found_as_typed(
    node: Node,
) -> None:
    report = run(node, lines(entity("Person", "p1", name="Anna Schmidt", phone="015125888904")))
    assert report.rejected == 0, report.errors
    rec = record_service.get_record(node, node.operator(), "p1")
    assert rec.properties["phone"] == ["+4915125888904"]
    for query in ("015125888904", "0151 2588 8904", "+49 151 25888904", "004915125888904"):
        assert found(node, query) == ["p1"], query


def test_iban_is_stored_in_electronic_format_and_found_in_either_form(node: Node) -> None:
    run(node, lines(entity("BankAccount", "acc1", iban="de89 3704 0044 0532 0130 00")))
    rec = record_service.get_record(node, node.operator(), "acc1")
    assert rec.properties["iban"] == ["DE89370400440532013000"]
    assert found(node, "DE89 3704 0044 0532 0130 00") == ["acc1"]
    assert found(node, "de89370400440532013000") == ["acc1"]


def test_api_create_normalises_the_iban_like_ingest(node: Node) -> None:
    body = entity("BankAccount", "acc2", iban="NL91 ABNA 0417 1643 00")
    record_service.create_record(node, node.operator(), body)
    rec = record_service.get_record(node, node.operator(), "acc2")
    assert rec.properties["iban"] == ["NL91ABNA0417164300"]
