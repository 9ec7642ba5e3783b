"""The country and organisation codes of ICAO Doc 9303 Part 3, section 5, and the MRZ's
character rules: the check digit (Part 3, section 4.9) and the normalised document number.

The codes are a data file (`data/icao_codes.csv`): every ISO 3166-1 alpha-3 code (as the ISO
list stands, Germany excepted) and ICAO's additions — `D` for Germany (written `D<<` in the
MRZ; `DEU` is read as `D`), the British nationality classes `GBD` `GBN` `GBO` `GBP` `GBS`, `RKS`
for Kosovo, the organisations (`EUE`, `UNO`, `UNA`, `UNK`, `XPO`, `XOM`, ...), the nationality
codes `XXA` `XXB` `XXC` `XXX` (stateless, refugees, unspecified) and the British classes
(`GBN`: the United Kingdom issues under `GBR`) — never an issuer — and `UTO`,
Utopia, the specimen state of Doc 9303's examples. Each code carries the ISO 3166-1 alpha-2
code of the state that issues under it, where there is one (`D` → `DE`, `GBN` → `GB`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "MRZ_ALPHABET",
    "CountryCode",
    "check_digit",
    "country",
    "country_codes",
    "issuer_code",
    "normalise_number",
]

#: The characters an MRZ may hold (Part 3, section 4.3): capital letters, digits and `<`.
MRZ_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")

_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")} | {"<": 0}
_WEIGHTS = (7, 3, 1)

#: Kinds of code: a state, an organisation, a nationality only (never an issuer), the
#: specimen state, or another spelling of a state's code (`DEU` for `D`).
KINDS = ("state", "organisation", "nationality", "specimen", "alias")


def check_digit(field: str) -> str:
    """The check digit of an MRZ field (Part 3, section 4.9): each character's value (digits as
    themselves, A=10 … Z=35, `<` 0) times the weights 7, 3, 1 repeating, summed, modulo 10.

    Raises KeyError on a character outside the MRZ alphabet."""
    total = 0
    for i, char in enumerate(field):
        total += _VALUES[char] * _WEIGHTS[i % 3]
    return str(total % 10)


@dataclass(frozen=True, slots=True)
class CountryCode:
    #: The code as ICAO writes it, fillers dropped: `D`, `UKR`, `GBN`, `XXA`.
    code: str
    #: The ISO 3166-1 alpha-2 code of the state issuing under this code, or "".
    alpha2: str
    kind: str
    name: str

    @property
    def issuer(self) -> bool:
        """Whether documents may be issued under this code (not XXA ... XXX, GBD ... GBS)."""
        return self.kind != "nationality"


@cache
def country_codes() -> dict[str, CountryCode]:
    """Every code of the data file, by code."""
    text = resources.files("accord.documents").joinpath("data", "icao_codes.csv").read_text("utf-8")
    out: dict[str, CountryCode] = {}
    for row in csv.DictReader(io.StringIO(text)):
        out[row["code"]] = CountryCode(row["code"], row["alpha2"], row["kind"], row["name"])
    return out


@cache
def _by_alpha2() -> dict[str, str]:
    """alpha-2 → the ICAO code of that state's own documents (`DE` → `D`, `UA` → `UKR`)."""
    return {c.alpha2: c.code for c in country_codes().values() if c.kind == "state" and c.alpha2}


def country(field: str) -> CountryCode | None:
    """The code an MRZ's three-character field holds (`D<<`, `UTO`), or None if unknown."""
    code = field.rstrip("<")
    found = country_codes().get(code)
    if found is not None and found.kind == "alias":
        return country_codes().get(_by_alpha2().get(found.alpha2, ""))
    return found


def issuer_code(text: str) -> str | None:
    """The ICAO code of an issuing state or organisation as a person may type it: the ICAO
    code (`D`, `UKR`, `D<<`), the ISO alpha-3 (`DEU`) or the state's alpha-2 (`DE`, `ua`).
    None when it names no issuer."""
    value = text.strip().upper()
    if len(value) == 2 and value.isalpha():
        return _by_alpha2().get(value)
    found = country(value)
    if found is None or not found.issuer:
        return None
    return found.code


_SEPARATORS = str.maketrans("", "", " -./<\t")


def normalise_number(text: str) -> str:
    """A document number as the registry keys it: upper case, without spaces, hyphens, dots,
    slashes and MRZ fillers (`c01x 00t47` → `C01X00T47`). Letters and digits stay apart (O is
    not 0): two numbers that differ so are two documents."""
    return text.upper().translate(_SEPARATORS)
