"""parse_mrz reads the ICAO and German specimens and refuses each alteration naming the field
(ICAO Doc 9303 Parts 3-7)."""

from __future__ import annotations

import pytest

from accord.documents import parse_mrz
from accord.errors import ValidationError
from tests.documents import specimens
from tests.documents.specimens import ALL, CHECK_DIGITS


def fields_failing(lines: list[str]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        parse_mrz(lines)
    return {e.field for e in caught.value.errors}


def altered(lines: list[str], line: int, position: int, char: str) -> list[str]:
    out = list(lines)
    out[line] = out[line][:position] + char + out[line][position + 1 :]
    return out


@pytest.mark.parametrize("name", ALL)
def test_every_specimen_reads(name: str) -> None:
    assert parse_mrz(ALL[name]).document_number


def test_the_utopia_passport_reads_field_by_field() -> None:
    read = parse_mrz(specimens.TD3)
    assert read.format == "TD3" and read.kind == "passport"
    assert (read.issuing_state, read.nationality) == ("UTO", "UTO")
    assert read.document_number == "L898902C3"
    assert (read.primary_name, read.secondary_name) == ("ERIKSSON", "ANNA MARIA")
    assert (read.birth_date, read.sex, read.expiry_date) == ("740812", "F", "120415")
    assert read.optional_data == ("ZE184226B",)


def test_formats_are_told_apart_by_shape_and_code() -> None:
    assert [parse_mrz(ALL[n]).format for n in ("TD1", "TD2", "TD3", "MRV-A", "MRV-B")] == [
        "TD1",
        "TD2",
        "TD3",
        "MRV-A",
        "MRV-B",
    ]
    assert parse_mrz(specimens.MRV_A).kind == "visa"
    assert parse_mrz(specimens.TD1).kind == "id_card"


def test_germany_is_d_in_both_specimens() -> None:
    passport, card = parse_mrz(specimens.DE_PASSPORT), parse_mrz(specimens.DE_ID_CARD)
    assert passport.issuing_state == passport.nationality == "D"
    assert card.issuing_state == "D" and card.document_code == "ID"
    assert card.sex == ""  # the German card leaves the sex unspecified (<)
    assert card.document_number == "T22000129"


def test_a_long_td1_number_continues_in_the_optional_data() -> None:
    read = parse_mrz(specimens.TD1_LONG_NUMBER)
    assert read.document_number == "D23145890734"
    assert read.optional_data == ("", "")


def test_a_long_number_without_its_continuation_is_refused() -> None:
    lines = altered(specimens.TD1, 0, 14, "<")
    assert "mrz.line1.document_number_check_digit" in fields_failing(lines)


def test_one_text_with_a_line_per_row_reads_too() -> None:
    assert parse_mrz("\n".join(specimens.TD2) + "\r\n").format == "TD2"


@pytest.mark.parametrize(
    ("name", "line", "position", "field"),
    [(name, *where) for name, wheres in CHECK_DIGITS.items() for where in wheres],
)
def test_each_check_digit_flipped_is_named(name: str, line: int, position: int, field: str) -> None:
    lines = ALL[name]
    digit = lines[line][position]
    assert digit.isdigit()
    failing = fields_failing(altered(lines, line, position, str((int(digit) + 1) % 10)))
    assert f"mrz.{field}" in failing
    # A check digit inside the composite's span breaks the composite too; nothing else.
    assert failing <= {f"mrz.{field}", f"mrz.line{2}.composite_check_digit"}


@pytest.mark.parametrize(
    ("name", "line", "position", "field"),
    [
        ("TD3", 1, 0, "line2.document_number_check_digit"),
        ("TD3", 1, 15, "line2.birth_date_check_digit"),
        ("TD3", 1, 24, "line2.expiry_date_check_digit"),
        ("TD3", 1, 30, "line2.personal_number_check_digit"),
        ("TD1", 0, 7, "line1.document_number_check_digit"),
        ("TD1", 0, 20, "line2.composite_check_digit"),
        ("MRV-B", 1, 3, "line2.document_number_check_digit"),
    ],
)
def test_a_changed_character_breaks_the_check_digit_guarding_it(
    name: str, line: int, position: int, field: str
) -> None:
    lines = ALL[name]
    char = lines[line][position]
    other = "8" if char != "8" else "7"
    if char.isalpha():
        other = "Q" if char != "Q" else "R"
    assert f"mrz.{field}" in fields_failing(altered(lines, line, position, other))


def test_wrong_line_count_is_named() -> None:
    assert fields_failing(specimens.TD3[:1]) == {"mrz.lines"}
    assert fields_failing([*specimens.TD1, specimens.TD1[2]]) == {"mrz.lines"}


def test_wrong_length_is_named_per_line() -> None:
    assert fields_failing([specimens.TD3[0], specimens.TD3[1][:-1]]) == {"mrz.line2"}
    assert fields_failing([specimens.TD3[0] + "<", specimens.TD3[1] + "<"]) == {
        "mrz.line1",
        "mrz.line2",
    }
    assert "mrz.line3" in fields_failing([*specimens.TD1[:2], specimens.TD1[2][:29]])


@pytest.mark.parametrize("char", ["a", " ", "-", "É", "\t"])
def test_lowercase_and_illegal_characters_are_refused(char: str) -> None:
    lines = altered(specimens.TD3, 0, 7, char)
    with pytest.raises(ValidationError) as caught:
        parse_mrz(lines)
    (error,) = caught.value.errors
    assert error.field == "mrz.line1" and "position 8" in error.reason


def test_a_lowercase_mrz_is_refused_whole() -> None:
    assert fields_failing([line.lower() for line in specimens.TD3]) == {"mrz.line1", "mrz.line2"}


def test_an_unknown_issuing_state_or_nationality_is_named() -> None:
    assert fields_failing(altered(specimens.TD3, 0, 2, "Q")) == {"mrz.line1.issuing_state"}
    nationality = specimens.TD3[1][:10] + "ZZZ" + specimens.TD3[1][13:]
    failing = fields_failing([specimens.TD3[0], nationality])
    assert "mrz.line2.nationality" in failing


def test_a_nationality_code_is_no_issuing_state() -> None:
    lines = [specimens.MRV_B[0].replace("V<UTO", "V<XXA"), specimens.MRV_B[1]]
    assert fields_failing(lines) == {"mrz.line1.issuing_state"}
    # ... but stands as a nationality (MRV specimens: XXX, unspecified).
    assert parse_mrz(specimens.MRV_B).nationality == "XXX"


def test_dates_must_be_dates() -> None:
    from accord.documents import check_digit

    def with_birth(birth: str) -> list[str]:
        line = specimens.MRV_B[1]
        return [specimens.MRV_B[0], line[:13] + birth + check_digit(birth) + line[20:]]

    assert fields_failing(with_birth("401307")) == {"mrz.line2.birth_date"}
    assert fields_failing(with_birth("400230")) == {"mrz.line2.birth_date"}
    assert parse_mrz(with_birth("000229")).birth_date == "000229"  # 2000 was a leap year
    assert parse_mrz(with_birth("4009<<")).birth_date == "4009<<"  # day unknown
    assert parse_mrz(with_birth("<<<<<<")).birth_date == "<<<<<<"  # wholly unknown
    assert fields_failing(with_birth("40<<07")) == {"mrz.line2.birth_date"}


def test_an_unknown_expiry_date_is_refused() -> None:
    line = specimens.MRV_B[1]
    lines = [specimens.MRV_B[0], line[:21] + "9612<<" + "0" + line[28:]]
    assert "mrz.line2.expiry_date" in fields_failing(lines)


@pytest.mark.parametrize(("sex", "read"), [("M", "M"), ("F", "F"), ("X", "X"), ("<", "")])
def test_sex_is_m_f_x_or_unspecified(sex: str, read: str) -> None:
    lines = altered(specimens.MRV_B, 1, 20, sex)
    assert parse_mrz(lines).sex == read


def test_another_sex_letter_is_named() -> None:
    assert fields_failing(altered(specimens.MRV_B, 1, 20, "Q")) == {"mrz.line2.sex"}


def test_a_document_code_must_fit_the_format() -> None:
    # A 44-character V is a visa (MRV-A): what follows the expiry is its optional data.
    assert parse_mrz(altered(specimens.TD3, 0, 0, "V")).format == "MRV-A"
    assert "mrz.line1.document_code" in fields_failing(altered(specimens.TD2, 0, 0, "P"))


def test_every_failure_is_reported_at_once() -> None:
    lines = altered(altered(specimens.TD3, 1, 19, "0"), 1, 20, "Q")
    assert fields_failing(lines) >= {"mrz.line2.birth_date_check_digit", "mrz.line2.sex"}
