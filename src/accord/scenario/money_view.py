"""The records agencies write about companies, accounts, ownership, directorships and payments."""

from __future__ import annotations

import random
from typing import Any

from accord.scenario.companies import Account, Company, Payment
from accord.scenario.contact import spaced_iban
from accord.scenario.context import Context
from accord.scenario.options import AgencySpec
from accord.scenario.sink import Sink

__all__ = [
    "declare_account",
    "declare_company",
    "write_account",
    "write_company",
    "write_directorship",
    "write_ownership",
    "write_payment",
]

Env = dict[str, Any]


def declare_company(sink: Sink, c: Company) -> None:
    sink.identity(
        c.key,
        "Company",
        name=c.native,
        latin_name=c.latin,
        jurisdiction=c.country,
        registration=c.registration,
        offshore=c.offshore,
    )


def declare_account(sink: Sink, a: Account) -> None:
    sink.identity(
        a.key,
        "BankAccount",
        iban=a.iban,
        number=a.number,
        country=a.country,
        holder=a.holder,
    )


def write_company(sink: Sink, agency: AgencySpec, c: Company, latin: bool, env: Env) -> str:
    props: dict[str, list[str]] = {
        "name": [c.latin if latin else c.native],
        "jurisdiction": [c.country],
        "registrationNumber": [c.registration],
        "incorporationDate": [c.incorporated.isoformat()],
    }
    if latin and c.latin != c.native:
        props["alias"] = [c.native]
    if c.tax_number:
        props["taxNumber"] = [c.tax_number]
    if c.address is not None:
        props["address"] = [c.address.full_latin if latin else c.address.full_native]
    return sink.emit(agency.code, "Company", props, env, identity=c.key)


def write_account(
    ctx: Context, sink: Sink, rng: random.Random, agency: AgencySpec, a: Account, env: Env
) -> str:
    props: dict[str, list[str]] = {}
    labels: list[str] = []
    if a.iban is not None:
        value = a.iban
        if rng.random() < ctx.variation.identifier_format:
            value = spaced_iban(value)
            labels.append("identifier_format")
        props["iban"] = [value]
    if a.number is not None:
        props["accountNumber"] = [a.number]
    props["bankName"] = [a.bank]
    props["bic"] = [a.bic]
    props["country"] = [a.country]
    props["currency"] = [a.currency]
    return sink.emit(agency.code, "BankAccount", props, env, identity=a.key, variations=labels)


def write_ownership(
    sink: Sink,
    agency: AgencySpec,
    owner: str,
    asset: str,
    env: Env,
    *,
    percentage: str | None = None,
    role: str | None = None,
    start: str | None = None,
) -> str:
    props: dict[str, list[str]] = {"owner": [owner], "asset": [asset]}
    if percentage is not None:
        props["percentage"] = [percentage]
    if role is not None:
        props["role"] = [role]
    if start is not None:
        props["startDate"] = [start]
    return sink.emit(agency.code, "Ownership", props, env)


def write_directorship(
    sink: Sink, agency: AgencySpec, director: str, organization: str, role: str, env: Env
) -> str:
    props = {"director": [director], "organization": [organization], "role": [role]}
    return sink.emit(agency.code, "Directorship", props, env)


def write_payment(
    sink: Sink,
    agency: AgencySpec,
    p: Payment,
    env: Env,
    *,
    payer: str | None,
    payer_account: str | None,
    beneficiary: str | None,
    beneficiary_account: str | None,
    identity: str | None = None,
) -> str:
    props: dict[str, list[str]] = {}
    if payer is not None:
        props["payer"] = [payer]
    if payer_account is not None:
        props["payerAccount"] = [payer_account]
    if beneficiary is not None:
        props["beneficiary"] = [beneficiary]
    if beneficiary_account is not None:
        props["beneficiaryAccount"] = [beneficiary_account]
    props["amount"] = [p.amount]
    props["currency"] = [p.currency]
    props["date"] = [p.day.isoformat()]
    props["purpose"] = [p.purpose]
    return sink.emit(agency.code, "Payment", props, env, identity=identity)
