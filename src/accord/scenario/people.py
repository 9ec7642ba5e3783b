"""True identities: who a person really is, before any agency writes them down.

A `Human` holds the name tokens in the person's own script, the true birth date, the identity
documents their country issued (with MRZs), phones, e-mail, home address and vehicle. How each
agency records that person is the job of `views`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from accord.scenario import contact
from accord.scenario import identifiers as ids
from accord.scenario.accounts import Account
from accord.scenario.context import City, Context, Country
from accord.scenario.documents import Document, issue_documents
from accord.scenario.names import Token, pinyin_join
from accord.scenario.places import Address, Vehicle, make_address, make_vehicle
from accord.scenario.translit import mrz_name

__all__ = [
    "Address",
    "Document",
    "Human",
    "Vehicle",
    "make_address",
    "make_human",
    "make_vehicle",
]


@dataclass(slots=True)
class Human:
    key: str
    country: Country  # nationality
    residence: Country
    male: bool
    given: tuple[Token, ...]
    surname: Token
    family: tuple[Token, Token]  # the family name as (male form, female form)
    birth: date
    birth_city: City
    father: Token | None = None  # Greek and Arabic father's name; source of Ukrainian patronymic
    grandfather: Token | None = None  # Arabic
    id_number: str | None = None
    tax_number: str | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    address: Address | None = None
    documents: list[Document] = field(default_factory=list)
    vehicle: Vehicle | None = None
    account: Account | None = None  # opened when an agency first records one

    @property
    def culture(self) -> str:
        return self.country.culture.code

    @property
    def patronymic(self) -> Token | None:
        if self.culture != "uk" or self.father is None or self.father.patronymic is None:
            return None
        return self.father.patronymic[0 if self.male else 1]

    def latin_given(self) -> str:
        """Given names as the passport prints them (Arabic: with father's and grandfather's)."""
        std = self.country.passport_std
        parts = [t.latin(std) for t in self.given]
        if self.culture == "ar":
            parts += [t.latin(std) for t in (self.father, self.grandfather) if t is not None]
        return " ".join(parts)

    def latin_surname(self) -> str:
        return self.surname.latin(self.country.passport_std)

    def mrz_names(self) -> tuple[str, str]:
        """Surname and given names in MRZ characters, converted name by name (so that the
        conversion cache holds names, not every combination of them)."""
        std = self.country.passport_std
        surname = mrz_name(self.surname.latin(std))
        if self.culture == "zh":
            # Pinyin is plain ASCII: the MRZ drops the syllable apostrophe (Xi'an -> XIAN).
            return surname, self.given[0].latin(std).replace("'", "").upper()
        given = [*self.given]
        if self.culture == "ar":
            given += [t for t in (self.father, self.grandfather) if t is not None]
        return surname, "<".join(mrz_name(t.latin(std)) for t in given)

    def native_name(self) -> str:
        parts = [t.native for t in self.given]
        if self.culture == "zh":
            return self.surname.native + "".join(parts)
        if self.culture == "ar":
            parts += [t.native for t in (self.father, self.grandfather) if t is not None]
        if self.patronymic is not None:
            parts.append(self.patronymic.native)
        return " ".join([*parts, self.surname.native])

    def passport(self) -> Document | None:
        valid = [d for d in self.documents if d.kind == "passport" and d.expires > d.issued]
        return valid[-1] if valid else None


def _han_given(rng: random.Random, chars: tuple[Token, ...]) -> Token:
    picked = [rng.choice(chars) for _ in range(rng.choice((1, 2, 2)))]
    native = "".join(t.native for t in picked)
    syllables = [t.latin("passport") for t in picked]
    joined = pinyin_join(syllables)
    spaced = " ".join(s.capitalize() for s in syllables)
    hyphen = "-".join(s.capitalize() for s in syllables[:1]) + "".join(
        "-" + s for s in syllables[1:]
    )
    homophones = tuple(
        native[:i] + h + native[i + 1 :] for i, t in enumerate(picked) for h in t.homophones
    )
    variants = tuple(
        dict.fromkeys(v for v in (spaced, hyphen, joined.replace("'", "")) if v != joined)
    )
    return Token(
        native=native, forms={"passport": joined}, variants=variants, homophones=homophones
    )


def _birth(rng: random.Random, ctx: Context, min_age: int, max_age: int) -> date:
    end = ctx.epoch_date - timedelta(days=365 * min_age)
    return end - timedelta(days=rng.randrange(365 * (max_age - min_age)))


def make_human(
    ctx: Context,
    rng: random.Random,
    country: Country,
    residence: Country,
    *,
    male: bool | None = None,
    surname: tuple[Token, Token] | None = None,
    father: Token | None = None,
    grandfather: Token | None = None,
    ages: tuple[int, int] = (20, 75),
    address: Address | None = None,
    passport: bool = False,
) -> Human:
    """A new person of `country` living in `residence` (`passport`: certainly holds one)."""
    cult = country.culture
    is_male = rng.random() < 0.5 if male is None else male
    pool = cult.male if is_male else cult.female
    if cult.code == "zh":
        given: tuple[Token, ...] = (_han_given(rng, pool),)
    elif cult.code in ("de", "nl") and rng.random() < 0.3:
        first = rng.choice(pool)
        second = rng.choice(pool)
        given = (first,) if second is first else (first, second)
    else:
        given = (rng.choice(pool),)
    pair = surname or rng.choice(cult.surnames)
    if cult.code in ("uk", "el", "ar") and father is None:
        father = rng.choice([t for t in cult.male if cult.code != "uk" or t.patronymic])
    if cult.code == "ar" and grandfather is None:
        grandfather = rng.choice(cult.male)
    birth = _birth(rng, ctx, *ages)
    h = Human(
        key=ctx.next_person_key(),
        country=country,
        residence=residence,
        male=is_male,
        given=given,
        surname=pair[0] if is_male else pair[1],
        family=pair,
        birth=birth,
        birth_city=rng.choice(country.cities),
        father=father if cult.code in ("uk", "el", "ar") else None,
        grandfather=grandfather if cult.code == "ar" else None,
    )
    _numbers(ctx, rng, h)
    h.phones.append(contact.phone(rng, residence.data["phone"]))
    if rng.random() < 0.3:
        other = country if country is not residence and rng.random() < 0.6 else residence
        h.phones.append(contact.phone(rng, other.data["phone"]))
    if rng.random() < 0.65:
        h.emails.append(
            contact.email(
                rng, h.latin_given().split(" ")[0], h.latin_surname(), country.data["email"]
            )
        )
    h.address = address or make_address(ctx, rng, residence)
    issue_documents(ctx, rng, h, needs_passport=passport or country is not residence)
    if rng.random() < 0.25 and ages[0] >= 18:
        h.vehicle = make_vehicle(ctx, rng, residence)
    return h


def _numbers(ctx: Context, rng: random.Random, h: Human) -> None:
    code = h.country.code
    if code == "de":
        h.tax_number = ids.de_idnr(rng)
    elif code == "nl":
        h.id_number = ids.nl_bsn(rng)
    elif code == "ua":
        h.id_number = f"{h.birth:%Y%m%d}-{rng.randrange(100000):05d}"
        h.tax_number = ids.ua_rntrc(rng, h.birth, h.male)
    elif code == "gr":
        h.id_number = ids.gr_amka(rng, h.birth, h.male)
    elif code == "eg":
        gov = str(h.birth_city.data.get("governorate", "01"))
        h.id_number = ids.eg_nid(rng, h.birth, h.male, gov)
    elif code == "jo":
        h.id_number = ids.jo_nn(rng, h.birth, h.male)
    elif code == "cn":
        h.id_number = ids.cn_ric(rng, h.birth, h.male, str(h.birth_city.data["ric"]))
