"""A trafficking network across three countries: recruited in the origin country (UA by
default), moved through a transit country (NL), exploited in the destination (DE). Roles:
organiser, recruiters, transporter, document forger, money mules, victims. The money runs
through cash deposits just under the reporting threshold and a shell company owned through
Cyprus and the British Virgin Islands."""

from __future__ import annotations

from datetime import timedelta

from accord.scenario import identifiers as ids
from accord.scenario.casts import THB_PERSONS
from accord.scenario.companies import make_company, make_offshore
from accord.scenario.people import Document, Human, make_vehicle
from accord.scenario.stories.cast import Story, pick_country
from accord.scenario.stories.money import Books
from accord.scenario.views import Seen, write_document, write_report, write_vehicle

__all__ = ["PERSONS", "trafficking"]

PERSONS = THB_PERSONS
THB = ("thb", "organised_crime")
#: Cash transactions from 10,000 euro must be reported (GwG § 10, EU AMLR); deposits stay under.
THRESHOLD = 10_000


def trafficking(story: Story) -> None:
    ctx, rng = story.ctx, story.rng
    dest = pick_country(ctx, ["de"])
    origin = pick_country(ctx, ["ua"], exclude=[dest])
    transit = pick_country(ctx, ["nl"], exclude=[dest, origin])
    d, o, t = story.police(dest), story.police(origin), story.police(transit)

    organiser = story.person("organiser", origin, dest, male=True, ages=(35, 55))
    recruiters = [
        story.person("recruiter", origin, origin, male=True, ages=(25, 45)),
        story.person("recruiter", origin, origin, male=False, ages=(25, 45)),
    ]
    transporter = story.person("transporter", transit, transit, male=True, ages=(30, 55))
    forger = story.person("document forger", origin, origin, male=True, ages=(30, 60))
    mules = [
        story.person("money mule", "gr", dest, ages=(20, 35)),
        story.person("money mule", transit, transit, ages=(20, 35)),
    ]
    victims = [story.person("victim", origin, origin, male=False, ages=(18, 26)) for _ in range(4)]

    org_d = story.seen(
        organiser, d, "suspect", (*THB, "money_laundering"), force=("transliteration",)
    )
    org_o = story.seen(organiser, o, "suspect", THB)
    rec_d = [
        story.seen(recruiters[0], d, "suspect", THB, force=("dob_day_month_swap",)),
        story.seen(recruiters[1], d, "suspect", THB, force=("drop_middle",)),
    ]
    rec_o = [story.seen(r, o, "suspect", THB) for r in recruiters]
    rec_t = story.seen(recruiters[1], t, "suspect", THB, force=("transliteration",))
    tra_t = story.seen(transporter, t, "suspect", ("thb", "migrant_smuggling"))
    tra_d = story.seen(transporter, d, "suspect", ("thb", "migrant_smuggling"), force=("typo",))
    for_o = story.seen(forger, o, "suspect", ("document_forgery", "thb"))
    for_d = story.seen(forger, d, "suspect", ("document_forgery",), force=("native_script",))
    mule_d = [
        story.seen(mules[0], d, "suspect", ("money_laundering",), force=("dob_year_only",)),
        story.seen(mules[1], d, "associate", ("money_laundering",)),
    ]
    mule_t = story.seen(mules[1], t, "suspect", ("money_laundering",))
    mule1_t = story.seen(mules[0], t, "associate", ("money_laundering",), force=("typo",))
    vic_d: list[Seen | None] = []
    for i, v in enumerate(victims):
        vic_d.append(story.seen(v, d, "victim", ("thb",), tlp="AMBER+STRICT", handling="H2"))
        if i < 2:
            story.seen(v, o, "victim", ("thb", "missing_persons"), tlp="GREEN")
        if i == 3:
            story.seen(v, t, "victim", ("thb",), tlp="RED", handling="H2")

    for r_d, r_o in zip(rec_d, rec_o, strict=True):
        story.link(org_d, r_d, "Associate", "recruits for")
        story.link(org_o, r_o, "Associate", "recruits for")
    story.link(org_d, tra_d, "Associate", "transport")
    story.link(org_d, for_d, "Associate", "supplies documents")
    story.link(org_o, for_o, "Associate", "supplies documents")
    for m in mule_d:
        story.link(org_d, m, "UnknownLink", "money courier")
    story.link(tra_t, mule_t, "Associate", "associate")
    story.link(mule_t, mule1_t, "Associate", "associate")
    story.link(tra_t, rec_t, "Associate", "transport")
    for i, victim in enumerate(vic_d):
        story.link(rec_d[i % 2], victim, "UnknownLink", "recruited")
        story.link(tra_d, victim, "UnknownLink", "transported")

    van = make_vehicle(ctx, rng, ctx.countries[transit])
    transporter.vehicle = van
    story.sink.identity(
        van.key, "Vehicle", registration=van.plate, country=van.country, owner=transporter.key
    )
    story.thing("transport van", van.key)
    for seen in (tra_t, tra_d):
        if seen is not None:
            env = seen.profile.envelope(seen.agency, person=False)
            write_vehicle(
                ctx, story.sink, rng, seen.agency, seen.person_id, van, env, transporter.key
            )

    _forged_passports(story, origin, victims[:2], vic_d[:2])
    _money(story, dest, transit, organiser, mules)


def _forged_passports(
    story: Story, origin: str, victims: list[Human], seen: list[Seen | None]
) -> None:
    """Blank passport booklets stolen in the origin country, personalised by the forger with
    the victims' names (valid check digits: forgers compute them) and seized at destination."""
    ctx, rng = story.ctx, story.rng
    country = ctx.countries[origin]
    for v, s in zip(victims, seen, strict=True):
        number = ids.from_pattern(rng, country.data["passport"]["pattern"])
        issued = ctx.epoch_date - timedelta(days=rng.randrange(60, 400))
        office = rng.choice(country.cities)
        authority = str(country.data["passport"]["authority"]).format(
            city=office.native, office=office.data.get("office", "")
        )
        doc = Document(
            key=f"document/{origin}/passport/{number}",
            kind="passport",
            country=origin,
            number=number,
            issued=issued,
            expires=issued + timedelta(days=3650),
            authority=authority,
            surname=v.latin_surname(),
            given=v.latin_given(),
            mrz_surname=v.mrz_names()[0],
            mrz_given=v.mrz_names()[1],
            icao=country.icao,
            birth=v.birth,
            sex="F",
            machine="td3",
            status="stolen",
            reported=issued - timedelta(days=rng.randrange(30, 300)),
        )
        story.sink.identity(
            doc.key,
            "Passport",
            number=number,
            country=origin,
            holder=None,
            status="stolen",
            forged_for=v.key,
        )
        story.thing("forged passport on a stolen blank", doc.key)
        write_report(ctx, story.sink, rng, doc, blank=True)
        if s is not None:
            env = s.profile.envelope(s.agency, person=False)
            write_document(story.sink, s.agency, s.person_id, v, doc, env)


def _money(story: Story, dest: str, transit: str, organiser: Human, mules: list[Human]) -> None:
    ctx, rng = story.ctx, story.rng
    agency = story.fiu(dest) or story.police(dest)
    if agency is None:
        return
    org = story.seen(organiser, agency, "suspect", ("money_laundering", "thb"), handling="H2")
    m_ids = [story.seen(m, agency, "suspect", ("money_laundering",), handling="H2") for m in mules]
    if org is None or any(m is None for m in m_ids):
        return
    books = Books(story, agency, org.profile)
    front = make_company(ctx, rng, ctx.countries[dest], None)
    cy, vg = make_offshore(ctx, rng, "cy"), make_offshore(ctx, rng, "vg")
    front_id = books.company(front, "front company")
    cy_id, vg_id = books.company(cy, "holding company"), books.company(vg, "holding company")
    chain = [
        books.owns(vg_id, cy_id),
        books.owns(cy_id, front_id),
        books.owns(org.person_id, vg_id),
    ]
    mule_ids = [m.person_id for m in m_ids if m is not None]
    acc_front = books.account(dest, front.key, front_id, "company account")
    acc_cy = books.account("cy", cy.key, cy_id, "offshore account")
    acc_vg = books.account("lv", vg.key, vg_id, "offshore account")
    acc_m1 = books.account(dest, mules[0].key, mule_ids[0], "mule account")
    acc_m2 = books.account(transit, mules[1].key, mule_ids[1], "mule account")

    start = ctx.epoch_date - timedelta(days=120)
    deposits, total = [], 0
    for i in range(rng.randrange(12, 18)):
        amount = rng.randrange(9000, 9951, 50)
        total += amount
        day = start + timedelta(days=3 * i + rng.randrange(3))
        deposits.append(
            books.pay(None, acc_m1, f"{amount}.00", day, "cash deposit", beneficiary_id=mule_ids[0])
        )
    story.hit(
        "structuring",
        owner=agency.code,
        records=deposits,
        account=books.id(acc_m1.key),
        threshold=str(THRESHOLD),
        currency="EUR",
    )
    day = start + timedelta(days=60)
    hops = []
    moved = total * 9 // 10
    for payer, ben, pid, bid, purpose in (
        (acc_m1, acc_front, mule_ids[0], front_id, "personnel services"),
        (acc_m2, acc_front, mule_ids[1], front_id, "personnel services"),
        (acc_front, acc_cy, front_id, cy_id, "consulting services"),
        (acc_cy, acc_vg, cy_id, vg_id, "loan"),
    ):
        hops.append(
            books.pay(payer, ben, f"{moved}.00", day, purpose, payer_id=pid, beneficiary_id=bid)
        )
        moved = moved * 97 // 100
        day += timedelta(days=rng.randrange(2, 9))
    story.hit(
        "layering",
        owner=agency.code,
        records=hops,
        path=[books.id(a.key) for a in (acc_m1, acc_front, acc_cy, acc_vg)],
    )
    story.hit(
        "ownership_chain",
        owner=agency.code,
        records=chain,
        company=front_id,
        beneficial_owner=org.person_id,
    )
