"""A phishing ring: operators in one country, a kit developer in another, look-alike bank and
parcel domains on a few hosting addresses, victims' transfers into mule accounts, proceeds out
through crypto wallets. The same domains, addresses and wallets turn up at several agencies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from accord.scenario import contact
from accord.scenario.casts import CYBER_PERSONS
from accord.scenario.stories.cast import Story, pick_country
from accord.scenario.stories.money import Books
from accord.scenario.views import Seen

__all__ = ["PERSONS", "cyber"]

PERSONS = CYBER_PERSONS
CYBER = ("cybercrime", "fraud")
_BRANDS = {
    "de": ("sparkasse", "volksbank", "dhl", "postbank"),
    "nl": ("ing", "rabobank", "postnl", "abnamro"),
    "ua": ("privat24", "novaposhta", "monobank", "oschadbank"),
}
_WORDS = ("login", "verify", "secure", "support", "konto", "update", "service")
_TLDS = ("com", "net", "info", "top", "online")


def _domains(story: Story, country: str, n: int) -> list[str]:
    brands = _BRANDS.get(country, ("securebank", "parcel", "wallet", "pay"))
    out: list[str] = []
    while len(out) < n:
        name = f"{story.rng.choice(brands)}-{story.rng.choice(_WORDS)}.{story.rng.choice(_TLDS)}"
        if name not in out:
            out.append(name)
    return out


def cyber(story: Story) -> None:
    ctx, rng, sink = story.ctx, story.rng, story.sink
    dest = pick_country(ctx, ["de"])
    origin = pick_country(ctx, ["ua"], exclude=[dest])
    transit = pick_country(ctx, ["nl"], exclude=[dest, origin])
    dev_home = pick_country(ctx, ["cn"], exclude=[dest, origin, transit])
    d, o, t = story.police(dest), story.police(origin), story.police(transit)

    operators = [story.person("operator", origin, male=True, ages=(22, 40)) for _ in range(2)]
    developer = story.person("developer", dev_home, male=True, ages=(24, 40))
    mules = [
        story.person("money mule", transit, ages=(19, 30)),
        story.person("money mule", dest, ages=(19, 30)),
    ]
    victims = [story.person("victim", dest, ages=(55, 80)) for _ in range(3)]
    victims.append(story.person("victim", transit, ages=(55, 80)))

    op_d = [
        story.seen(h, d, "suspect", CYBER, force=("native_script", "transliteration"))
        for h in operators
    ]
    op_o = [story.seen(h, o, "suspect", CYBER) for h in operators]
    story.seen(developer, story.police(dev_home), "suspect", ("cybercrime",))
    dev_d = story.seen(developer, d, "suspect", ("cybercrime",), force=("name_order",))
    dev_o = story.seen(developer, o, "suspect", ("cybercrime",), force=("transliteration",))
    mule_seen = [
        story.seen(mules[0], t, "suspect", ("money_laundering", "fraud")),
        story.seen(mules[1], d, "suspect", ("money_laundering", "fraud")),
        story.seen(mules[0], d, "suspect", ("money_laundering",), force=("typo",)),
        story.seen(mules[1], t, "suspect", ("money_laundering",), force=("dob_day_month_swap",)),
    ]
    vic_seen = [
        story.seen(v, d if i < 3 else t, "victim", ("fraud",)) for i, v in enumerate(victims)
    ]
    story.link(op_d[0], op_d[1], "Associate", "accomplice")
    story.link(op_o[0], op_o[1], "Associate", "accomplice")
    story.link(op_o[0], dev_o, "UnknownLink", "buys phishing kit from")
    for a in op_d:
        story.link(a, dev_d, "UnknownLink", "buys phishing kit from")

    domains = _domains(story, dest, 4)
    ips = [contact.ipv4(rng) for _ in range(3)]
    indicators: dict[str, list[dict[str, str]]] = {v: [] for v in [*domains, *ips]}
    for holder_views in (op_d, op_o):
        for i, domain in enumerate(domains):
            s = holder_views[i % 2]
            if s is None or (holder_views is op_o and i >= 2):
                continue
            owner = operators[i % 2]
            props: dict[str, list[str]] = {
                "name": [domain],
                "service": ["domain registrar"],
                "username": [domain],
                "ipAddress": [ips[i % len(ips)]],
                "owner": [s.person_id],
            }
            if owner.emails:
                props["email"] = [owner.emails[0]]
            env = s.profile.envelope(s.agency, person=False)
            rid = sink.emit(s.agency.code, "UserAccount", props, env)
            ref = {"owner": s.agency.code, "id": rid}
            indicators[domain].append(ref)
            indicators[ips[i % len(ips)]].append(ref)
    if op_d[0] is not None:
        s = op_d[0]
        campaign = {
            "name": ["Phishing campaign against online-banking and parcel customers"],
            "summary": ["Look-alike domains: " + ", ".join(domains)],
            "date": [(ctx.epoch_date - timedelta(days=rng.randrange(30, 200))).isoformat()],
            "ipMentioned": ips,
            "involved": [x.person_id for x in op_d if x is not None],
            "country": [dest],
        }
        rid = sink.emit(
            s.agency.code, "Event", campaign, s.profile.envelope(s.agency, person=False)
        )
        for ip in ips:
            indicators[ip].append({"owner": s.agency.code, "id": rid})
    _wallets(story, operators, [op_d, op_o], developer, dev_d)
    for value, refs in indicators.items():
        if len({r["owner"] for r in refs}) > 1:
            kind = "domain" if value in domains else "ip"
            story.hit("shared_indicator", indicator=kind, value=value, records=refs)
    _payments(story, victims, vic_seen, mules, mule_seen)


def _wallets(
    story: Story,
    operators: list[Any],
    views: list[list[Seen | None]],
    developer: Any,
    dev_d: Seen | None,
) -> None:
    rng, sink = story.rng, story.sink
    wallets = [
        ("BTC", "Bitcoin", contact.bech32_address(rng)),
        ("BTC", "Bitcoin", contact.bech32_address(rng)),
        ("USDT", "Tron", contact.tron_address(rng)),
    ]
    holders = [operators[0], operators[1], developer]
    for (symbol, chain, address), holder in zip(wallets, holders, strict=True):
        key = f"wallet/{address}"
        sink.identity(key, "CryptoWallet", address=address, holder=holder.key)
        story.thing("wallet", key)
        refs = []
        places = [v[holders.index(holder)] for v in views] if holder is not developer else [dev_d]
        for s in places:
            if s is None:
                continue
            props = {
                "publicKey": [address],
                "currency": [symbol],
                "blockchain": [chain],
                "holder": [s.person_id],
            }
            env = s.profile.envelope(s.agency, person=False)
            rid = sink.emit(s.agency.code, "CryptoWallet", props, env, identity=key)
            refs.append({"owner": s.agency.code, "id": rid})
        if len(refs) > 1:
            story.hit("shared_indicator", indicator="wallet", value=address, records=refs)


def _payments(
    story: Story,
    victims: list[Any],
    vic_seen: list[Seen | None],
    mules: list[Any],
    mule_seen: list[Seen | None],
) -> None:
    ctx, rng = story.ctx, story.rng
    case = next((s for s in mule_seen[1:] if s is not None), None)
    if case is None:
        return
    books = Books(story, case.agency, case.profile)
    code = case.agency.code
    mule_ids = [mule_seen[2], mule_seen[1]]
    mule_accounts = [
        books.account(m.residence.code, m.key, s.person_id, "mule account")
        for m, s in zip(mules, mule_ids, strict=True)
        if s is not None
    ]
    if not mule_accounts:
        return
    day = ctx.epoch_date - timedelta(days=90)
    for i, (v, s) in enumerate(zip(victims, vic_seen, strict=True)):
        if s is None or s.agency.code != code:
            continue
        acc = books.account(v.residence.code, v.key, s.person_id, "victim account")
        for _ in range(rng.randrange(1, 4)):
            target = mule_accounts[i % len(mule_accounts)]
            books.pay(
                acc,
                target,
                f"{rng.randrange(800, 4800)}.00",
                day,
                "security verification",
                payer_id=s.person_id,
            )
            day += timedelta(days=rng.randrange(1, 6))
