"""Code lists of the envelope: handling codes, TLP 2.0, the 4x4 evaluation, subject categories,
crime areas and agency codes. Pure: the crime-area list is package data read once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources

import yaml

__all__ = [
    "HANDLING_ORDER",
    "TLP",
    "TLP_ORDER",
    "Assessment",
    "CrimeArea",
    "Handling",
    "Reliability",
    "SubjectCategory",
    "agency_code_problem",
    "agency_country",
    "crime_areas",
    "is_agency_code",
]


class Handling(StrEnum):
    """Europol handling codes."""

    H0 = "H0"  # law-enforcement use only
    H1 = "H1"  # not to be used in judicial proceedings without the provider's permission
    H2 = "H2"  # not to be passed on without the provider's permission
    H3 = "H3"  # other restrictions, stated in free text


class TLP(StrEnum):
    """Traffic Light Protocol 2.0 labels (FIRST)."""

    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"


#: Ascending restrictiveness; a clause allowing up to X allows every label before it.
TLP_ORDER: tuple[TLP, ...] = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
HANDLING_ORDER: tuple[Handling, ...] = (Handling.H0, Handling.H1, Handling.H2, Handling.H3)


class Reliability(StrEnum):
    """Source reliability of the 4x4 evaluation."""

    A = "A"  # no doubt of authenticity, trustworthiness or competence
    B = "B"  # source from whom information has in most instances proved reliable
    C = "C"  # source from whom information has in most instances proved unreliable
    X = "X"  # reliability cannot be assessed


class Assessment(StrEnum):
    """Information assessment of the 4x4 evaluation."""

    KNOWN = "1"  # known to be true without reservation
    PERSONAL = "2"  # known personally to the source but not to the official passing it on
    NOT_KNOWN = "3"  # not known personally to the source but corroborated
    UNVERIFIED = "4"  # cannot be assessed, not corroborated


class SubjectCategory(StrEnum):
    """Data-subject categories (Europol Regulation, Art. 18 and Annex II)."""

    SUSPECT = "suspect"
    CONVICTED = "convicted"
    POTENTIAL_OFFENDER = "potential_offender"
    CONTACT = "contact"
    ASSOCIATE = "associate"
    VICTIM = "victim"
    WITNESS = "witness"
    INFORMANT = "informant"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class CrimeArea:
    code: str
    label: str
    iccs: str


@lru_cache(maxsize=1)
def crime_areas() -> dict[str, CrimeArea]:
    """The shipped crime-area code list, by code."""
    text = resources.files("accord.model").joinpath("data/crime_areas.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return {
        code: CrimeArea(code=code, label=str(v["label"]), iccs=str(v.get("iccs") or ""))
        for code, v in data["areas"].items()
    }


_AGENCY_RE = re.compile(r"^([A-Z]{2})-[A-Z0-9][A-Z0-9_]{0,31}$")


@lru_cache(maxsize=4096)
def agency_country(code: str) -> str | None:
    """The ISO 3166-1 alpha-2 country of an agency code, or None if the code is malformed."""
    m = _AGENCY_RE.match(code)
    if m is None:
        return None
    cc = m.group(1)
    from rigour.territories import get_territory  # a fifth of a second; only when asked

    territory = get_territory(cc.lower())
    if territory is None or not territory.is_country:
        return None
    return cc


def agency_code_problem(code: str) -> str | None:
    """Why `code` is not an agency code, or None if it is one: the format, or the country."""
    m = _AGENCY_RE.match(code)
    if m is None:
        return f"{code!r} is not an agency code CC-NAME (e.g. DE-BKA)"
    if agency_country(code) is None:
        return (
            f"{code!r}: {m.group(1)} is not a country in ISO 3166-1 alpha-2 "
            "(an agency code starts with its country, e.g. DE-BKA)"
        )
    return None


def is_agency_code(code: str) -> bool:
    """`CC-NAME`: CC an ISO 3166-1 alpha-2 country, NAME upper-case letters, digits, `_`."""
    return agency_country(code) is not None
