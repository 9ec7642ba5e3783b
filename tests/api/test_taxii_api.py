"""The TAXII 2.1 server as clients use it: media types, authentication, paging, filters, and
collections that show a partner's client only what its agreements allow."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.services import taxii
from accord.services.agreements import put_agreement
from accord.services.audit import Event
from accord.services.node import Node
from accord.services.tokens import issue_token
from tests.auth.factories import ledger
from tests.stix_bundles import (
    TLP2_AMBER,
    TLP2_AMBER_STRICT,
    TLP2_CLEAR,
    TLP2_RED,
    bundle,
    indicator,
    ipv4,
    opencti_bundle,
)

TAXII = "application/taxii+json;version=2.1"
ROOT = "/taxii2/accord"

AGREEMENT = """
id: cyber-de-nl
version: 1
title: Cyber-fraud indicators between BKA and Politie
instrument: test
parties: [DE-BKA, NL-POLITIE]
valid_from: 2024-01-01
directions:
  - between: [DE-BKA, NL-POLITIE]
    clauses:
      - id: indicators-full
        mode: full
        crime_areas: [cybercrime, fraud]
        purposes: [intelligence_analysis, investigation]
        record_kinds: [cyber_indicators, relations]
        subject_categories: any
        max_handling: H2
        max_tlp: AMBER+STRICT
        onward: with_consent
      - id: persons-reference
        mode: reference
        crime_areas: [cybercrime, fraud]
        purposes: [intelligence_analysis, investigation]
        record_kinds: [persons]
        subject_categories: any
        max_handling: H2
        max_tlp: AMBER
        onward: forbidden
      - id: reports-never
        mode: none
        crime_areas: any
        purposes: any
        record_kinds: [other]
        subject_categories: any
        max_handling: H3
        max_tlp: RED
        onward: forbidden
"""


def _headers(secret: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "Accept": TAXII, **extra}


@pytest.fixture
def app_client(node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(node), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def analyst(node: Node) -> str:
    return issue_token(node, "analyst", ["analyst", "investigator"]).secret


@pytest.fixture
def partner(node: Node) -> str:
    """NL-POLITIE's TAXII client."""
    put_agreement(node, node.operator(), "cyber-de-nl.yaml", AGREEMENT)
    return issue_token(node, "nl-client", ["taxii_client"], acts_for="NL-POLITIE").secret


@pytest.fixture
def collection(node: Node) -> str:
    row = taxii.create_collection(
        node,
        node.operator(),
        title="Fraud indicators",
        purpose="intelligence_analysis",
        crime_area="cybercrime",
        write_roles=("analyst", "taxii_client"),
    )
    return row.id


def _post(client: TestClient, secret: str, collection: str, objects: list[dict[str, Any]]) -> Any:
    response = client.post(
        f"{ROOT}/collections/{collection}/objects/",
        content=json.dumps({"objects": objects}),
        headers=_headers(secret, **{"Content-Type": TAXII}),
    )
    assert response.status_code == 202, response.text
    return response.json()


def test_discovery_and_api_root_answer_in_taxii_media_type(
    app_client: TestClient, analyst: str
) -> None:
    found = app_client.get("/taxii2/", headers=_headers(analyst))
    assert found.status_code == 200
    assert found.headers["content-type"] == TAXII
    assert found.json()["api_roots"] == ["/taxii2/accord/"]
    root = app_client.get(f"{ROOT}/", headers=_headers(analyst)).json()
    assert root["versions"] == [TAXII] and root["max_content_length"] > 0


def test_a_wrong_accept_is_406_and_a_wrong_content_type_415_in_taxii_error_shape(
    app_client: TestClient, analyst: str, collection: str
) -> None:
    refused = app_client.get("/taxii2/", headers=_headers(analyst, Accept="application/xml"))
    assert refused.status_code == 406
    assert refused.headers["content-type"] == TAXII
    assert refused.json()["http_status"] == "406" and refused.json()["title"]
    posted = app_client.post(
        f"{ROOT}/collections/{collection}/objects/",
        content=json.dumps({"objects": []}),
        headers=_headers(analyst, **{"Content-Type": "application/json"}),
    )
    assert posted.status_code == 415 and posted.json()["http_status"] == "415"


def test_basic_authentication_with_the_token_as_password(
    app_client: TestClient, analyst: str
) -> None:
    basic = base64.b64encode(f"anyone:{analyst}".encode()).decode()
    ok = app_client.get("/taxii2/", headers={"Authorization": f"Basic {basic}", "Accept": TAXII})
    assert ok.status_code == 200
    wrong = base64.b64encode(b"anyone:not-a-token").decode()
    refused = app_client.get("/taxii2/", headers={"Authorization": f"Basic {wrong}"})
    assert refused.status_code == 401
    assert refused.json()["http_status"] == "401"
    assert app_client.get("/taxii2/").json()["http_status"] == "401"


def test_objects_are_paged_with_more_and_next_and_date_added_headers(
    app_client: TestClient, analyst: str, collection: str
) -> None:
    objects = [indicator(f"page-{i}", markings=[TLP2_CLEAR]) for i in range(5)]
    status = _post(app_client, analyst, collection, objects)
    assert status["success_count"] == 5 and status["failure_count"] == 0
    seen: list[str] = []
    url = f"{ROOT}/collections/{collection}/objects/?limit=2"
    next_token = None
    while True:
        page = app_client.get(
            url + (f"&next={next_token}" if next_token else ""), headers=_headers(analyst)
        )
        assert page.status_code == 200
        assert "X-TAXII-Date-Added-First" in page.headers
        body = page.json()
        seen.extend(o["id"] for o in body["objects"])
        if not body["more"]:
            break
        next_token = body["next"]
    assert seen == [o["id"] for o in objects]


def test_a_next_token_reused_with_other_filters_and_bad_limits_are_refused(
    app_client: TestClient, analyst: str, collection: str
) -> None:
    _post(app_client, analyst, collection, [indicator(f"n-{i}") for i in range(3)])
    url = f"{ROOT}/collections/{collection}/objects/"
    first = app_client.get(url + "?limit=1", headers=_headers(analyst)).json()
    reused = app_client.get(
        url + f"?limit=1&match[type]=malware&next={first['next']}", headers=_headers(analyst)
    )
    assert reused.status_code == 400
    assert "next" in reused.json()["description"]
    for limit in ("0", "1000000"):
        bad = app_client.get(url + f"?limit={limit}", headers=_headers(analyst))
        assert bad.status_code == 400 and "limit" in bad.json()["description"]


def test_filters_by_id_type_and_version(
    app_client: TestClient, analyst: str, collection: str
) -> None:
    old = indicator("versioned", modified="2026-03-01T10:00:00.000Z")
    new = indicator("versioned", modified="2026-03-05T10:00:00.000Z", name="renamed")
    _post(app_client, analyst, collection, [old, new, ipv4("192.0.2.1")])
    url = f"{ROOT}/collections/{collection}/objects/"
    latest = app_client.get(url + f"?match[id]={old['id']}", headers=_headers(analyst)).json()
    assert [o["modified"] for o in latest["objects"]] == [new["modified"]]
    first = app_client.get(
        url + f"?match[id]={old['id']}&match[version]=first", headers=_headers(analyst)
    ).json()
    assert [o["modified"] for o in first["objects"]] == [old["modified"]]
    every = app_client.get(
        url + f"?match[id]={old['id']}&match[version]=all", headers=_headers(analyst)
    ).json()
    assert len(every["objects"]) == 2
    typed = app_client.get(url + "?match[type]=ipv4-addr", headers=_headers(analyst)).json()
    assert [o["type"] for o in typed["objects"]] == ["ipv4-addr"]
    versions = app_client.get(
        f"{ROOT}/collections/{collection}/objects/{old['id']}/versions/", headers=_headers(analyst)
    ).json()
    assert versions["versions"] == [old["modified"], new["modified"]]
    manifest = app_client.get(
        f"{ROOT}/collections/{collection}/manifest/?match[version]=all", headers=_headers(analyst)
    ).json()
    assert {m["media_type"] for m in manifest["objects"]} == {"application/stix+json;version=2.1"}


def test_the_status_names_each_refused_object_and_the_good_ones_load(
    app_client: TestClient, analyst: str, collection: str
) -> None:
    bad = indicator("bad", pattern="[ipv4-addr:value = ]")
    good = indicator("good")
    status = _post(app_client, analyst, collection, [good, bad])
    assert status["success_count"] == 1 and status["failure_count"] == 1
    assert status["failures"][0]["id"] == bad["id"]
    assert "pattern" in status["failures"][0]["message"]
    again = app_client.get(f"{ROOT}/status/{status['id']}/", headers=_headers(analyst)).json()
    assert again == status


def test_a_partner_sees_only_what_its_agreements_allow_each_read_in_the_ledger(
    node: Node, app_client: TestClient, analyst: str, partner: str, collection: str
) -> None:
    shared = indicator("shared", markings=[TLP2_AMBER])
    strict = indicator("strict", markings=[TLP2_AMBER_STRICT])
    red = indicator("red", markings=[TLP2_RED])
    octi = opencti_bundle()["objects"]  # a person (reference: withheld) and indicators (full)
    report = {
        "type": "report",
        "spec_version": "2.1",
        "id": "report--6c7a0e7e-8c0b-4d6b-8f6e-2b1e7a1c0d11",
        "created": "2026-03-01T10:00:00.000Z",
        "modified": "2026-03-01T10:00:00.000Z",
        "name": "never shared",
        "published": "2026-03-01T10:00:00.000Z",
        "object_refs": [shared["id"]],
    }
    _post(app_client, analyst, collection, [shared, strict, red, report, *octi])
    url = f"{ROOT}/collections/{collection}/objects/?limit=100"
    everything = app_client.get(url, headers=_headers(analyst)).json()["objects"]
    assert red["id"] in {o["id"] for o in everything}
    seen = app_client.get(url, headers=_headers(partner)).json()["objects"]
    ids = {o["id"] for o in seen}
    assert shared["id"] in ids and strict["id"] in ids  # full; AMBER+STRICT to NL itself
    assert red["id"] not in ids  # TLP:RED never leaves
    assert report["id"] not in ids  # mode none
    actor = next(o for o in octi if o["type"] == "threat-actor")
    assert actor["id"] not in ids  # a person: reference only, which STIX cannot carry
    one = app_client.get(
        f"{ROOT}/collections/{collection}/objects/{red['id']}/", headers=_headers(partner)
    )
    assert one.status_code == 404  # as if it were not there
    disclosures = [
        e for e in ledger(node, Event.DISCLOSURE) if e["details"]["recipient"] == "NL-POLITIE"
    ]
    decided = {d["id"]: d["mode"] for e in disclosures for d in e["details"]["decisions"]}
    assert decided[red["id"]] == "deny" and decided[shared["id"]] == "full"


def test_a_collection_a_client_may_not_read_is_403_without_a_hint(
    node: Node, app_client: TestClient, analyst: str, partner: str
) -> None:
    closed = taxii.create_collection(
        node,
        node.operator(),
        title="Internal",
        purpose="investigation",
        crime_area="fraud",
        read_roles=("analyst",),
        write_roles=("analyst",),
    )
    _post(app_client, analyst, closed.id, [indicator("internal")])
    listed = app_client.get(f"{ROOT}/collections/", headers=_headers(partner)).json()
    assert closed.id not in json.dumps(listed)
    refused = app_client.get(f"{ROOT}/collections/{closed.id}/objects/", headers=_headers(partner))
    assert refused.status_code == 403
    assert "indicator" not in refused.text
    missing = app_client.get(f"{ROOT}/collections/no-such/objects/", headers=_headers(partner))
    assert missing.status_code == 404


def test_a_partner_writes_where_the_collection_lets_it_and_owns_what_it_wrote(
    node: Node, app_client: TestClient, partner: str, collection: str
) -> None:
    status = _post(app_client, partner, collection, [indicator("from-nl")])
    assert status["success_count"] == 1
    (entry,) = ledger(node, Event.STIX_IMPORT)
    assert entry["actor"].endswith("@NL-POLITIE")
    assert (
        app_client.get(f"{ROOT}/status/{status['id']}/", headers=_headers(partner)).status_code
        == 200
    )


def test_unknown_types_and_missing_markings_are_named(
    app_client: TestClient, analyst: str, collection: str
) -> None:
    unknown = {
        "type": "fraud-case",
        "spec_version": "2.1",
        "id": "fraud-case--0b7f4b7e-1c1a-4a52-9f0c-1b2d3e4f5a6b",
    }
    marked = indicator(
        "marked", markings=["marking-definition--0b7f4b7e-1c1a-4a52-9f0c-1b2d3e4f5a6b"]
    )
    status = _post(
        app_client, analyst, collection, [unknown, marked, *bundle(ipv4("192.0.2.9"))["objects"]]
    )
    failures = {f["id"]: f["message"] for f in status["failures"]}
    assert "extension definition" in failures[unknown["id"]]
    assert "object_marking_refs[0]" in failures[marked["id"]]
    assert status["success_count"] == 1


def _delete(
    client: TestClient, secret: str, collection: str, object_id: str, query: str = ""
) -> Any:
    return client.delete(
        f"{ROOT}/collections/{collection}/objects/{object_id}/{query}", headers=_headers(secret)
    )


def test_delete_removes_the_versions_asked_for_and_keeps_them_for_auditors(
    node: Node, app_client: TestClient, analyst: str, collection: str
) -> None:
    from sqlalchemy import select

    from accord.store.tables import stix_deleted

    old = indicator("doomed", modified="2026-03-01T10:00:00.000Z")
    new = indicator("doomed", modified="2026-03-05T10:00:00.000Z", name="renamed")
    _post(app_client, analyst, collection, [old, new])
    versions_url = f"{ROOT}/collections/{collection}/objects/{old['id']}/versions/"
    # A spec version it does not have matches nothing: 404, and nothing goes.
    none = _delete(app_client, analyst, collection, old["id"], "?match[spec_version]=2.0")
    assert none.status_code == 404 and none.json()["http_status"] == "404"
    gone = _delete(app_client, analyst, collection, old["id"], f"?match[version]={old['modified']}")
    assert gone.status_code == 200 and gone.content == b""
    left = app_client.get(versions_url, headers=_headers(analyst)).json()
    assert left["versions"] == [new["modified"]]
    assert _delete(app_client, analyst, collection, old["id"]).status_code == 200
    one = app_client.get(
        f"{ROOT}/collections/{collection}/objects/{old['id']}/", headers=_headers(analyst)
    )
    assert one.status_code == 404
    entries = [e["details"] for e in ledger(node, Event.STIX_DELETE)]
    assert [[o[2] for o in e["objects"]] for e in entries] == [
        [old["modified"]],
        [new["modified"]],
    ]
    assert entries[0]["match_version"] == [old["modified"]]
    assert entries[1]["match_version"] == ["all"]
    with node.engine.connect() as conn:
        kept = conn.execute(select(stix_deleted.c.version, stix_deleted.c.deleted_by)).all()
    assert sorted(v for v, _ in kept) == [old["modified"], new["modified"]]
    assert all(by.startswith("token:") for _, by in kept)
    # Posted again, a deleted version is stored anew.
    assert _post(app_client, analyst, collection, [old])["successes"][0].get("message") is None


def test_a_deleted_object_no_longer_correlates(
    node: Node, app_client: TestClient, analyst: str, collection: str
) -> None:
    from accord.services import stix

    seen = indicator("seen", pattern="[ipv4-addr:value = '192.0.2.77']")
    _post(app_client, analyst, collection, [seen, ipv4("192.0.2.77")])
    (value,) = stix.correlations(node, node.operator(), seen["id"]).to_dict()["values"]
    assert [o["type"] for o in value["objects"]] == ["ipv4-addr"]
    assert _delete(app_client, analyst, collection, ipv4("192.0.2.77")["id"]).status_code == 200
    (value,) = stix.correlations(node, node.operator(), seen["id"]).to_dict()["values"]
    assert value["objects"] == []


def test_delete_needs_write_access_and_removes_only_the_callers_own_objects(
    node: Node, app_client: TestClient, analyst: str, partner: str, collection: str
) -> None:
    ours, theirs = indicator("de-owned"), indicator("nl-owned")
    _post(app_client, analyst, collection, [ours])
    _post(app_client, partner, collection, [theirs])
    reader = issue_token(node, "reader", ["liaison_officer"]).secret
    refused = _delete(app_client, reader, collection, ours["id"])
    assert refused.status_code == 403 and refused.json()["http_status"] == "403"
    # NL-POLITIE's client cannot remove what DE-BKA owns, nor learn it is there.
    hidden = _delete(app_client, partner, collection, ours["id"])
    assert hidden.status_code == 404
    assert _delete(app_client, partner, collection, theirs["id"]).status_code == 200
    (entry,) = ledger(node, Event.STIX_DELETE)
    assert entry["actor"] == "token:nl-client@DE-BKA" and entry["details"]["for"] == "NL-POLITIE"
    assert entry["details"]["objects"] == [["NL-POLITIE", theirs["id"], theirs["modified"]]]
    still = app_client.get(
        f"{ROOT}/collections/{collection}/objects/{ours['id']}/", headers=_headers(analyst)
    )
    assert still.status_code == 200
    bad = _delete(app_client, analyst, collection, ours["id"], "?match[version]=yesterday")
    assert bad.status_code == 400 and "match[version]" in bad.text
