"""Notices across the federation, over real mutual TLS: a published notice reaches the
partners the policy engine lets have its subject (and no one else), suspension, cancellation
and republication follow it, a hit on a received notice alerts the holder and, with what the
policy allows, the notice's owner; every step in both ledgers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.services.alerts import alert_to_dict, list_alerts
from accord.services.events import events_after
from accord.services.node import Node
from accord.services.notices import (
    Notice,
    cancel_notice,
    get_notice,
    list_notices,
    publish_notice,
    suspend_notice,
)
from accord.services.outbox import deliver_due
from tests.federation.cluster import Federation, add_person, ledger, three_agencies
from tests.services.notices_factories import published, red


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    root: Path = tmp_path_factory.mktemp("notices")
    fast = {"outbox_base_delay": 0.05, "outbox_max_delay": 0.2}
    federation = three_agencies(root, **fast)
    yield federation
    federation.close()


def nodes(fed: Federation) -> tuple[Node, Node, Node]:
    return fed["DE-BKA"].node, fed["NL-POLITIE"].node, fed["UA-NPU"].node


def held(node: Node, notice_id: str) -> Notice | None:
    found = [n for n in list_notices(node, node.operator()) if n.row.notice_id == notice_id]
    return found[0] if found else None


def alerts_of(node: Node, notice_id: str) -> list[dict[str, Any]]:
    return [alert_to_dict(a) for a in list_alerts(node, node.operator(), notice_id=notice_id)]


def test_a_published_notice_reaches_the_partners_the_policy_allows(fed: Federation) -> None:
    de, nl, ua = nodes(fed)
    notice = published(de, de.operator(), red("Bohdan Fedirko", "1971-01-21"))
    nid = notice.row.notice_id
    assert [(s[0], s[2]) for s in notice.recipients] == [("nl-politie", "full")]
    (distributed,) = [
        e["details"]
        for e in ledger(de, "notice")
        if e["details"]["step"] == "distributed" and e["details"]["notice_id"] == nid
    ]
    by_partner = {p["partner"]: p for p in distributed["partners"]}
    assert by_partner["nl-politie"]["sent"] and by_partner["nl-politie"]["mode"] == "full"
    # DE-BKA <-> UA-NPU: persons by reference only, so the notice does not go there.
    assert not by_partner["ua-npu"]["sent"] and by_partner["ua-npu"]["mode"] == "reference"
    channels = [
        e["details"] for e in ledger(de, "disclosure") if e["details"]["channel"] == "notice"
    ]
    assert {c["recipient"] for c in channels[-2:]} == {"NL-POLITIE", "UA-NPU"}
    assert deliver_due(de).delivered == 1
    received = held(nl, nid)
    assert received is not None
    data = received.to_dict()
    assert data["status"] == "published" and data["received_from"] == "de-bka"
    assert data["issuing_agency"] == "DE-BKA" and data["type"] == "red"
    assert data["subject"]["properties"]["name"] == ["Bohdan Fedirko"]
    assert data["details"]["arrest_warrant"] == "AG Berlin 12 Gs 345/26"
    assert data["terms"]["clauses"] == ["eu-de-bka-nl-politie@v1/eu-crime-full"]
    assert held(ua, nid) is None
    (got,) = [e for e in ledger(nl, "notice") if e["details"].get("notice_id") == nid]
    assert got["details"]["step"] == "received" and got["actor"] == "node:de-bka@DE-BKA"
    cancel_notice(de, de.operator(), nid)
    assert deliver_due(de).delivered == 1


def test_a_hit_on_a_received_notice_alerts_the_holder_and_the_owner(fed: Federation) -> None:
    de, nl, _ = nodes(fed)
    nid = published(de, de.operator(), red("Dmytro Kravchuk", "1975-05-05")).row.notice_id
    deliver_due(de)
    add_person(nl, "nl-kravchuk", "Dmytro Kravchuk", birthDate="1975-05-05")
    (here,) = alerts_of(nl, nid)
    assert here["holder_agency"] == "NL-POLITIE" and here["notice_agency"] == "DE-BKA"
    assert here["record"]["id"] == "nl-kravchuk" and here["owner_notified"] == "sent:full"
    assert here["action"].startswith("Locate the person")
    assert deliver_due(nl).delivered == 1
    (there,) = alerts_of(de, nid)
    assert there["source"] == "partner" and there["partner"] == "nl-politie"
    assert there["holder_agency"] == "NL-POLITIE"
    assert there["item"]["mode"] == "full"
    assert there["item"]["record"]["id"] == "nl-kravchuk"
    assert there["match"]["features"]  # a record in full: the features travel
    assert any(e.payload.get("alert_id") == there["id"] for e in events_after(de, "DE-BKA", 0))
    sent = [
        e["details"]
        for e in ledger(nl, "disclosure")
        if e["details"]["channel"] == "watchlist_alert"
    ]
    assert sent[-1]["recipient"] == "DE-BKA" and sent[-1]["decisions"][0]["id"] == "nl-kravchuk"
    assert [e["details"]["step"] for e in ledger(de, "watchlist_alert")][-1] == "received"
    cancel_notice(de, de.operator(), nid)
    deliver_due(de)


def test_suspension_republication_and_cancellation_follow_the_notice(fed: Federation) -> None:
    de, nl, _ = nodes(fed)
    who = de.operator()
    nid = published(de, who, red("Yaroslav Hnatyuk", "1983-03-03")).row.notice_id
    deliver_due(de)
    suspend_notice(de, who, nid, "identity under review")
    assert deliver_due(de).delivered == 1
    assert held(nl, nid).status().value == "suspended"  # type: ignore[union-attr]
    add_person(nl, "nl-hnatyuk", "Yaroslav Hnatyuk", birthDate="1983-03-03")
    assert alerts_of(nl, nid) == []  # a suspended notice does not alert
    publish_notice(de, who, nid)
    assert deliver_due(de).delivered == 1
    # Published again at NL: checked against the records NL holds, so the record alerts now.
    assert [a["record"]["id"] for a in alerts_of(nl, nid)] == ["nl-hnatyuk"]
    assert deliver_due(nl).delivered == 1
    cancel_notice(de, who, nid, "arrested")
    assert deliver_due(de).delivered == 1
    at_nl = held(nl, nid)
    assert at_nl is not None
    assert [h["status"] for h in at_nl.to_dict()["history"]] == [
        "published", "suspended", "published", "cancelled",
    ]  # fmt: skip
    assert at_nl.to_dict()["history"][-1]["reason"] == "arrested"
    add_person(nl, "nl-hnatyuk-2", "Yaroslav Hnatyuk", birthDate="1983-03-03")
    assert len(alerts_of(nl, nid)) == 1
    steps = [
        e["details"]["step"] for e in ledger(nl, "notice") if e["details"].get("notice_id") == nid
    ]
    assert steps == ["received", "status_received", "status_received", "status_received"]
    # Only the issuer changes a notice, also where it is held.
    with pytest.raises(Exception) as caught:
        publish_notice(nl, nl.operator(), nid)
    assert getattr(caught.value, "status", None) == 403


def test_a_partner_the_policy_denies_is_sent_nothing(fed: Federation) -> None:
    de, _, ua = nodes(fed)
    notice = published(de, de.operator(), red("Orest Lysenko", "1966-06-06",
                                              distribution={"countries": ["UA"]}))  # fmt: skip
    assert notice.recipients == []
    assert deliver_due(de).delivered == 0
    assert held(ua, notice.row.notice_id) is None
    cancel_notice(de, de.operator(), notice.row.notice_id)
    assert deliver_due(de).delivered == 0


def test_a_hit_the_policy_denies_sends_the_owner_nothing(fed: Federation) -> None:
    de, nl, _ = nodes(fed)
    nid = published(de, de.operator(), red("Kees Verklikker", "1970-07-07")).row.notice_id
    deliver_due(de)
    # An informant's record never leaves NL (the agreement's `informants-never` clause).
    add_person(nl, "nl-verklikker", "Kees Verklikker", category="informant", birthDate="1970-07-07")
    (here,) = alerts_of(nl, nid)
    assert here["owner_notified"] == "withheld"
    assert deliver_due(nl).delivered == 0
    assert alerts_of(de, nid) == []
    assert get_notice(de, de.operator(), nid).to_dict()["status"] == "published"
    cancel_notice(de, de.operator(), nid)
    deliver_due(de)
