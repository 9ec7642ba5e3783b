"""An immigration-fraud ring: a sponsor company in the destination country invites applicants
from several countries; their visa applications share a handful of addresses, telephone
numbers and photographs (one face under several names), and some apply in two countries."""

from __future__ import annotations

from datetime import timedelta

from accord.scenario import contact
from accord.scenario.casts import VISA_PERSONS
from accord.scenario.companies import make_company
from accord.scenario.money_view import declare_company, write_company, write_directorship
from accord.scenario.people import Address, make_address
from accord.scenario.stories.cast import Story, pick_country
from accord.scenario.views import Seen

__all__ = ["PERSONS", "visa"]

PERSONS = VISA_PERSONS
AREAS = ("migrant_smuggling", "document_forgery")
_NATIONALITIES = ("eg", "eg", "eg", "eg", "eg", "cn", "cn", "cn", "ua", "ua")


def visa(story: Story) -> None:
    ctx, rng, sink = story.ctx, story.rng, story.sink
    dest = pick_country(ctx, ["de"])
    second = pick_country(ctx, ["nl"], exclude=[dest])
    home = pick_country(ctx, ["eg", "jo"], exclude=[dest, second])
    d, t, e = story.police(dest), story.police(second), story.police(home)

    facilitator = story.person("facilitator", home, dest, male=True, ages=(35, 60))
    agent = story.person("recruiting agent", home, home, male=True, ages=(30, 60))
    applicants = [story.person("applicant", n, n, ages=(19, 45)) for n in _NATIONALITIES]
    fac_d = story.seen(facilitator, d, "suspect", AREAS, force=("transliteration",))
    fac_e = story.seen(facilitator, e, "suspect", AREAS)
    fac_t = story.seen(facilitator, t, "suspect", AREAS, force=("name_order",))
    agent_e = story.seen(agent, e, "suspect", ("migrant_smuggling",))
    story.link(fac_e, agent_e, "Associate", "business partner")
    for i, a in enumerate(applicants[:5]):
        if i < 2:
            story.seen(a, e, "other", ("migrant_smuggling",))

    sponsor = make_company(ctx, rng, ctx.countries[dest], facilitator)
    declare_company(sink, sponsor)
    story.thing("sponsor company", sponsor.key)
    addresses = [make_address(ctx, rng, ctx.countries[dest]) for _ in range(2)]
    for addr in addresses:
        sink.identity(addr.key, "Address", full=addr.full_native, country=addr.country)
        story.thing("shared address", addr.key)
    phones = [contact.phone(rng, ctx.countries[dest].data["phone"]) for _ in range(2)]
    photos = [rng.randbytes(20).hex() for _ in range(3)]
    shared: dict[tuple[str, str], list[dict[str, str]]] = {}

    for agency, seen_fac, group in ((d, fac_d, applicants), (t, fac_t, applicants[7:])):
        if agency is None:
            continue
        case = story.profile("other", AREAS)
        env = case.envelope(agency, person=False)
        sponsor_id = write_company(sink, agency, sponsor, agency.country != sponsor.country, env)
        if seen_fac is not None:
            write_directorship(
                sink,
                agency,
                seen_fac.person_id,
                sponsor_id,
                "managing director",
                seen_fac.profile.envelope(agency, person=False),
            )
        addr_ids = [
            _address(story, agency.code, agency.country != a.country, a, env) for a in addresses
        ]
        for applicant in group:
            idx = applicants.index(applicant)
            s = story.seen(applicant, agency, "other", ("migrant_smuggling",))
            if s is None:
                continue
            event, image = _application(
                story, s, idx, sponsor_id, addr_ids[idx % 2], phones[idx % 2], photos[idx % 3]
            )
            for attr, value, ref in (
                ("address", addresses[idx % 2].key, event),
                ("phone", phones[idx % 2], event),
                ("photo", photos[idx % 3], image),
                ("sponsor", sponsor.key, event),
            ):
                shared.setdefault((attr, value), []).append(ref)
    for (attr, value), refs in shared.items():
        if len(refs) > 1:
            story.hit("shared_attribute", attribute=attr, value=value, records=refs)


def _address(story: Story, owner: str, latin: bool, a: Address, env: dict[str, object]) -> str:
    props = {
        "full": [a.full_latin if latin else a.full_native],
        "city": [a.city_latin if latin else a.city_native],
        "postalCode": [a.postcode],
        "country": [a.country],
    }
    return story.sink.emit(owner, "Address", props, env, identity=a.key)


def _application(
    story: Story, s: Seen, n: int, sponsor_id: str, address_id: str, phone: str, photo: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The visa application (an Event) and its photograph (an Image); their references."""
    ctx, rng, sink = story.ctx, story.rng, story.sink
    env = s.profile.envelope(s.agency, person=False)
    day = ctx.epoch_date - timedelta(days=rng.randrange(20, 400))
    icao = ctx.countries[s.agency.country].icao.replace("<", "")
    number = f"{icao}-{day.year}-{rng.randrange(10**6):06d}"
    props = {
        "name": [f"Schengen visa application {number}"],
        "summary": ["Uniform visa, type C; purpose: business visit on invitation"],
        "date": [day.isoformat()],
        "involved": [s.person_id],
        "organizer": [sponsor_id],
        "addressEntity": [address_id],
        "phoneMentioned": [phone],
        "country": [s.agency.country],
    }
    event = sink.emit(s.agency.code, "Event", props, env)
    image = sink.emit(
        s.agency.code,
        "Image",
        {
            "fileName": [f"application-photo-{n + 1:02d}.jpg"],
            "mimeType": ["image/jpeg"],
            "contentHash": [photo],
            "pictured": [s.person_id],
        },
        env,
    )
    return {"owner": s.agency.code, "id": event}, {"owner": s.agency.code, "id": image}
