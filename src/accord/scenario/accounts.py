"""Bank accounts and payments as they truly are: plain values that people, companies and the
storylines' books all refer to (a leaf, so that `people` need not import `companies`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["Account", "Payment"]


@dataclass(slots=True)
class Account:
    key: str
    country: str
    iban: str | None
    number: str | None
    bank: str
    bic: str
    currency: str
    holder: str  # truth key of the holder (person or company)


@dataclass(slots=True)
class Payment:
    payer: Account
    beneficiary: Account
    amount: str
    currency: str
    day: date
    purpose: str
