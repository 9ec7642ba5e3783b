"""What of the FollowTheMoney model makes an edge: relationship schemata (their source and
target), entity properties that point at other entities, and properties whose values are
identifiers that several entities can share.

Read once from followthemoney's model and kept as plain tables, so that building a graph of
millions of records asks no proxy anything."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from accord.matching.keys import identifier_key

__all__ = [
    "IDENTIFIER_KINDS",
    "SchemaLinks",
    "identifier_value",
    "links_of",
]

#: Entity properties that are no link between the entities themselves (a document that
#: proves a record, a risk source) and make no edge.
_SKIPPED = frozenset({"proof", "riskSource", "ancestors"})

#: Identifier properties grouped into the kinds analysts name: a passport number on a Person
#: and the number of a Passport record are one document number.
_KIND_OF_PROPERTY = {
    "passportNumber": "document",
    "number": "document",
    "idNumber": "national_id",
    "socialSecurityNumber": "national_id",
    "taxNumber": "tax_id",
    "innCode": "tax_id",
    "vatCode": "tax_id",
    "iban": "account",
    "accountNumber": "account",
    "publicKey": "wallet",
    "registrationNumber": "registration",
    "imoNumber": "imo",
    "username": "username",
}
#: FtM property types whose values are shared identifiers, and the kind each becomes.
_KIND_OF_TYPE = {
    "phone": "phone",
    "email": "email",
    "address": "address",
    "checksum": "file_hash",
    "ip": "ip",
}
#: Every identifier kind a shared-identifier edge can carry.
IDENTIFIER_KINDS = frozenset({*_KIND_OF_PROPERTY.values(), *_KIND_OF_TYPE.values()})


@dataclass(frozen=True, slots=True)
class SchemaLinks:
    """The links one schema's records make.

    `source`/`target`: a relationship schema's edge properties (None for a thing).
    `references`: the other entity properties (a passport's `holder`). `identifiers`:
    (property, kind) of the properties whose values are shared identifiers."""

    source: str | None
    target: str | None
    references: tuple[str, ...]
    identifiers: tuple[tuple[str, str], ...]

    @property
    def relationship(self) -> bool:
        return self.source is not None and self.target is not None


@cache
def links_of(schema: str) -> SchemaLinks:
    """The links records of `schema` make (an unknown schema makes none)."""
    from followthemoney import model
    from followthemoney.types import registry

    sch = model.get(schema)
    if sch is None:
        return SchemaLinks(None, None, (), ())
    source = sch.edge_source if sch.edge else None
    target = sch.edge_target if sch.edge else None
    refs: list[str] = []
    idents: list[tuple[str, str]] = []
    for name, prop in sorted(sch.properties.items()):
        if prop.stub or name in _SKIPPED:
            continue
        if prop.type is registry.entity:
            if name not in (source, target):
                refs.append(name)
        elif name in _KIND_OF_PROPERTY and prop.type in (registry.identifier, registry.string):
            idents.append((name, _KIND_OF_PROPERTY[name]))
        elif prop.type.name in _KIND_OF_TYPE:
            idents.append((name, _KIND_OF_TYPE[prop.type.name]))
    return SchemaLinks(source, target, tuple(refs), tuple(idents))


def identifier_value(kind: str, value: str) -> str | None:
    """The form in which two records' identifiers of `kind` compare equal, or None when the
    value is too short to be evidence. Numbers: letters and digits only, upper case; e-mail
    and user names: lower case; addresses: their words in lower case without accents (a
    transliteration per address would cost more than the rest of the build); the rest as
    written."""
    if kind in ("phone", "file_hash", "ip"):
        text = value.strip()
        return text if len(text) >= 4 else None
    if kind in ("email", "username"):
        text = value.strip().lower()
        return text if len(text) >= 4 else None
    if kind == "address":
        tokens = _address_tokens(value)
        return " ".join(tokens) if len(tokens) >= 2 else None
    key = identifier_key(value)
    return key if key is not None and len(key) >= 4 else None


_WORD = re.compile(r"\w+")


def _address_tokens(value: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return _WORD.findall(plain)
