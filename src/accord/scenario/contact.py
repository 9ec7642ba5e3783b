"""Contact points and money identifiers: telephone numbers in E.164, e-mail addresses, IBANs
(ISO 13616 with MOD 97-10 check digits), card-style account numbers, vehicle plates in each
country's layout, crypto-currency addresses (BIP-173 bech32, TRON base58check) and public IPv4
addresses."""

from __future__ import annotations

import hashlib
import ipaddress
import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

from accord.matching.identifiers import bech32_polymod
from accord.scenario.translit import fold_ascii

__all__ = [
    "bech32_address",
    "card_account",
    "email",
    "iban",
    "iban_check_digits",
    "ipv4",
    "latin_plate",
    "phone",
    "plate",
    "spaced_iban",
    "tron_address",
]

_DIGITS = "0123456789"


def _digits(rng: random.Random, n: int, first_nonzero: bool = False) -> str:
    if n <= 0:
        return ""
    if first_nonzero:
        return str(rng.randrange(10 ** (n - 1), 10**n))
    return f"{rng.randrange(10**n):0{n}d}"


def phone(rng: random.Random, spec: Mapping[str, Any]) -> str:
    """A mobile number in E.164 from the country's ranges: `+<cc><prefix><digits>`."""
    prefix, rest = rng.choice(spec["mobile"])
    return "+" + str(spec["cc"]) + str(prefix) + _digits(rng, int(rest))


# --- bank accounts -------------------------------------------------------------------------


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616 / ISO 7064 MOD 97-10: 98 minus the remainder of BBAN + country + 00."""
    numeric = "".join(str(int(c, 36)) for c in bban + country.upper() + "00")
    return f"{98 - int(numeric) % 97:02d}"


_PART = re.compile(r"^(\d+)n$")


def iban(rng: random.Random, country: str, layout: Sequence[str], bank_code: str) -> str:
    """An IBAN for `country`: the BBAN parts of `layout` are `bank` (the bank code), `<k>n`
    (k random digits) or a template where `#` is a random digit."""
    parts: list[str] = []
    for part in layout:
        m = _PART.match(part)
        if part == "bank":
            parts.append(bank_code)
        elif m:
            parts.append(_digits(rng, int(m.group(1))))
        else:
            parts.append("".join(rng.choice(_DIGITS) if c == "#" else c for c in part))
    bban = "".join(parts)
    cc = country.upper()
    return cc + iban_check_digits(cc, bban) + bban


def spaced_iban(value: str) -> str:
    """The paper layout of an IBAN: groups of four."""
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def card_account(rng: random.Random, prefix: str, length: int) -> str:
    """A bank-card style account number with a Luhn check digit (ISO/IEC 7812)."""
    body = prefix + _digits(rng, length - len(prefix) - 1)
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


# --- e-mail --------------------------------------------------------------------------------


def _local(text: str) -> str:
    ascii_text = fold_ascii(text).lower().replace("ß", "ss")
    return re.sub(r"[^a-z0-9]+", "", ascii_text)


def email(rng: random.Random, given: str, surname: str, domains: Sequence[str]) -> str:
    """An address built the way people build them from their Latin name."""
    domain = rng.choice(domains)
    if domain in ("qq.com",):
        return _digits(rng, rng.randrange(8, 11), first_nonzero=True) + "@" + domain
    g, s = _local(given) or "user", _local(surname) or "mail"
    style = rng.randrange(5)
    if style == 0:
        local = f"{g}.{s}"
    elif style == 1:
        local = f"{g[0]}{s}"
    elif style == 2:
        local = f"{g}{s}{rng.randrange(60, 100)}"
    elif style == 3:
        local = f"{s}.{g}{rng.randrange(1, 100)}"
    else:
        local = f"{g}_{s[:3]}{rng.randrange(100, 1000)}"
    return f"{local}@{domain}"


# --- vehicle plates ------------------------------------------------------------------------

_UA_LETTERS = "АВЕІКМНОРСТХ"
_GR_LETTERS = "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"
_LOOKALIKE = str.maketrans("АВЕІКМНОРСТХΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEIKMHOPCTXABEZHIKMNOPTYX")
_EG_LETTERS = "أبجدرسصطعفقلمنهوى"
_EG_LATIN = dict(zip(_EG_LETTERS, "ABGDRSSTEFKLMNHWY", strict=True))
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_NL_LETTERS = "BDFGHJKLNPRSTVXZ"
_NL_SIDECODES = ("99-XXX-9", "9-XXX-99", "XX-999-X", "X-999-XX", "XXX-99-X")
_CN_ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


def plate(rng: random.Random, style: str, city: Mapping[str, Any]) -> str:
    """A registration plate as the registering country writes it (its own script)."""
    if style == "de":
        letters = "".join(
            rng.choice("ABCDEFGHIJKLMNOPRSTUVWXYZ") for _ in range(rng.choice((1, 2)))
        )
        return f"{city['plate']} {letters} {_digits(rng, rng.randrange(1, 5), True)}"
    if style == "nl":
        code = rng.choice(_NL_SIDECODES)
        return "".join(
            rng.choice(_NL_LETTERS) if c == "X" else rng.choice(_DIGITS) if c == "9" else c
            for c in code
        )
    if style == "ua":
        region = str(rng.choice(city["plate"]))
        return region + _digits(rng, 4) + rng.choice(_UA_LETTERS) + rng.choice(_UA_LETTERS)
    if style == "gr":
        first = str(rng.choice(city["plate"]))
        return (
            first + rng.choice(_GR_LETTERS) + rng.choice(_GR_LETTERS) + "-" + _digits(rng, 4, True)
        )
    if style == "eg":
        letters = " ".join(rng.choice(_EG_LETTERS) for _ in range(3))
        return letters + " " + _digits(rng, rng.choice((3, 4)), True).translate(_ARABIC_DIGITS)
    if style == "jo":
        return f"{rng.randrange(10, 100)}-{_digits(rng, 5, True)}"
    if style == "cn":
        return str(city["plate"]) + "·" + "".join(rng.choice(_CN_ALNUM) for _ in range(5))
    raise ValueError(f"unknown plate style {style!r}")


def latin_plate(value: str) -> str:
    """How a foreign record writes a plate: look-alike Latin letters, Western digits."""
    out = value.translate(_LOOKALIKE)
    if any(c in _EG_LATIN for c in out):
        letters = [_EG_LATIN.get(c, c) for c in out]
        digits = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
        out = "".join(letters).translate(digits)
    return out.replace("·", "-")


# --- crypto-currency addresses ----------------------------------------------------------------

_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_address(rng: random.Random, hrp: str = "bc") -> str:
    """A native SegWit v0 key-hash address (BIP-173): 20-byte program, bech32 checksum."""
    program = rng.randbytes(20)
    acc, bits, data = 0, 0, [0]
    for byte in program:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    polymod = bech32_polymod(expanded + data + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32_CHARSET[d] for d in data + checksum)


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def tron_address(rng: random.Random) -> str:
    """A TRON account address: 0x41 and a 20-byte hash, base58check (double SHA-256)."""
    payload = b"\x41" + rng.randbytes(20)
    check = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(payload + check, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return out


def ipv4(rng: random.Random) -> str:
    """A globally routable IPv4 address."""
    while True:
        addr = ipaddress.IPv4Address(rng.randrange(0x01000000, 0xDF000000))
        if addr.is_global:
            return str(addr)
