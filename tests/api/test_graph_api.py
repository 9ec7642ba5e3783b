"""/api/v1/graph over HTTP: each analysis answers with record ids, refuses bad input naming
the field (422) and an unknown id (404), and a request without a purpose is refused."""

from __future__ import annotations

import igraph as ig
import pytest
from fastapi.testclient import TestClient

from accord.services.node import Node
from tests.federation.cluster import ledger
from tests.services.test_graph import seed

WHY = {"purpose": "investigation", "reference": "BKA-2026-0042", "crime_area": "thb"}


@pytest.fixture
def loaded(node: Node, client: TestClient) -> TestClient:
    seed(node)
    return client


def post(client: TestClient, path: str, **body: object) -> dict:  # type: ignore[type-arg]
    res = client.post(f"/api/v1/graph/{path}", json={**WHY, **body})
    assert res.status_code == 200, res.text
    return res.json()  # type: ignore[no-any-return]


def test_every_analysis_answers_with_record_ids(node: Node, loaded: TestClient) -> None:
    hood = post(loaded, "neighbourhood", start="anna", hops=1)
    assert {v["id"] for v in hood["vertices"]} == {"anna", "bob", "pp", "acc-a"}
    found = post(loaded, "paths", source="anna", target="bob")
    assert [v["id"] for v in found["paths"][0]["vertices"]] == ["anna", "bob"]
    assert post(loaded, "communities", min_size=2)["communities"][0]["members"]
    assert post(loaded, "centrality", measure="pagerank", limit=3)["ranked"][0]["id"]
    trail = post(loaded, "money-flow", start="acc-a")
    assert [p["record"]["id"] for p in trail["payments"]] == ["pay"]
    rings = post(loaded, "rings", min_records=2)["rings"]
    assert {p["id"] for p in rings[0]["persons"]} == {"anna", "bob"}
    operations = [e["details"]["operation"] for e in ledger(node, "graph_analysis")]
    assert operations == [
        "neighbourhood",
        "paths",
        "communities",
        "centrality",
        "money_flow",
        "rings",
    ]


def test_the_export_is_graphml_that_igraph_reads(loaded: TestClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    res = loaded.post("/api/v1/graph/export", json={**WHY, "format": "graphml"})
    assert res.status_code == 200 and res.headers["content-type"].startswith(
        "application/graphml+xml"
    )
    path = tmp_path / "g.graphml"
    path.write_bytes(res.content)
    assert ig.Graph.Read_GraphML(str(path)).vcount() == int(res.headers["x-accord-vertices"])


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("neighbourhood", {"start": "anna", "hops": 9}, "hops"),
        ("money-flow", {"start": "anna", "since": "2026-02-01", "until": "2026-01-01"}, "until"),
        ("export", {"format": "visio"}, "format"),
        ("centrality", {"measure": "fame"}, "measure"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    loaded: TestClient, path: str, body: dict, field: str
) -> None:  # type: ignore[type-arg]
    res = loaded.post(f"/api/v1/graph/{path}", json={**WHY, **body})
    assert res.status_code == 422, res.text
    assert field in res.text


def test_an_unknown_id_is_a_404_naming_the_field(loaded: TestClient) -> None:
    res = loaded.post("/api/v1/graph/paths", json={**WHY, "source": "anna", "target": "nobody"})
    assert res.status_code == 404 and "target" in res.json()["message"]


def test_a_request_without_a_purpose_is_refused_naming_it(node: Node, loaded: TestClient) -> None:
    res = loaded.post("/api/v1/graph/communities", json={"purpose": "investigation"})
    assert res.status_code == 422
    fields = {e["field"] for e in res.json()["errors"]}
    assert fields == {"reference", "crime_area"}
    assert ledger(node, "graph_analysis") == []
