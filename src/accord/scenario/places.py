"""Addresses and vehicles: written natively and in Latin, in each country's layout."""

from __future__ import annotations

import random
from dataclasses import dataclass

from accord.scenario import contact
from accord.scenario.context import Context, Country

__all__ = ["Address", "Vehicle", "make_address", "make_vehicle"]


@dataclass(slots=True)
class Address:
    key: str
    country: str
    street_native: str
    street_latin: str
    number: str
    postcode: str
    city_native: str
    city_latin: str
    full_native: str
    full_latin: str


@dataclass(slots=True)
class Vehicle:
    key: str
    country: str
    plate: str
    model: str
    kind: str


def _nl_postcode(rng: random.Random, prefix: str) -> str:
    while True:
        letters = rng.choice("ABCDEGHJKLMNPRSTVWXZ") + rng.choice("ABCDEGHJKLMNPRSTVWXZ")
        if letters not in ("SA", "SD", "SS"):
            return f"{prefix} {letters}"


def make_address(ctx: Context, rng: random.Random, country: Country) -> Address:
    """A home or business address in `country`, written natively and in Latin."""
    city = rng.choice(country.cities)
    street = rng.choice(country.streets)
    number = str(rng.randrange(1, 180))
    postcode = rng.choice(city.postcodes)
    if country.code == "nl":
        postcode = _nl_postcode(rng, postcode)
    values = {
        "number": number,
        "flat": str(rng.randrange(1, 120)),
        "postcode": postcode,
        "district": str(city.data.get("district", "")),
    }
    template = str(country.data["address"])
    latin_template = str(country.data.get("address_latin", template))
    full_native = template.format(street=street.native, city=city.native, **values)
    if country.code in ("eg", "jo"):
        full_native = full_native.translate(_EASTERN_DIGITS)
    latin_values = dict(values, district=str(city.data.get("district_latin", "")))
    full_latin = latin_template.format(street=street.latin, city=city.latin, **latin_values)
    return Address(
        key=ctx.next_key("address"),
        country=country.code,
        street_native=street.native,
        street_latin=street.latin,
        number=number,
        postcode=postcode,
        city_native=city.native,
        city_latin=city.latin,
        full_native=full_native,
        full_latin=full_latin,
    )


_EASTERN_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def make_vehicle(ctx: Context, rng: random.Random, country: Country) -> Vehicle:
    city = rng.choice(country.cities)
    model = rng.choice(country.data["vehicles"])
    plate = contact.plate(rng, str(country.data["plate"]), city.data)
    kind = (
        "van"
        if any(
            w in model
            for w in (
                "Sprinter",
                "Transit",
                "Crafter",
                "Transporter",
                "Master",
                "Vito",
                "Hiace",
                "H1",
                "Hongguang",
            )
        )
        else "car"
    )
    return Vehicle(
        key=f"vehicle/{country.code}/{plate}",
        country=country.code,
        plate=plate,
        model=model,
        kind=kind,
    )
