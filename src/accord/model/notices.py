"""Notices: their types, what each type requires, and how a notice's status may change (pure).

A notice is an international alert about a person or an object, modelled on INTERPOL's
colour-coded notices and diffusions. The types and the details each requires are data
(`accord/data/notices.yaml`), read once; this module checks a notice's details against its
type, its distribution, and every status change against the lifecycle:

    draft → published → suspended ⇄ published
    draft | published | suspended → cancelled
    published | suspended → expired (its `valid_until` has passed)

Cancelled and expired are final. Transitions are appended, never changed; the current status
is the latest one, read as `expired` once `valid_until` has passed (`effective_status`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

import yaml

from accord.errors import Conflict, FieldError, ValidationError

__all__ = [
    "ACTIVE",
    "FINAL",
    "MAX_TEXT",
    "Distribution",
    "FieldSpec",
    "IllegalTransition",
    "NoticeStatus",
    "NoticeType",
    "TypeSpec",
    "check_details",
    "check_transition",
    "effective_status",
    "notice_types",
    "parse_distribution",
    "parse_status",
    "parse_type",
    "type_spec",
]

MAX_TEXT = 2000


class NoticeType(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    BLUE = "blue"
    BLACK = "black"
    GREEN = "green"
    ORANGE = "orange"
    PURPLE = "purple"
    DIFFUSION = "diffusion"


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


#: The only status in which a notice is matched against records and alerts.
ACTIVE = NoticeStatus.PUBLISHED
FINAL = frozenset({NoticeStatus.CANCELLED, NoticeStatus.EXPIRED})

_S = NoticeStatus
_ALLOWED: Mapping[NoticeStatus, frozenset[NoticeStatus]] = {
    _S.DRAFT: frozenset({_S.PUBLISHED, _S.CANCELLED}),
    _S.PUBLISHED: frozenset({_S.SUSPENDED, _S.CANCELLED, _S.EXPIRED}),
    _S.SUSPENDED: frozenset({_S.PUBLISHED, _S.CANCELLED, _S.EXPIRED}),
    _S.CANCELLED: frozenset(),
    _S.EXPIRED: frozenset(),
}


class IllegalTransition(Conflict):
    """A status change the lifecycle does not allow (409)."""

    code = "illegal_transition"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    label: str
    kind: str  # text | date | boolean
    required: bool
    equals: Any = None


@dataclass(frozen=True, slots=True)
class TypeSpec:
    type: NoticeType
    label: str
    action: str
    purpose: str
    subject_category: str
    valid_days: int
    named_countries: bool
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


_KINDS = frozenset({"text", "date", "boolean"})


@cache
def _specs() -> dict[NoticeType, TypeSpec]:
    text = resources.files("accord.data").joinpath("notices.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)["types"]
    out: dict[NoticeType, TypeSpec] = {}
    for code, body in raw.items():
        fields = []
        for name, spec in body["fields"].items():
            if spec["kind"] not in _KINDS:
                raise ValueError(f"notices.yaml: {code}.{name}: unknown kind {spec['kind']!r}")
            fields.append(
                FieldSpec(
                    name=name,
                    label=spec["label"],
                    kind=spec["kind"],
                    required=bool(spec["required"]),
                    equals=spec.get("equals"),
                )
            )
        kind = NoticeType(code)
        out[kind] = TypeSpec(
            type=kind,
            label=body["label"],
            action=body["action"],
            purpose=body["purpose"],
            subject_category=body["subject_category"],
            valid_days=int(body["valid_days"]),
            named_countries=bool(body.get("named_countries", False)),
            fields=tuple(fields),
        )
    missing = set(NoticeType) - set(out)
    if missing:
        raise ValueError(f"notices.yaml lacks the types {sorted(missing)}")
    return out


def notice_types() -> list[TypeSpec]:
    """Every notice type, in the order of the data file."""
    return list(_specs().values())


def type_spec(kind: NoticeType) -> TypeSpec:
    return _specs()[kind]


def parse_type(value: Any, field: str = "type") -> NoticeType:
    """A notice type from its code; ValidationError naming the known codes otherwise."""
    try:
        return NoticeType(value)
    except ValueError:
        known = ", ".join(t.value for t in NoticeType)
        raise ValidationError(
            FieldError(field, f"{value!r} is not a notice type ({known})")
        ) from None


def parse_status(value: Any, field: str = "status") -> NoticeStatus:
    try:
        return NoticeStatus(value)
    except ValueError:
        known = ", ".join(s.value for s in NoticeStatus)
        raise ValidationError(
            FieldError(field, f"{value!r} is not a notice status ({known})")
        ) from None


def _check_value(spec: FieldSpec, value: Any, where: str) -> tuple[Any, FieldError | None]:
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            return None, FieldError(where, "must be true or false")
        if spec.equals is not None and value != spec.equals:
            return None, FieldError(where, f"must be {str(spec.equals).lower()} ({spec.label})")
        return value, None
    if not isinstance(value, str) or not value.strip():
        return None, FieldError(where, f"is required: {spec.label}")
    text = value.strip()
    if spec.kind == "date":
        try:
            return date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, FieldError(where, "must be a date YYYY-MM-DD")
    if len(text) > MAX_TEXT:
        return None, FieldError(where, f"at most {MAX_TEXT} characters")
    return text, None


def check_details(
    kind: NoticeType, details: Any, field: str = "details"
) -> tuple[dict[str, Any], list[FieldError]]:
    """The details of a notice of `kind`, cleaned, and every problem: a field the type
    requires and the details lack is named (`details.arrest_warrant`), as is a field the
    type does not know."""
    spec = type_spec(kind)
    if details is None:
        details = {}
    if not isinstance(details, Mapping):
        return {}, [FieldError(field, "must be an object of the type's fields")]
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    for name in sorted(set(details) - {f.name for f in spec.fields}):
        known = ", ".join(f.name for f in spec.fields)
        errors.append(FieldError(f"{field}.{name}", f"not a field of a {kind} notice ({known})"))
    for f in spec.fields:
        where = f"{field}.{f.name}"
        value = details.get(f.name)
        if value is None:
            if f.required:
                errors.append(FieldError(where, f"a {kind} notice requires it: {f.label}"))
            continue
        good, problem = _check_value(f, value, where)
        if problem is not None:
            errors.append(problem)
        else:
            cleaned[f.name] = good
    return cleaned, errors


@dataclass(frozen=True, slots=True)
class Distribution:
    """Who a notice goes to: every partner (`countries` None) or the partners of the named
    countries (ISO 3166-1 alpha-2, upper case)."""

    countries: frozenset[str] | None = None

    @property
    def everyone(self) -> bool:
        return self.countries is None

    def includes(self, country: str | None) -> bool:
        return self.countries is None or (country is not None and country in self.countries)

    def to_dict(self) -> dict[str, Any]:
        if self.countries is None:
            return {"all": True}
        return {"countries": sorted(self.countries)}


def parse_distribution(
    raw: Any, kind: NoticeType, is_country: Any, field: str = "distribution"
) -> tuple[Distribution, list[FieldError]]:
    """`{"all": true}` or `{"countries": ["NL", "UA"]}`; a diffusion must name its countries.
    `is_country(code)` says whether an upper-case code is an ISO 3166-1 alpha-2 country."""
    spec = type_spec(kind)
    if raw is None:
        raw = {} if spec.named_countries else {"all": True}
    if not isinstance(raw, Mapping) or set(raw) - {"all", "countries"}:
        return Distribution(), [
            FieldError(field, 'must be {"all": true} or {"countries": ["NL", ...]}')
        ]
    countries = raw.get("countries")
    if raw.get("all") is True and countries is None:
        if spec.named_countries:
            return Distribution(), [
                FieldError(f"{field}.countries", f"a {kind} goes to the countries it names")
            ]
        return Distribution(), []
    if not isinstance(countries, list) or not countries:
        return Distribution(), [FieldError(f"{field}.countries", "name at least one country")]
    errors: list[FieldError] = []
    found: set[str] = set()
    for i, code in enumerate(countries):
        if not isinstance(code, str) or not is_country(code.upper()):
            errors.append(FieldError(f"{field}.countries.{i}", f"{code!r} is not a country code"))
        else:
            found.add(code.upper())
    return Distribution(frozenset(found)), errors


def check_transition(current: NoticeStatus, target: NoticeStatus) -> None:
    """Raise IllegalTransition unless the lifecycle allows `current` → `target`."""
    if target not in _ALLOWED[current]:
        allowed = ", ".join(sorted(s.value for s in _ALLOWED[current])) or "nothing"
        raise IllegalTransition(
            f"a {current.value} notice cannot become {target.value} (it may become: {allowed})"
        )


def effective_status(latest: NoticeStatus, valid_until: datetime, now: datetime) -> NoticeStatus:
    """The status as users see it: a published or suspended notice past `valid_until` is
    expired, whether or not the expiry has been written yet."""
    if latest in (_S.PUBLISHED, _S.SUSPENDED) and now >= valid_until:
        return _S.EXPIRED
    return latest
