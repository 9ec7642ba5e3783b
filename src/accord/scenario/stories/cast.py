"""The machinery storylines share: a cast of people with roles, the agencies that record them,
links between their records, and the storyline's rows in the truth file."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from typing import Any

from accord.scenario.context import Context, Country
from accord.scenario.options import AgencySpec
from accord.scenario.people import Document, Human, make_human
from accord.scenario.profile import Profile, draw
from accord.scenario.rng import stream
from accord.scenario.sink import Sink
from accord.scenario.views import Seen, declare, write_person, write_reports

__all__ = ["Story", "pick_country"]


def pick_country(ctx: Context, preferred: Sequence[str], exclude: Collection[str] = ()) -> str:
    """The first preferred country that has a police agency in this scenario, else any police
    country not excluded, else the first preference (people from there, no agency of it)."""
    for code in preferred:
        if code not in exclude and ctx.police_of(code) is not None:
            return code
    for agency in ctx.police_list:
        if agency.country not in exclude:
            return agency.country
    return next((c for c in preferred if c not in exclude), preferred[0])


class Story:
    """One storyline being written: its cast, their records, and its truth rows."""

    def __init__(self, ctx: Context, sink: Sink, key: str, kind: str, title: str) -> None:
        self.ctx = ctx
        self.sink = sink
        self.key = key
        self.kind = kind
        self.title = title
        self.rng: random.Random = stream(ctx.seed, "story", key)
        self._members: list[dict[str, Any]] = []
        self._objects: list[dict[str, Any]] = []
        self._countries: list[str] = []
        self._seen: dict[str, dict[str, Seen]] = {}
        self._humans: list[Human] = []

    def country(self, code: str) -> Country:
        if code not in self._countries:
            self._countries.append(code)
        return self.ctx.countries[code]

    def police(self, code: str) -> AgencySpec | None:
        return self.ctx.police_of(code)

    def fiu(self, code: str) -> AgencySpec | None:
        return self.ctx.fiu_of(code)

    def person(
        self,
        role: str,
        nationality: str,
        residence: str | None = None,
        *,
        male: bool | None = None,
        ages: tuple[int, int] = (22, 60),
        passport: bool = True,
    ) -> Human:
        """A new cast member with `role`, declared in the truth file."""
        h = make_human(
            self.ctx,
            self.rng,
            self.country(nationality),
            self.country(residence or nationality),
            male=male,
            ages=ages,
            passport=passport,
        )
        declare(self.sink, h)
        self._members.append({"identity": h.key, "role": role})
        self._humans.append(h)
        self._seen[h.key] = {}
        return h

    def profile(
        self,
        category: str,
        areas: tuple[str, ...],
        *,
        tlp: str = "AMBER",
        handling: str = "H0",
        reliability: str = "B",
        assessment: str = "2",
    ) -> Profile:
        return draw(
            self.ctx,
            self.rng,
            category=category,
            crime_areas=areas,
            tlp=tlp,
            handling=handling,
            reliability=reliability,
            assessment=assessment,
        )

    def seen(
        self,
        h: Human,
        agency: AgencySpec | None,
        category: str,
        areas: tuple[str, ...],
        *,
        tlp: str = "AMBER",
        handling: str = "H0",
        force: Collection[str] = (),
        documents: Collection[Document] | None = None,
        shown: Human | None = None,
        reliability: str = "B",
        assessment: str = "2",
    ) -> Seen | None:
        """`agency`'s record of `h` (nothing when the agency is not in the scenario)."""
        if agency is None:
            return None
        prof = self.profile(
            category,
            areas,
            tlp=tlp,
            handling=handling,
            reliability=reliability,
            assessment=assessment,
        )
        s = write_person(
            self.ctx,
            self.sink,
            self.rng,
            h,
            agency,
            prof,
            force=force,
            shown=shown,
            documents=documents,
        )
        self._seen[h.key].setdefault(agency.code, s)
        self.country(agency.country)
        return s

    def link(
        self,
        a: Seen | None,
        b: Seen | None,
        schema: str,
        relationship: str,
    ) -> str | None:
        """An Associate, Family or UnknownLink between two records of the same agency."""
        if a is None or b is None or a.agency.code != b.agency.code:
            return None
        env = a.profile.envelope(a.agency, person=False)
        if schema == "Associate":
            props = {"person": [a.person_id], "associate": [b.person_id]}
            props["relationship"] = [relationship]
        elif schema == "Family":
            props = {"person": [a.person_id], "relative": [b.person_id]}
            props["relationship"] = [relationship]
        else:
            props = {"subject": [a.person_id], "object": [b.person_id], "role": [relationship]}
        return self.sink.emit(a.agency.code, schema, props, env)

    def thing(self, role: str, key: str) -> None:
        """Name an object (document, company, account, wallet…) as part of the storyline."""
        self._objects.append({"identity": key, "role": role})

    def hit(self, kind: str, **fields: Any) -> None:
        """A hit a correct system must find."""
        row: dict[str, Any] = {"type": "expected_hit", "kind": kind, "storyline": self.key}
        row.update(fields)
        self.sink.truth(row)

    def finish(self) -> None:
        """Document reports of the cast, person-match hits and the storyline row."""
        for h in self._humans:
            holders = {code: s.person_id for code, s in self._seen[h.key].items()}
            write_reports(self.ctx, self.sink, self.rng, h, holders)
            if len(holders) > 1:
                self.hit(
                    "person_match",
                    identity=h.key,
                    records=[{"owner": c, "id": i} for c, i in holders.items()],
                )
        self.sink.truth(
            {
                "type": "storyline",
                "key": self.key,
                "kind": self.kind,
                "title": self.title,
                "countries": self._countries,
                "members": self._members,
                "objects": self._objects,
            }
        )
