from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from accord.errors import Unauthorized
from accord.services.node import Node
from accord.services.tokens import authenticate_token, issue_token, revoke_token
from accord.store import records as store
from tests.conftest import entity, person

API = "/api/v1"
PURPOSE = {"reference": "BKA-2026-0042", "crime_area": "fraud"}


def test_create_read_update_delete_round_trip(client: TestClient) -> None:
    body = entity("Person", "p1", {"crime_areas": ["fraud"]}, name="Anna Schmidt")
    created = client.post(f"{API}/records", json=body)
    assert created.status_code == 201
    assert created.json()["accord"]["owner"] == "DE-BKA"

    got = client.get(f"{API}/records/p1").json()
    assert got["properties"]["name"] == ["Anna Schmidt"]

    patched = client.patch(f"{API}/records/p1", json={"properties": {"name": ["Anna Weber"]}})
    assert patched.status_code == 200
    assert patched.json()["accord"]["version"] == 2
    history = client.get(f"{API}/records/p1/history").json()
    assert history[0]["properties"]["name"] == ["Anna Schmidt"]

    assert client.delete(f"{API}/records/p1").status_code == 204
    assert client.get(f"{API}/records/p1").status_code == 404


def test_invalid_record_gets_422_naming_the_fields(client: TestClient) -> None:
    body = entity("Person", "p1", {"tlp": "PINK"}, birthDate="soon")
    res = client.post(f"{API}/records", json=body)
    assert res.status_code == 422
    assert {e["field"] for e in res.json()["errors"]} == {"accord.tlp", "properties.birthDate"}
    assert client.get(f"{API}/records/p1").status_code == 404


def test_missing_body_field_is_named(client: TestClient) -> None:
    res = client.post(f"{API}/records", json={"id": "p1"})
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == "schema"


def test_duplicate_create_is_a_conflict(client: TestClient) -> None:
    body = entity("Person", "p1", name="Anna")
    assert client.post(f"{API}/records", json=body).status_code == 201
    assert client.post(f"{API}/records", json=body).status_code == 409


def test_only_owner_agency_may_change_or_delete(client: TestClient, node: Node) -> None:
    theirs = person("Jan de Vries", "nl-1", owner="NL-POLITIE")
    with node.engine.begin() as conn:
        store.insert_records(conn, [(theirs, theirs.caption, set())])
    res = client.patch(f"{API}/records/nl-1?owner=NL-POLITIE", json={"properties": {"name": ["X"]}})
    assert res.status_code == 403
    assert res.json()["code"] == "forbidden"
    assert client.delete(f"{API}/records/nl-1?owner=NL-POLITIE").status_code == 403
    assert client.get(f"{API}/records/nl-1").json()["properties"]["name"] == ["Jan de Vries"]


def test_search_finds_by_identifier_and_folded_name(client: TestClient) -> None:
    client.post(f"{API}/records", json=entity("Person", "p1", name="Jürgen Müller"))
    client.post(
        f"{API}/records",
        json=entity("BankAccount", "a1", iban="DE89 3704 0044 0532 0130 00"),
    )
    by_name = client.post(f"{API}/search", json={"query": "jurgen MULLER", **PURPOSE}).json()
    assert [r["record"]["id"] for r in by_name["results"]] == ["p1"]
    by_iban = client.post(
        f"{API}/search", json={"query": "de89370400440532013000", **PURPOSE}
    ).json()
    assert by_iban["results"][0]["record"]["id"] == "a1"
    assert by_iban["results"][0]["match"] == "identifier"


def test_every_route_but_health_needs_a_token(client: TestClient) -> None:
    client.headers.pop("Authorization")
    assert client.get(f"{API}/health").status_code == 200
    res = client.get(f"{API}/records")
    assert res.status_code == 401
    assert res.json()["code"] == "unauthorized"
    client.headers["Authorization"] = "Bearer acc_not-a-real-token"
    assert client.post(f"{API}/search", json={"query": "x", **PURPOSE}).status_code == 401


def test_revoked_and_expired_tokens_are_refused(client: TestClient, node: Node) -> None:
    token = issue_token(node, "short", ["analyst"])
    revoke_token(node, "short")
    res = client.get(f"{API}/records", headers={"Authorization": f"Bearer {token.secret}"})
    assert res.status_code == 401
    assert res.json()["message"] == "token revoked"
    soon = issue_token(node, "soon", ["analyst"], expires_at=datetime.now(UTC) + timedelta(hours=1))
    assert authenticate_token(node, soon.secret).subject == "soon"
    with pytest.raises(Unauthorized, match="token expired"):
        authenticate_token(node, soon.secret, now=datetime.now(UTC) + timedelta(hours=2))


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {f"{API}/records", f"{API}/records/{{record_id}}", f"{API}/search"} <= set(paths)


def test_search_without_purpose_is_refused_naming_the_fields(client: TestClient) -> None:
    res = client.post(f"{API}/search", json={"query": "anna"})
    assert res.status_code == 422
    assert {e["field"] for e in res.json()["errors"]} == {"reference", "crime_area"}
    res = client.post(
        f"{API}/search",
        json={"query": "anna", "purpose": "curiosity", "reference": " ", "crime_area": "x"},
    )
    assert res.status_code == 422
    assert {e["field"] for e in res.json()["errors"]} == {"purpose", "reference", "crime_area"}


def test_reads_carry_the_version_as_etag_and_if_match_guards_changes(client: TestClient) -> None:
    client.post(f"{API}/records", json=entity("Person", "e1", name="Anna"))
    read = client.get(f"{API}/records/e1")
    assert read.headers["ETag"] == '"1"'
    changed = client.patch(
        f"{API}/records/e1", json={"properties": {"notes": ["a"]}}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    late = client.patch(
        f"{API}/records/e1", json={"properties": {"notes": ["b"]}}, headers={"If-Match": '"1"'}
    )
    assert late.status_code == 412
    assert late.json()["code"] == "precondition_failed"
    assert "version 2, not 1" in late.json()["message"]
    bad = client.delete(f"{API}/records/e1", headers={"If-Match": "soon"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "If-Match"
    assert client.delete(f"{API}/records/e1", headers={"If-Match": 'W/"2"'}).status_code == 204
    assert client.get(f"{API}/records/e1").status_code == 404


@pytest.mark.parametrize("role", ["auditor", "data_protection_officer", "investigator"])
def test_a_withdrawn_records_history_is_readable_by_the_roles_the_matrix_names(
    client: TestClient, node: Node, role: str
) -> None:
    client.post(f"{API}/records", json=entity("Person", "h1", name="Anna"))
    client.patch(f"{API}/records/h1", json={"properties": {"name": ["Berta"]}})
    assert client.delete(f"{API}/records/h1").status_code == 204
    token = issue_token(node, f"reader-{role}", [role])
    res = client.get(
        f"{API}/records/h1/history", headers={"Authorization": f"Bearer {token.secret}"}
    )
    assert res.status_code == 200, res.text
    assert [(h["version"], h["change"]) for h in res.json()] == [(1, "update"), (2, "delete")]


def test_too_many_values_in_a_property_is_422_naming_it(client: TestClient, node: Node) -> None:
    names = [f"N {i}" for i in range(node.settings.record_max_values + 1)]
    res = client.post(f"{API}/records", json=entity("Person", "big", name=names))
    assert res.status_code == 422
    assert res.json()["errors"][0]["field"] == "properties.name"
