"""A record: one FollowTheMoney entity in its envelope."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from accord.errors import FieldError, ValidationError
from accord.model.codes import agency_country
from accord.model.envelope import Envelope, parse_envelope

if TYPE_CHECKING:
    from followthemoney.model import Model
    from followthemoney.proxy import EntityProxy
    from followthemoney.schema import Schema
    from followthemoney.types import Registry

__all__ = [
    "DEFAULT_LIMITS",
    "PERSON_SCHEMATA",
    "Record",
    "RecordLimits",
    "caption_of",
    "content_hash",
    "electronic_iban",
    "parse_record",
    "validate_entity",
]

#: FtM schemata whose records are about a natural person and so carry a subject category.
PERSON_SCHEMATA = frozenset({"Person"})

_MAX_ID = 200


@cache
def _ftm() -> tuple[Model, Registry]:
    """followthemoney's model and type registry. Imported on first use: reading a stored
    record needs neither, and the import costs half a second of every command."""
    from followthemoney import model
    from followthemoney.types import registry

    return model, registry


@dataclass(frozen=True, slots=True)
class RecordLimits:
    """How large one record may be: values per property and characters per value. A request
    beyond them is refused before any value is cleaned, so its cost stays bounded."""

    max_values: int = 5000
    max_value_length: int = 65536


#: The limits when a caller names none (the node's Settings carry the configured ones).
DEFAULT_LIMITS = RecordLimits()


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    schema: str
    properties: dict[str, list[str]]
    envelope: Envelope

    @property
    def owner(self) -> str:
        return self.envelope.owner

    def proxy(self) -> EntityProxy:
        ftm, _ = _ftm()
        return ftm.get_proxy({"id": self.id, "schema": self.schema, "properties": self.properties})

    @property
    def caption(self) -> str:
        return caption_of(self.schema, self.properties)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "schema": self.schema,
            "properties": self.properties,
            "accord": self.envelope.to_dict(),
        }


def caption_of(schema: str, properties: Mapping[str, list[str]]) -> str:
    """The display label: the first value of the schema's caption properties (FtM order)."""
    ftm, _ = _ftm()
    sch = ftm.get(schema)
    if sch is None:
        return schema
    for name in sch.caption:
        values = properties.get(name)
        if values:
            return values[0]
    return str(sch.label)


def content_hash(schema: str, properties: Mapping[str, list[str]]) -> str:
    """Stable digest of an entity's content; ingest uses it to skip unchanged re-runs."""
    blob = json.dumps([schema, properties], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _schema(errors: list[FieldError], name: Any) -> Schema | None:
    if not isinstance(name, str) or not name:
        errors.append(FieldError("schema", "is required"))
        return None
    ftm, _ = _ftm()
    schema = ftm.get(name)
    if schema is None:
        errors.append(FieldError("schema", f"unknown FollowTheMoney schema {name!r}"))
        return None
    if schema.abstract:
        errors.append(FieldError("schema", f"{name!r} is abstract; use a concrete schema"))
        return None
    return schema


def validate_entity(
    entity_id: Any,
    schema_name: Any,
    properties: Any,
    errors: list[FieldError],
    limits: RecordLimits = DEFAULT_LIMITS,
    *,
    home_country: str | None = None,
) -> tuple[Schema | None, dict[str, list[str]]]:
    """Check an FtM entity strictly: every property known, every value of its type.

    FtM's own `add` drops values it cannot clean; a record system must refuse them instead,
    so each value is cleaned here and a value that does not clean is an error naming it.
    Returns the cleaned properties (countries as ISO codes, phones as E.164, IBANs in their
    electronic format, and so on). A phone number without a country prefix is read in the
    entity's own countries, then in `home_country` (the owner agency's). The work is linear in
    the number of values, and bounded by `limits`.
    """
    _, registry = _ftm()
    if not isinstance(entity_id, str) or not entity_id.strip():
        errors.append(FieldError("id", "is required"))
    elif len(entity_id) > _MAX_ID or registry.entity.clean(entity_id) is None:
        errors.append(FieldError("id", f"{entity_id!r} is not a valid entity id"))
    schema = _schema(errors, schema_name)
    cleaned: dict[str, list[str]] = {}
    if schema is None:
        return None, cleaned
    if properties is None:
        properties = {}
    if not isinstance(properties, Mapping):
        errors.append(FieldError("properties", "must be an object of property name to values"))
        return schema, cleaned
    countries: list[str] = []
    home = [home_country.lower()] if home_country else []
    # Countries first: phone numbers without a prefix are parsed in the entity's countries.
    ordered = sorted(properties.items(), key=lambda kv: 0 if _is_country(schema, kv[0]) else 1)
    for name, raw in ordered:
        prop = schema.get(name)
        where = f"properties.{name}"
        if prop is None:
            errors.append(FieldError(where, f"unknown property of {schema.name}"))
            continue
        if prop.stub:
            errors.append(FieldError(where, "is a reverse property and cannot be set"))
            continue
        values = raw if isinstance(raw, list) else [raw]
        if len(values) > limits.max_values:
            errors.append(
                FieldError(
                    where, f"has {len(values)} values; at most {limits.max_values} are allowed"
                )
            )
            continue
        out: list[str] = []
        seen: set[str] = set()  # a set, not `in out`: 40,000 values cost 40,000 look-ups
        for value in values:
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if not isinstance(value, str | int | float):
                errors.append(FieldError(where, f"{_short(value)} is not a {prop.type.name}"))
                continue
            if isinstance(value, str) and len(value) > limits.max_value_length:
                errors.append(
                    FieldError(
                        where,
                        f"a value of {len(value)} characters; at most "
                        f"{limits.max_value_length} are allowed",
                    )
                )
                continue
            clean = _clean(prop.type, value, [*countries, *home])
            if clean is not None and prop.format == "iban":
                clean = electronic_iban(clean)
            if clean is None:
                errors.append(FieldError(where, f"{_short(value)} is not a valid {prop.type.name}"))
                continue
            if clean not in seen:
                seen.add(clean)
                out.append(clean)
        if out:
            cleaned[name] = out
            if prop.type is registry.country:
                countries.extend(out)
    return schema, cleaned


_SPACES = re.compile(r"\s+")


def electronic_iban(value: str) -> str:
    """An IBAN in its electronic format (ISO 13616): no spaces, upper case. Not checked
    further: a mistyped IBAN in a source is still evidence."""
    return _SPACES.sub("", value).upper()


def _short(value: Any, width: int = 80) -> str:
    """A value as an error message quotes it: never longer than `width` characters."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _iso_date(value: str) -> str | None:
    """Fast path for dates already in FtM's canonical form (YYYY, YYYY-MM, YYYY-MM-DD), the
    common case at ingest; anything else goes through FtM's own parser."""
    m = _ISO_DATE.match(value)
    if m is None:
        return None
    year, month, day = m.groups()
    if not 1000 <= int(year) <= 2999:  # FtM accepts these years only
        return None
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return value


def _clean(ptype: Any, value: str | int | float, countries: list[str]) -> str | None:
    _, registry = _ftm()
    if ptype is registry.date and isinstance(value, str):
        fast = _iso_date(value)
        if fast is not None:
            return fast
    if ptype is registry.phone:
        # National-format numbers are read in the entity's own countries, first that fits.
        for country in [None, *countries]:
            try:
                clean = ptype.clean(value, format=country)
            except Exception:  # noqa: BLE001 - FtM raises for a country with no dialling plan
                clean = None
            if clean is not None:
                return str(clean)
        return None
    result = ptype.clean(value)
    return None if result is None else str(result)


def _is_country(schema: Schema, name: str) -> bool:
    _, registry = _ftm()
    prop = schema.get(name)
    return prop is not None and prop.type is registry.country


def parse_record(
    data: Any,
    defaults: Mapping[str, Any],
    *,
    now: datetime,
    limits: RecordLimits = DEFAULT_LIMITS,
) -> Record:
    """Build a Record from an ingest line or API body: FtM `id`/`schema`/`properties` plus an
    optional `accord` object whose keys override the batch `defaults`."""
    errors: list[FieldError] = []
    if not isinstance(data, Mapping):
        raise ValidationError(FieldError("record", "must be a JSON object"))
    for key in sorted(set(data) - {"id", "schema", "properties", "accord"}):
        errors.append(FieldError(key, "unknown top-level key"))
    overrides = data.get("accord") or {}
    owner = (overrides.get("owner") if isinstance(overrides, Mapping) else None) or defaults.get(
        "owner"
    )
    schema, properties = validate_entity(
        data.get("id"),
        data.get("schema"),
        data.get("properties"),
        errors,
        limits,
        home_country=agency_country(owner) if isinstance(owner, str) else None,
    )
    if not isinstance(overrides, Mapping):
        errors.append(FieldError("accord", "must be an object of envelope values"))
        overrides = {}
    values = dict(defaults)
    values.update(overrides)
    is_person = schema is not None and schema.name in PERSON_SCHEMATA
    if not is_person and "subject_category" not in overrides:
        values["subject_category"] = None
    envelope = parse_envelope(values, is_person=is_person, now=now, prefix_errors=errors)
    assert schema is not None  # parse_envelope raised if anything was wrong
    return Record(
        id=str(data["id"]).strip(),
        schema=schema.name,
        properties=properties,
        envelope=envelope,
    )
