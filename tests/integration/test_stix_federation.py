"""STIX correlation across the federation, over real mutual TLS: a record a partner disclosed
to us (a follow-up's outcome) correlates with a STIX object imported here, and its owner is
alerted on its own node — as the agreements let the object go, with TLP:RED and what the
agreements deny held back — in both ledgers; an alert about a record the owner no longer
holds is refused and the refusal ledgered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.model import EnvelopeDefaults, Principal, PrincipalKind
from accord.services import stix
from accord.services.events import events_after
from accord.services.federation import PartnerQuery, federated_search
from accord.services.followup import get_follow_up, request_follow_up
from accord.services.followup_owner import decide_follow_up
from accord.services.node import Node
from accord.services.outbox import deliver_due
from accord.services.purpose import parse_purpose
from accord.services.records import delete_record
from tests.federation.cluster import Federation, add_person, ledger, three_agencies
from tests.stix_bundles import TLP2_AMBER, TLP2_RED, bundle, indicator, text, tlp2_marking

FRAUD = parse_purpose("investigation", "stix correlation test", "fraud")


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    root: Path = tmp_path_factory.mktemp("stix-federation")
    fast = {"outbox_base_delay": 0.05, "outbox_max_delay": 0.2}
    federation = three_agencies(root, **fast)
    yield federation
    federation.close()


def liaison(agency: str) -> Principal:
    return Principal("liaison", agency, PrincipalKind.USER, frozenset({"liaison_officer"}))


def deliver(node: Node) -> int:
    """Deliver what is due, retrying what a loaded machine timed out, until nothing is left."""
    delivered = 0
    for _ in range(20):
        report = deliver_due(node)
        delivered += report.delivered
        if not report.retried:
            break
    return delivered


def disclosed(fed: Federation, owner: str, entity_id: str, name: str, email: str) -> None:
    """`owner` holds a person with this e-mail address and discloses it to DE-BKA: found by
    a federated search, asked for by a follow-up, approved by the owner's liaison officer."""
    de, held = fed["DE-BKA"].node, fed[owner].node
    add_person(held, entity_id, name, areas=("fraud",), email=email)
    partner = owner.lower()
    result = federated_search(de, de.operator(), PartnerQuery(name), FRAUD, partners=[partner])
    (answer,) = result.partners
    reference = str(answer.items[0]["reference"]["reference"])
    asked = request_follow_up(
        de,
        de.operator(),
        partner=partner,
        reference=reference,
        purpose=FRAUD,
        legal_basis="Directive (EU) 2023/977 art. 4",
        justification="The address appears in a phishing campaign.",
    )
    assert deliver(de) == 1
    fid = asked.row.follow_up_id
    decide_follow_up(held, liaison(owner), fid, approve=True)
    assert deliver(held) == 1
    assert get_follow_up(de, fid).state == "approved"


def import_here(node: Node, *objects: dict[str, Any]) -> stix.ImportReport:
    return stix.import_objects(
        node,
        node.operator(),
        text(bundle(*objects)),
        defaults=EnvelopeDefaults(owner="DE-BKA", crime_areas=("fraud",), handling="H1"),
    )


def steps(node: Node, step: str) -> list[dict[str, Any]]:
    return [
        e["details"] for e in ledger(node, "stix_correlation") if e["details"].get("step") == step
    ]


def test_a_disclosed_record_alerts_its_owner_as_the_agreements_allow(fed: Federation) -> None:
    de, nl, ua = fed["DE-BKA"].node, fed["NL-POLITIE"].node, fed["UA-NPU"].node
    disclosed(fed, "NL-POLITIE", "nl-stix-visser", "Pieter Visser", "p.visser@example.nl")
    disclosed(fed, "UA-NPU", "ua-stix-bondar", "Taras Bondar", "t.bondar@example.ua")
    amber = tlp2_marking(TLP2_AMBER, "amber")
    red = tlp2_marking(TLP2_RED, "red")
    to_nl = indicator(
        "phish-nl", "[email-addr:value = 'P.Visser@example.nl']", markings=[TLP2_AMBER]
    )
    secret = indicator("phish-red", "[email-addr:value = 'p.visser@example.nl']", [TLP2_RED])
    to_ua = indicator("phish-ua", "[email-addr:value = 't.bondar@example.ua']", [TLP2_AMBER])
    report = import_here(de, amber, red, to_nl, secret, to_ua)
    assert report.created == 5 and report.correlated == 3

    alerted = {(d["stix_id"], d["record"]["id"]): d for d in steps(de, "owner_alerted")}
    withheld = {(d["stix_id"], d["record"]["id"]): d for d in steps(de, "owner_withheld")}
    sent = alerted[(to_nl["id"], "nl-stix-visser")]
    assert sent["outcome"] == "sent:full" and sent["partner"] == "nl-politie"
    assert sent["value"] == {"kind": "email", "value": "p.visser@example.nl"}
    assert sent["disclosed_in"].startswith("follow-up ")
    # TLP:RED never leaves; DE-BKA and UA-NPU share no clause for cyber indicators.
    assert (secret["id"], "nl-stix-visser") in withheld
    assert (to_ua["id"], "ua-stix-bondar") in withheld
    assert not any(k[0] in (secret["id"], to_ua["id"]) for k in alerted)
    # Each went through the one policy decision, and the decision is in the ledger.
    decided = [
        e["details"]
        for e in ledger(de, "disclosure")
        if e["details"]["channel"] == "stix_correlation"
    ]
    by_object = {d["decisions"][0]["id"]: d for d in decided}
    assert by_object[to_nl["id"]]["recipient"] == "NL-POLITIE"
    assert by_object[to_nl["id"]]["decisions"][0]["mode"] == "full"
    assert by_object[secret["id"]]["decisions"][0]["mode"] == "deny"
    assert by_object[to_ua["id"]]["recipient"] == "UA-NPU"
    assert by_object[to_ua["id"]]["decisions"][0]["mode"] == "deny"

    assert deliver(de) == 1
    (got,) = [d for d in steps(nl, "received") if d["alert_id"] == sent["alert_id"]]
    assert got["record"] == {"owner": "NL-POLITIE", "id": "nl-stix-visser", "schema": "Person"}
    assert got["mode"] == "full" and got["partner"] == "de-bka"
    assert got["object"] == {"id": to_nl["id"], "type": "indicator", "tlp": "AMBER"}
    (event,) = [
        e
        for e in events_after(nl, "NL-POLITIE", 0)
        if e.kind == "stix_correlation" and e.payload["alert_id"] == sent["alert_id"]
    ]
    assert event.payload["value"] == {"kind": "email", "value": "p.visser@example.nl"}
    assert event.payload["record"]["id"] == "nl-stix-visser"
    assert not steps(ua, "received")
    (done,) = [d for d in steps(de, "delivered") if d["alert_id"] == sent["alert_id"]]
    assert done["partner"] == "nl-politie" and done["signature"]


def test_the_correlations_of_an_object_name_the_disclosed_record(fed: Federation) -> None:
    de = fed["DE-BKA"].node
    disclosed(fed, "NL-POLITIE", "nl-stix-jansen", "Anouk Jansen", "a.jansen@example.nl")
    seen = indicator("seen-jansen", "[email-addr:value = 'a.jansen@example.nl']")
    import_here(de, seen)
    found = stix.correlations(de, de.operator(), seen["id"]).to_dict()
    (value,) = found["values"]
    assert value["kind"] == "email" and not value["records_capped"]
    assert value["records"] == [
        {
            "owner": "NL-POLITIE",
            "id": "nl-stix-jansen",
            "schema": "Person",
            "caption": None,
            "disclosed_by": "nl-politie",
        }
    ]
    read = [e["details"] for e in ledger(de, "stix_read") if e["details"].get("correlations")]
    assert ["NL-POLITIE", "nl-stix-jansen"] in read[-1]["records"]
    deliver(de)


def test_an_alert_about_a_record_its_owner_withdrew_is_refused(fed: Federation) -> None:
    de, nl = fed["DE-BKA"].node, fed["NL-POLITIE"].node
    disclosed(fed, "NL-POLITIE", "nl-stix-bakker", "Sanne Bakker", "s.bakker@example.nl")
    delete_record(nl, nl.operator(), "nl-stix-bakker")
    late = indicator("late-bakker", "[email-addr:value = 's.bakker@example.nl']")
    assert import_here(de, late).correlated == 1
    (sent,) = [d for d in steps(de, "owner_alerted") if d["stix_id"] == late["id"]]
    report = deliver_due(de)
    for _ in range(20):
        if report.failed or not report.retried:
            break
        report = deliver_due(de)
    assert report.failed == 1
    (refused,) = [d for d in steps(de, "refused") if d["alert_id"] == sent["alert_id"]]
    assert refused["partner"] == "nl-politie" and refused["code"] == "not_found"
    assert not [d for d in steps(nl, "received") if d["alert_id"] == sent["alert_id"]]
    # The follow-up's ledger is not touched by an alert's refusal.
    assert not [
        e for e in ledger(de, "follow_up") if e["details"].get("follow_up_id") == sent["alert_id"]
    ]
