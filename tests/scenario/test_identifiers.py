"""MRZs against the ICAO Doc 9303 specimens; national numbers against python-stdnum."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td3 import TD3CodeChecker
from stdnum.cn import ric, uscc
from stdnum.de import idnr
from stdnum.gr import amka
from stdnum.gr import vat as gr_vat
from stdnum.nl import bsn
from stdnum.ua import edrpou, rntrc

from accord.scenario import identifiers as ids


def test_check_digits_match_the_icao_9303_worked_examples() -> None:
    # Doc 9303 Part 3, 4.9: the specimen document number, birth and expiry dates.
    assert ids.icao_check_digit("L898902C3") == "6"
    assert ids.icao_check_digit("740812") == "2"
    assert ids.icao_check_digit("120415") == "9"
    assert ids.icao_check_digit("ZE184226B<<<<<") == "1"
    assert ids.icao_check_digit("D23145890") == "7"


def test_td3_reproduces_the_icao_passport_specimen() -> None:
    lines = ids.mrz_td3(
        state="UTO",
        surname="ERIKSSON",
        given="ANNA<MARIA",
        number="L898902C3",
        nationality="UTO",
        birth=date(1974, 8, 12),
        sex="F",
        expiry=date(2012, 4, 15),
        personal="ZE184226B",
    )
    assert lines == (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    )


def test_td1_reproduces_the_icao_card_specimen() -> None:
    lines = ids.mrz_td1(
        doc_code="I<",
        state="UTO",
        surname="ERIKSSON",
        given="ANNA<MARIA",
        number="D23145890",
        nationality="UTO",
        birth=date(1974, 8, 12),
        sex="F",
        expiry=date(2012, 4, 15),
    )
    assert lines == (
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    )


def _births(rng: random.Random, n: int) -> list[date]:
    return [date(1940, 1, 1) + timedelta(days=rng.randrange(30000)) for _ in range(n)]


def test_random_zones_pass_the_mrz_package() -> None:
    rng = random.Random(3)
    for birth in _births(rng, 300):
        number = ids.from_pattern(rng, [["ABCDEFGHJKLMNPRSTUVWXYZ0123456789", 9]])
        common = {
            "state": rng.choice(["D", "NLD", "UKR", "GRC", "EGY", "CHN", "JOR"]),
            "surname": "KOVALENKO",
            "given": "OLEKSANDR",
            "number": number,
            "nationality": "UKR",
            "birth": birth,
            "sex": rng.choice("MF"),
            "expiry": date(2026, 1, 1) + timedelta(days=rng.randrange(3650)),
        }
        assert TD3CodeChecker(
            "\n".join(ids.mrz_td3(personal=rng.choice(["", "123456782"]), **common))
        )
        assert TD1CodeChecker("\n".join(ids.mrz_td1(doc_code="ID", **common)))


@pytest.mark.parametrize(
    ("make", "check"),
    [
        (lambda r, b, m: ids.de_idnr(r), idnr.is_valid),
        (lambda r, b, m: ids.nl_bsn(r), bsn.is_valid),
        (lambda r, b, m: ids.ua_rntrc(r, b, m), rntrc.is_valid),
        (lambda r, b, m: ids.gr_amka(r, b, m), amka.is_valid),
        (lambda r, b, m: ids.cn_ric(r, b, m, "110105"), ric.is_valid),
        (lambda r, b, m: ids.ua_edrpou(r), edrpou.is_valid),
        (lambda r, b, m: ids.gr_afm(r), gr_vat.is_valid),
        (lambda r, b, m: ids.cn_uscc(r, "310104"), uscc.is_valid),
    ],
    ids=["de-idnr", "nl-bsn", "ua-rntrc", "gr-amka", "cn-ric", "ua-edrpou", "gr-afm", "cn-uscc"],
)
def test_national_numbers_validate_with_python_stdnum(make, check) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(11)
    for birth in _births(rng, 500):
        value = make(rng, birth, rng.random() < 0.5)
        assert check(value), value


def test_personal_numbers_encode_birth_date_and_sex_where_the_standard_does() -> None:
    rng = random.Random(5)
    birth = date(1981, 3, 2)
    assert (
        rntrc.validate(ids.ua_rntrc(rng, birth, True))[:5]
        == f"{(birth - date(1899, 12, 31)).days:05d}"
    )
    assert int(ids.ua_rntrc(rng, birth, True)[8]) % 2 == 1
    assert amka.get_birth_date(ids.gr_amka(rng, birth, False)) == birth
    assert amka.get_gender(ids.gr_amka(rng, birth, False)) == "F"
    assert ric.get_birth_date(ids.cn_ric(rng, birth, True, "110105")) == birth
    assert ids.eg_nid(rng, birth, True, "01")[:7] == "2810302"


def test_document_numbers_follow_their_layout() -> None:
    rng = random.Random(2)
    value = ids.from_pattern(rng, [["FG", 1], ["ABC", 1], ["0123456789", 6]])
    assert len(value) == 8 and value[0] in "FG" and value[1] in "ABC" and value[2:].isdigit()
