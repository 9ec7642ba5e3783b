from __future__ import annotations

import pytest

from accord.documents import check_digit, country, country_codes, issuer_code, normalise_number


def test_the_code_list_holds_iso_and_icaos_additions() -> None:
    codes = country_codes()
    assert len([c for c in codes.values() if c.kind == "state"]) >= 249
    for code in ("D", "UTO", "GBD", "GBN", "GBO", "GBP", "GBS", "UNO", "UNA", "UNK", "EUE"):
        assert code in codes, code
    for code in ("XXA", "XXB", "XXC", "XXX", "RKS", "XPO", "UKR", "NLD"):
        assert code in codes, code


def test_germany_is_d_however_written() -> None:
    assert country("D<<") is not None and country("D<<").code == "D"  # type: ignore[union-attr]
    assert country("DEU").code == "D"  # type: ignore[union-attr]
    assert issuer_code("DE") == issuer_code("deu") == issuer_code("D") == "D"


@pytest.mark.parametrize(
    ("typed", "code"),
    [("UA", "UKR"), ("ukr", "UKR"), ("NL", "NLD"), ("GB", "GBR"), ("XK", "RKS"), ("UTO", "UTO")],
)
def test_an_issuer_may_be_typed_as_alpha2_alpha3_or_icao(typed: str, code: str) -> None:
    assert issuer_code(typed) == code


@pytest.mark.parametrize("typed", ["XXA", "XXX", "GBN", "ZZ", "QQQ", "", "GERMANY"])
def test_nationality_codes_and_unknown_codes_issue_nothing(typed: str) -> None:
    assert issuer_code(typed) is None


def test_the_alpha2_of_an_issuer_is_the_agency_country() -> None:
    assert country("D").alpha2 == "DE"  # type: ignore[union-attr]
    assert country("UKR").alpha2 == "UA"  # type: ignore[union-attr]
    assert country("UTO").alpha2 == ""  # type: ignore[union-attr]


def test_check_digits_of_doc_9303s_worked_example() -> None:
    # Part 3, section 4.9: the date 520727 has the check digit 3.
    assert check_digit("520727") == "3"
    assert check_digit("L898902C3") == "6"
    assert check_digit("AB2134<<<") == "5"


def test_numbers_are_normalised_for_the_registry() -> None:
    assert normalise_number(" c01x 00t47 ") == "C01X00T47"
    assert normalise_number("AB-123.456/7<<") == "AB1234567"
    assert normalise_number("O0") == "O0"  # the letter O and the digit 0 stay apart
