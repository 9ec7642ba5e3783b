"""The envelope every record travels in: who owns it and how it may be handled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from accord.errors import FieldError, ValidationError
from accord.model.codes import (
    TLP,
    Assessment,
    Handling,
    Reliability,
    SubjectCategory,
    crime_areas,
    is_agency_code,
)

__all__ = ["ENVELOPE_KEYS", "REVIEW_YEARS", "Envelope", "EnvelopeDefaults", "default_review_by"]

#: Europol's review period: data is reviewed three years after it is stored.
REVIEW_YEARS = 3

#: Keys an `accord` object on an ingest line may carry.
ENVELOPE_KEYS = frozenset(
    {
        "owner",
        "handling",
        "handling_conditions",
        "tlp",
        "reliability",
        "assessment",
        "subject_category",
        "crime_areas",
        "legal_basis",
        "review_by",
        "created_at",
        "updated_at",
        "version",
    }
)


def default_review_by(created: datetime) -> date:
    """Three years after creation; 29 February rolls to 28 February."""
    d = created.date()
    try:
        return d.replace(year=d.year + REVIEW_YEARS)
    except ValueError:
        return d.replace(year=d.year + REVIEW_YEARS, day=28)


@dataclass(frozen=True, slots=True)
class Envelope:
    owner: str
    handling: Handling
    tlp: TLP
    reliability: Reliability
    assessment: Assessment
    created_at: datetime
    updated_at: datetime
    review_by: date
    handling_conditions: str | None = None
    subject_category: SubjectCategory | None = None
    crime_areas: tuple[str, ...] = ()
    legal_basis: str | None = None
    version: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "handling": self.handling.value,
            "handling_conditions": self.handling_conditions,
            "tlp": self.tlp.value,
            "reliability": self.reliability.value,
            "assessment": self.assessment.value,
            "subject_category": self.subject_category.value if self.subject_category else None,
            "crime_areas": list(self.crime_areas),
            "legal_basis": self.legal_basis,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "review_by": self.review_by.isoformat(),
            "version": self.version,
        }

    def evolve(self, **changes: Any) -> Envelope:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class EnvelopeDefaults:
    """Batch-level envelope values (ingest flags). None (or no crime areas) means the batch
    does not say; a line's own `accord` keys win over these unless ingest forces them."""

    owner: str
    handling: str | None = None
    handling_conditions: str | None = None
    tlp: str | None = None
    reliability: str | None = None
    assessment: str | None = None
    subject_category: str | None = None
    crime_areas: tuple[str, ...] = field(default_factory=tuple)
    legal_basis: str | None = None
    review_by: str | None = None

    def as_mapping(self) -> dict[str, Any]:
        """The values the batch states (owner always)."""
        values: dict[str, Any] = {
            "owner": self.owner,
            "handling": self.handling,
            "handling_conditions": self.handling_conditions,
            "tlp": self.tlp,
            "reliability": self.reliability,
            "assessment": self.assessment,
            "subject_category": self.subject_category,
            "crime_areas": list(self.crime_areas) or None,
            "legal_basis": self.legal_basis,
            "review_by": self.review_by,
        }
        return {k: v for k, v in values.items() if v is not None}


#: Values used where neither the batch nor the line gives one (EnvelopeDefaults' defaults).
_FALLBACK: dict[str, Any] = {
    "handling": "H0",
    "tlp": "AMBER",
    "reliability": "X",
    "assessment": "4",
}


#: Largest version the store's integer column holds.
_MAX_VERSION = 2**31 - 1


def _enum(errors: list[FieldError], name: str, cls: Any, value: Any) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        errors.append(FieldError(f"accord.{name}", f"{value!r} is not one of {allowed}"))
        return None


def _datetime(errors: list[FieldError], name: str, value: Any, fallback: datetime) -> datetime:
    if value is None:
        return fallback
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            errors.append(FieldError(f"accord.{name}", f"{value!r} is not an ISO 8601 date-time"))
            return fallback
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)  # how it is stored; 0001-01-01T00:00+01:00 has no UTC time
    except OverflowError:
        errors.append(FieldError(f"accord.{name}", f"{value!r} is out of range"))
        return fallback
    return parsed


def parse_envelope(
    values: Mapping[str, Any],
    *,
    is_person: bool,
    now: datetime,
    prefix_errors: list[FieldError] | None = None,
) -> Envelope:
    """Validate envelope values; raise one ValidationError naming every bad field."""
    errors: list[FieldError] = prefix_errors if prefix_errors is not None else []
    values = {**_FALLBACK, **{k: v for k, v in values.items() if v is not None}}
    unknown = sorted(set(values) - ENVELOPE_KEYS)
    for key in unknown:
        errors.append(FieldError(f"accord.{key}", "unknown envelope key"))

    owner = values.get("owner")
    if not isinstance(owner, str) or not is_agency_code(owner):
        errors.append(
            FieldError(
                "accord.owner",
                f"{owner!r} is not an agency code CC-NAME with an ISO 3166-1 alpha-2 country",
            )
        )
    handling = _enum(errors, "handling", Handling, values.get("handling"))
    conditions = values.get("handling_conditions")
    if conditions is not None and not isinstance(conditions, str):
        errors.append(FieldError("accord.handling_conditions", "must be text"))
        conditions = None
    conditions = conditions.strip() if conditions else None
    if handling is Handling.H3 and not conditions:
        errors.append(
            FieldError("accord.handling_conditions", "H3 requires the restrictions as free text")
        )
    tlp = _enum(errors, "tlp", TLP, values.get("tlp"))
    reliability = _enum(errors, "reliability", Reliability, values.get("reliability"))
    assessment = _enum(errors, "assessment", Assessment, str(values.get("assessment")))

    category_raw = values.get("subject_category")
    category = None
    if category_raw is not None:
        category = _enum(errors, "subject_category", SubjectCategory, category_raw)
        if category is not None and not is_person:
            errors.append(
                FieldError("accord.subject_category", "applies only to records about people")
            )

    areas_raw = values.get("crime_areas") or []
    if isinstance(areas_raw, str):
        areas_raw = [areas_raw]
    known = crime_areas()
    areas: list[str] = []
    if not isinstance(areas_raw, list | tuple):
        errors.append(FieldError("accord.crime_areas", "must be a list of crime-area codes"))
    else:
        for code in areas_raw:
            if not isinstance(code, str) or code not in known:
                errors.append(FieldError("accord.crime_areas", f"unknown crime-area code {code!r}"))
            elif code not in areas:
                areas.append(code)

    legal_basis = values.get("legal_basis")
    if legal_basis is not None and not isinstance(legal_basis, str):
        errors.append(FieldError("accord.legal_basis", "must be text"))
        legal_basis = None

    created = _datetime(errors, "created_at", values.get("created_at"), now)
    updated = _datetime(errors, "updated_at", values.get("updated_at"), created)
    review_raw = values.get("review_by")
    try:
        review_by = default_review_by(created)
    except ValueError:  # three years after 9997 is past the calendar's end
        errors.append(FieldError("accord.created_at", f"{created.date()} is out of range"))
        review_by = created.date()
    if review_raw is not None:
        try:
            review_by = (
                review_raw if isinstance(review_raw, date) else date.fromisoformat(str(review_raw))
            )
        except ValueError:
            errors.append(FieldError("accord.review_by", f"{review_raw!r} is not an ISO 8601 date"))
    version = values.get("version", 1)
    if (
        not isinstance(version, int)
        or isinstance(version, bool)
        or not 1 <= version <= _MAX_VERSION
    ):
        errors.append(FieldError("accord.version", f"must be an integer from 1 to {_MAX_VERSION}"))
        version = 1

    if errors:
        raise ValidationError(errors)
    return Envelope(
        owner=str(owner),
        handling=handling,
        handling_conditions=conditions,
        tlp=tlp,
        reliability=reliability,
        assessment=assessment,
        subject_category=category,
        crime_areas=tuple(areas),
        legal_basis=legal_basis or None,
        created_at=created,
        updated_at=updated,
        review_by=review_by,
        version=version,
    )
