"""The labelled storylines: casts, roles, countries, and the hits they promise."""

from __future__ import annotations

from collections import Counter

from accord.scenario import STORIES, STORY_PERSONS, Line, ScenarioOptions, Truth, generate

from .conftest import World


def _story(world: World, key: str) -> dict:
    return next(r for r in world.rows("storyline") if r["key"] == key)


def _records_of(world: World, identity: str) -> list[dict]:
    return next(r for r in world.rows("identity") if r["key"] == identity)["records"]


def test_every_storyline_is_in_the_truth_file(world: World) -> None:
    assert [r["key"] for r in world.rows("storyline")] == [key for key, *_ in STORIES]


def test_storylines_add_exactly_their_cast() -> None:
    events = list(generate(ScenarioOptions(seed=3, persons=STORY_PERSONS)))
    persons = [e for e in events if isinstance(e, Truth) and e.row.get("schema") == "Person"]
    assert len(persons) == STORY_PERSONS
    assert any(isinstance(e, Line) for e in events)


def test_trafficking_spans_three_countries_with_every_role(world: World) -> None:
    story = _story(world, "thb-1")
    roles = Counter(m["role"] for m in story["members"])
    assert set(roles) == {
        "organiser",
        "recruiter",
        "transporter",
        "document forger",
        "money mule",
        "victim",
    }
    assert {"de", "nl", "ua"} <= set(story["countries"])


def test_suspects_appear_at_de_and_at_nl_or_ua_with_visible_variation(world: World) -> None:
    for key in ("thb-1", "cyber-1", "visa-1", "fugitive-1"):
        for member in _story(world, key)["members"]:
            if member["role"] in ("victim", "passport holder", "recruiting agent", "applicant"):
                continue
            refs = _records_of(world, member["identity"])
            owners = {r["owner"] for r in refs}
            assert "DE-BKA" in owners, (key, member)
            assert owners & {"NL-POLITIE", "UA-NPU"}, (key, member)
    organiser = next(m for m in _story(world, "thb-1")["members"] if m["role"] == "organiser")
    de = next(r for r in _records_of(world, organiser["identity"]) if r["owner"] == "DE-BKA")
    assert "transliteration" in de["variations"]


def test_money_hits_describe_structuring_layering_and_an_offshore_chain(world: World) -> None:
    known = world.by_id()
    hits = {h["kind"]: h for h in world.rows("expected_hit") if h.get("storyline") == "thb-1"}
    deposits = [known[(hits["structuring"]["owner"], i)] for i in hits["structuring"]["records"]]
    assert len(deposits) >= 12
    assert all(9000 <= float(d["properties"]["amount"][0]) < 10000 for d in deposits)
    hops = [known[(hits["layering"]["owner"], i)] for i in hits["layering"]["records"]]
    assert all(h["schema"] == "Payment" for h in hops)
    chain = [
        known[(hits["ownership_chain"]["owner"], i)] for i in hits["ownership_chain"]["records"]
    ]
    jurisdictions = set()
    for link in chain:
        asset = known[(hits["ownership_chain"]["owner"], link["properties"]["asset"][0])]
        jurisdictions.update(asset["properties"].get("jurisdiction", []))
    assert {"cy", "vg"} <= jurisdictions


def test_cyber_ring_shares_indicators_across_agencies(world: World) -> None:
    kinds = {
        h["indicator"]
        for h in world.rows("expected_hit")
        if h["kind"] == "shared_indicator" and h["storyline"] == "cyber-1"
    }
    assert kinds == {"domain", "ip", "wallet"}


def test_visa_applications_share_addresses_phones_photos_and_a_sponsor(world: World) -> None:
    hits = [h for h in world.rows("expected_hit") if h["kind"] == "shared_attribute"]
    assert {h["attribute"] for h in hits} == {"address", "phone", "photo", "sponsor"}
    known = world.by_id()
    for hit in hits:
        assert len(hit["records"]) >= 2
        for ref in hit["records"]:
            assert known[(ref["owner"], ref["id"])]["schema"] in ("Event", "Image")


def test_fugitive_is_checked_at_a_border_on_a_passport_reported_stolen(world: World) -> None:
    known = world.by_id()
    impostor = next(h for h in world.rows("expected_hit") if h["kind"] == "impostor")
    check = known[(impostor["record"]["owner"], impostor["record"]["id"])]
    stolen = next(r for r in world.rows("identity") if r["key"] == impostor["document"])
    assert stolen["status"] == "stolen"
    assert stolen["number"] in check["properties"]["passportNumber"]
    holder = next(r for r in world.rows("identity") if r["key"] == impostor["presented_as"])
    assert check["properties"]["lastName"][0].upper() in (
        holder["latin_surname"].upper(),
        holder["surname"].upper(),
    ) or "typo" in next(
        r for r in _records_of(world, impostor["identity"]) if r["id"] == check["id"]
    ).get("variations", [])
    doc_hits = [
        h
        for h in world.rows("expected_hit")
        if h["kind"] == "document_check" and h["check"]["number"] == stolen["number"]
    ]
    assert len(doc_hits) == 1 and doc_hits[0]["owner"] == "DE-BKA"


def test_missing_person_is_reported_at_home_and_found_abroad(world: World) -> None:
    member = _story(world, "missing-1")["members"][0]
    owners = [r["owner"] for r in _records_of(world, member["identity"])]
    assert owners == ["UA-NPU", "NL-POLITIE"]


def test_storylines_adapt_to_a_smaller_federation() -> None:
    options = ScenarioOptions(seed=8, persons=60, agencies=("DE-BKA", "NL-POLITIE", "UA-NPU"))
    stories = [
        e.row for e in generate(options) if isinstance(e, Truth) and e.row["type"] == "storyline"
    ]
    assert len(stories) == len(STORIES)
    assert {"de", "nl", "ua"} <= set(stories[0]["countries"])
