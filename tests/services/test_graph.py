"""Link analysis through the service: the graph follows the store (a new, changed or deleted
record, a judged link), every analysis states a purpose and goes to the ledger with the
records it showed, bad input is refused naming the field, and an export for a partner passes
the policy engine."""

from __future__ import annotations

import gc
import io
import json
import weakref
from pathlib import Path

import pytest

from accord.errors import NotFound, ValidationError
from accord.model import EnvelopeDefaults
from accord.services import agreements
from accord.services import graph as service
from accord.services import records as record_service
from accord.services.ingest import ingest_stream
from accord.services.node import Node
from accord.services.purpose import parse_purpose
from tests.conftest import entity
from tests.federation.cluster import ledger

EXAMPLES = Path(__file__).parents[2] / "examples" / "agreements"
PURPOSE = parse_purpose("investigation", "BKA-2026-0042", "thb")
CASE = {"subject_category": "suspect", "crime_areas": ["thb"]}
THING = {"crime_areas": ["thb"]}


def seed(node: Node) -> None:
    me = node.operator()
    for line in (
        entity("Person", "anna", CASE, name="Anna Kowalska", phone="+4915112345678"),
        entity("Person", "bob", CASE, name="Bob Brandt", phone="+4915112345678"),
        entity("Person", "carl", CASE, name="Carl Cole"),
        entity("Passport", "pp", THING, holder="anna", number="FE1234567", country="ua"),
        entity("Company", "acme", THING, name="Acme Trading GmbH"),
        entity("Directorship", "dir", THING, director="carl", organization="acme"),
        entity("BankAccount", "acc-a", THING, iban="DE89370400440532013000"),
        entity("BankAccount", "acc-c", THING, iban="NL91ABNA0417164300"),
        entity("Ownership", "own-a", THING, owner="anna", asset="acc-a"),
        entity("Ownership", "own-c", THING, owner="acme", asset="acc-c"),
        entity(
            "Payment",
            "pay",
            THING,
            payerAccount="acc-a",
            beneficiaryAccount="acc-c",
            amount="9500",
            currency="EUR",
            date="2026-05-01",
        ),
        entity("Person", "zed", CASE, name="Zed Alone"),
    ):
        record_service.create_record(node, me, line)


def ids(items: list[dict]) -> set[str]:  # type: ignore[type-arg]
    return {i["id"] for i in items}


def test_a_neighbourhood_goes_to_the_ledger_with_its_purpose_and_records(node: Node) -> None:
    seed(node)
    found = service.analyse_neighbourhood(node, node.operator(), PURPOSE, start="anna", hops=1)
    data = found.to_dict()
    assert ids(data["vertices"]) == {"anna", "bob", "pp", "acc-a"}
    (entry,) = ledger(node, "graph_analysis")
    details = entry["details"]
    assert details["operation"] == "neighbourhood" and details["reference"] == "BKA-2026-0042"
    assert details["crime_area"] == "thb" and details["purpose"] == "investigation"
    assert ["DE-BKA", "bob"] in details["results"] and ["DE-BKA", "own-a"] in details["results"]


def test_the_graph_follows_new_changed_and_deleted_records(node: Node) -> None:
    seed(node)
    me = node.operator()

    def path() -> list[str]:
        found = service.analyse_paths(node, me, PURPOSE, source="zed", target="anna")
        return [v["id"] for p in found.result["paths"] for v in p["vertices"]]

    first = service.current_graph(node)
    assert service.current_graph(node) is first  # nothing changed: not rebuilt
    assert path() == []
    record_service.create_record(
        node, me, entity("Family", "fam", THING, person="zed", relative="bob")
    )
    assert path() == ["zed", "bob", "anna"]
    record_service.delete_record(node, me, "fam")
    assert path() == []
    record_service.update_record(node, me, "zed", {"properties": {"phone": ["+4915112345678"]}})
    assert path() == ["zed", "anna"]


def test_a_small_held_graph_is_left_to_the_collector(node: Node) -> None:
    """Freezing needs a full collection of the whole process first: a small graph is not
    worth it, and would pay it again on every change of record."""
    gc.unfreeze()
    seed(node)
    held = service.current_graph(node)
    assert held.vertex_count < service.FREEZE_FROM
    assert {"flow_groups", "payment_index"} <= held.cache.keys()
    assert gc.get_freeze_count() == 0


def test_a_held_graph_is_settled_and_the_one_it_replaces_can_be_collected(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large graph the node holds has its flow indexes ready and is out of the collector's
    way; once replaced, the old one is freed."""
    monkeypatch.setattr(service, "FREEZE_FROM", 1)
    seed(node)
    held = service.current_graph(node)
    assert {"flow_groups", "payment_index"} <= held.cache.keys()
    assert gc.get_freeze_count() > 0
    gone = weakref.ref(held.graph)  # its igraph graph, freed with it
    del held
    record_service.create_record(
        node, node.operator(), entity("Family", "fam", THING, person="zed", relative="bob")
    )
    service.current_graph(node)
    gc.collect()
    assert gone() is None


def test_ingest_update_and_delete_show_in_neighbourhood_paths_and_rings_at_once(
    node: Node,
) -> None:
    seed(node)
    me = node.operator()

    def around(start: str) -> set[str]:
        found = service.analyse_neighbourhood(node, me, PURPOSE, start=start, hops=1)
        return ids(found.result["vertices"])

    def ring_of(person: str) -> set[str]:
        found = service.analyse_rings(node, me, PURPOSE, min_records=2).result["rings"]
        return next((ids(r["persons"]) for r in found if person in ids(r["persons"])), set())

    def path(a: str, b: str) -> list[str]:
        found = service.analyse_paths(node, me, PURPOSE, source=a, target=b)
        return [v["id"] for p in found.result["paths"][:1] for v in p["vertices"]]

    assert ring_of("anna") == {"anna", "bob"} and path("zed", "carl") == []
    held = node.cache["graph"]
    lines = [
        entity("Person", "dora", CASE, name="Dora Dahl", email="shared@example.org"),
        entity("Person", "emil", CASE, name="Emil Eck", email="Shared@example.org"),
        entity("Employment", "job", THING, employee="zed", employer="acme"),
    ]
    stream = io.BytesIO("".join(json.dumps(line) + "\n" for line in lines).encode())
    report = ingest_stream(node, me, stream, defaults=EnvelopeDefaults(owner="DE-BKA"))
    assert report.created == 3
    assert around("zed") == {"zed", "acme"} and path("zed", "carl") == ["zed", "acme", "carl"]
    assert ring_of("dora") == {"dora", "emil"}
    assert held.read == 3  # only what was ingested was read again, not the whole store

    record_service.update_record(node, me, "bob", {"properties": {"phone": ["+4930999999"]}})
    assert ring_of("anna") == set() and "bob" not in around("anna")
    assert held.read == 1
    record_service.delete_record(node, me, "job")
    assert around("zed") == {"zed"} and path("zed", "carl") == []
    record_service.delete_record(node, me, "emil")
    assert ring_of("dora") == set()
    with pytest.raises(NotFound, match=r"^start: no record 'emil'"):
        service.analyse_neighbourhood(node, me, PURPOSE, start="emil")
    assert node.cache["graph"] is held  # one graph kept up to date, never a restart
    rebuilt = service.load_graph(node)  # the same as a build from the store from scratch
    assert rebuilt.refs == held.graph.refs and rebuilt.edge_count == held.graph.edge_count


def test_a_path_between_components_is_an_empty_answer(node: Node) -> None:
    seed(node)
    found = service.analyse_paths(node, node.operator(), PURPOSE, source="zed", target="anna")
    assert found.result["connected"] is False and found.result["paths"] == []


def test_the_money_flow_names_the_payment_and_the_counterparty(node: Node) -> None:
    seed(node)
    trail = service.analyse_money_flow(node, node.operator(), PURPOSE, start="anna").result
    assert [p["record"]["id"] for p in trail["payments"]] == ["pay"]
    (party,) = trail["counterparties"]
    assert party["counterparty"]["id"] == "acc-c" and party["totals"] == {"EUR": 9500.0}
    assert ids(party["holders"]) == {"acme"}
    (entry,) = ledger(node, "graph_analysis")
    assert entry["details"]["operation"] == "money_flow"
    assert ["DE-BKA", "pay"] in entry["details"]["results"]


def test_communities_centrality_and_rings_answer_and_are_logged(node: Node) -> None:
    seed(node)
    me = node.operator()
    comms = service.analyse_communities(node, me, PURPOSE, min_size=2).result
    assert comms["total"] >= 1
    ranked = service.analyse_centrality(node, me, PURPOSE, measure="pagerank").result["ranked"]
    assert len(ranked) == 8
    rings = service.analyse_rings(node, me, PURPOSE, min_records=2).result["rings"]
    assert ids(rings[0]["persons"]) == {"anna", "bob"}
    assert [e["details"]["operation"] for e in ledger(node, "graph_analysis")] == [
        "communities",
        "centrality",
        "rings",
    ]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda n, p: service.analyse_neighbourhood(n, p, PURPOSE, start="anna", hops=5), "hops"),
        (lambda n, p: service.analyse_neighbourhood(n, p, PURPOSE, start="anna", hops=0), "hops"),
        (
            lambda n, p: service.analyse_money_flow(
                n, p, PURPOSE, start="anna", since="2026-05-02", until="2026-05-01"
            ),
            "until",
        ),
        (
            lambda n, p: service.analyse_money_flow(n, p, PURPOSE, start="anna", since="May"),
            "since",
        ),
        (
            lambda n, p: service.analyse_money_flow(n, p, PURPOSE, start="anna", direction="up"),
            "direction",
        ),
        (lambda n, p: service.export_graph(n, p, PURPOSE, fmt="pdf"), "format"),
        (lambda n, p: service.analyse_centrality(n, p, PURPOSE, measure="fame"), "measure"),
        (lambda n, p: service.analyse_rings(n, p, PURPOSE, kinds=["shoe_size"]), "kinds"),
        (
            lambda n, p: service.analyse_neighbourhood(n, p, PURPOSE, start="anna", kinds=["x"]),
            "kinds",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_logged(
    node: Node,
    call,
    field: str,  # type: ignore[no-untyped-def]
) -> None:
    seed(node)
    with pytest.raises(ValidationError) as exc:
        call(node, node.operator())
    assert [e.field for e in exc.value.errors] == [field]
    assert ledger(node, "graph_analysis") == []


def test_an_unknown_id_is_not_found_naming_the_field(node: Node) -> None:
    seed(node)
    with pytest.raises(NotFound, match=r"^target: no record 'nobody'"):
        service.analyse_paths(node, node.operator(), PURPOSE, source="anna", target="nobody")


def test_a_request_without_a_purpose_is_refused_naming_each_part() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_purpose(None, None, None)
    assert [e.field for e in exc.value.errors] == ["purpose", "reference", "crime_area"]


def test_a_neighbourhood_over_the_node_limit_is_cut_and_says_so(node: Node) -> None:
    seed(node)
    small = Node(
        node.settings.model_copy(update={"graph_node_limit": 10}),
        node.engine,
        node.agency,
        node.name,
        node.keys,
    )
    me = node.operator()
    for i in range(12):
        record_service.create_record(
            small, me, entity("Associate", f"a{i}", THING, person="anna", associate=f"x{i}")
        )
        record_service.create_record(small, me, entity("Person", f"x{i}", CASE, name=f"X {i}"))
    data = service.analyse_neighbourhood(small, me, PURPOSE, start="anna", hops=1).to_dict()
    assert data["truncated"] is True and len(data["vertices"]) == 10 and data["limit"] == 10


def test_an_export_for_a_partner_keeps_only_what_release_lets_go_in_full(node: Node) -> None:
    files = [(p.name, p.read_text()) for p in sorted(EXAMPLES.glob("*.yaml"))]
    agreements.put_agreements(node, node.operator(), files)
    seed(node)
    me = node.operator()
    local = service.export_graph(node, me, PURPOSE, fmt="cytoscape")
    assert local.withheld == 0 and local.vertices == 8
    # UA-NPU's agreement lets persons go by reference only: they leave the chart.
    shared = service.export_graph(node, me, PURPOSE, fmt="cytoscape", to="UA-NPU")
    assert (
        0 < shared.vertices < local.vertices and shared.withheld == local.vertices - shared.vertices
    )
    assert '"DE-BKA:anna"' not in shared.text
    (disclosure,) = ledger(node, "disclosure")
    assert disclosure["details"]["channel"] == "graph_export"
    assert disclosure["details"]["recipient"] == "UA-NPU"
    exports = ledger(node, "export")
    assert [e["details"]["to"] for e in exports] == [None, "UA-NPU"]
