"""Normalising, blocking and scoring for search and matching (pure).

- `keys`: the exact search keys search uses today (identifiers, phones, emails, name tokens).
- `romanize`: every conventional Latin spelling of a name in another script.
- `names`: person names analysed into parts, compared across order, spellings and equivalents.
- `dates`: birth dates, partial or clerically varied, and how two agree.
- `identifiers`: passport, national-id, IBAN, phone, email and wallet numbers normalised.
- `score`: the versioned, explainable score of a candidate against a query.

The package exports only `keys`, which every record write uses; the other modules are
imported by name (`from accord.matching.names import …`), so that a command that writes a
record does not load the romanisation dictionaries (pypinyin) and rigour's name tagger.
"""

from accord.matching.keys import (
    KIND_EMAIL,
    KIND_ID,
    KIND_NAME,
    KIND_PHONE,
    OBSERVABLE_KINDS,
    domain_key,
    identifier_key,
    ip_key,
    name_tokens,
    query_keys,
    record_keys,
    url_key,
)

__all__ = [
    "KIND_EMAIL",
    "KIND_ID",
    "KIND_NAME",
    "KIND_PHONE",
    "OBSERVABLE_KINDS",
    "domain_key",
    "identifier_key",
    "ip_key",
    "name_tokens",
    "query_keys",
    "record_keys",
    "url_key",
]
