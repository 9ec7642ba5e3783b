from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.matching.dates import (
    DateAgreement,
    PartialDate,
    compare_dates,
    date_keys,
    parse_date,
    query_date_keys,
)

A = DateAgreement


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("1981", "1981"),
        ("1981-03", "1981-03"),
        ("1981-03-02", "1981-03-02"),
        ("1981-3-2", "1981-03-02"),
        ("  1981-03-02\n", "1981-03-02"),
        ("1981-03-02T00:00:00Z", "1981-03-02"),
        ("1981-03-02T23:30:00+02:00", "1981-03-02"),
        ("1981-03-02 10:15", "1981-03-02"),
        ("19810302", "1981-03-02"),
        ("02.03.1981", "1981-03-02"),
        ("2.3.1981", "1981-03-02"),
        ("02/03/1981", "1981-03-02"),
        ("02-03-1981", "1981-03-02"),
        ("1981/03/02", "1981-03-02"),
        ("1981.03.02", "1981-03-02"),
        ("03.1981", "1981-03"),
        ("3/1981", "1981-03"),
        ("1981-00-00", "1981"),
        ("1981-03-00", "1981-03"),
        ("00.03.1981", "1981-03"),
        ("29.02.2000", "2000-02-29"),
    ],
)
def test_parse_date_reads_canonical_and_clerical_forms(text: str, iso: str) -> None:
    date = parse_date(text)
    assert date is not None
    assert date.iso() == iso


def test_ambiguous_slash_dates_are_day_first_unless_only_month_first_exists() -> None:
    assert parse_date("02/03/1981") == PartialDate(1981, 3, 2)
    assert parse_date("12/11/1981") == PartialDate(1981, 11, 12)
    assert parse_date("25/12/1981") == PartialDate(1981, 12, 25)
    assert parse_date("12/25/1981") == PartialDate(1981, 12, 25)
    assert parse_date("13/13/1981") is None


@pytest.mark.parametrize(
    "text",
    [
        "1981-02-30",
        "1981-02-29",
        "1900-02-29",
        "1981-13",
        "1981-13-01",
        "1981-04-31",
        "31.04.1981",
        "0000",
        "0000-01-01",
        "2101",
        "2101-01-01",
        "9999-12-31",
        "02.03.81",
        "810302",
        "",
        "   ",
        "unknown",
        "1981-03-02x",
        "1981--03",
        "١٩٨١",
        "1981-03-02T25",
        "1981-03-02T10:61",
        "c. 1981",
    ],
)
def test_impossible_or_unreadable_dates_are_none(text: str) -> None:
    assert parse_date(text) is None


def test_partial_date_refuses_dates_that_do_not_exist() -> None:
    for year, month, day in [(0, None, None), (1981, 13, None), (1981, 2, 30), (1981, None, 2)]:
        with pytest.raises(ValueError):
            PartialDate(year, month, day)
    assert PartialDate(1981, 3).iso() == "1981-03"
    assert PartialDate(800).iso() == "0800"


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("1981-03-02", "02.03.1981", A.EXACT),
        ("1981-03-02T00:00:00Z", "19810302", A.EXACT),
        ("1981-03", "1981-03-02", A.YEAR_MONTH),
        ("03/1981", "1981-03", A.YEAR_MONTH),
        ("1981", "1981-03-02", A.YEAR_ONLY),
        ("1981", "1981-03", A.YEAR_ONLY),
        ("1981", "1981", A.YEAR_ONLY),
        ("1981-03-02", "1981-02-03", A.DAY_MONTH_SWAP),
        ("11.12.1975", "12.11.1975", A.DAY_MONTH_SWAP),
        ("1981-03-02", "1982-03-02", A.ONE_YEAR_SLIP),
        ("1981-03-02", "1980-03-02", A.ONE_YEAR_SLIP),
        ("1981-03-02", "1981-03-07", A.ONE_DIGIT_TYPO),
        ("1981-03-02", "1981-08-02", A.ONE_DIGIT_TYPO),
        ("1981-03-12", "1981-03-22", A.ONE_DIGIT_TYPO),
        ("1981-03-02", "1981-03-15", A.MISMATCH),
        ("1981-03-02", "1983-03-02", A.MISMATCH),
        ("1981-03-02", "1982-02-03", A.MISMATCH),
        ("1981-03", "1981-04-02", A.MISMATCH),
        ("1981", "1982-03-02", A.MISMATCH),
        ("1981-03-02", "1991-03-02", A.MISMATCH),
    ],
)
def test_compare_dates_names_each_agreement_kind(a: str, b: str, kind: DateAgreement) -> None:
    assert compare_dates([a], [b]) == (kind, a, b)
    assert compare_dates([b], [a]) == (kind, b, a)


def test_compare_dates_picks_the_best_pair_of_several_recorded_dates() -> None:
    a = ["1979-01-01", "1981-03-02", "not known"]
    b = ["1981-02-03", "1981", "02.03.1981"]
    assert compare_dates(a, b) == (A.EXACT, "1981-03-02", "02.03.1981")
    assert compare_dates(["1981-03-02", "1960"], ["1981-02-03", "1981"]) == (
        A.YEAR_ONLY,
        "1981-03-02",
        "1981",
    )
    assert compare_dates(["1950", "1981-03-02"], ["1982-03-02", "1970"]) == (
        A.ONE_YEAR_SLIP,
        "1981-03-02",
        "1982-03-02",
    )


def test_mismatch_names_the_first_pair() -> None:
    assert compare_dates(["1950", "1960"], ["1970"]) == (A.MISMATCH, "1950", "1970")


def test_compare_dates_is_unknown_without_a_readable_date_on_either_side() -> None:
    assert compare_dates([], ["1981-03-02"]) == (A.UNKNOWN, None, None)
    assert compare_dates(["1981-03-02"], ["", "1981-02-30"]) == (A.UNKNOWN, None, None)
    assert compare_dates([], []) == (A.UNKNOWN, None, None)


def test_record_keys_are_years_and_queries_add_neighbouring_years() -> None:
    values = ["1981-03-02", "02.03.1981", "1983", "garbage"]
    assert date_keys(values) == {"y1981", "y1983"}
    assert query_date_keys(["1981-03-02"]) == {"y1980", "y1981", "y1982"}
    assert query_date_keys(["2100"]) == {"y2099", "y2100"}
    assert date_keys([]) == set() == query_date_keys(["nope"])


def test_a_year_slip_meets_its_candidate_through_the_keys() -> None:
    assert date_keys(["1982-03-02"]) & query_date_keys(["1981-03-02"])
    assert not date_keys(["1984-03-02"]) & query_date_keys(["1981-03-02"])


_partial_dates = st.builds(
    PartialDate, year=st.integers(1975, 1985), month=st.none() | st.integers(1, 12)
)
_full_dates = st.dates(min_value=date(1975, 1, 1), max_value=date(1985, 12, 31))


_near_dates = st.builds(
    lambda y, m, d: f"{y}-{m:02d}-{d:02d}",
    st.integers(1979, 1982),
    st.integers(1, 12),
    st.integers(1, 28),
)
_date_texts = st.lists(
    _near_dates
    | _partial_dates.map(PartialDate.iso)
    | _full_dates.map(lambda d: d.strftime("%d.%m.%Y"))
    | st.text(max_size=20),
    max_size=4,
)


@given(_date_texts, _date_texts)
def test_compare_dates_kind_is_symmetric_and_never_raises(a: list[str], b: list[str]) -> None:
    kind, left, right = compare_dates(a, b)
    assert compare_dates(b, a)[0] is kind
    if kind is A.UNKNOWN:
        assert left is None and right is None
    else:
        assert left in a and right in b


@given(st.text())
def test_parse_date_never_raises_on_any_text(text: str) -> None:
    date = parse_date(text)
    if date is not None:
        assert parse_date(date.iso()) == date


@given(st.dates(max_value=date(2100, 12, 31)))
def test_every_real_date_reads_back_from_each_written_form(day: date) -> None:
    expected = PartialDate(day.year, day.month, day.day)
    for text in (
        day.isoformat(),
        f"{day.year:04d}{day.month:02d}{day.day:02d}",
        f"{day.day:02d}.{day.month:02d}.{day.year:04d}",
        f"{day.year:04d}-{day.month:02d}-{day.day:02d}T12:00:00Z",
    ):
        assert parse_date(text) == expected


def test_two_neighbouring_digits_swapped_are_a_typo() -> None:
    from accord.matching.dates import DateAgreement, compare_dates

    assert compare_dates(["1910-02-10"], ["1910-01-20"])[0] is DateAgreement.ONE_DIGIT_TYPO
    assert compare_dates(["1910-02-10"], ["1910-12-01"])[0] is DateAgreement.MISMATCH
