from datetime import date

import pytest
from followthemoney.types import registry
from hypothesis import given
from hypothesis import strategies as st

from accord.errors import ValidationError
from accord.model import TLP, Handling, SubjectCategory, parse_record
from tests.conftest import NOW, entity, person


def fields(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {e.field for e in exc.value.errors}


def test_any_concrete_ftm_schema_is_a_record() -> None:
    for schema in ("Company", "Organization", "Vehicle", "CryptoWallet", "Address", "Event"):
        rec = parse_record({"id": "x1", "schema": schema}, {"owner": "DE-BKA"}, now=NOW)
        assert rec.schema == schema


def test_values_are_cleaned_to_ftm_canonical_forms() -> None:
    rec = person("Олександр Коваленко", country="Ukraine", phone="044 123 4567")
    assert rec.properties["nationality"] == ["ua"]
    assert rec.properties["phone"] == ["+380441234567"]


def test_envelope_defaults_and_three_year_review() -> None:
    rec = person("Anna")
    env = rec.envelope
    assert env.handling is Handling.H0
    assert env.tlp is TLP.AMBER
    assert env.review_by == date(2029, 1, 15)
    assert env.version == 1


def test_line_overrides_batch_defaults() -> None:
    rec = person("Anna", accord={"tlp": "RED", "subject_category": "witness"})
    assert rec.envelope.tlp is TLP.RED
    assert rec.envelope.subject_category is SubjectCategory.WITNESS


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id": "a", "schema": "Spaceship"}, "schema"),
        ({"id": "a", "schema": "Thing"}, "schema"),
        (entity("Person", "a", shoeSize="44"), "properties.shoeSize"),
        (entity("Person", "a", birthDate="last tuesday"), "properties.birthDate"),
        (entity("Person", "a", nationality="Atlantis"), "properties.nationality"),
        (entity("Person", "a", {"handling": "H9"}), "accord.handling"),
        (entity("Person", "a", {"handling": "H3"}), "accord.handling_conditions"),
        (entity("Person", "a", {"tlp": "PINK"}), "accord.tlp"),
        (entity("Person", "a", {"reliability": "Z"}), "accord.reliability"),
        (entity("Person", "a", {"assessment": "7"}), "accord.assessment"),
        (entity("Person", "a", {"subject_category": "villain"}), "accord.subject_category"),
        (entity("Person", "a", {"crime_areas": ["jaywalking"]}), "accord.crime_areas"),
        (entity("Person", "a", {"owner": "XX-NOPE"}), "accord.owner"),
        (entity("Person", "a", {"colour": "blue"}), "accord.colour"),
        (entity("Passport", "a", {"subject_category": "suspect"}), "accord.subject_category"),
        ({"id": "", "schema": "Person"}, "id"),
        ({"id": "a", "schema": "Person", "extra": 1}, "extra"),
    ],
)
def test_invalid_input_names_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse_record(data, {"owner": "DE-BKA"}, now=NOW)
    assert field in fields(exc)


def test_every_bad_field_is_reported_at_once() -> None:
    data = entity("Person", "a", {"tlp": "PINK", "handling": "H9"}, birthDate="x")
    with pytest.raises(ValidationError) as exc:
        parse_record(data, {"owner": "DE-BKA"}, now=NOW)
    assert fields(exc) == {"accord.tlp", "accord.handling", "properties.birthDate"}


@given(
    st.integers(0, 9999),
    st.one_of(st.none(), st.integers(0, 13)),
    st.one_of(st.none(), st.integers(0, 32)),
)
def test_fast_date_path_agrees_with_followthemoney(
    year: int, month: int | None, day: int | None
) -> None:
    text = f"{year:04d}"
    if month is not None:
        text += f"-{month:02d}"
        if day is not None:
            text += f"-{day:02d}"
    data = entity("Person", "a", birthDate=text)
    expected = registry.date.clean(text)
    try:
        got = parse_record(data, {"owner": "DE-BKA"}, now=NOW).properties.get("birthDate")
    except ValidationError:
        got = None
    assert got == ([expected] if expected else None)
