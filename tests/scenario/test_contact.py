"""Telephone numbers, IBANs, account numbers, plates and wallet addresses for every country,
checked with independent implementations (phonenumbers, schwifty, the BIP-173 reference)."""

from __future__ import annotations

import hashlib
import random
import re

import phonenumbers
import pytest
from schwifty import IBAN

from accord.scenario import contact
from accord.scenario.context import countries
from accord.scenario.data import load_yaml

COUNTRIES = sorted(countries())


@pytest.mark.parametrize("code", COUNTRIES)
def test_mobile_numbers_are_valid_for_their_country(code: str) -> None:
    rng = random.Random(code)
    spec = countries()[code].data["phone"]
    for _ in range(400):
        value = contact.phone(rng, spec)
        parsed = phonenumbers.parse(value)
        assert phonenumbers.is_valid_number(parsed), value
        assert phonenumbers.region_code_for_number(parsed) == code.upper()
        assert phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE


def _iban_specs() -> list[tuple[str, dict]]:
    specs = [(c, countries()[c].data) for c in COUNTRIES if "iban" in countries()[c].data]
    specs += sorted(load_yaml("offshore.yaml")["banking"].items())
    return specs


@pytest.mark.parametrize(
    ("code", "spec"), _iban_specs(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_ibans_pass_schwifty_for_every_bank(code: str, spec: dict) -> None:
    rng = random.Random(code)
    for bank in spec["banks"]:
        for _ in range(50):
            value = contact.iban(rng, code, spec["iban"]["bban"], str(bank["code"]))
            iban = IBAN(value)
            assert iban.country_code == code.upper()
            assert iban.bank_code == str(bank["code"])
            assert IBAN(contact.spaced_iban(value)) == iban


def test_card_account_numbers_pass_the_luhn_check() -> None:
    rng = random.Random(1)
    for _ in range(200):
        number = contact.card_account(rng, "622202", 19)
        digits = [int(c) for c in reversed(number)]
        total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
        assert len(number) == 19 and total % 10 == 0


_PLATES = {
    "de": r"[A-ZÄÖÜ]{1,3} [A-Z]{1,2} [1-9]\d{0,3}",
    "nl": r"[0-9BDFGHJKLNPRSTVXZ]{1,3}-[0-9BDFGHJKLNPRSTVXZ]{2,3}-[0-9BDFGHJKLNPRSTVXZ]{1,2}",
    "ua": r"[АВЕІКМНОРСТХ]{2}\d{4}[АВЕІКМНОРСТХ]{2}",
    "gr": r"[ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ]{3}-[1-9]\d{3}",
    "eg": r"[أبجدرسصطعفقلمنهوى]( [أبجدرسصطعفقلمنهوى]){2} [١-٩][٠-٩]{2,3}",
    "jo": r"\d{2}-[1-9]\d{4}",
    "cn": r"[\u4e00-\u9fff][A-Z]·[A-HJ-NP-Z0-9]{5}",
}


@pytest.mark.parametrize("code", COUNTRIES)
def test_plates_follow_the_countrys_layout_and_latinise(code: str) -> None:
    rng = random.Random(code)
    country = countries()[code]
    for _ in range(100):
        value = contact.plate(rng, str(country.data["plate"]), rng.choice(country.cities).data)
        assert re.fullmatch(_PLATES[code], value), value
        latin = contact.latin_plate(value)
        if code != "cn":
            assert latin.isascii(), latin


# BIP-173 reference decoder (independent of the generator's encoder).
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _polymod(values: list[int]) -> int:
    generator = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= generator[i] if ((top >> i) & 1) else 0
    return chk


def _bech32_ok(address: str) -> bool:
    hrp, data = address[: address.rfind("1")], address[address.rfind("1") + 1 :]
    values = [_CHARSET.find(c) for c in data]
    expanded = [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]
    return -1 not in values and _polymod(expanded + values) == 1


def test_bech32_checker_accepts_the_bip173_vectors() -> None:
    assert _bech32_ok("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
    assert not _bech32_ok("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5")


def test_bitcoin_addresses_carry_a_valid_bech32_checksum() -> None:
    rng = random.Random(9)
    for _ in range(200):
        address = contact.bech32_address(rng)
        assert address.startswith("bc1q") and len(address) == 42
        assert _bech32_ok(address)


def test_tron_addresses_carry_a_valid_base58check_checksum() -> None:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    rng = random.Random(4)
    for _ in range(200):
        address = contact.tron_address(rng)
        n = 0
        for c in address:
            n = n * 58 + alphabet.index(c)
        raw = n.to_bytes(25, "big")
        assert address.startswith("T") and raw[0] == 0x41
        assert hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4] == raw[21:]


def test_ip_addresses_are_public() -> None:
    import ipaddress

    rng = random.Random(8)
    assert all(ipaddress.ip_address(contact.ipv4(rng)).is_global for _ in range(300))
