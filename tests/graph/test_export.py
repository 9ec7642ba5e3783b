"""Exports open in the target tools' formats: GraphML read back by igraph and networkx, GEXF
by networkx, Cytoscape.js elements, and i2's one-row-per-link CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import igraph as ig
import networkx as nx
import pytest

from accord.graph import I2_COLUMNS, export
from tests.graph.factories import graph_of, pay, rec, vid


def world():  # type: ignore[no-untyped-def]
    return graph_of(
        rec("Person", "anna", name='Anna <"the boss"> & Co', phone="+4915112345678"),
        rec("Person", "bob", "NL-POLITIE", name="Bob", phone="+4915112345678"),
        rec("Person", "alone", name="Alone"),
        rec("BankAccount", "acc-a", iban="DE89370400440532013000"),
        rec("BankAccount", "acc-b", iban="NL91ABNA0417164300"),
        rec("Ownership", "o1", owner="anna", asset="acc-a"),
        pay("pay1", "acc-a", "acc-b", 9850, "2026-06-03"),
    )


def test_graphml_reads_back_in_igraph_and_networkx(tmp_path: Path) -> None:
    g = world()
    path = tmp_path / "chart.graphml"
    path.write_text(export(g, "graphml"), encoding="utf-8")
    back = ig.Graph.Read_GraphML(str(path))
    assert back.vcount() == g.vertex_count and back.ecount() == g.edge_count
    assert 'Anna <"the boss"> & Co' in back.vs["label"]
    nxg = nx.read_graphml(path)
    assert nxg.number_of_nodes() == g.vertex_count and nxg.number_of_edges() == g.edge_count
    assert nxg.nodes["NL-POLITIE:bob"]["owner"] == "NL-POLITIE"
    (_, _, data) = next((u, v, d) for u, v, d in nxg.edges(data=True) if d["label"] == "Payment")
    assert data["amount"] == "9850.00" and data["record_id"] == "pay1"


def test_gexf_reads_back_in_networkx(tmp_path: Path) -> None:
    g = world()
    path = tmp_path / "chart.gexf"
    path.write_text(export(g, "gexf"), encoding="utf-8")
    back = nx.read_gexf(path)
    assert back.number_of_nodes() == g.vertex_count and back.number_of_edges() == g.edge_count
    assert back.nodes["DE-BKA:anna"]["tlp"] == "AMBER"


def test_cytoscape_json_holds_nodes_and_edges_as_elements() -> None:
    g = world()
    data = json.loads(export(g, "cytoscape"))
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    assert {n["data"]["id"] for n in nodes} >= {"DE-BKA:anna", "NL-POLITIE:bob"}
    ids = {n["data"]["id"] for n in nodes}
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in edges)


def test_i2_csv_has_one_row_per_link_and_one_per_entity_without_links() -> None:
    g = world()
    rows = list(csv.reader(io.StringIO(export(g, "i2-csv"))))
    assert tuple(rows[0]) == I2_COLUMNS
    body = [dict(zip(I2_COLUMNS, r, strict=True)) for r in rows[1:]]
    assert len(body) == g.edge_count + 1
    payment = next(r for r in body if r["Link Type"] == "Payment")
    assert (
        payment["Entity1 Identity"] == "DE-BKA:acc-a" and payment["Entity2 Type"] == "BankAccount"
    )
    assert payment["Link Amount"] == "9850.00" and payment["Link Date"] == "2026-06-03"
    shared = next(r for r in body if r["Link Type"] == "shared phone")
    assert shared["Link Label"] == "+4915112345678"
    alone = next(r for r in body if r["Entity1 Identity"] == "DE-BKA:alone")
    assert alone["Link Type"] == "" and alone["Entity2 Identity"] == ""


def test_an_export_of_some_vertices_keeps_only_the_links_among_them() -> None:
    g = world()
    keep = [vid(g, "anna"), vid(g, "acc-a")]
    data = json.loads(export(g, "cytoscape", keep))
    assert len(data["elements"]["nodes"]) == 2
    assert [e["data"]["label"] for e in data["elements"]["edges"]] == ["Ownership"]


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError):
        export(world(), "pdf")
