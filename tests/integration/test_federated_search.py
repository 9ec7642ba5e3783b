"""Federated search across three nodes over real mutual TLS: a full hit, a reference hit, no
hit, a denied record that looks exactly like no hit, a partner down or silent, and the
exchange in both ledgers."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.crypto import verify_stored_message
from accord.errors import ValidationError
from accord.federation.identity import tls_files
from accord.federation.peers import Peer
from accord.federation.protocol import MatchAnswer, encode
from accord.services.federation import FederatedResult, PartnerQuery, federated_search
from accord.services.node import Node
from accord.services.purpose import parse_purpose
from accord.services.tokens import issue_token
from accord.store import federation as store
from tests.federation.cluster import Federation, add_person, ledger

THB = parse_purpose("investigation", "DE case 2026/17", "thb")


def search(fed: Federation, text: str, partners: list[str] | None = None) -> FederatedResult:
    de = fed["DE-BKA"].node
    return federated_search(de, de.operator(), PartnerQuery(text), THB, partners=partners)


def by_agency(result: FederatedResult) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    return {p.agency: (p.status, p.items) for p in result.partners}


def test_a_full_hit_at_one_partner_and_a_reference_at_another(federation: Federation) -> None:
    answers = by_agency(search(federation, "Ivan Petrenko"))
    status, items = answers["NL-POLITIE"]
    assert status == "hits" and len(items) == 1
    assert items[0]["mode"] == "full"
    record = items[0]["record"]
    assert isinstance(record, dict) and record["id"] == "nl-petrenko"
    assert record["properties"]["birthDate"] == ["1980-01-02"]
    status, items = answers["UA-NPU"]
    assert status == "hits" and len(items) == 1
    assert items[0]["mode"] == "reference" and items[0]["record"] is None
    reference = items[0]["reference"]
    assert isinstance(reference, dict)
    assert reference["schema"] == "Person" and reference["owner"] == "UA-NPU"
    assert str(reference["reference"]).startswith("ref_")
    assert "ua-petrenko" not in str(items)


def test_no_match_anywhere_is_no_hit_from_every_partner(federation: Federation) -> None:
    answers = by_agency(search(federation, "Nobody Atall"))
    assert answers == {"NL-POLITIE": ("no_hit", []), "UA-NPU": ("no_hit", [])}


def test_a_partner_with_only_denied_records_answers_byte_for_byte_like_no_hit(
    federation: Federation,
) -> None:
    de = federation["DE-BKA"].node
    denied = search(federation, "Kees Verklikker", partners=["nl-politie"])
    nothing = search(federation, "Nobody Atall", partners=["nl-politie"])
    assert by_agency(denied) == by_agency(nothing) == {"NL-POLITIE": ("no_hit", [])}
    digests = {
        e["details"]["request_id"]: e["details"]["answer_digest"]
        for e in ledger(de, "federation_answer")
        if e["details"]["request_id"] in (denied.request_id, nothing.request_id)
    }
    assert digests[denied.request_id] == digests[nothing.request_id]
    nl_disclosures = [
        e for e in ledger(federation["NL-POLITIE"].node, "disclosure") if "nl-informant" in str(e)
    ]
    assert nl_disclosures and nl_disclosures[-1]["details"]["decisions"][0]["mode"] == "deny"


def test_names_must_match_every_query_token_at_a_partner(federation: Federation) -> None:
    answers = by_agency(search(federation, "Ivan Someoneelse"))
    assert answers["NL-POLITIE"] == ("no_hit", [])


def test_schema_and_properties_make_a_structured_query(federation: Federation) -> None:
    de = federation["DE-BKA"].node
    query = PartnerQuery(None, "Person", {"name": ["Ivan Petrenko"], "birthDate": ["1980-01-02"]})
    result = federated_search(de, de.operator(), query, THB, partners=["nl-politie"])
    assert by_agency(result)["NL-POLITIE"][0] == "hits"
    organisations = PartnerQuery(None, "Organization", {"name": ["Ivan Petrenko"]})
    result = federated_search(de, de.operator(), organisations, THB, partners=["nl-politie"])
    assert by_agency(result)["NL-POLITIE"] == ("no_hit", [])


def test_a_partner_that_is_down_is_unavailable_and_the_others_still_answer(
    federation: Federation,
) -> None:
    ua = federation["UA-NPU"]
    ua.stop()
    try:
        answers = by_agency(search(federation, "Ivan Petrenko"))
    finally:
        ua.start()
    assert answers["UA-NPU"] == ("unavailable", [])
    assert answers["NL-POLITIE"][0] == "hits"
    assert by_agency(search(federation, "Ivan Petrenko"))["UA-NPU"][0] == "hits"


@pytest.fixture
def silent_partner(federation: Federation) -> Iterator[str]:
    """A partner whose address accepts connections and then says nothing."""
    de, ua = federation["DE-BKA"].node, federation["UA-NPU"].node
    listener = socket.create_server(("127.0.0.1", 0))
    peer = Peer(
        node_id="xx-silent",
        agency_code="UA-SILENT",
        url=f"https://127.0.0.1:{listener.getsockname()[1]}",
        signing_key=ua.keys.public.signing,
        encryption_key=ua.keys.public.encryption,
        tls_fingerprint=tls_files(ua.settings).identity().fingerprint,
        valid_until=None,
        source="manual",
    )
    with de.engine.begin() as conn:
        store.put_peer(conn, peer.to_row(datetime.now(UTC)))
    yield peer.node_id
    with de.engine.begin() as conn:
        store.delete_peer(conn, peer.node_id)
    listener.close()


def test_a_partner_that_does_not_answer_in_time_is_unavailable(
    federation: Federation, silent_partner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(federation["DE-BKA"].node.settings, "federation_timeout", 3.0)
    started = time.monotonic()
    result = search(federation, "Ivan Petrenko", partners=[silent_partner, "nl-politie"])
    elapsed = time.monotonic() - started
    answers = {p.node_id: p.status for p in result.partners}
    assert answers == {silent_partner: "unavailable", "nl-politie": "hits"}
    assert elapsed < federation["DE-BKA"].node.settings.federation_timeout + 1.0
    entry = next(
        e
        for e in ledger(federation["DE-BKA"].node, "federation_answer")
        if e["details"]["request_id"] == result.request_id
        and e["details"]["partner"] == silent_partner
    )
    assert entry["details"]["reason"] in ("timeout", "partner_unavailable")


def test_a_partner_whose_certificate_is_not_the_pinned_one_is_unavailable(
    federation: Federation,
) -> None:
    de = federation["DE-BKA"].node
    with de.engine.connect() as conn:
        row = store.get_peer(conn, "nl-politie")
    assert row is not None
    with de.engine.begin() as conn:
        store.put_peer(conn, replace(row, tls_fingerprint=":".join(["AB"] * 32)))
    try:
        answers = by_agency(search(federation, "Ivan Petrenko", partners=["nl-politie"]))
    finally:
        with de.engine.begin() as conn:
            store.put_peer(conn, row)
    assert answers == {"NL-POLITIE": ("unavailable", [])}


def test_both_ledgers_hold_the_query_and_the_signed_answer(federation: Federation) -> None:
    de, nl = federation["DE-BKA"].node, federation["NL-POLITIE"].node
    result = search(federation, "Ivan Petrenko", partners=["nl-politie"])
    rid = result.request_id

    def mine(node: Node, event: str) -> list[dict[str, Any]]:
        return [e for e in ledger(node, event) if e["details"].get("request_id") == rid]

    sent = mine(de, "federation_query")
    assert len(sent) == 1 and sent[0]["details"]["direction"] == "sent"
    assert sent[0]["details"]["purpose"] == "investigation"
    received = mine(de, "federation_answer")
    assert len(received) == 1 and received[0]["details"]["status"] == "hits"
    answered = mine(nl, "federation_answer")
    asked = mine(nl, "federation_query")
    assert len(asked) == 1 and asked[0]["details"]["partner"] == "de-bka"
    assert asked[0]["details"]["request_digest"] == sent[0]["details"]["request_digest"]
    assert len(answered) == 1
    assert answered[0]["details"]["answer_digest"] == received[0]["details"]["answer_digest"]
    disclosed = [
        e for e in ledger(nl, "disclosure") if e["details"]["channel"] == "federated_search"
    ]
    assert disclosed[-1]["details"]["recipient"] == "DE-BKA"
    assert disclosed[-1]["details"]["decisions"][0]["mode"] == "full"
    # The requester kept the partner's signature: the answer can be re-checked years later.
    body = encode(MatchAnswer.model_validate({"items": result.partners[0].items}))
    claims = verify_stored_message(
        str(received[0]["details"]["signature"]), body, nl.keys.signing.public_key()
    )
    assert claims.sender == "nl-politie" and claims.request_id == rid
    assert claims.body_digest == answered[0]["details"]["answer_digest"]


def test_searching_a_partner_that_is_not_one_is_refused(federation: Federation) -> None:
    with pytest.raises(ValidationError) as caught:
        search(federation, "Ivan Petrenko", partners=["xx-nobody"])
    assert caught.value.errors[0].field == "partners"


def test_the_api_route_answers_per_partner(federation: Federation) -> None:
    de = federation["DE-BKA"].node
    token = issue_token(de, "fed-search-client", ["analyst"])
    with TestClient(create_app(de), raise_server_exceptions=False) as client:
        res = client.post(
            "/api/v1/federated-search",
            json={"query": "Ivan Petrenko", "reference": "DE case 9", "crime_area": "thb"},
            headers={"Authorization": f"Bearer {token.secret}"},
        )
        missing = client.post(
            "/api/v1/federated-search",
            json={"query": "Ivan Petrenko", "reference": "DE case 9", "crime_area": "nope"},
            headers={"Authorization": f"Bearer {token.secret}"},
        )
    assert res.status_code == 200
    statuses = {p["agency"]: p["status"] for p in res.json()["partners"]}
    assert statuses == {"NL-POLITIE": "hits", "UA-NPU": "hits"}
    assert missing.status_code == 422


def test_a_partner_finds_its_record_in_another_script_and_says_how_well_it_matched(
    federation: Federation,
) -> None:
    nl = federation["NL-POLITIE"].node
    add_person(nl, "nl-kovalenko-cy", "Олександр Коваленко", birthDate="1981-03-02")
    de = federation["DE-BKA"].node
    query = PartnerQuery(None, "Person", {"name": ["Aleksandr Kowalenko"], "birthDate": ["1981"]})
    result = federated_search(de, de.operator(), query, THB, partners=["nl-politie"])
    status, items = by_agency(result)["NL-POLITIE"]
    assert status == "hits"
    (item,) = [i for i in items if i["record"] and i["record"]["id"] == "nl-kovalenko-cy"]
    match = item["match"]
    assert match["match"] == "name" and match["algorithm"] == "accord-v3"
    assert nl.settings.match_threshold <= match["score"] <= 1.0
    # A record disclosed in full comes with the features that made its score.
    assert match["features"]["name_similarity"] > 0
    assert match["features"]["birth_date"] > 0
    # The free-text search a user types finds it too.
    typed = by_agency(search(federation, "KOVALENKO ALEXANDER", partners=["nl-politie"]))
    assert "nl-kovalenko-cy" in {i["record"]["id"] for i in typed["NL-POLITIE"][1]}


def test_a_reference_hit_carries_its_score_but_not_what_agreed(federation: Federation) -> None:
    status, items = by_agency(search(federation, "Ivan Petrenko", partners=["ua-npu"]))["UA-NPU"]
    assert status == "hits"
    (item,) = items
    assert item["mode"] == "reference" and item["record"] is None
    assert item["match"]["score"] >= federation["UA-NPU"].node.settings.match_threshold
    assert item["match"]["features"] is None


def test_a_partner_answers_only_what_passes_its_own_threshold(federation: Federation) -> None:
    nl = federation["NL-POLITIE"]
    add_person(nl.node, "nl-threshold", "Bartholomeus Drempelwaarde")
    query = "Bartholomeus Drempelwaarde"
    assert by_agency(search(federation, query, partners=["nl-politie"]))["NL-POLITIE"][0] == "hits"
    strict = replace(
        nl.node, settings=nl.node.settings.model_copy(update={"match_threshold": 0.95})
    )
    nl.stop()
    nl.node = strict
    try:
        nl.start()
        answers = by_agency(search(federation, query, partners=["nl-politie"]))
    finally:
        nl.stop()
        nl.node = replace(
            strict, settings=strict.settings.model_copy(update={"match_threshold": 0.7})
        )
        nl.start()
    assert answers["NL-POLITIE"] == ("no_hit", [])


def test_a_partner_from_before_match_is_asked_its_search_and_still_answers(
    federation: Federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    import accord.api.server as server

    def without_match(node: Node) -> Any:
        # A node from before /match: that path is not found there (FastAPI's own 404).
        app = create_app(node)

        async def old_node(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"] == "/federation/v1/match":
                await JSONResponse({"detail": "Not Found"}, 404)(scope, receive, send)
                return
            await app(scope, receive, send)

        return old_node

    nl = federation["NL-POLITIE"]
    nl.stop()
    monkeypatch.setattr(server, "create_app", without_match)
    try:
        nl.start()
        result = search(federation, "Ivan Petrenko", partners=["nl-politie"])
    finally:
        nl.stop()
        monkeypatch.undo()
        nl.start()
    status, items = by_agency(result)["NL-POLITIE"]
    assert status == "hits" and [i["record"]["id"] for i in items] == ["nl-petrenko"]
    assert "match" not in items[0]  # the answer of /search, as that node sends it


def test_a_structured_query_too_large_for_the_wire_is_refused_naming_the_field(
    federation: Federation,
) -> None:
    de = federation["DE-BKA"].node
    query = PartnerQuery(None, "Person", {"name": ["Ivan Petrenko"] * 21})
    with pytest.raises(ValidationError) as caught:
        federated_search(de, de.operator(), query, THB, partners=["nl-politie"])
    assert caught.value.errors[0].field == "properties"
