"""Every path by which a record can leave a node goes through the one policy decision.

The partner routes of the app and the user routes that send records to another agency are
listed here; a new one fails `test_every_outbound_route_is_walked` until it is walked below.
Each walk runs the real path over mutual TLS with `decide` observed (the real function still
decides) and checks that every record that left was decided for its recipient, that a record
the agreements deny never left, and that the disclosure is in the sender's ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.auth.matrix import ACCESS, route_key
from accord.model import Principal, PrincipalKind, Record
from accord.policy import Decision
from accord.services import disclosure
from accord.services.federation import PartnerQuery, federated_search
from accord.services.followup import get_follow_up, request_follow_up
from accord.services.outbox import deliver_due
from accord.services.purpose import parse_purpose
from accord.services.tokens import issue_token
from tests.api.test_access_matrix import routes
from tests.federation.cluster import Federation, add_person, ledger
from tests.services.notices_factories import red

THB = parse_purpose("investigation", "outbound-path test", "thb")

#: Routes through which records leave the node, and the walk that proves each.
OUTBOUND = {
    "POST /federation/v1/search": "test_partner_search_answers_are_decided",
    "POST /federation/v1/match": "test_partner_search_answers_are_decided",
    "POST /api/v1/follow-ups/{follow_up_id}/decision": "test_approved_follow_ups_are_decided",
    "POST /api/v1/exports": "test_exports_are_decided",
    # A published notice's subject leaves for its partners; a hit on a received notice sends
    # the record that hit to the notice's owner — when the notice is published or received,
    # when it is published again, and when a record is written.
    "POST /api/v1/notices/{notice_id}/publish": "test_notices_and_their_alerts_are_decided",
    "POST /api/v1/records": "test_notices_and_their_alerts_are_decided",
    "POST /federation/v1/notices": "test_notices_and_their_alerts_are_decided",
    "POST /federation/v1/notices/{notice_id}/status": "test_notices_and_their_alerts_are_decided",
    # A hit on a partner's document check tells the partner a document is reported.
    "POST /federation/v1/documents/check": "test_document_check_answers_are_decided",
    # Records attached to a message, or posted to a joint investigation team's case.
    "POST /api/v1/messages": "test_messages_and_case_postings_are_decided",
    "POST /api/v1/cases/{case_id}/posts": "test_messages_and_case_postings_are_decided",
    # A STIX object holding a value of a record a partner disclosed goes to its owner.
    "POST /api/v1/stix/bundles": "test_stix_correlation_alerts_are_decided",
    "POST /taxii2/{api_root}/collections/{collection_id}/objects/": (
        "test_stix_correlation_alerts_are_decided"
    ),
}
#: Partner routes that carry no record out, and why.
NOT_OUTBOUND = {
    "GET /federation/v1/node": "the node's id, agency and public keys only",
    "POST /federation/v1/follow-ups": "stores a partner's request; records leave on approval",
    "POST /federation/v1/follow-ups/{follow_up_id}/outcome": "receives an outcome, sends none",
    "GET /federation/v1/audit/consistency": "hashes of this node's own ledger, no record",
    "POST /federation/v1/alerts": "receives a partner's alert, sends none",
    "POST /federation/v1/stix/correlations": "receives a partner's STIX correlation alert, "
    "sends none",
    "POST /federation/v1/messages": "receives a sealed message; its records left its sender "
    "through the sender's decision",
    "POST /federation/v1/messages/{message_id}/receipts": "a read receipt, no record",
    "POST /federation/v1/messages/batch": "receives sealed messages and read receipts; their "
    "records left their sender through the sender's decision",
    "POST /federation/v1/messages/relayed": "receives a sealed message a hub forwards; its "
    "records left their sender through the sender's decision",
    "POST /federation/v1/relay": "a hub holds a token sealed to a third node and forwards it; "
    "it cannot open it and holds no record of its own in it",
    "POST /federation/v1/relay/receipts": "a hub's report of a delivery, no record",
}


@dataclass
class Observed:
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (to, record id, mode)

    def allowed(self, to: str) -> set[str]:
        return {rid for t, rid, mode in self.calls if t == to and mode != "deny"}

    def denied(self, to: str) -> set[str]:
        return {rid for t, rid, mode in self.calls if t == to and mode == "deny"}


@pytest.fixture
def observed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Observed]:
    seen = Observed()
    real = disclosure.decide

    def watching(
        requester: str, purpose: str, crime_area: str, record: Record, **kw: Any
    ) -> Decision:
        decision = real(requester, purpose, crime_area, record, **kw)
        seen.calls.append((requester, record.id, decision.mode.value))
        return decision

    monkeypatch.setattr(disclosure, "decide", watching)
    yield seen


def test_every_outbound_route_is_walked(federation: Federation) -> None:
    app = create_app(federation["DE-BKA"].node)
    keys = {route_key(method, path) for method, path in routes(app)}
    partner_routes = {k for k in keys if ACCESS.get(k) is not None and ACCESS[k].partners}
    unclassified = partner_routes - set(OUTBOUND) - set(NOT_OUTBOUND)
    assert not unclassified, f"partner routes not walked here: {sorted(unclassified)}"
    assert set(OUTBOUND) <= keys, sorted(set(OUTBOUND) - keys)
    assert all(name in globals() for name in OUTBOUND.values())


def test_partner_search_answers_are_decided(federation: Federation, observed: Observed) -> None:
    de = federation["DE-BKA"].node
    add_person(federation["NL-POLITIE"].node, "nl-out-1", "Bohdan Outbound")
    add_person(federation["NL-POLITIE"].node, "nl-out-2", "Bohdan Outbound", category="informant")
    result = federated_search(de, de.operator(), PartnerQuery("Bohdan Outbound"), THB)
    (nl,) = [p for p in result.partners if p.agency == "NL-POLITIE"]
    sent = {i["record"]["id"] for i in nl.items if i.get("record")}
    assert sent == {"nl-out-1"}
    assert sent <= observed.allowed("DE-BKA")
    assert "nl-out-2" in observed.denied("DE-BKA")  # decided, and denied: it never left
    disclosed = ledger(federation["NL-POLITIE"].node, "disclosure")
    assert disclosed[-1]["details"]["channel"] == "federated_search"


def test_approved_follow_ups_are_decided(
    federation: Federation, observed: Observed, liaison: Principal
) -> None:
    de, ua = federation["DE-BKA"].node, federation["UA-NPU"].node
    add_person(ua, "ua-out-1", "Mykola Outbound")
    found = federated_search(
        de, de.operator(), PartnerQuery("Mykola Outbound"), THB, partners=["ua-npu"]
    )
    reference = found.partners[0].items[0]["reference"]["reference"]
    asked = request_follow_up(
        de,
        de.operator(),
        partner="ua-npu",
        reference=reference,
        purpose=THB,
        legal_basis="MoU art. 4",
        justification="outbound-path test",
    )
    deliver_due(de)
    observed.calls.clear()
    token = issue_token(ua, "lo-outbound", ["liaison_officer"])
    with TestClient(create_app(ua)) as client:
        res = client.post(
            f"/api/v1/follow-ups/{asked.row.follow_up_id}/decision",
            json={"decision": "approve", "conditions": "H3: outbound-path test"},
            headers={"Authorization": f"Bearer {token.secret}"},
        )
    assert res.status_code == 200, res.text
    assert "ua-out-1" in observed.allowed("DE-BKA")
    deliver_due(ua)
    outcome = get_follow_up(de, asked.row.follow_up_id).outcome() or {}
    assert {i["record"]["id"] for i in outcome.get("items", [])} == {"ua-out-1"}
    assert ledger(ua, "disclosure")[-1]["details"]["channel"] == "follow_up"


def test_exports_are_decided(federation: Federation, observed: Observed) -> None:
    de = federation["DE-BKA"].node
    add_person(de, "de-out-1", "Jan Outbound")
    add_person(de, "de-out-2", "Jan Outbound", category="victim", accord={"tlp": "RED"})
    token = issue_token(de, "exporter", ["investigator"])
    with TestClient(create_app(de)) as client:
        res = client.post(
            "/api/v1/exports",
            json={
                "to": "NL-POLITIE",
                "ids": ["de-out-1", "de-out-2"],
                "reference": "outbound-path test",
                "crime_area": "thb",
            },
            headers={"Authorization": f"Bearer {token.secret}"},
        )
    assert res.status_code == 200, res.text
    sent = {i["record"]["id"] for i in res.json()["items"]}
    assert sent == {"de-out-1"}
    assert sent <= observed.allowed("NL-POLITIE")
    assert "de-out-2" in observed.denied("NL-POLITIE")
    assert ledger(de, "disclosure")[-1]["details"]["channel"] == "export"


def test_notices_and_their_alerts_are_decided(federation: Federation, observed: Observed) -> None:
    de, nl, ua = (federation[a].node for a in ("DE-BKA", "NL-POLITIE", "UA-NPU"))
    # The federation is shared: what other tests left in NL's outbox goes first, so that
    # NL's deliveries below are this notice's alerts alone.
    deliver_due(nl, now=datetime.now(UTC) + timedelta(days=1))
    add_person(nl, "nl-notice-1", "Bohdan Noticed", birthDate="1977-07-17")
    add_person(nl, "nl-notice-inf", "Bohdan Noticed", birthDate="1977-07-17", category="informant")
    token = issue_token(de, "notice-walk", ["investigator"]).secret
    nl_token = issue_token(nl, "notice-walk-nl", ["investigator"]).secret
    with (
        TestClient(create_app(de)) as client,
        TestClient(create_app(nl)) as nl_client,
    ):
        client.headers["Authorization"] = f"Bearer {token}"
        nl_client.headers["Authorization"] = f"Bearer {nl_token}"
        body = red("Bohdan Noticed", "1977-07-17")
        nid = client.post("/api/v1/notices", json=body).json()["notice_id"]
        try:
            assert client.post(f"/api/v1/notices/{nid}/publish").status_code == 200
            # The subject was decided for each partner: NL in full, UA a reference only
            # (which sends nothing).
            modes = {to: mode for to, rid, mode in observed.calls if rid == nid}
            assert modes == {"NL-POLITIE": "full", "UA-NPU": "reference"}
            assert deliver_due(de).delivered == 1
            assert not [n for n in ledger(ua, "notice") if n["details"].get("notice_id") == nid]
            # Received at NL: its records are checked; the suspect's goes to DE as decided,
            # the informant's is denied and never leaves.
            assert "nl-notice-1" in observed.allowed("DE-BKA")
            assert "nl-notice-inf" in observed.denied("DE-BKA")
            # A record written at NL that hits the notice is decided for DE too.
            person = {
                "id": "nl-notice-2",
                "schema": "Person",
                "properties": {"name": ["Bohdan Noticed"], "birthDate": ["1977-07-17"]},
                "accord": {"subject_category": "suspect", "crime_areas": ["thb"]},
            }
            assert nl_client.post("/api/v1/records", json=person).status_code == 201
            assert "nl-notice-2" in observed.allowed("DE-BKA")
            # Suspended, then published again: NL checks its records again.
            client.post(f"/api/v1/notices/{nid}/suspend", json={})
            deliver_due(de)
            add_person(nl, "nl-notice-3", "Bohdan Noticed", birthDate="1977-07-17")
            assert "nl-notice-3" not in {rid for _, rid, _ in observed.calls}
            client.post(f"/api/v1/notices/{nid}/publish")
            deliver_due(de)
            assert "nl-notice-3" in observed.allowed("DE-BKA")
            assert deliver_due(nl).delivered == 3
            received = {
                a["item"]["record"]["id"]
                for a in client.get("/api/v1/alerts", params={"notice_id": nid}).json()
            }
            assert received == {"nl-notice-1", "nl-notice-2", "nl-notice-3"}
            sent = [
                e for e in ledger(nl, "disclosure") if e["details"]["channel"] == "watchlist_alert"
            ]
            assert {d["id"] for e in sent for d in e["details"]["decisions"]} >= received
        finally:
            client.post(f"/api/v1/notices/{nid}/cancel", json={})
            deliver_due(de)
            deliver_due(nl)


def test_document_check_answers_are_decided(federation: Federation, observed: Observed) -> None:
    from accord.services.document_journal import CheckAnswer, NotChecked
    from accord.services.documents import check_documents, parse_check, report_document

    de, nl, ua = (federation[a].node for a in ("DE-BKA", "NL-POLITIE", "UA-NPU"))
    report_document(
        ua,
        ua.operator(),
        number="OUT000001",
        country_code="UKR",
        doc_type="passport",
        status="stolen",
    )
    item = parse_check({"number": "OUT000001", "country": "UKR"})
    (answer,) = check_documents(de, de.operator(), [item], purpose="border_control")
    assert isinstance(answer, CheckAnswer) and answer.hit
    assert "document-UKR-passport-OUT000001" in observed.allowed("DE-BKA")
    assert ledger(ua, "disclosure")[-1]["details"]["channel"] == "document_check"
    # NL-POLITIE's agreement with UA-NPU allows nothing: the probe is denied, nothing leaves.
    (refused,) = check_documents(nl, nl.operator(), [item], purpose="border_control")
    assert isinstance(refused, NotChecked)
    assert observed.denied("NL-POLITIE") and not observed.allowed("NL-POLITIE")


def test_messages_and_case_postings_are_decided(federation: Federation, observed: Observed) -> None:
    from datetime import UTC, datetime, timedelta

    from accord.errors import NotFound
    from accord.services.cases import add_member, create_case, post
    from accord.services.messaging import read_message

    de, nl = federation["DE-BKA"].node, federation["NL-POLITIE"].node
    add_person(de, "de-msg-1", "Emil Outbound")
    add_person(de, "de-msg-2", "Emil Outbound", category="informant")
    token = issue_token(de, "sender", ["investigator"])
    with TestClient(create_app(de)) as client:
        res = client.post(
            "/api/v1/messages",
            json={
                "recipient": "NL-POLITIE",
                "subject": "outbound-path test",
                "body": "records attached",
                "records": ["de-msg-1", "de-msg-2"],
                "crime_area": "thb",
            },
            headers={"Authorization": f"Bearer {token.secret}"},
        )
    assert res.status_code == 201, res.text
    sent = res.json()
    went = {o["id"] for o in sent["record_outcome"] if o["sent"]}
    assert went == {"de-msg-1"} and went <= observed.allowed("NL-POLITIE")
    assert "de-msg-2" in observed.denied("NL-POLITIE")
    case = create_case(de, de.operator(), {"reference": "outbound-path case", "crime_area": "thb"})
    add_member(de, de.operator(), case.row.case_id, "NL-POLITIE")
    posted = post(
        de,
        de.operator(),
        case.row.case_id,
        {"subject": "posting", "body": "to the team", "records": ["de-msg-2"]},
    )
    assert [o["sent"] for o in posted["sent"][0]["records"]] == [False]
    channels = [e["details"]["channel"] for e in ledger(de, "disclosure")]
    assert channels[-2:] == ["message", "case"]
    held = None
    for _ in range(50):  # a loaded machine may need a retry or two within the timeout
        deliver_due(de, now=datetime.now(UTC) + timedelta(seconds=5))
        try:
            held = read_message(nl, nl.operator(), sent["message_id"])
            break
        except NotFound:
            continue
    assert held is not None
    got = held.to_dict()
    assert [i["record"]["id"] for i in got["records"]] == ["de-msg-1"]
    # Reading it queued NL-POLITIE's read receipt: send it, so that no later test of the
    # shared federation finds it in NL-POLITIE's outbox.
    deliver_due(nl, now=datetime.now(UTC) + timedelta(seconds=5))


def test_stix_correlation_alerts_are_decided(federation: Federation, observed: Observed) -> None:
    from accord.services import taxii
    from accord.services.followup_owner import decide_follow_up
    from tests.stix_bundles import bundle, indicator

    de, nl = federation["DE-BKA"].node, federation["NL-POLITIE"].node
    add_person(nl, "nl-out-stix", "Lotte Outbound", email="l.outbound@example.nl")
    found = federated_search(
        de, de.operator(), PartnerQuery("Lotte Outbound"), THB, partners=["nl-politie"]
    )
    asked = request_follow_up(
        de,
        de.operator(),
        partner="nl-politie",
        reference=found.partners[0].items[0]["reference"]["reference"],
        purpose=THB,
        legal_basis="Directive (EU) 2023/977",
        justification="outbound-path test",
    )
    deliver_due(de)
    lo = Principal("lo", "NL-POLITIE", PrincipalKind.USER, frozenset({"liaison_officer"}))
    decide_follow_up(nl, lo, asked.row.follow_up_id, approve=True)
    deliver_due(nl)
    pattern = "[email-addr:value = 'l.outbound@example.nl']"
    by_api, by_taxii = indicator("out-api", pattern), indicator("out-taxii", pattern)
    collection = taxii.create_collection(
        de, de.operator(), title="outbound", purpose="investigation", crime_area="thb"
    )
    token = issue_token(de, "stix-walk", ["investigator"]).secret
    observed.calls.clear()
    with TestClient(create_app(de)) as client:
        res = client.post(
            "/api/v1/stix/bundles",
            params={"crime_area": "thb"},
            content=json.dumps(bundle(by_api)),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert res.status_code == 200, res.text
        assert by_api["id"] in observed.allowed("NL-POLITIE")
        media = "application/taxii+json;version=2.1"
        res = client.post(
            f"/taxii2/accord/collections/{collection.id}/objects/",
            content=json.dumps({"objects": [by_taxii]}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": media, "Accept": media},
        )
        assert res.status_code == 202, res.text
    assert by_taxii["id"] in observed.allowed("NL-POLITIE")
    channels = [e["details"]["channel"] for e in ledger(de, "disclosure")]
    assert channels[-2:] == ["stix_correlation", "stix_correlation"]
    assert deliver_due(de).delivered == 2
