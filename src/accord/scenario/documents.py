"""Identity documents a person's country issues them: identity cards and passports with their
ICAO 9303 machine-readable zones (built when first asked for), and the reports of documents
stolen, lost or revoked."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from accord.scenario import identifiers as ids
from accord.scenario.context import City, Context, Country

__all__ = ["REPORT_STATUS", "Document", "Holder", "issue_documents"]

REPORT_STATUS = (("stolen", 0.45), ("lost", 0.45), ("revoked", 0.10))


class Holder(Protocol):
    """What a country needs to know of a person to issue their documents (a `people.Human`)."""

    @property
    def country(self) -> Country: ...
    @property
    def birth_city(self) -> City: ...
    @property
    def birth(self) -> date: ...
    @property
    def male(self) -> bool: ...
    @property
    def id_number(self) -> str | None: ...
    @property
    def documents(self) -> list[Document]: ...
    def latin_given(self) -> str: ...
    def latin_surname(self) -> str: ...
    def mrz_names(self) -> tuple[str, str]: ...


@dataclass(slots=True)
class Document:
    """One identity document as issued, with its status if its country reported it."""

    key: str
    kind: str  # "passport" or "id_card"
    country: str
    number: str
    issued: date
    expires: date
    authority: str
    surname: str
    given: str
    mrz_surname: str
    mrz_given: str
    icao: str
    birth: date
    sex: str
    personal: str = ""
    machine: str | None = None  # "td3" (passport book), "td1" (card) or None (no MRZ)
    status: str | None = None
    reported: date | None = None
    _mrz: tuple[str, ...] | None = None

    @property
    def schema(self) -> str:
        return "Passport" if self.kind == "passport" else "Identification"

    @property
    def mrz(self) -> tuple[str, ...]:
        """The machine-readable zone (ICAO 9303), built when first asked for."""
        if self.machine is None:
            return ()
        if self._mrz is None:
            surname, given = self.mrz_surname, self.mrz_given
            if self.machine == "td3":
                self._mrz = ids.mrz_td3(
                    state=self.icao,
                    surname=surname,
                    given=given,
                    number=self.number,
                    nationality=self.icao,
                    birth=self.birth,
                    sex=self.sex,
                    expiry=self.expires,
                    personal=self.personal,
                )
            else:
                self._mrz = ids.mrz_td1(
                    doc_code="I<" if self.country == "nl" else "ID",
                    state=self.icao,
                    surname=surname,
                    given=given,
                    number=self.number,
                    nationality=self.icao,
                    birth=self.birth,
                    sex=self.sex,
                    expiry=self.expires,
                    optional=self.personal,
                )
        return self._mrz


def _authority(rng: random.Random, country: Country, template: str, city: City) -> str:
    office = str(city.data.get("office", ""))
    return template.format(city=city.native, office=office)


def _report(ctx: Context, rng: random.Random, doc: Document) -> None:
    if rng.random() >= ctx.options.reported_documents:
        return
    roll = rng.random()
    for status, share in REPORT_STATUS:
        roll -= share
        if roll < 0:
            doc.status = status
            break
    else:
        doc.status = REPORT_STATUS[-1][0]
    start = max(doc.issued, ctx.epoch_date - timedelta(days=1500))
    span = max(1, (ctx.epoch_date - start).days)
    doc.reported = start + timedelta(days=rng.randrange(span))


def _personal_number(h: Holder) -> str:
    """What the MRZ's optional field carries: the BSN (NL), the record number УНЗР (UA)."""
    if h.id_number and h.country.code == "nl":
        return h.id_number
    if h.id_number and h.country.code == "ua":
        return h.id_number.replace("-", "")
    return ""


def issue_documents(ctx: Context, rng: random.Random, h: Holder, needs_passport: bool) -> None:
    country = h.country
    spec = country.data
    city = h.birth_city
    surname, given = h.latin_surname(), h.latin_given()
    mrz_surname, mrz_given = h.mrz_names()
    sex = "M" if h.male else "F"
    personal = _personal_number(h)
    card = spec.get("id_card")
    if card:
        years = int(card["years"])
        issued = ctx.epoch_date - timedelta(days=rng.randrange(365 * years - 30))
        number = h.id_number if card.get("national_id_is_number") else None
        doc = Document(
            key="",
            kind="id_card",
            country=country.code,
            number=number or ids.from_pattern(rng, card["pattern"]),
            issued=issued,
            expires=issued + timedelta(days=365 * years - 1),
            authority=_authority(rng, country, str(card["authority"]), city),
            surname=surname,
            given=given,
            mrz_surname=mrz_surname,
            mrz_given=mrz_given,
            icao=country.icao,
            birth=h.birth,
            sex=sex,
            personal=personal,
            machine="td1" if card.get("mrz") else None,
        )
        doc.key = f"document/{country.code}/id/{doc.number}"
        _report(ctx, rng, doc)
        h.documents.append(doc)
    if not needs_passport and rng.random() >= 0.6:
        return
    pspec = spec["passport"]
    years = int(pspec["years"])
    issued = ctx.epoch_date - timedelta(days=rng.randrange(365 * years - 30))
    terms = [(issued - timedelta(days=365 * years), issued - timedelta(days=1))]
    if rng.random() >= 0.25 or terms[0][0] <= h.birth + timedelta(days=365 * 16):
        terms = []
    terms.append((issued, issued + timedelta(days=365 * years - 1)))
    for start, end in terms:
        number = ids.from_pattern(rng, pspec["pattern"])
        doc = Document(
            key=f"document/{country.code}/passport/{number}",
            kind="passport",
            country=country.code,
            number=number,
            issued=start,
            expires=end,
            authority=_authority(rng, country, str(pspec["authority"]), city),
            surname=surname,
            given=given,
            mrz_surname=mrz_surname,
            mrz_given=mrz_given,
            icao=country.icao,
            birth=h.birth,
            sex=sex,
            personal=personal,
            machine="td3",
        )
        _report(ctx, rng, doc)
        h.documents.append(doc)
