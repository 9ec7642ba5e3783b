"""The background population: households and small businesses, each a closed unit generated
from its own random stream, seen by the agencies of the countries the people live in, come
from, or pass through."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

from accord.scenario.companies import (
    Account,
    Payment,
    make_account,
    make_company,
    make_offshore,
    offshore_banking,
)
from accord.scenario.context import Context, Country
from accord.scenario.money_view import (
    declare_account,
    declare_company,
    write_account,
    write_company,
    write_directorship,
    write_ownership,
    write_payment,
)
from accord.scenario.options import AgencySpec
from accord.scenario.people import Human, make_human
from accord.scenario.profile import Profile, draw, profile
from accord.scenario.sink import Sink
from accord.scenario.views import Seen, declare, person_account, write_person, write_reports

__all__ = ["MAX_UNIT", "business", "household", "observers", "record", "unit"]

_HOUSEHOLD_SIZES = (1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4)
_BUSINESS_SIZES = (1, 1, 1, 2, 2, 3)
#: Share of recorded valid documents listed as document checks that must not hit.
NO_HIT_CONTROLS = 0.05
#: The most persons one unit adds.
MAX_UNIT = max(*_HOUSEHOLD_SIZES, *_BUSINESS_SIZES)


def observers(ctx: Context, rng: random.Random, h: Human) -> list[AgencySpec]:
    """The police agencies that have a record of `h`: likely where they live, less likely where
    they come from, now and then anywhere else; always at least one agency."""
    out: list[AgencySpec] = []
    for agency in ctx.police_list:
        if agency.country == h.residence.code:
            chance = ctx.options.home_coverage
        elif agency.country == h.country.code:
            chance = 0.4
        else:
            chance = ctx.options.cross_border
        if rng.random() < chance:
            out.append(agency)
    if out:
        return out
    fallback = (
        ctx.police_of(h.residence.code)
        or ctx.police_of(h.country.code)
        or (rng.choice(ctx.police_list) if ctx.police_list else None)
        or ctx.fiu_of(h.residence.code)
        or rng.choice(ctx.agencies)
    )
    return [fallback]


def record(
    ctx: Context, sink: Sink, rng: random.Random, h: Human, agencies: list[AgencySpec]
) -> dict[str, Seen]:
    """Declare `h` and write each agency's view of them, then any document reports."""
    declare(sink, h)
    seen: dict[str, Seen] = {}
    for agency in agencies:
        prof = _fiu_profile(ctx, rng) if agency.is_fiu else profile(ctx, rng)
        seen[agency.code] = write_person(ctx, sink, rng, h, agency, prof)
    write_reports(ctx, sink, rng, h, {code: s.person_id for code, s in seen.items()})
    for doc in h.documents:
        # Controls: valid documents some agency holds, whose check must not hit.
        if doc.status is None and sink.known(doc.key) and rng.random() < NO_HIT_CONTROLS:
            sink.truth(
                {
                    "type": "expected_no_hit",
                    "kind": "document_check",
                    "check": {"number": doc.number, "country": doc.country, "document": doc.kind},
                }
            )
    return seen


def _fiu_profile(ctx: Context, rng: random.Random) -> Profile:
    return draw(
        ctx,
        rng,
        category=rng.choice(("suspect", "suspect", "potential_offender", "other")),
        crime_areas=(rng.choice(("money_laundering", "money_laundering", "fraud")),),
        handling="H2",
        tlp=rng.choice(("AMBER", "AMBER", "AMBER+STRICT")),
    )


def _countries(ctx: Context, rng: random.Random) -> tuple[Country, Country]:
    pool = (
        ctx.home_countries if rng.random() < 0.9 or not ctx.other_countries else ctx.other_countries
    )
    nationality = ctx.countries[rng.choice(pool)]
    residence = nationality
    if nationality.code not in ctx.home_countries or rng.random() < 0.2:
        residence = ctx.countries[rng.choice(ctx.home_countries)]
    return nationality, residence


def household(ctx: Context, sink: Sink, rng: random.Random, remaining: int) -> int:
    """One to four people under one roof: a couple, their children, family links."""
    nationality, residence = _countries(ctx, rng)
    size = min(remaining, rng.choice(_HOUSEHOLD_SIZES))
    head = make_human(ctx, rng, nationality, residence, ages=(24, 75))
    members: list[tuple[Human, str]] = [(head, "")]
    father = head if head.male else None
    culture = nationality.culture.code
    if size >= 2:
        takes_name = culture in ("de", "nl", "uk", "el")
        spouse = make_human(
            ctx,
            rng,
            nationality,
            residence,
            male=not head.male,
            surname=head.family if takes_name else None,
            ages=(24, 75),
            address=head.address,
        )
        members.append((spouse, "spouse"))
        father = father or spouse
    for _ in range(size - len(members)):
        parent = father or head
        child = make_human(
            ctx,
            rng,
            nationality,
            residence,
            surname=parent.family,
            father=parent.given[0] if parent.male else None,
            grandfather=parent.father if parent.male else None,
            ages=(1, 17) if rng.random() < 0.7 else (18, 30),
            address=head.address,
        )
        members.append((child, "child"))
    views = [(h, rel, record(ctx, sink, rng, h, observers(ctx, rng, h))) for h, rel in members]
    head_seen = views[0][2]
    for _member, rel, seen in views[1:]:
        for code, mine in seen.items():
            theirs = head_seen.get(code)
            if theirs is not None and rng.random() < 0.7:
                props = {
                    "person": [theirs.person_id],
                    "relative": [mine.person_id],
                    "relationship": [rel],
                }
                env = theirs.profile.envelope(theirs.agency, person=False)
                sink.emit(code, "Family", props, env)
    fiu = ctx.fiu_of(residence.code)
    if fiu is not None and rng.random() < ctx.options.suspicious_activity * 0.2:
        _personal_report(ctx, sink, rng, head, fiu)
    return size


def _personal_report(
    ctx: Context, sink: Sink, rng: random.Random, h: Human, fiu: AgencySpec
) -> None:
    """An FIU report on one person: their account and the transfers that caught the eye."""
    prof = _fiu_profile(ctx, rng)
    seen = write_person(ctx, sink, rng, h, fiu, prof)
    env = prof.envelope(fiu, person=False)
    own = person_account(ctx, sink, rng, h)
    own_id = write_account(ctx, sink, rng, fiu, own, env)
    write_ownership(sink, fiu, seen.person_id, own_id, env, role="account holder")
    for _ in range(rng.randrange(2, 6)):
        other = make_account(ctx, rng, rng.choice(offshore_banking()), f"unknown/{own.key}")
        declare_account(sink, other)
        other_id = write_account(ctx, sink, rng, fiu, other, env)
        pay = Payment(
            payer=other,
            beneficiary=own,
            amount=f"{rng.randrange(2000, 40000)}.00",
            currency=other.currency,
            day=ctx.epoch_date - timedelta(days=rng.randrange(1, 700)),
            purpose=rng.choice(("loan repayment", "gift", "consulting fee", "private transfer")),
        )
        write_payment(
            sink,
            fiu,
            pay,
            env,
            payer=None,
            payer_account=other_id,
            beneficiary=seen.person_id,
            beneficiary_account=own_id,
        )


def business(ctx: Context, sink: Sink, rng: random.Random, remaining: int) -> int:
    """A small company, its directors and owners, perhaps an offshore holding chain, its
    accounts and payments; reported to the country's FIU now and then."""
    nationality, residence = _countries(ctx, rng)
    n = min(remaining, rng.choice(_BUSINESS_SIZES))
    people = [make_human(ctx, rng, nationality, residence, ages=(25, 70)) for _ in range(n)]
    company = make_company(ctx, rng, residence, people[0])
    chain = (
        [make_offshore(ctx, rng) for _ in range(rng.choice((1, 1, 2, 3)))]
        if rng.random() < 0.2
        else []
    )
    declare_company(sink, company)
    for c in chain:
        declare_company(sink, c)
    accounts: list[Account] = [make_account(ctx, rng, residence.code, company.key)]
    accounts += [make_account(ctx, rng, rng.choice(offshore_banking()), c.key) for c in chain]
    for a in accounts:
        declare_account(sink, a)
    views = [record(ctx, sink, rng, h, observers(ctx, rng, h)) for h in people]
    for agency in ctx.police_list:
        holders = [
            (h, v[agency.code]) for h, v in zip(people, views, strict=True) if agency.code in v
        ]
        if holders and rng.random() < 0.3:
            seen = holders[0][1]
            env = seen.profile.envelope(agency, person=False)
            latin = ctx.agency_script(agency) != ctx.countries[company.country].script
            cid = write_company(sink, agency, company, latin, env)
            for _h, s in holders:
                write_directorship(sink, agency, s.person_id, cid, "director", env)
    fiu = ctx.fiu_of(residence.code)
    if fiu is None or rng.random() >= ctx.options.suspicious_activity:
        return n
    prof = _fiu_profile(ctx, rng)
    env = prof.envelope(fiu, person=False)
    person_ids = [write_person(ctx, sink, rng, h, fiu, prof).person_id for h in people]
    cid = write_company(sink, fiu, company, fiu.country != company.country, env)
    write_directorship(sink, fiu, person_ids[0], cid, "managing director", env)
    owners = [cid]
    for c in chain:
        owners.append(write_company(sink, fiu, c, True, env))
    for asset, owner in itertools.pairwise(owners):
        write_ownership(sink, fiu, owner, asset, env, percentage="100")
    ubo = owners[-1]
    for pid in person_ids:
        share = f"{100 // len(person_ids)}"
        write_ownership(sink, fiu, pid, ubo, env, percentage=share)
    acc_ids = [write_account(ctx, sink, rng, fiu, a, env) for a in accounts]
    for owner_id, acc_id in zip(owners, acc_ids, strict=True):
        write_ownership(sink, fiu, owner_id, acc_id, env, role="account holder")
    for _ in range(rng.randrange(1, 6)):
        i, j = rng.sample(range(len(accounts)), 2) if len(accounts) > 1 else (0, 0)
        if i == j:
            break
        pay = Payment(
            payer=accounts[i],
            beneficiary=accounts[j],
            amount=f"{rng.randrange(5000, 250000)}.00",
            currency=accounts[i].currency,
            day=ctx.epoch_date - timedelta(days=rng.randrange(1, 700)),
            purpose=rng.choice(("consulting services", "invoice", "loan", "management fee")),
        )
        write_payment(
            sink,
            fiu,
            pay,
            env,
            payer=owners[i],
            payer_account=acc_ids[i],
            beneficiary=owners[j],
            beneficiary_account=acc_ids[j],
        )
    return n


def unit(ctx: Context, sink: Sink, rng: random.Random, remaining: int) -> int:
    """One unit of the background world; returns the persons it added."""
    if rng.random() < 0.8:
        return household(ctx, sink, rng, remaining)
    return business(ctx, sink, rng, remaining)
