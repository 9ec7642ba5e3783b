"""/api/v1/xref over HTTP: a run, its links and their judgements; a judgement of a missing link
(404), by an auditor (403) or that is not one (422 naming the field) writes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from accord.api import create_app
from accord.matching import record_keys
from accord.services.node import Node
from accord.services.tokens import issue_token
from accord.store import records as store
from accord.store.tables import xref_judgements
from tests.conftest import person
from tests.federation.cluster import ledger


@pytest.fixture
def loaded(node: Node, client: TestClient) -> TestClient:
    held = [
        person("Oleksandr Kovalenko", "de-1", dob="1981-03-02", country="ua"),
        person("Олександр Коваленко", "ua-1", "UA-NPU", dob="1981-03-02", country="ua"),
        person("Микола Коваленко", "ua-2", "UA-NPU", dob="1955-07-11", country="ua"),
    ]
    with node.engine.begin() as conn:
        store.insert_records(
            conn, [(r, r.caption, record_keys(r.schema, r.properties)) for r in held]
        )
    return client


@pytest.fixture
def auditor(node: Node) -> Iterator[TestClient]:
    token = issue_token(node, "auditor-client", ["auditor"])
    with TestClient(create_app(node), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {token.secret}"
        yield c


def judgements(node: Node) -> int:
    with node.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(xref_judgements)).scalar_one())


def first_link(client: TestClient) -> int:
    res = client.post("/api/v1/xref/runs", json={"against": "UA-NPU"})
    assert res.status_code == 201, res.text
    assert res.json()["counts"]["proposed"] == 1
    return int(client.get("/api/v1/xref").json()["links"][0]["id"])


def test_a_run_stores_links_to_list_show_and_judge(node: Node, loaded: TestClient) -> None:
    res = loaded.post("/api/v1/xref/runs", json={})
    assert res.status_code == 201, res.text
    run = res.json()
    assert run["engine"] == "accord" and run["against"] == "all"
    assert run["among_partners"] is False
    assert run["counts"] == {**run["counts"], "own": 1, "other": 2, "proposed": 1, "new": 1}
    page = loaded.get("/api/v1/xref", params={"state": "new"}).json()
    (link,) = page["links"]
    assert (link["left"]["id"], link["right"]["id"]) == ("de-1", "ua-1")
    assert link["left"]["caption"] == "Oleksandr Kovalenko"
    assert link["score"] >= 0.9 and "name_similarity" in link["features"]
    shown = loaded.get(f"/api/v1/xref/{link['id']}").json()
    assert shown["right"]["record"]["properties"]["name"] == ["Олександр Коваленко"]
    assert {f["feature"] for f in shown["features"]} >= {"name_similarity", "birth_date"}
    res = loaded.post(
        f"/api/v1/xref/{link['id']}/judgements", json={"judgement": "same", "note": "checked"}
    )
    assert res.status_code == 201, res.text
    assert res.json()["state"] == "same" and res.json()["previous"] == "new"
    page = loaded.get("/api/v1/xref").json()
    assert page["links"][0]["state"] == "same"
    assert page["links"][0]["cluster"] == link["id"]
    assert [c["id"] for c in page["clusters"]] == [link["id"]]
    assert loaded.get("/api/v1/xref", params={"state": "new"}).json()["links"] == []


def test_a_judgement_of_a_missing_link_is_404_and_writes_nothing(
    node: Node, loaded: TestClient
) -> None:
    first_link(loaded)
    before = len(ledger(node))
    res = loaded.post("/api/v1/xref/424242/judgements", json={"judgement": "same"})
    assert res.status_code == 404
    assert res.json()["code"] == "not_found"
    assert loaded.get("/api/v1/xref/424242").status_code == 404
    assert judgements(node) == 0
    assert len([e for e in ledger(node)[before:] if e["event"] == "xref_judgement"]) == 0


def test_an_auditor_may_not_judge_and_nothing_is_written(
    node: Node, loaded: TestClient, auditor: TestClient
) -> None:
    lid = first_link(loaded)
    before = len(ledger(node))
    res = auditor.post(f"/api/v1/xref/{lid}/judgements", json={"judgement": "same"})
    assert res.status_code == 403
    assert auditor.get("/api/v1/xref").status_code == 403
    assert auditor.post("/api/v1/xref/runs", json={}).status_code == 403
    assert judgements(node) == 0
    assert len(ledger(node)) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"judgement": "maybe"}, "judgement"),
        ({}, "judgement"),
        ({"judgement": "same", "note": "x" * 2001}, "note"),
        ({"judgement": "same", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_judgement_is_422_naming_the_field_and_writes_nothing(
    node: Node, loaded: TestClient, body: dict[str, str], field: str
) -> None:
    lid = first_link(loaded)
    before = len(ledger(node))
    res = loaded.post(f"/api/v1/xref/{lid}/judgements", json=body)
    assert res.status_code == 422
    assert [e["field"] for e in res.json()["errors"]] == [field]
    assert judgements(node) == 0
    assert len(ledger(node)) == before


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        ("post", "/api/v1/xref/runs", {"json": {"against": "DE-BKA"}}, "against"),
        ("post", "/api/v1/xref/runs", {"json": {"against": "FR-DGSI"}}, "against"),
        ("post", "/api/v1/xref/runs", {"json": {"since": "yesterday"}}, "since"),
        ("post", "/api/v1/xref/runs", {"json": {"engine": "fast"}}, "engine"),
        (
            "post",
            "/api/v1/xref/runs",
            {"json": {"against": "UA-NPU", "among_partners": True}},
            "among_partners",
        ),
        ("get", "/api/v1/xref", {"params": {"state": "pending"}}, "state"),
        ("get", "/api/v1/xref", {"params": {"agency": "nobody"}}, "agency"),
        ("get", "/api/v1/xref", {"params": {"limit": 501}}, "limit"),
        ("get", "/api/v1/xref/0", {}, "link_id"),
        ("get", "/api/v1/xref/abc", {}, "link_id"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    loaded: TestClient, method: str, path: str, kwargs: dict[str, object], field: str
) -> None:
    res = getattr(loaded, method)(path, **kwargs)
    assert res.status_code == 422, res.text
    assert [e["field"] for e in res.json()["errors"]] == [field]
