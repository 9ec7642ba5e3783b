"""Every generated identifier validates, checked with independent implementations: the `mrz`
package for ICAO 9303 zones, `schwifty` for IBANs, `phonenumbers` for telephone numbers,
`python-stdnum` for national and company numbers."""

from __future__ import annotations

import phonenumbers
from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td3 import TD3CodeChecker
from schwifty import IBAN
from stdnum.cn import ric, uscc
from stdnum.de import idnr
from stdnum.gr import amka
from stdnum.gr import vat as gr_vat
from stdnum.nl import bsn
from stdnum.ua import edrpou, rntrc

from .conftest import World


def test_every_mrz_passes_the_mrz_package_checks(world: World) -> None:
    td1 = td3 = 0
    for _, rec in world.records():
        if rec["schema"] not in ("Passport", "Identification"):
            continue
        for mrz in rec["properties"].get("description", []):
            lines = mrz.split("\n")
            if len(lines) == 2:
                assert len(lines[0]) == len(lines[1]) == 44
                assert TD3CodeChecker(mrz), mrz
                td3 += 1
            else:
                assert len(lines) == 3 and all(len(line) == 30 for line in lines)
                assert TD1CodeChecker(mrz), mrz
                td1 += 1
    assert td3 > 200 and td1 > 50


def test_mrz_carries_the_records_number_and_holders_birth_date(world: World) -> None:
    for _, rec in world.records("Passport"):
        props = rec["properties"]
        if "description" not in props:
            continue
        fields = TD3CodeChecker(props["description"][0]).fields()
        assert fields.document_number == props["number"][0]
        if "birthDate" in props:
            assert fields.birth_date == props["birthDate"][0][2:].replace("-", "")


def test_every_iban_passes_schwifty(world: World) -> None:
    seen = 0
    countries = set()
    for _, rec in world.records("BankAccount"):
        for value in rec["properties"].get("iban", []):
            iban = IBAN(value)
            assert iban.country_code.lower() == rec["properties"]["country"][0]
            countries.add(iban.country_code)
            seen += 1
    assert seen > 20
    assert {"DE", "CY", "LV"} <= countries


def test_iban_bank_codes_are_real_banks_where_schwifty_has_a_registry(world: World) -> None:
    for _, rec in world.records("BankAccount"):
        for value in rec["properties"].get("iban", []):
            iban = IBAN(value)
            if iban.country_code in ("DE", "NL", "UA", "GR", "CY", "LV", "LI", "AE"):
                assert iban.bank is not None, value


def _phones(world: World) -> list[str]:
    out = []
    for _, rec in world.records():
        props = rec["properties"]
        out += props.get("phone", []) + props.get("phoneMentioned", [])
    return out


def test_every_phone_number_is_valid_e164_for_its_country(world: World) -> None:
    phones = _phones(world)
    assert len(phones) > 500
    regions = set()
    for value in phones:
        parsed = phonenumbers.parse(value)
        assert phonenumbers.is_valid_number(parsed), value
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == value
        regions.add(phonenumbers.region_code_for_number(parsed))
    assert regions >= {"DE", "NL", "UA", "GR", "EG", "CN"}


def test_national_numbers_pass_python_stdnum(world: World) -> None:
    checked = {"cn": 0, "nl": 0, "gr": 0, "de": 0, "ua": 0}
    for _, rec in world.records("Person"):
        props = rec["properties"]
        country = props["nationality"][0]
        for value in props.get("idNumber", []):
            if country == "cn":
                assert ric.is_valid(value), value
            elif country == "nl":
                assert bsn.is_valid(value), value
            elif country == "gr":
                assert amka.is_valid(value), value
            else:
                continue
            checked[country] += 1
        for value in props.get("taxNumber", []):
            if country == "de":
                assert idnr.is_valid(value), value
            elif country == "ua":
                assert rntrc.is_valid(value), value
            else:
                continue
            checked[country] += 1
    assert all(n > 3 for n in checked.values()), checked


def test_company_numbers_pass_python_stdnum(world: World) -> None:
    checked = 0
    for _, rec in world.records("Company"):
        props = rec["properties"]
        jurisdiction = props["jurisdiction"][0]
        number = props["registrationNumber"][0]
        if jurisdiction == "ua":
            assert edrpou.is_valid(number), number
        elif jurisdiction == "cn":
            assert uscc.is_valid(number), number
        elif jurisdiction == "gr":
            assert gr_vat.is_valid(props["taxNumber"][0])
        else:
            continue
        checked += 1
    assert checked > 5
