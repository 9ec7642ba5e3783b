"""Companies, bank accounts and payments: true entities and the records agencies write of them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from accord.scenario import contact
from accord.scenario import identifiers as ids
from accord.scenario.accounts import Account, Payment
from accord.scenario.context import Context, Country
from accord.scenario.data import load_yaml
from accord.scenario.people import Address, Human, make_address
from accord.scenario.translit import spell

__all__ = [
    "Account",
    "Company",
    "Payment",
    "make_account",
    "make_company",
    "make_offshore",
    "offshore_jurisdictions",
]


@dataclass(slots=True)
class Company:
    key: str
    country: str
    native: str
    latin: str
    registration: str
    incorporated: date
    address: Address | None
    offshore: bool = False
    tax_number: str | None = None


@lru_cache(maxsize=1)
def _offshore() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml("offshore.yaml")
    return data


def offshore_jurisdictions() -> list[str]:
    return list(_offshore()["jurisdictions"])


def _incorporated(ctx: Context, rng: random.Random) -> date:
    return ctx.epoch_date - timedelta(days=rng.randrange(90, 365 * 25))


def make_company(
    ctx: Context, rng: random.Random, country: Country, owner: Human | None
) -> Company:
    """A company registered in `country`, named the way companies there are named."""
    spec = country.data["company"]
    city = rng.choice(country.cities)
    local = owner is not None and owner.country.culture is country.culture
    surname = (
        owner.surname if owner is not None and local else rng.choice(country.culture.surnames)[0]
    )
    code = country.code
    tax: str | None = None
    if code in ("de", "nl"):
        root = surname.native if rng.random() < 0.6 else city.native
        native = f"{root} {rng.choice(spec['sectors'])} {rng.choice(spec['forms'])}"
        latin = native
        reg = (
            f"HRB {rng.randrange(10000, 250000)}"
            if code == "de"
            else ids.from_pattern(rng, [["123456789", 1], ["0123456789", 7]])
        )
    elif code == "ua":
        form, sector = str(rng.choice(spec["forms"])), str(rng.choice(spec["sectors"]))
        native = f"{form} «{surname.native}-{sector}»"
        # Word by word, so that the transliteration cache holds words, not company names.
        t = "uk_national_2010"
        latin = f"{spell(t, form)} «{surname.latin('passport')}-{spell(t, sector)}»"
        reg = ids.ua_edrpou(rng)
    elif code == "gr":
        form, sector = str(rng.choice(spec["forms"])), str(rng.choice(spec["sectors"]))
        native = f"{surname.native} {sector} {form}"
        t = "el_elot743"
        latin = f"{surname.latin('passport')} {spell(t, sector)} {spell(t, form)}"
        reg = ids.from_pattern(rng, [["0123456789", 12]])
        tax = ids.gr_afm(rng)
    elif code in ("eg", "jo"):
        sector = rng.choice(spec["sectors"])
        native = f"شركة {surname.native} {sector['native']}"
        latin = f"{surname.latin(country.passport_std)} {sector['latin']} Co."
        reg = ids.from_pattern(rng, [["123456789", 1], ["0123456789", 5 if code == "eg" else 8]])
    else:
        word, sector = rng.choice(spec["words"]), rng.choice(spec["sectors"])
        native = f"{city.native}{word['native']}{sector['native']}有限公司"
        latin = f"{city.latin} {word['latin']} {sector['latin']} Co., Ltd."
        reg = ids.cn_uscc(rng, str(city.data["ric"]))
    return Company(
        key=ctx.next_key("company"),
        country=code,
        native=native,
        latin=latin,
        registration=reg,
        incorporated=_incorporated(ctx, rng),
        address=make_address(ctx, rng, country),
        tax_number=tax,
    )


def make_offshore(ctx: Context, rng: random.Random, jurisdiction: str | None = None) -> Company:
    """A holding company in an offshore jurisdiction."""
    data = _offshore()
    code = jurisdiction or rng.choice(list(data["jurisdictions"]))
    spec = data["jurisdictions"][code]
    words = data["words"]
    name = (
        f"{rng.choice(words['first'])} {rng.choice(words['second'])} "
        f"{rng.choice(words['kind'])} {rng.choice(spec['suffix'])}"
    )
    reg = str(spec["prefix"]) + ids.from_pattern(rng, spec["number"])
    return Company(
        key=ctx.next_key("company"),
        country=code,
        native=name,
        latin=name,
        registration=reg,
        incorporated=_incorporated(ctx, rng),
        address=None,
        offshore=True,
    )


def make_account(ctx: Context, rng: random.Random, country: str, holder: str) -> Account:
    """An account at a real bank of `country` (a country of the world or an offshore banking
    centre): an IBAN where the country uses them, else a card-style account number."""
    spec = ctx.countries[country].data if country in ctx.countries else None
    currency = ctx.countries[country].currency if spec is not None else "EUR"
    if spec is None:
        spec = _offshore()["banking"][country]
        currency = rng.choice(("EUR", "USD"))
    bank = rng.choice(spec["banks"])
    if "iban" in spec:
        value = contact.iban(rng, country, spec["iban"]["bban"], str(bank["code"]))
        return Account(
            key=f"account/{value}",
            country=country,
            iban=value,
            number=None,
            bank=str(bank["name"]),
            bic=str(bank["bic"]),
            currency=currency,
            holder=holder,
        )
    number = contact.card_account(rng, str(bank["code"]), int(spec["account"]["digits"]))
    return Account(
        key=f"account/{country}/{number}",
        country=country,
        iban=None,
        number=number,
        bank=str(bank["name"]),
        bic=str(bank["bic"]),
        currency=currency,
        holder=holder,
    )


def offshore_banking() -> list[str]:
    return list(_offshore()["banking"])
