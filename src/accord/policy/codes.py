"""Code lists of the policy engine: purposes, record kinds and named groups of countries.

Pure: the lists are package data (`policy/data/*.yaml`) read once and checked against
FollowTheMoney and ISO 3166 when first used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "ANY",
    "STIX_PREFIX",
    "PartyGroup",
    "RecordKind",
    "all_schemata",
    "expand_schema",
    "is_country",
    "kind_of",
    "party_groups",
    "purposes",
    "record_kinds",
]

#: The word an agreement writes instead of a list to mean "every code of this list".
ANY = "any"


#: How a STIX 2.1 object that has no FtM counterpart is named to the agreements:
#: `stix:indicator`, `stix:relationship`; `stix:custom` for a type STIX 2.1 does not define.
STIX_PREFIX = "stix:"


@dataclass(frozen=True, slots=True)
class RecordKind:
    """A named group of FtM schemata (`persons`, `documents`, ...) and of STIX 2.1 objects
    without an FtM counterpart (`stix:indicator`), so that an agreement's record kinds govern
    cyber intelligence as they govern records."""

    code: str
    label: str
    schemata: frozenset[str]


@dataclass(frozen=True, slots=True)
class PartyGroup:
    """A named group of countries that may be an agreement party (`EU`, `SCHENGEN`)."""

    code: str
    label: str
    countries: frozenset[str]


def _data(name: str) -> Any:
    text = resources.files("accord.policy").joinpath(f"data/{name}").read_text("utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def purposes() -> dict[str, str]:
    """The shipped purpose codes, each with its label."""
    data = _data("purposes.yaml")
    return {str(code): str(v["label"]) for code, v in data["purposes"].items()}


@lru_cache(maxsize=1)
def record_kinds() -> dict[str, RecordKind]:
    """The shipped record kinds; every concrete FtM schema is in exactly one."""
    from followthemoney import model as ftm  # only where schemata are checked

    data = _data("record_kinds.yaml")
    kinds: dict[str, RecordKind] = {}
    seen: dict[str, str] = {}
    for code, v in data["kinds"].items():
        names = frozenset(str(s) for s in v["schemata"])
        stix = frozenset(STIX_PREFIX + str(t) for t in v.get("stix", ()))
        for name in stix:
            if name in seen:
                raise RuntimeError(f"{name} is in record kinds {seen[name]} and {code}")
            seen[name] = code
        for name in names:
            schema = ftm.get(name)
            if schema is None or schema.abstract:
                raise RuntimeError(f"record kind {code}: {name!r} is not a concrete FtM schema")
            if name in seen:
                raise RuntimeError(f"schema {name} is in record kinds {seen[name]} and {code}")
            seen[name] = code
        kinds[str(code)] = RecordKind(code=str(code), label=str(v["label"]), schemata=names | stix)
    missing = sorted(s.name for s in ftm.schemata.values() if not s.abstract and s.name not in seen)
    if missing:
        raise RuntimeError(f"FtM schemata in no record kind: {', '.join(missing)}")
    return kinds


@lru_cache(maxsize=1)
def _kind_by_schema() -> dict[str, str]:
    return {s: kind.code for kind in record_kinds().values() for s in kind.schemata}


def kind_of(schema: str) -> str:
    """The record kind of a concrete FtM schema name."""
    return _kind_by_schema()[schema]


@lru_cache(maxsize=1)
def all_schemata() -> frozenset[str]:
    """Every concrete FtM schema name."""
    return frozenset(_kind_by_schema())


def expand_schema(name: str) -> frozenset[str] | None:
    """The concrete schemata a record-kind code or FtM schema name stands for; None if unknown.

    An abstract schema (`Interest`) stands for its concrete descendants.
    """
    kind = record_kinds().get(name)
    if kind is not None:
        return kind.schemata
    if name.startswith(STIX_PREFIX):
        return frozenset({name}) if name in _kind_by_schema() else None
    from followthemoney import model as ftm

    schema = ftm.get(name)
    if schema is None:
        return None
    return frozenset(s.name for s in (schema, *schema.descendants) if not s.abstract)


@lru_cache(maxsize=1)
def party_groups() -> dict[str, PartyGroup]:
    """The shipped named groups of countries, by code."""
    data = _data("groups.yaml")
    groups: dict[str, PartyGroup] = {}
    for code, v in data["groups"].items():
        if is_country(str(code)):
            raise RuntimeError(f"group {code} would shadow the country of the same code")
        countries = frozenset(str(c) for c in v["countries"])
        bad = sorted(c for c in countries if not is_country(c))
        if bad:
            raise RuntimeError(f"group {code}: not ISO 3166-1 alpha-2 countries: {bad}")
        groups[str(code)] = PartyGroup(code=str(code), label=str(v["label"]), countries=countries)
    return groups


@lru_cache(maxsize=512)
def is_country(code: str) -> bool:
    """An upper-case ISO 3166-1 alpha-2 code of a country."""
    if len(code) != 2 or not code.isalpha() or not code.isupper():
        return False
    from rigour.territories import get_territory  # loaded when a country is first checked

    territory = get_territory(code.lower())
    return territory is not None and bool(territory.is_country)
