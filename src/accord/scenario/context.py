"""The generation context: options resolved into agencies, countries and cultures, shared by
every part of the generator. Built once per scenario; read-only afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from accord.scenario.data import load_yaml
from accord.scenario.names import Culture, culture
from accord.scenario.options import AgencySpec, ScenarioOptions, Variation, resolve_agencies
from accord.scenario.translit import table

__all__ = ["City", "Context", "Country", "countries"]

#: How many days before the epoch records may have been created.
RECORD_WINDOW_DAYS = 730


@dataclass(frozen=True, slots=True)
class City:
    native: str
    latin: str
    postcodes: tuple[str, ...]
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Street:
    native: str
    latin: str


@dataclass(frozen=True, slots=True)
class Country:
    """A country's conventions (data/countries.yaml) with Latin forms of its place names."""

    code: str
    name: str
    culture: Culture
    icao: str
    eu: bool
    currency: str
    passport_std: str
    data: Mapping[str, Any]
    cities: tuple[City, ...]
    streets: tuple[Street, ...]

    @property
    def script(self) -> str:
        return self.culture.script


def _latin(culture_code: str, native: str) -> str:
    if culture_code == "uk":
        return table("uk_national_2010")(native)
    if culture_code == "el":
        return table("el_elot743")(native)
    return native


@lru_cache(maxsize=1)
def countries() -> dict[str, Country]:
    """Every country the generator has conventions for, by lower-case ISO code."""
    out: dict[str, Country] = {}
    for code, spec in load_yaml("countries.yaml")["countries"].items():
        cult = culture(str(spec["culture"]))
        cities = tuple(
            City(
                native=str(c["native"]),
                latin=str(c.get("latin") or _latin(cult.code, str(c["native"]))),
                postcodes=tuple(str(p) for p in c["postcodes"]),
                data=c,
            )
            for c in spec["cities"]
        )
        streets = tuple(
            Street(native=str(s["native"]), latin=str(s["latin"]))
            if isinstance(s, Mapping)
            else Street(native=str(s), latin=_latin(cult.code, str(s)))
            for s in spec["streets"]
        )
        out[code] = Country(
            code=code,
            name=str(spec["name"]),
            culture=cult,
            icao=str(spec["icao"]),
            eu=bool(spec.get("eu", False)),
            currency=str(spec["currency"]),
            passport_std=str(spec.get("romanisation", "passport")),
            data=spec,
            cities=cities,
            streets=streets,
        )
    return out


class Context:
    """Options resolved for generation."""

    def __init__(self, options: ScenarioOptions) -> None:
        options.validate()
        self.options = options
        self.seed = options.seed
        self.variation: Variation = options.variation
        self.agencies: tuple[AgencySpec, ...] = resolve_agencies(options.agencies)
        self.countries = countries()
        self.police: dict[str, list[AgencySpec]] = {}
        self.fius: dict[str, list[AgencySpec]] = {}
        for agency in self.agencies:
            bucket = self.fius if agency.is_fiu else self.police
            bucket.setdefault(agency.country, []).append(agency)
        self.police_list = [a for a in self.agencies if not a.is_fiu]
        #: where people come from: the agencies' countries, and now and then the others
        home = [a.country for a in self.agencies]
        self.home_countries = list(dict.fromkeys(home))
        self.other_countries = [c for c in self.countries if c not in self.home_countries]
        self.epoch: datetime = options.epoch
        self.epoch_date: date = options.epoch.date()
        self.window_start: datetime = options.epoch - timedelta(days=RECORD_WINDOW_DAYS)
        self.scope = ""
        self.persons_in_scope = 0
        self._seq: dict[str, int] = {}

    def begin(self, scope: str) -> None:
        """Start a unit of the world (`00000042`, `thb-1`): truth keys are numbered within it,
        so that a unit's output does not depend on the units before it."""
        self.scope = scope
        self.persons_in_scope = 0
        self._seq = {}

    def next_person_key(self) -> str:
        self.persons_in_scope += 1
        return f"person/{self.scope}.{self.persons_in_scope}"

    def next_key(self, kind: str) -> str:
        n = self._seq.get(kind, 0) + 1
        self._seq[kind] = n
        return f"{kind}/{self.scope}.{n}"

    def agency_script(self, agency: AgencySpec) -> str:
        return self.countries[agency.country].script

    def police_of(self, country: str) -> AgencySpec | None:
        found = self.police.get(country)
        return found[0] if found else None

    def fiu_of(self, country: str) -> AgencySpec | None:
        found = self.fius.get(country)
        return found[0] if found else None
