"""What a scenario is generated from: the seed, the size, the agencies and the rates of every
kind of variation. Same options, same bytes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from accord.errors import FieldError, ValidationError
from accord.model import agency_country, is_agency_code
from accord.scenario.casts import STORY_PERSONS
from accord.scenario.data import load_yaml

__all__ = [
    "DEFAULT_EPOCH",
    "MAX_PERSONS",
    "AgencySpec",
    "ScenarioOptions",
    "Variation",
    "agency_catalogue",
    "default_agencies",
    "resolve_agencies",
]

#: The fixed instant the world is generated "as of" unless told otherwise: records are created
#: in the two years before it. A constant, never the clock, so that output is reproducible.
DEFAULT_EPOCH = datetime(2026, 10, 1, tzinfo=UTC)
MAX_PERSONS = 10_000_000


@dataclass(frozen=True, slots=True)
class Variation:
    """How often each kind of variation happens, as a probability per record about a person.

    Where a kind needs something to vary (a middle name to drop, a day of the month ≤ 12 to
    swap with the month, a name in another script to transliterate), the rate applies to the
    records that have it."""

    #: a name from another script spelled under another standard than the passport's
    #: (Olexandr or Aleksandr for Oleksandr, Yeoryios for Georgios, Muhammad for Mohamed)
    transliteration: float = 0.35
    #: the given name replaced by its equivalent in another language (Alexander, George)
    equivalent_name: float = 0.05
    #: given and family name swapped between the fields (Wei Zhang / Zhang Wei)
    name_order: float = 0.08
    #: middle names, patronymic or father's name left out
    drop_middle: float = 0.35
    #: one slip of the keyboard, the ear or OCR in a name
    typo: float = 0.04
    #: an alias (nickname, everyday name, kunya) recorded
    alias: float = 0.08
    #: a foreign agency also records the name in its original script
    native_script: float = 0.25
    #: birth date with day and month swapped
    dob_day_month_swap: float = 0.03
    #: birth year off by one
    dob_year_off: float = 0.02
    #: only the birth year recorded
    dob_year_only: float = 0.05
    #: no birth date recorded
    dob_missing: float = 0.04
    #: an identifier written in a non-canonical layout (IBAN in groups, plate without spaces)
    identifier_format: float = 0.2

    def to_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


@dataclass(frozen=True, slots=True)
class AgencySpec:
    """One agency the generator plays: its country, kind and recording conventions."""

    code: str
    name: str
    country: str
    kind: str
    legal_basis: str
    name_format: str = "given_first"
    upper_surname: bool = False
    translit: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_fiu(self) -> bool:
        return self.kind == "fiu"


@lru_cache(maxsize=1)
def agency_catalogue() -> dict[str, AgencySpec]:
    """The shipped agency profiles (data/agencies.yaml), by code."""
    data = load_yaml("agencies.yaml")
    out: dict[str, AgencySpec] = {}
    for code, spec in data["agencies"].items():
        out[code] = AgencySpec(
            code=code,
            name=str(spec["name"]),
            country=str(spec["country"]),
            kind=str(spec["kind"]),
            legal_basis=str(spec["legal_basis"]),
            name_format=str(spec.get("name_format", "given_first")),
            upper_surname=bool(spec.get("upper_surname", False)),
            translit={str(k): str(v) for k, v in (spec.get("translit") or {}).items()},
        )
    return out


def default_agencies() -> tuple[str, ...]:
    return tuple(load_yaml("agencies.yaml")["default"])


def resolve_agencies(codes: Sequence[str]) -> tuple[AgencySpec, ...]:
    """Profiles for `codes`. A code not in the catalogue takes the profile of a catalogue agency
    of the same country and kind (a code containing FIU is a financial-intelligence unit), so
    `DE-LKA_BY` plays like DE-BKA under its own code; its country must be one the generator has
    conventions for."""
    catalogue = agency_catalogue()
    errors: list[FieldError] = []
    out: list[AgencySpec] = []
    for code in codes:
        if code in catalogue:
            out.append(catalogue[code])
            continue
        if not is_agency_code(code):
            errors.append(FieldError("agencies", f"{code!r} is not an agency code CC-NAME"))
            continue
        country = (agency_country(code) or "").lower()
        kind = "fiu" if "FIU" in code.split("-", 1)[1] else "police"
        base = next(
            (a for a in catalogue.values() if a.country == country and a.kind == kind),
            next((a for a in catalogue.values() if a.country == country), None),
        )
        if base is None:
            known = ", ".join(sorted({a.country.upper() for a in catalogue.values()}))
            errors.append(
                FieldError("agencies", f"no conventions for country {country.upper()} ({known})")
            )
            continue
        out.append(replace(base, code=code, name=code, kind=kind))
    if len({a.code for a in out}) != len(out):
        errors.append(FieldError("agencies", "an agency is listed twice"))
    if not out and not errors:
        errors.append(FieldError("agencies", "at least one agency is needed"))
    if errors:
        raise ValidationError(errors)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ScenarioOptions:
    """Everything the output depends on."""

    seed: int = 1
    persons: int = 1000
    agencies: tuple[str, ...] = field(default_factory=default_agencies)
    epoch: datetime = DEFAULT_EPOCH
    variation: Variation = field(default_factory=Variation)
    #: chance that a police agency outside the person's countries has a record of them
    cross_border: float = 0.08
    #: chance that the police of the country a person lives in has a record of them
    home_coverage: float = 0.85
    #: share of identity documents reported stolen, lost or revoked by their issuing country
    reported_documents: float = 0.01
    #: share of businesses (and, a fifth as often, households) an FIU gets a report about
    suspicious_activity: float = 0.3
    storylines: bool = True

    def validate(self) -> None:
        """Raise one ValidationError naming every option out of range."""
        errors: list[FieldError] = []
        if not 0 <= self.seed < 2**63:
            errors.append(FieldError("seed", "must be between 0 and 2**63 - 1"))
        if not 1 <= self.persons <= MAX_PERSONS:
            errors.append(FieldError("persons", f"must be between 1 and {MAX_PERSONS:,}"))
        elif self.storylines and self.persons < STORY_PERSONS:
            errors.append(
                FieldError(
                    "persons",
                    f"the storylines alone have {STORY_PERSONS} persons; ask for at least "
                    "that many or turn storylines off",
                )
            )
        if self.epoch.tzinfo is None:
            errors.append(FieldError("epoch", "must carry a time zone"))
        rates = {
            "cross_border": self.cross_border,
            "home_coverage": self.home_coverage,
            "reported_documents": self.reported_documents,
            "suspicious_activity": self.suspicious_activity,
        }
        rates.update({f"variation.{k}": v for k, v in self.variation.to_dict().items()})
        for name, value in rates.items():
            if not 0.0 <= value <= 1.0:
                errors.append(FieldError(name, f"{value!r} is not a probability in [0, 1]"))
        try:
            resolve_agencies(self.agencies)
        except ValidationError as exc:
            errors.extend(exc.errors)
        if errors:
            raise ValidationError(errors)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "persons": self.persons,
            "agencies": list(self.agencies),
            "epoch": self.epoch.isoformat(),
            "variation": self.variation.to_dict(),
            "cross_border": self.cross_border,
            "home_coverage": self.home_coverage,
            "reported_documents": self.reported_documents,
            "suspicious_activity": self.suspicious_activity,
            "storylines": self.storylines,
        }

    def with_variation(self, **rates: float) -> ScenarioOptions:
        return replace(self, variation=replace(self.variation, **rates))
