"""Identifiers with their real check digits: ICAO 9303 machine-readable zones, national
identity and tax numbers, company register numbers.

Each function takes a `random.Random` (or none) and returns the value as the issuing system
writes it. The algorithms are the published ones; the scenario's tests check the output with
independent implementations (`mrz`, `python-stdnum`), not with this module.
"""

from __future__ import annotations

import operator
import random
from collections.abc import Sequence
from datetime import date

__all__ = [
    "cn_ric",
    "cn_uscc",
    "de_idnr",
    "eg_nid",
    "from_pattern",
    "gr_afm",
    "gr_amka",
    "icao_check_digit",
    "jo_nn",
    "mrz_td1",
    "mrz_td3",
    "nl_bsn",
    "ua_edrpou",
    "ua_rntrc",
]

_DIGITS = "0123456789"
_MRZ_VALUES = {c: i for i, c in enumerate(_DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
#: character -> its MRZ value as one byte (filler and anything else: 0)
_MRZ_BYTES = bytes(_MRZ_VALUES.get(chr(i), 0) for i in range(256))
_MRZ_WEIGHTS = bytes((7, 3, 1) * 30)


def from_pattern(rng: random.Random, pattern: Sequence[Sequence[object]]) -> str:
    """A string from a layout: a sequence of (alphabet, count) pairs."""
    return "".join(
        "".join(rng.choices(str(alphabet), k=int(str(count)))) for alphabet, count in pattern
    )


# --- ICAO Doc 9303 machine-readable zones -------------------------------------------------


def icao_check_digit(field: str) -> str:
    """ICAO 9303 Part 3, section 4.9: weights 7, 3, 1 over digit values (A=10 ... Z=35,
    filler `<` = 0), modulo 10."""
    values = field.encode("ascii").translate(_MRZ_BYTES)
    return str(sum(map(operator.mul, values, _MRZ_WEIGHTS)) % 10)


def _pad(value: str, width: int) -> str:
    return (value + "<" * width)[:width]


def _yymmdd(d: date) -> str:
    return f"{d.year % 100:02d}{d.month:02d}{d.day:02d}"


def _name_field(surname: str, given: str, width: int) -> str:
    """Primary and secondary identifier (Part 3, 4.6): SURNAME<<GIVEN<NAMES, truncated."""
    field = surname + ("<<" + given if given else "")
    return _pad(field, width)


def _state(code: str) -> str:
    return _pad(code, 3)


def mrz_td3(
    *,
    state: str,
    surname: str,
    given: str,
    number: str,
    nationality: str,
    birth: date,
    sex: str,
    expiry: date,
    personal: str = "",
) -> tuple[str, str]:
    """The two 44-character lines of a passport (ICAO 9303 Part 4, TD3). Names must already be
    in MRZ characters (see `translit.mrz_name`)."""
    line1 = "P<" + _state(state) + _name_field(surname, given, 39)
    num = _pad(number, 9)
    opt = _pad(personal, 14)
    opt_cd = icao_check_digit(opt) if personal else "<"
    body = (
        num
        + icao_check_digit(num)
        + _state(nationality)
        + _yymmdd(birth)
        + icao_check_digit(_yymmdd(birth))
        + sex
        + _yymmdd(expiry)
        + icao_check_digit(_yymmdd(expiry))
        + opt
        + opt_cd
    )
    composite = icao_check_digit(body[0:10] + body[13:20] + body[21:43])
    return line1, body + composite


def mrz_td1(
    *,
    doc_code: str,
    state: str,
    surname: str,
    given: str,
    number: str,
    nationality: str,
    birth: date,
    sex: str,
    expiry: date,
    optional: str = "",
) -> tuple[str, str, str]:
    """The three 30-character lines of an identity card (ICAO 9303 Part 5, TD1)."""
    num = _pad(number, 9)
    line1 = _pad(doc_code, 2) + _state(state) + num + icao_check_digit(num) + _pad(optional, 15)
    line2 = (
        _yymmdd(birth)
        + icao_check_digit(_yymmdd(birth))
        + sex
        + _yymmdd(expiry)
        + icao_check_digit(_yymmdd(expiry))
        + _state(nationality)
        + "<" * 11
    )
    composite = icao_check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    line3 = _name_field(surname, given, 30)
    return line1, line2 + composite, line3


# --- personal numbers ----------------------------------------------------------------------


def de_idnr(rng: random.Random) -> str:
    """German tax identification number (Steuer-IdNr, AO § 139b): ten digits, the first not 0,
    exactly one digit twice, the rest at most once; ISO 7064 MOD 11,10 check digit."""
    while True:
        pool = list(_DIGITS)
        rng.shuffle(pool)
        body = pool[:9]
        body.insert(rng.randrange(1, 10), body[rng.randrange(9)])
        if body[0] != "0":
            break
    digits = "".join(body)
    return digits + _mod_11_10(digits)


def _mod_11_10(digits: str) -> str:
    product = 10
    for c in digits:
        total = (int(c) + product) % 10 or 10
        product = (total * 2) % 11
    return str((11 - product) % 10)


def nl_bsn(rng: random.Random) -> str:
    """Dutch citizen service number (BSN): nine digits passing the eleven test."""
    while True:
        body = [rng.randrange(10) for _ in range(8)]
        if body[0] == 0 and body[1] == 0:
            continue
        total = sum(d * (9 - i) for i, d in enumerate(body)) % 11
        if total < 10:
            return "".join(map(str, body)) + str(total)


def ua_rntrc(rng: random.Random, birth: date, male: bool) -> str:
    """Ukrainian taxpayer registration card number (РНОКПП): days since 1899-12-31, a serial
    whose last digit is odd for men, and the weighted check digit."""
    days = (birth - date(1899, 12, 31)).days
    serial = [rng.randrange(10) for _ in range(3)]
    gender = rng.choice("13579" if male else "02468")
    body = f"{days:05d}" + "".join(map(str, serial)) + gender
    weights = (-1, 5, 7, 9, 4, 6, 10, 5, 7)
    total = sum(w * int(n) for w, n in zip(weights, body, strict=True))
    return body + str(total % 11 % 10)


def gr_amka(rng: random.Random, birth: date, male: bool) -> str:
    """Greek social security number (ΑΜΚΑ): DDMMYY, a serial whose last digit is odd for men,
    and a Luhn check digit."""
    body = birth.strftime("%d%m%y") + "".join(str(rng.randrange(10)) for _ in range(3))
    body += rng.choice("13579" if male else "02468")
    return body + _luhn(body)


def _luhn(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def eg_nid(rng: random.Random, birth: date, male: bool, governorate: str) -> str:
    """Egyptian national number (14 digits): century digit, YYMMDD, governorate code, a serial
    whose last digit is odd for men, and a final digit."""
    century = "2" if birth.year < 2000 else "3"
    serial = "".join(str(rng.randrange(10)) for _ in range(3))
    gender = rng.choice("13579" if male else "02468")
    return (
        century + birth.strftime("%y%m%d") + governorate + serial + gender + str(rng.randrange(10))
    )


def jo_nn(rng: random.Random, birth: date, male: bool) -> str:
    """Jordanian national number (10 digits): 9 for men, 2 for women, the birth year, a serial."""
    lead = "9" if male else "2"
    return lead + birth.strftime("%y") + "".join(str(rng.randrange(10)) for _ in range(7))


def cn_ric(rng: random.Random, birth: date, male: bool, region: str) -> str:
    """Chinese resident identity card number (GB 11643-1999): region, YYYYMMDD, a serial whose
    last digit is odd for men, ISO 7064 MOD 11-2 check character."""
    serial = f"{rng.randrange(100):02d}" + rng.choice("13579" if male else "02468")
    body = region + birth.strftime("%Y%m%d") + serial
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(body))
    check = (12 - total % 11) % 11
    return body + ("X" if check == 10 else str(check))


# --- company numbers -----------------------------------------------------------------------


def ua_edrpou(rng: random.Random) -> str:
    """Ukrainian legal-entity code (ЄДРПОУ): eight digits, the last a weighted check digit."""
    body = str(rng.choice("234")) + "".join(str(rng.randrange(10)) for _ in range(6))
    weights = [7, 1, 2, 3, 4, 5, 6] if body[0] in "345" else [1, 2, 3, 4, 5, 6, 7]
    total = sum(w * int(n) for w, n in zip(weights, body, strict=True))
    if total % 11 < 10:
        return body + str(total % 11)
    total = sum((w + 2) * int(n) for w, n in zip(weights, body, strict=True))
    return body + str(total % 11 % 10)


def gr_afm(rng: random.Random) -> str:
    """Greek tax number (ΑΦΜ): nine digits, the last a powers-of-two check digit."""
    body = str(rng.choice("0789")) + "".join(str(rng.randrange(10)) for _ in range(7))
    total = 0
    for c in body:
        total = total * 2 + int(c)
    return body + str(total * 2 % 11 % 10)


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def cn_uscc(rng: random.Random, region: str) -> str:
    """Chinese unified social credit code (GB 32100-2015): register authority and entity type,
    region, the organisation code with its GB 11714 check character, the MOD 31 check."""
    org = "".join(rng.choice(_DIGITS) for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    c9 = 11 - sum(_ORG_ALPHABET.index(c) * w for c, w in zip(org, weights, strict=True)) % 11
    org += "X" if c9 == 10 else ("0" if c9 == 11 else str(c9))
    body = "91" + region + org
    u_weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(body, u_weights, strict=True))
    return body + _USCC_ALPHABET[(31 - total % 31) % 31]
