"""Every route that returns record content leaves a ledger entry naming the records it
returned, in the request that read them.

The routes come from the app itself: a route missing from RECORD_CONTENT and
NO_RECORD_CONTENT below fails `test_every_route_is_classified`, naming it, until it is
classified here — and a route that returns records is walked by a test that calls it over
HTTP and finds one ledger entry naming every record id in its answer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.auth.matrix import route_key
from accord.matching import record_keys
from accord.model import Principal, parse_record
from accord.services.federation import PartnerQuery, federated_search
from accord.services.followup import request_follow_up
from accord.services.followup_owner import decide_follow_up
from accord.services.node import Node
from accord.services.outbox import deliver_due
from accord.services.purpose import parse_purpose
from accord.services.tokens import issue_token
from accord.store.records import insert_records
from tests.api.test_access_matrix import routes
from tests.federation.cluster import Federation, add_person, ledger
from tests.services.notices_factories import red

THB = parse_purpose("investigation", "record-read test", "thb")
SEARCH = {"reference": "record-read test", "crime_area": "thb"}

#: Routes whose answer carries record content (properties), and the walk that proves each.
#: TAXII 2.1 routes of one collection (§5).
_COLLECTION = "/taxii2/{api_root}/collections/{collection_id}"

RECORD_CONTENT = {
    "GET /api/v1/stix/objects/{stix_id}": "test_stix_reads_are_ledgered",
    "GET /api/v1/stix/objects/{stix_id}/correlations": "test_stix_reads_are_ledgered",
    "POST /api/v1/stix/exports": "test_stix_reads_are_ledgered",
    f"GET {_COLLECTION}/objects/": "test_stix_reads_are_ledgered",
    f"GET {_COLLECTION}/objects/{{object_id}}/": "test_stix_reads_are_ledgered",
    "POST /api/v1/graph/neighbourhood": "test_graph_analyses_are_ledgered",
    "POST /api/v1/graph/paths": "test_graph_analyses_are_ledgered",
    "POST /api/v1/graph/communities": "test_graph_analyses_are_ledgered",
    "POST /api/v1/graph/centrality": "test_graph_analyses_are_ledgered",
    "POST /api/v1/graph/money-flow": "test_graph_analyses_are_ledgered",
    "POST /api/v1/graph/rings": "test_graph_analyses_are_ledgered",
    "POST /api/v1/graph/export": "test_graph_analyses_are_ledgered",
    "POST /api/v1/records": "test_create_answer_is_ledgered",
    "GET /api/v1/records": "test_listing_is_ledgered",
    "GET /api/v1/records/{record_id}": "test_read_and_history_are_ledgered",
    "GET /api/v1/records/{record_id}/history": "test_read_and_history_are_ledgered",
    "PATCH /api/v1/records/{record_id}": "test_change_answer_is_ledgered",
    "POST /api/v1/search": "test_search_is_ledgered",
    "POST /api/v1/match": "test_match_is_ledgered",
    "POST /api/v1/federated-search": "test_federated_search_is_ledgered_on_both_sides",
    "POST /api/v1/federated-match": "test_federated_match_is_ledgered_on_both_sides",
    "POST /federation/v1/search": "test_federated_search_is_ledgered_on_both_sides",
    "POST /federation/v1/match": "test_federated_search_is_ledgered_on_both_sides",
    "POST /api/v1/exports": "test_export_is_ledgered",
    "GET /api/v1/follow-ups": "test_follow_up_outcomes_are_ledgered",
    "GET /api/v1/follow-ups/{follow_up_id}": "test_follow_up_outcomes_are_ledgered",
    "GET /api/v1/xref": "test_xref_links_are_ledgered",
    "GET /api/v1/xref/{link_id}": "test_xref_links_are_ledgered",
    "GET /api/v1/alerts": "test_partner_alerts_are_ledgered",
    "POST /api/v1/alerts/{alert_id}/ack": "test_partner_alerts_are_ledgered",
    "POST /api/v1/messages": "test_messages_with_records_are_ledgered",
    "GET /api/v1/messages": "test_messages_with_records_are_ledgered",
    "GET /api/v1/messages/{message_id}": "test_messages_with_records_are_ledgered",
}
#: Routes whose answer carries no record content, and why.
NO_RECORD_CONTENT = {
    "GET /taxii2/": "TAXII discovery: the API roots",
    "GET /taxii2/{api_root}/": "the API root's description",
    "GET /taxii2/{api_root}/collections/": "collections: ids, titles, access",
    f"GET {_COLLECTION}/": "one collection's description",
    f"GET {_COLLECTION}/manifest/": "ids, versions, dates; no content",
    f"GET {_COLLECTION}/objects/{{object_id}}/versions/": "version timestamps only",
    "GET /taxii2/{api_root}/status/{status_id}/": "a status resource: counts and ids",
    f"POST {_COLLECTION}/objects/": "a status resource: counts and ids",
    f"DELETE {_COLLECTION}/objects/{{object_id}}/": "an empty answer; the versions removed are "
    "ledgered as stix_delete",
    "POST /api/v1/stix/bundles": "an import report: ids and outcomes",
    "GET /api/v1/health": "liveness only",
    "GET /openapi.json": "the API description",
    "GET /docs": "the API description",
    "GET /docs/oauth2-redirect": "the API description",
    "GET /redoc": "the API description",
    "GET /": "the workbench's page",
    "GET /assets/{file_name}": "the workbench's scripts and styles",
    "GET /api/v1/codes": "code lists and limits",
    "GET /api/v1/dashboard": "counts and times from the ledger per partner, day and clause",
    "GET /api/v1/audit/verify": "the ledger's verification: counts and the first fault",
    "GET /api/v1/records/{record_id}/disclosures": "ledger facts about a record's disclosures: "
    "recipients, modes, clauses, purposes; never properties",
    "POST /api/v1/policy/simulate": "counts of records per party, kind and mode",
    "GET /api/v1/admin/users": "user names, roles, MFA state",
    "PUT /api/v1/admin/users/{username}/roles": "the user as listed",
    "GET /api/v1/admin/tokens": "token names, roles, scopes",
    "GET /api/v1/admin/partners": "partner nodes' addresses and fingerprints",
    "GET /docs/static/{file_name}": "the API pages' scripts and styles",
    "GET /metrics": "counters: requests, federation calls, outbox and ledger sizes",
    "GET /api/v1/audit/witness": "partners' tree heads: sizes, hashes, signatures",
    "GET /federation/v1/audit/consistency": "hashes of this node's ledger tree",
    "POST /api/v1/auth/login": "tokens",
    "GET /api/v1/auth/me": "the caller's own identity",
    "POST /api/v1/auth/mfa/enrol": "the caller's TOTP secret",
    "POST /api/v1/auth/mfa/verify": "tokens",
    "POST /api/v1/auth/refresh": "tokens",
    "POST /api/v1/auth/logout": "nothing",
    "DELETE /api/v1/records/{record_id}": "204, no body",
    "GET /api/v1/audit/tree-head": "hashes and a signature",
    "GET /api/v1/audit/proof/inclusion": "hashes",
    "GET /api/v1/audit/proof/consistency": "hashes",
    "GET /api/v1/audit/entries": "ledger payloads: ids, queries and decisions, never properties",
    "GET /api/v1/agreements": "agreement metadata",
    "PUT /api/v1/agreements/{file_name}": "the agreement's id",
    "DELETE /api/v1/agreements/{file_name}": "204, no body",
    "POST /api/v1/policy/check": "a decision and its clauses (the record it reads is ledgered)",
    "POST /api/v1/follow-ups": "the request just made; the outcome comes later",
    "POST /api/v1/follow-ups/{follow_up_id}/decision": "the owner's decision; the disclosure "
    "itself is an outbound path (tests/integration/test_outbound_paths.py)",
    "GET /federation/v1/node": "the node's id, agency and public keys",
    "POST /federation/v1/follow-ups": "an acknowledgement",
    "POST /federation/v1/follow-ups/{follow_up_id}/outcome": "an acknowledgement",
    "POST /api/v1/xref/runs": "the run's parameters and counts (the links: GET /api/v1/xref)",
    "POST /api/v1/xref/{link_id}/judgements": "the judgement just made, by link id",
    "POST /api/v1/documents": "the document report just made (ledgered), no record",
    "GET /api/v1/documents/{country}/{doc_type}/{number}": "a document report, its "
    "history and hits (the read is ledgered), no record",
    "POST /api/v1/documents/{country}/{doc_type}/{number}/status": "the report as changed",
    "POST /api/v1/documents/check": "hit or no hit and the action",
    "POST /api/v1/documents/check-batch": "hit or no hit and the action, per item",
    "POST /federation/v1/documents/check": "hit or no hit and the action, per item",
    "POST /api/v1/notices": "a notice: the issuer's own alert about its subject, not a stored "
    "record; every read of notices is ledgered as notice_read",
    "GET /api/v1/notices": "notices (as above), ledgered as notice_read",
    "GET /api/v1/notices/{notice_id}": "a notice (as above), ledgered as notice_read",
    "POST /api/v1/notices/{notice_id}/publish": "the notice (as above)",
    "POST /api/v1/notices/{notice_id}/suspend": "the notice (as above)",
    "POST /api/v1/notices/{notice_id}/cancel": "the notice (as above)",
    "GET /api/v1/events": "alert events: notice and record ids, scores, actions; no properties",
    "POST /federation/v1/notices": "an acknowledgement",
    "POST /federation/v1/notices/{notice_id}/status": "an acknowledgement",
    "POST /federation/v1/alerts": "an acknowledgement",
    "POST /federation/v1/stix/correlations": "an acknowledgement",
    "POST /federation/v1/messages": "a delivery receipt",
    "POST /federation/v1/messages/batch": "delivery receipts and acknowledgements",
    "POST /federation/v1/messages/relayed": "a delivery receipt",
    "POST /federation/v1/relay": "an acknowledgement",
    "POST /federation/v1/relay/receipts": "an acknowledgement",
    "POST /federation/v1/messages/{message_id}/receipts": "an acknowledgement",
    "GET /api/v1/messages/{message_id}/attachments/{sha256}": "a file, not a record; "
    "ledgered as message_read",
    "POST /api/v1/cases": "a case: reference, members, validity",
    "GET /api/v1/cases": "cases (as above)",
    "GET /api/v1/cases/{case_id}": "a case (as above)",
    "POST /api/v1/cases/{case_id}/members": "the case (as above)",
    "DELETE /api/v1/cases/{case_id}/members/{agency}": "the case (as above)",
    "POST /api/v1/cases/{case_id}/posts": "message ids and each record's mode, no properties",
    "POST /api/v1/mla": "an MLA request's form, not a record; every read is ledgered as mla",
    "GET /api/v1/mla": "MLA requests (as above)",
    "GET /api/v1/mla/metrics": "counts, turnarounds and sums",
    "GET /api/v1/mla/{mla_id}": "an MLA request (as above)",
    "POST /api/v1/mla/{mla_id}/send": "the MLA request (as above)",
    "POST /api/v1/mla/{mla_id}/advance": "the MLA request (as above)",
}


def _token(node: Node, name: str) -> str:
    """A token of its own per test: the federation is shared by the session."""
    return issue_token(
        node, f"{name}-{uuid.uuid4().hex[:8]}", ["investigator", "liaison_officer"]
    ).secret


@pytest.fixture
def de(federation: Federation) -> Iterator[tuple[Node, TestClient]]:
    node = federation["DE-BKA"].node
    with TestClient(create_app(node)) as client:
        client.headers["Authorization"] = f"Bearer {_token(node, 'reader')}"
        yield node, client


def _naming(node: Node, before: int, ids: set[str]) -> set[str]:
    """The events of the new ledger entries that each name every id in `ids`."""
    assert ids, "the walk must return records to prove anything"
    new = ledger(node)[before:]
    naming = {
        e["event"] for e in new if all(json.dumps(rid) in json.dumps(e["details"]) for rid in ids)
    }
    assert naming, f"no ledger entry names {sorted(ids)}: {[e['event'] for e in new]}"
    return naming


def _entry_naming(node: Node, before: int, ids: set[str]) -> dict[str, Any]:
    """The one new ledger entry that names every id in `ids`."""
    _naming(node, before, ids)
    new = ledger(node)[before:]
    return next(e for e in new if all(json.dumps(rid) in json.dumps(e["details"]) for rid in ids))


def test_every_route_is_classified(federation: Federation) -> None:
    app = create_app(federation["DE-BKA"].node)
    keys = {route_key(method, path) for method, path in routes(app)}
    unclassified = keys - set(RECORD_CONTENT) - set(NO_RECORD_CONTENT)
    assert not unclassified, (
        f"routes neither walked for ledgered record reads nor said to return none: "
        f"{sorted(unclassified)}"
    )
    assert not set(RECORD_CONTENT) & set(NO_RECORD_CONTENT)
    assert set(RECORD_CONTENT) <= keys, sorted(set(RECORD_CONTENT) - keys)
    assert all(name in globals() for name in RECORD_CONTENT.values())


def _person(rid: str, name: str) -> dict[str, Any]:
    return {"id": rid, "schema": "Person", "properties": {"name": [name]}}


def test_create_answer_is_ledgered(de: tuple[Node, TestClient]) -> None:
    node, client = de
    before = len(ledger(node))
    res = client.post("/api/v1/records", json=_person("rr-create", "Rita Reader"))
    assert res.status_code == 201
    assert _entry_naming(node, before, {res.json()["id"]})["event"] == "record_create"


def test_listing_is_ledgered(de: tuple[Node, TestClient]) -> None:
    node, client = de
    for i in range(3):
        client.post("/api/v1/records", json=_person(f"rr-list-{i}", "Lisa Reader"))
    before = len(ledger(node))
    res = client.get("/api/v1/records", params={"limit": 500})
    assert res.status_code == 200
    entry = _entry_naming(node, before, {r["id"] for r in res.json()})
    assert entry["event"] == "record_read"
    assert len(ledger(node)) == before + 1  # one entry for the whole page


def test_read_and_history_are_ledgered(de: tuple[Node, TestClient]) -> None:
    node, client = de
    client.post("/api/v1/records", json=_person("rr-read", "Rolf Reader"))
    client.patch("/api/v1/records/rr-read", json={"properties": {"notes": ["seen"]}})
    for path in ("/api/v1/records/rr-read", "/api/v1/records/rr-read/history"):
        before = len(ledger(node))
        assert client.get(path).status_code == 200
        assert _entry_naming(node, before, {"rr-read"})["event"] == "record_read"
    client.delete("/api/v1/records/rr-read")
    before = len(ledger(node))
    assert client.get("/api/v1/records/rr-read/history").status_code == 200
    assert _entry_naming(node, before, {"rr-read"})["details"]["withdrawn"] is True


def test_change_answer_is_ledgered(de: tuple[Node, TestClient]) -> None:
    node, client = de
    client.post("/api/v1/records", json=_person("rr-change", "Carl Reader"))
    before = len(ledger(node))
    res = client.patch("/api/v1/records/rr-change", json={"properties": {"notes": ["x"]}})
    assert res.status_code == 200
    assert _entry_naming(node, before, {"rr-change"})["event"] == "record_update"


def test_search_is_ledgered(de: tuple[Node, TestClient]) -> None:
    node, client = de
    client.post("/api/v1/records", json=_person("rr-search", "Sven Searchreader"))
    before = len(ledger(node))
    res = client.post("/api/v1/search", json={"query": "Sven Searchreader", **SEARCH})
    ids = {h["record"]["id"] for h in res.json()["results"]}
    assert _entry_naming(node, before, ids)["event"] == "search"


def test_match_is_ledgered(de: tuple[Node, TestClient]) -> None:
    node, client = de
    client.post("/api/v1/records", json=_person("rr-match", "Mila Matchreader"))
    before = len(ledger(node))
    query = {"schema": "Person", "properties": {"name": ["Mila Matchreader"]}}
    res = client.post("/api/v1/match", json={"queries": {"q": query}, **SEARCH})
    assert res.status_code == 200, res.text
    ids = {r["id"] for r in res.json()["responses"]["q"]["results"]}
    assert ids == {"rr-match"}
    assert _entry_naming(node, before, ids)["event"] == "match"


def test_federated_search_is_ledgered_on_both_sides(
    federation: Federation, de: tuple[Node, TestClient]
) -> None:
    node, client = de
    nl = federation["NL-POLITIE"].node
    add_person(nl, "rr-nl-1", "Femke Fedreader")
    client.post("/api/v1/records", json=_person("rr-de-1", "Femke Fedreader"))
    before, nl_before = len(ledger(node)), len(ledger(nl))
    res = client.post(
        "/api/v1/federated-search",
        json={"query": "Femke Fedreader", "partners": ["nl-politie"], **SEARCH},
    )
    assert res.status_code == 200, res.text
    body = res.json()
    local = {h["record"]["id"] for h in body["local"]}
    received = {i["record"]["id"] for p in body["partners"] for i in p["items"] if i["record"]}
    assert local == {"rr-de-1"} and received == {"rr-nl-1"}
    assert "search" in _naming(node, before, local)
    assert "federation_answer" in _naming(node, before, received)
    assert "disclosure" in _naming(nl, nl_before, received)


def test_federated_match_is_ledgered_on_both_sides(
    federation: Federation, de: tuple[Node, TestClient]
) -> None:
    node, client = de
    nl = federation["NL-POLITIE"].node
    add_person(nl, "rr-nl-fm", "Matthijs Matchreader")
    client.post("/api/v1/records", json=_person("rr-de-fm", "Matthijs Matchreader"))
    before, nl_before = len(ledger(node)), len(ledger(nl))
    query = {"schema": "Person", "properties": {"name": ["Matthijs Matchreader"]}}
    res = client.post(
        "/api/v1/federated-match",
        json={"queries": {"q1": query}, "partners": ["nl-politie"], **SEARCH},
    )
    assert res.status_code == 200, res.text
    body = res.json()
    local = {r["id"] for r in body["local"]["responses"]["q1"]["results"]}
    (partner,) = body["federated"]["q1"]["partners"]
    received = {i["record"]["id"] for i in partner["items"] if i["record"]}
    assert local == {"rr-de-fm"} and received == {"rr-nl-fm"}
    assert "match" in _naming(node, before, local)
    assert "federation_answer" in _naming(node, before, received)
    assert "disclosure" in _naming(nl, nl_before, received)


def test_export_is_ledgered(de: tuple[Node, TestClient]) -> None:
    node, client = de
    add_person(node, "rr-export", "Erik Exportreader")  # with an envelope the DE-NL clause allows
    before = len(ledger(node))
    res = client.post(
        "/api/v1/exports",
        json={"to": "NL-POLITIE", "ids": ["rr-export"], "reference": "x", "crime_area": "thb"},
    )
    assert res.status_code == 200, res.text
    ids = {i["record"]["id"] for i in res.json()["items"] if i.get("record")}
    assert _entry_naming(node, before, ids)["event"] == "disclosure"


def test_graph_analyses_are_ledgered(de: tuple[Node, TestClient]) -> None:
    """Every graph route shows records' captions and ids: each request names them in one
    ledger entry (`graph_analysis`, or `export` for an export)."""
    node, client = de
    add_person(node, "rr-graph-1", "Gerda Graphreader", phone="+4915100000001")
    add_person(node, "rr-graph-2", "Gustav Graphreader", phone="+4915100000001")
    why = {"reference": "x", "crime_area": "thb"}
    pair = {"rr-graph-1", "rr-graph-2"}
    for path, body, event in (
        ("neighbourhood", {"start": "rr-graph-1", "hops": 1}, "graph_analysis"),
        ("paths", {"source": "rr-graph-1", "target": "rr-graph-2"}, "graph_analysis"),
        ("communities", {"min_size": 2, "limit": 1000, "members": 100000}, "graph_analysis"),
        ("centrality", {"measure": "pagerank", "around": "rr-graph-1"}, "graph_analysis"),
        ("money-flow", {"start": "rr-graph-1"}, "graph_analysis"),
        ("rings", {"min_records": 2, "limit": 1000}, "graph_analysis"),
        ("export", {"format": "cytoscape", "around": "rr-graph-1"}, "export"),
    ):
        before = len(ledger(node))
        res = client.post(f"/api/v1/graph/{path}", json={**why, **body})
        assert res.status_code == 200, res.text
        wanted = {"rr-graph-1"} if path == "money-flow" else pair
        assert _entry_naming(node, before, wanted)["event"] == event


def test_follow_up_outcomes_are_ledgered(
    federation: Federation, de: tuple[Node, TestClient], liaison: Principal
) -> None:
    node, client = de
    ua = federation["UA-NPU"].node
    add_person(ua, "rr-ua-1", "Yurii Followreader")
    found = federated_search(
        node, node.operator(), PartnerQuery("Yurii Followreader"), THB, partners=["ua-npu"]
    )
    reference = found.partners[0].items[0]["reference"]["reference"]
    asked = request_follow_up(
        node,
        node.operator(),
        partner="ua-npu",
        reference=reference,
        purpose=THB,
        legal_basis="MoU art. 4",
        justification="record-read test",
    )
    deliver_due(node)
    decide_follow_up(
        ua, liaison, asked.row.follow_up_id, approve=True, conditions=None, reason=None
    )
    deliver_due(ua)
    fid = asked.row.follow_up_id
    for path, params in ((f"/api/v1/follow-ups/{fid}", {}), ("/api/v1/follow-ups", {})):
        before = len(ledger(node))
        res = client.get(path, params=params)
        assert res.status_code == 200, res.text
        answers = res.json() if isinstance(res.json(), list) else [res.json()]
        ids = {
            i["record"]["id"]
            for a in answers
            for i in (a["outcome"] or {}).get("items", [])
            if i.get("record")
        }
        assert "rr-ua-1" in ids
        assert _entry_naming(node, before, ids)["event"] == "record_read"


def test_xref_links_are_ledgered(de: tuple[Node, TestClient]) -> None:
    node, client = de
    born = {"birthDate": ["1984-05-06"]}
    mine = _person("rr-xref-de", "Xenia Xrefreader")
    client.post("/api/v1/records", json={**mine, "properties": {**mine["properties"], **born}})
    theirs = _person("rr-xref-ua", "Xenia Xrefreader")
    received = parse_record(
        {**theirs, "properties": {**theirs["properties"], **born}},
        {"owner": "UA-NPU"},
        now=datetime.now(UTC),
    )
    with node.engine.begin() as conn:
        insert_records(
            conn, [(received, received.caption, record_keys("Person", received.properties))]
        )
    res = client.post("/api/v1/xref/runs", json={"against": "UA-NPU"})
    assert res.status_code == 201, res.text
    before = len(ledger(node))
    res = client.get("/api/v1/xref", params={"agency": "UA-NPU", "limit": 500})
    assert res.status_code == 200, res.text
    links = [link for link in res.json()["links"] if link["left"]["id"] == "rr-xref-de"]
    (link,) = links
    ids = {r["id"] for li in res.json()["links"] for r in (li["left"], li["right"])}
    assert {"rr-xref-de", "rr-xref-ua"} <= ids
    assert _entry_naming(node, before, ids)["event"] == "record_read"
    before = len(ledger(node))
    res = client.get(f"/api/v1/xref/{link['id']}")
    assert res.status_code == 200, res.text
    shown = {res.json()["left"]["record"]["id"], res.json()["right"]["record"]["id"]}
    assert _entry_naming(node, before, shown)["event"] == "record_read"


def test_partner_alerts_are_ledgered(federation: Federation, de: tuple[Node, TestClient]) -> None:
    node, client = de
    nl = federation["NL-POLITIE"].node
    body = red("Rostyslav Readerov", "1979-09-09", distribution={"countries": ["NL"]})
    notice_id = client.post("/api/v1/notices", json=body).json()["notice_id"]
    assert client.post(f"/api/v1/notices/{notice_id}/publish").status_code == 200
    try:
        assert deliver_due(node).delivered == 1
        add_person(nl, "rr-alert-nl", "Rostyslav Readerov", birthDate="1979-09-09")
        assert deliver_due(nl).delivered == 1
        before = len(ledger(node))
        res = client.get("/api/v1/alerts", params={"notice_id": notice_id})
        assert res.status_code == 200, res.text
        (alert,) = res.json()
        assert alert["item"]["record"]["id"] == "rr-alert-nl"
        assert _entry_naming(node, before, {"rr-alert-nl"})["event"] == "record_read"
        before = len(ledger(node))
        res = client.post(f"/api/v1/alerts/{alert['id']}/ack", json={})
        assert res.status_code == 200 and res.json()["item"]["record"]["id"] == "rr-alert-nl"
        assert _entry_naming(node, before, {"rr-alert-nl"})["event"] == "watchlist_alert"
    finally:
        client.post(f"/api/v1/notices/{notice_id}/cancel", json={})
        deliver_due(node)


def test_messages_with_records_are_ledgered(
    federation: Federation, de: tuple[Node, TestClient]
) -> None:
    from datetime import UTC, datetime, timedelta

    from accord.services.outbox import deliver_due

    node, client = de
    nl = federation["NL-POLITIE"].node
    add_person(node, "de-read-msg", "Greta Messagereader")
    res = client.post(
        "/api/v1/messages",
        json={
            "recipient": "NL-POLITIE",
            "subject": "record-read test",
            "body": "a record attached",
            "records": ["de-read-msg"],
            "crime_area": "thb",
        },
    )
    assert res.status_code == 201, res.text
    mid = res.json()["message_id"]
    assert any(
        e["details"]["channel"] == "message" and e["details"]["decisions"][0]["id"] == "de-read-msg"
        for e in ledger(node, "disclosure")
    )
    for _ in range(50):
        deliver_due(node, now=datetime.now(UTC) + timedelta(seconds=5))
        if any(e["details"].get("message_id") == mid for e in ledger(nl, "message")):
            break
    with TestClient(create_app(nl)) as there:
        there.headers["Authorization"] = f"Bearer {_token(nl, 'msg-reader')}"
        shown = there.get(f"/api/v1/messages/{mid}").json()
        assert shown["records"][0]["record"]["id"] == "de-read-msg"
        assert any(m["message_id"] == mid for m in there.get("/api/v1/messages").json())
    reads = [e["details"] for e in ledger(nl, "message_read")]
    assert any(r.get("message_id") == mid for r in reads)
    assert any(mid in r.get("messages", []) for r in reads)


def test_stix_reads_are_ledgered(de: tuple[Node, TestClient]) -> None:
    """Every answer that carries STIX objects names them in a ledger entry: the object API,
    an export, and TAXII's objects, one object and the correlations."""
    from accord.services import taxii
    from tests.stix_bundles import bundle, indicator, ipv4

    node, client = de
    secret = issue_token(node, f"stix-{uuid.uuid4().hex[:8]}", ["analyst", "investigator"]).secret
    auth = {"Authorization": f"Bearer {secret}"}
    seed = uuid.uuid4().hex[:8]
    ind, ip = indicator(f"rr-{seed}"), ipv4("198.51.100.77")
    loaded = client.post("/api/v1/stix/bundles", content=json.dumps(bundle(ind, ip)), headers=auth)
    assert loaded.status_code == 200, loaded.text
    before = len(ledger(node))
    one = client.get(f"/api/v1/stix/objects/{ind['id']}", headers=auth)
    assert one.status_code == 200, one.text
    _naming(node, before, {ind["id"]})
    before = len(ledger(node))
    assert client.get(f"/api/v1/stix/objects/{ind['id']}/correlations", headers=auth).is_success
    _naming(node, before, {ind["id"]})
    before = len(ledger(node))
    exported = client.post("/api/v1/stix/exports", json={"types": ["indicator"]}, headers=auth)
    assert exported.status_code == 200, exported.text
    _naming(node, before, {ind["id"]})
    collection = taxii.create_collection(
        node,
        node.operator(),
        title=f"record-read {seed}",
        purpose="intelligence_analysis",
        crime_area="cybercrime",
        write_roles=("analyst",),
    ).id
    taxii_headers = {**auth, "Accept": "application/taxii+json;version=2.1"}
    root = f"/taxii2/accord/collections/{collection}/objects/"
    posted = client.post(
        root,
        content=json.dumps({"objects": [indicator(f"rr-taxii-{seed}")]}),
        headers={**taxii_headers, "Content-Type": "application/taxii+json;version=2.1"},
    )
    assert posted.status_code == 202, posted.text
    taxii_id = indicator(f"rr-taxii-{seed}")["id"]
    before = len(ledger(node))
    page = client.get(root, headers=taxii_headers)
    assert page.status_code == 200, page.text
    _naming(node, before, {o["id"] for o in page.json()["objects"]})
    before = len(ledger(node))
    assert client.get(f"{root}{taxii_id}/", headers=taxii_headers).status_code == 200
    _naming(node, before, {taxii_id})
