"""Envelopes: how an agency evaluated and labelled what it holds about one subject.

A `Profile` is drawn once per subject and agency; every record of that view (the person, their
documents, address, vehicle, links) carries the same evaluation, handling code and TLP label,
and only the person record carries the data-subject category.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from accord.scenario.context import Context
from accord.scenario.options import AgencySpec

__all__ = ["Profile", "draw", "pick", "profile"]

CATEGORIES = (
    ("suspect", 35),
    ("convicted", 10),
    ("potential_offender", 5),
    ("contact", 15),
    ("associate", 12),
    ("victim", 12),
    ("witness", 8),
    ("informant", 1),
    ("other", 2),
)
CRIME_AREAS = (
    ("property_crime", 20),
    ("drug_trafficking", 15),
    ("fraud", 15),
    ("cybercrime", 6),
    ("robbery", 6),
    ("motor_vehicle_crime", 6),
    ("migrant_smuggling", 5),
    ("money_laundering", 5),
    ("organised_crime", 4),
    ("document_forgery", 4),
    ("thb", 3),
    ("racketeering_extortion", 3),
    ("firearms_trafficking", 2),
    ("corruption", 2),
    ("homicide", 2),
    ("other", 2),
)
HANDLING = (("H0", 55), ("H1", 20), ("H2", 20), ("H3", 5))
TLP = (("CLEAR", 3), ("GREEN", 20), ("AMBER", 60), ("AMBER+STRICT", 14), ("RED", 3))
RELIABILITY = (("A", 15), ("B", 50), ("C", 15), ("X", 20))
ASSESSMENT = (("1", 15), ("2", 35), ("3", 35), ("4", 15))
CONDITIONS = (
    "Not to be disseminated to private parties; consult the originator before operational use.",
    "Use for intelligence purposes only; no coercive measures without the originator's consent.",
    "Source protection: do not reveal the origin of this information to the subject.",
)


_CUMULATIVE: dict[int, tuple[list[str], list[int]]] = {}


def pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    """A weighted choice from (value, weight) pairs."""
    prepared = _CUMULATIVE.get(id(table))
    if prepared is None:
        values = [v for v, _ in table]
        cumulative = list(itertools.accumulate(w for _, w in table))
        prepared = _CUMULATIVE[id(table)] = (values, cumulative)
    values, cumulative = prepared
    return values[bisect.bisect_right(cumulative, int(rng.random() * cumulative[-1]))]


@dataclass(slots=True)
class Profile:
    category: str | None
    crime_areas: tuple[str, ...]
    handling: str
    tlp: str
    reliability: str
    assessment: str
    created: datetime
    updated: datetime
    conditions: str | None = None
    _person: dict[str, Any] | None = None
    _thing: dict[str, Any] | None = None

    def envelope(self, agency: AgencySpec, *, person: bool) -> dict[str, Any]:
        """The `accord` object of a record in this view (shared, do not mutate)."""
        cached = self._person if person else self._thing
        if cached is not None and cached["owner"] == agency.code:
            return cached
        env: dict[str, Any] = {"owner": agency.code, "handling": self.handling}
        if self.conditions:
            env["handling_conditions"] = self.conditions
        env["tlp"] = self.tlp
        env["reliability"] = self.reliability
        env["assessment"] = self.assessment
        if person and self.category:
            env["subject_category"] = self.category
        env["crime_areas"] = list(self.crime_areas)
        env["legal_basis"] = agency.legal_basis
        env["created_at"] = self.created.isoformat()
        env["updated_at"] = self.updated.isoformat()
        if person:
            self._person = env
        else:
            self._thing = env
        return env


def _moment(ctx: Context, rng: random.Random) -> tuple[datetime, datetime]:
    span = int((ctx.epoch - ctx.window_start).total_seconds())
    created = ctx.window_start + timedelta(seconds=int(rng.random() * span))
    updated = created
    if rng.random() < 0.2:
        rest = int((ctx.epoch - created).total_seconds())
        updated = created + timedelta(seconds=rng.randrange(max(rest, 1)))
    return created, updated


def draw(
    ctx: Context,
    rng: random.Random,
    *,
    category: str | None = None,
    crime_areas: tuple[str, ...] | None = None,
    tlp: str | None = None,
    handling: str | None = None,
    reliability: str | None = None,
    assessment: str | None = None,
) -> Profile:
    """A profile with the given values and the rest drawn from realistic shares."""
    cat = category or pick(rng, CATEGORIES)
    areas = crime_areas
    if areas is None:
        first = pick(rng, CRIME_AREAS)
        areas = (first,)
        if rng.random() < 0.15:
            second = pick(rng, CRIME_AREAS)
            if second != first:
                areas = (first, second)
    hand = handling or ("H3" if cat == "informant" else pick(rng, HANDLING))
    label = tlp or ("RED" if cat == "informant" else pick(rng, TLP))
    created, updated = _moment(ctx, rng)
    return Profile(
        category=cat,
        crime_areas=areas,
        handling=hand,
        tlp=label,
        reliability=reliability or pick(rng, RELIABILITY),
        assessment=assessment or pick(rng, ASSESSMENT),
        created=created,
        updated=updated,
        conditions=rng.choice(CONDITIONS) if hand == "H3" else None,
    )


def profile(ctx: Context, rng: random.Random) -> Profile:
    """A background subject's profile."""
    return draw(ctx, rng)
