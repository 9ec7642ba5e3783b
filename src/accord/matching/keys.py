"""Search keys: how a record is found by identifier and by name.

Keys are (kind, value) pairs stored beside each record. Identifier-like values are compared
exactly after normalisation; names are split into tokens folded to lower-case ASCII
(diacritics removed, other scripts transliterated), so `Müller` finds `MULLER` and
`Коваленко` finds `Kovalenko`. Cross-script fuzzy matching adds its own kinds later.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import urlsplit

import phonenumbers
from normality import normalize

__all__ = [
    "KIND_DOMAIN",
    "KIND_EMAIL",
    "KIND_HASH_SHA1",
    "KIND_ID",
    "KIND_IP",
    "KIND_MATCH_DATE",
    "KIND_MATCH_ID",
    "KIND_MATCH_NAME",
    "KIND_NAME",
    "KIND_PHONE",
    "KIND_URL",
    "MATCHED_SCHEMATA",
    "OBSERVABLE_KINDS",
    "domain_key",
    "identifier_key",
    "ip_key",
    "match_key_groups",
    "match_keys",
    "name_tokens",
    "query_keys",
    "record_keys",
    "url_key",
]

KIND_ID = "id"
KIND_PHONE = "phone"
KIND_EMAIL = "email"
KIND_NAME = "name"
#: Observables a record holds that STIX objects hold too (docs/stix.md, "Correlation"): an
#: account's IP address, an organisation's website and its host, a document's SHA-1.
KIND_IP = "ip"
KIND_URL = "url"
KIND_DOMAIN = "domain"
KIND_HASH_SHA1 = "hash:sha1"
#: The exact keys a STIX observable's value meets in the records' index.
OBSERVABLE_KINDS = frozenset(
    {"email", "phone", "id", KIND_IP, KIND_URL, KIND_DOMAIN, KIND_HASH_SHA1}
)
#: The matcher's candidate keys of a person: name spellings, equivalence groups, phonetic
#: codes and consonant skeletons (`names.name_keys`), and identifiers.
KIND_MATCH_NAME = "mname"
KIND_MATCH_ID = "mid"
KIND_MATCH_DATE = "mdate"
#: Schemata the matcher indexes.
MATCHED_SCHEMATA = frozenset({"Person"})

_MAX_KEY = 200
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def identifier_key(value: str) -> str | None:
    """A document, account or registration number compared exactly: upper-case letters and
    digits only (`DE89 3704 0044` = `de89-3704-0044`)."""
    key = _NON_ALNUM.sub("", value.upper())
    return key[:_MAX_KEY] if len(key) >= 2 else None


def ip_key(value: str) -> str | None:
    """An IP address or network in its canonical text (`2001:DB8:0::1` = `2001:db8::1`)."""
    value = value.strip()
    try:
        if "/" in value:
            return str(ipaddress.ip_network(value, strict=False))
        return str(ipaddress.ip_address(value))
    except ValueError:
        return value.lower()[:_MAX_KEY] or None


def url_key(value: str) -> str | None:
    """A URL compared exactly, but for case and a trailing slash (`http://Example.com` =
    `http://example.com/`)."""
    key = value.strip().lower().rstrip("/")
    return key[:_MAX_KEY] or None


def domain_key(value: str) -> str | None:
    """A domain name, lower case without a trailing dot; the host of a URL."""
    value = value.strip()
    if "/" in value:
        try:
            value = urlsplit(value if "//" in value else f"//{value}").hostname or ""
        except ValueError:
            return None
    key = value.lower().rstrip(".")
    return key[:_MAX_KEY] or None


@lru_cache(maxsize=65536)
def name_tokens(value: str) -> tuple[str, ...]:
    """Name tokens folded to lower-case ASCII: case, diacritics and script removed."""
    folded = normalize(value, lowercase=True, ascii=True)
    if not folded:
        return ()
    return tuple(t[:_MAX_KEY] for t in folded.split() if t)


def match_keys(schema: str, properties: Mapping[str, Iterable[str]]) -> set[tuple[str, str]]:
    """The matcher's candidate keys of a person's (cleaned) properties; none for other
    schemata. Stored with the record's other keys, in the same transaction; a match query
    looks its candidates up by the keys the same person's record would have."""
    if schema not in MATCHED_SCHEMATA:
        return set()
    # The matcher's modules load the romanisation dictionaries: only where they are used.
    from accord.matching.identifiers import blocking_identifier, identifier_keys
    from accord.matching.score import (
        birth_date_values,
        home_country,
        identifier_values,
        name_values,
    )

    keys: set[tuple[str, str]] = set()
    for value in name_values(properties):
        keys.update(_name_keys(value))
    dates = birth_date_values(properties)
    if dates:
        keys.update(_day_keys(tuple(dates)))
    home = home_country(properties)
    idents = [blocking_identifier(v, kind, home) for v, kind in identifier_values(properties)]
    found = identifier_keys(i for i in idents if i is not None)
    keys.update((KIND_MATCH_ID, k[:_MAX_KEY]) for k in found)
    return keys


def match_key_groups(
    schema: str, properties: Mapping[str, Iterable[str]]
) -> dict[tuple[str, str], int]:
    """Each of `match_keys` by the piece of evidence it stands for, numbered: a name part
    (all its spellings, equivalence groups, sounds and skeletons, and those of any other part
    or name of the query sharing one of them), the birth dates, each identifier. Candidates
    are ranked by the rarest key they share in each group, summed over the groups
    (`store.records.find_candidates`): a part that many records spell exactly as the query
    does then weighs as one part, not once per spelling and sound, and cannot outweigh a
    rare surname met in another script together with the birth date."""
    if schema not in MATCHED_SCHEMATA:
        return {}
    from accord.matching.score import name_values

    merged: list[set[tuple[str, str]]] = []
    for value in name_values(properties):
        for part in _name_key_parts(value):
            joined = set(part)
            rest = []
            for group in merged:
                if group.isdisjoint(joined):
                    rest.append(group)
                else:
                    joined |= group
            rest.append(joined)
            merged = rest
    groups = {key: i for i, group in enumerate(merged) for key in group}
    following = len(merged)
    dates = following
    for key in sorted(match_keys(schema, properties)):
        if key in groups:
            continue
        if key[0] == KIND_MATCH_DATE:
            groups[key] = dates
        else:
            following += 1
            groups[key] = following
    return groups


@lru_cache(maxsize=65536)
def _name_key_parts(value: str) -> tuple[frozenset[tuple[str, str]], ...]:
    """The candidate keys of one name as written, part by part (`names.name_key_parts`)."""
    from accord.matching.names import analyze_person_name, name_key_parts

    name = analyze_person_name(value)
    if name is None:
        return ()
    return tuple(
        frozenset((KIND_MATCH_NAME, k[:_MAX_KEY]) for k in part) for part in name_key_parts(name)
    )


@lru_cache(maxsize=65536)
def _name_keys(value: str) -> frozenset[tuple[str, str]]:
    """The candidate keys of one name as written (names recur from record to record)."""
    from accord.matching.names import analyze_person_name, name_keys

    name = analyze_person_name(value)
    if name is None:
        return frozenset()
    return frozenset((KIND_MATCH_NAME, k[:_MAX_KEY]) for k in name_keys(name))


@lru_cache(maxsize=65536)
def _day_keys(values: tuple[str, ...]) -> frozenset[tuple[str, str]]:
    """The candidate keys of a record's birth dates (`dates.day_keys`)."""
    from accord.matching.dates import day_keys

    return frozenset((KIND_MATCH_DATE, k) for k in day_keys(values))


def record_keys(schema: str, properties: Mapping[str, Iterable[str]]) -> set[tuple[str, str]]:
    """Every search key of an entity's (already cleaned) properties, the matcher's included."""
    # followthemoney only here: a query's keys (`query_keys`) need none of it.
    from followthemoney import model as ftm
    from followthemoney.types import registry

    keys: set[tuple[str, str]] = set()
    sch = ftm.get(schema)
    if sch is None:
        return keys
    for name, values in properties.items():
        prop = sch.get(name)
        if prop is None:
            continue
        ptype = prop.type
        if ptype is registry.name:
            for v in values:
                keys.update((KIND_NAME, t) for t in name_tokens(v))
        elif ptype is registry.identifier:
            for v in values:
                key = identifier_key(v)
                if key:
                    keys.add((KIND_ID, key))
        elif ptype is registry.phone:
            # Already E.164: record building read national numbers in the entity's countries
            # and then the owner agency's (model.validate_entity).
            keys.update((KIND_PHONE, v[:_MAX_KEY]) for v in values)
        elif ptype is registry.email:
            keys.update((KIND_EMAIL, v.lower()[:_MAX_KEY]) for v in values)
        elif ptype is registry.ip:
            keys.update((KIND_IP, k) for k in map(ip_key, values) if k)
        elif ptype is registry.url:
            keys.update((KIND_URL, k) for k in map(url_key, values) if k)
            keys.update((KIND_DOMAIN, k) for k in map(domain_key, values) if k)
        elif ptype is registry.checksum:
            # followthemoney's checksums are SHA-1 digests of files.
            keys.update((KIND_HASH_SHA1, v.lower()[:_MAX_KEY]) for v in values)
    keys.update(match_keys(schema, properties))
    return keys


_PHONE_CHARS = re.compile(r"^[+(]?[0-9][0-9 ()./-]{4,}$")


def _phone(query: str, country: str | None) -> str | None:
    """A query that is a phone number, as E.164: with a `+` prefix as it stands, otherwise
    read in `country` (the searching node's), as its people write their numbers."""
    query = query.strip()
    region: str | None = None
    if not query.startswith("+"):
        if country is None or not _PHONE_CHARS.match(query):
            return None
        region = country.upper()
    try:
        parsed = phonenumbers.parse(query, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def query_keys(
    query: str, country: str | None = None
) -> tuple[list[tuple[str, str]], tuple[str, ...]]:
    """Split free text into exact keys to look up (identifier, phone, email) and name tokens.

    Returns (exact keys, name tokens). A query is tried as every kind it could be: a user
    typing `AB123456` may mean a passport number or a name. `country` (ISO 3166-1 alpha-2,
    the node's) reads a phone number written without its country prefix (`015125888904` in
    DE is +4915125888904). An IBAN matches with or without its spaces (`identifier_key`).
    """
    query = query.strip()
    exact: list[tuple[str, str]] = []
    if _EMAIL.match(query):
        exact.append((KIND_EMAIL, query.lower()[:_MAX_KEY]))
    phone = _phone(query, country)
    if phone:
        exact.append((KIND_PHONE, phone))
    ident = identifier_key(query)
    if ident and any(c.isdigit() for c in ident):
        exact.append((KIND_ID, ident))
    return exact, name_tokens(query)
