"""Records under attack: bulk reads leave a trace, concurrent changes neither fail nor lose
one another, paging parameters are bounded, and one request's cost is bounded by its size."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.api import create_app
from accord.services.node import Node, init_node
from accord.services.tokens import issue_token
from accord.settings import Settings
from tests.federation.cluster import ledger


@pytest.fixture
def app(node: Node) -> FastAPI:
    return create_app(node)


@pytest.fixture
def token(node: Node) -> str:
    return issue_token(node, "attacker", ["investigator"]).secret


def _client(app: FastAPI, token: str) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture
def client(app: FastAPI, token: str) -> Iterator[TestClient]:
    with _client(app, token) as c:
        yield c


def _create(client: TestClient, rid: str, **accord: str) -> None:
    body = {"id": rid, "schema": "Person", "properties": {"name": [f"Person {rid}"]}}
    if accord:
        body["accord"] = accord
    res = client.post("/api/v1/records", json=body)
    assert res.status_code == 201, res.text


def test_bulk_listing_leaves_one_ledger_entry_with_every_id_returned(
    client: TestClient, node: Node
) -> None:
    """Finding 3: `GET /records?limit=500` returned full records, RED ones among them, and
    the ledger had no trace of it."""
    ids = [f"bulk-{i}" for i in range(12)]
    for rid in ids:
        _create(client, rid, tlp="RED" if rid.endswith("3") else "AMBER")
    before = len(ledger(node))
    res = client.get("/api/v1/records", params={"limit": 500})
    assert res.status_code == 200
    returned = {r["id"] for r in res.json()}
    assert returned == set(ids)
    new = ledger(node)[before:]
    (read,) = [e for e in new if e["event"] == "record_read"]
    assert read["actor"] == "token:attacker@DE-BKA"
    assert {rid for _, rid, _ in read["details"]["records"]} == returned
    res = client.get("/api/v1/records", params={"limit": 5, "offset": 5})
    page = ledger(node)[-1]["details"]
    assert page["list"]["offset"] == 5
    assert [rid for _, rid, _ in page["records"]] == [r["id"] for r in res.json()]


def test_concurrent_patches_neither_fail_nor_lose_updates_nor_stick(
    app: FastAPI, token: str, node: Node
) -> None:
    """Finding 4: four clients patching the same records got 500s (UNIQUE constraint on
    record_history), lost an update, and left records answering 500 to every later change."""
    ids = ["race-1", "race-2"]
    with _client(app, token) as c:
        for rid in ids:
            _create(c, rid)
    owned = ("notes", "alias", "position", "title")
    rounds = 10

    def client_run(prop: str) -> list[int]:
        statuses = []
        with _client(app, token) as c:
            for step in range(rounds):
                res = c.patch(
                    f"/api/v1/records/{ids[step % 2]}",
                    json={"properties": {prop: [f"{prop}-{step}"]}},
                )
                statuses.append(res.status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=len(owned)) as pool:
        statuses = [s for run in pool.map(client_run, owned) for s in run]
    assert statuses == [200] * len(statuses)
    with _client(app, token) as c:
        for index, rid in enumerate(ids):
            current = c.get(f"/api/v1/records/{rid}").json()
            applied = len(owned) * rounds // 2
            assert current["accord"]["version"] == 1 + applied
            last = max(s for s in range(rounds) if s % 2 == index)
            assert {p: current["properties"][p] for p in owned} == {
                p: [f"{p}-{last}"] for p in owned
            }
            past = c.get(f"/api/v1/records/{rid}/history").json()
            assert [h["version"] for h in past] == list(range(1, 1 + applied))
            assert (
                c.patch(f"/api/v1/records/{rid}", json={"properties": {"notes": ["x"]}}).status_code
                == 200
            )
            assert c.delete(f"/api/v1/records/{rid}").status_code == 204


@pytest.mark.parametrize("offset", ["9223372036854775808", "-1", "10" * 20])
def test_out_of_range_offset_is_422_naming_it(client: TestClient, offset: str) -> None:
    """Finding 5: `GET /records?offset=9223372036854775808` was a 500."""
    res = client.get("/api/v1/records", params={"offset": offset})
    assert res.status_code == 422, res.text[:300]
    assert [e["field"] for e in res.json()["errors"]] == ["offset"]


def test_forty_thousand_names_are_refused_by_name_before_any_is_cleaned(
    client: TestClient,
) -> None:
    """Finding 7: a Person with 40,000 names took 14.8 s (10^6 held a core for minutes)."""
    body = {
        "id": "many",
        "schema": "Person",
        "properties": {"name": [f"Name {i}" for i in range(40_000)]},
    }
    res = client.post("/api/v1/records", json=body)
    assert res.status_code == 422, res.text[:300]
    (error,) = res.json()["errors"]
    assert error["field"] == "properties.name"
    assert "at most" in error["reason"]


def test_many_values_within_a_raised_limit_are_all_kept(tmp_path: Path) -> None:
    """With the limit raised, 40,000 distinct names are cleaned once each (no quadratic
    de-duplication) and every one is stored."""
    settings = Settings(home=tmp_path / "big", record_max_values=50_000)
    big = init_node(settings, "DE-BKA", "Bundeskriminalamt")
    try:
        token = issue_token(big, "bulk", ["investigator"]).secret
        names = [f"Name {i}" for i in range(40_000)]
        body = {"id": "many", "schema": "Person", "properties": {"name": [*names, names[0]]}}
        with _client(create_app(big), token) as c:
            res = c.post("/api/v1/records", json=body)
            assert res.status_code == 201, res.text[:300]
            assert len(c.get("/api/v1/records/many").json()["properties"]["name"]) == 40_000
    finally:
        big.engine.dispose()
