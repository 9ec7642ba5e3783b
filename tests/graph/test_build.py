"""Building the graph: relationship records become edges, entity references and shared
identifiers too; every vertex and edge carries its record's owner and envelope summary."""

from __future__ import annotations

from accord.graph import EdgeKind, SameAs
from tests.graph.factories import graph_of, rec, vid


def kinds(graph, a: str, b: str) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {
        (graph.kind(e).value, graph.labels[e])
        for e in graph.edges_between(vid(graph, a), vid(graph, b))
    }


def test_a_relationship_record_is_an_edge_from_its_source_to_its_target() -> None:
    g = graph_of(
        rec("Person", "anna", name="Anna"),
        rec("Company", "acme", name="Acme"),
        rec("Directorship", "d1", director="anna", organization="acme", role="CEO"),
    )
    assert g.vertex_count == 2 and g.edge_count == 1
    edge = g.edge(0)
    assert (edge.source, edge.target) == (("DE-BKA", "anna"), ("DE-BKA", "acme"))
    assert edge.kind is EdgeKind.RELATIONSHIP and edge.label == "Directorship"
    assert edge.record == ("DE-BKA", "d1") and edge.value == "CEO"
    assert edge.summary is not None and edge.summary.owner == "DE-BKA"


def test_an_entity_property_pointing_at_another_record_is_an_edge() -> None:
    g = graph_of(
        rec("Person", "anna", name="Anna"), rec("Passport", "pp", holder="anna", number="C01X00T47")
    )
    assert kinds(g, "pp", "anna") == {("property", "holder")}


def test_one_identifier_held_by_several_records_links_each_two_of_them() -> None:
    g = graph_of(
        rec("Person", "a", name="A", phone="+4915112345678"),
        rec("Person", "b", name="B", phone="+4915112345678"),
        rec("Event", "app", name="visa application", phoneMentioned="+4915112345678"),
        rec("Person", "c", name="C", phone="+4915199999999"),
    )
    assert kinds(g, "a", "b") == {("shared", "phone")}
    assert kinds(g, "a", "app") == {("shared", "phone")}
    assert kinds(g, "a", "c") == set()
    (group,) = g.shared
    assert group[0] == "phone" and len(group[2]) == 3


def test_a_passport_number_on_a_person_and_a_passport_record_is_one_document_number() -> None:
    g = graph_of(
        rec("Person", "de", name="Kovalenko", passportNumber="FX 123-456"),
        rec("Person", "ua", "UA-NPU", name="Коваленко", passportNumber="fx123456"),
    )
    assert kinds(g, "de", "ua") == {("shared", "document")}


def test_an_identifier_held_by_too_many_records_links_none_of_them() -> None:
    people = [
        rec("Person", f"p{i}", name=f"P{i}", address="1 Main Street Springfield") for i in range(5)
    ]
    g = graph_of(*people, max_shared=4)
    assert g.edge_count == 0 and g.stats.common_identifiers == 1


def test_a_reference_resolves_at_the_same_owner_first_then_at_any() -> None:
    g = graph_of(
        rec("Person", "x", "DE-BKA", name="Ours"),
        rec("Person", "x", "NL-POLITIE", name="Theirs"),
        rec("Person", "y", "NL-POLITIE", name="Y"),
        rec("Associate", "link", "NL-POLITIE", person="x", associate="y"),
        rec("Passport", "pp", "UA-NPU", holder="y"),
    )
    (e,) = [e for e in range(g.edge_count) if g.labels[e] == "Associate"]
    assert g.edge(e).source == ("NL-POLITIE", "x")
    holder = [e for e in range(g.edge_count) if g.labels[e] == "holder"]
    assert [g.edge(e).target for e in holder] == [("NL-POLITIE", "y")]


def test_a_link_to_a_record_not_held_is_counted_not_invented() -> None:
    g = graph_of(rec("Person", "a", name="A"), rec("Family", "f", person="a", relative="ghost"))
    assert g.edge_count == 0 and g.stats.dangling == 1


def test_a_payment_runs_between_accounts_and_ties_each_party_to_its_account() -> None:
    g = graph_of(
        rec("Person", "anna", name="Anna"),
        rec("Company", "acme", name="Acme"),
        rec("BankAccount", "acc-a", iban="DE89370400440532013000"),
        rec("BankAccount", "acc-b", iban="NL91ABNA0417164300"),
        rec(
            "Payment",
            "pay",
            payer="anna",
            payerAccount="acc-a",
            beneficiary="acme",
            beneficiaryAccount="acc-b",
            amount="9850.00",
            currency="EUR",
            date="2026-06-03",
        ),
    )
    (e,) = [e for e in range(g.edge_count) if g.labels[e] == "Payment"]
    edge = g.edge(e)
    assert (edge.source[1], edge.target[1]) == ("acc-a", "acc-b")
    assert (edge.amount, edge.currency, edge.start) == (9850.0, "EUR", "2026-06-03")
    assert kinds(g, "anna", "acc-a") == {("property", "payerAccount")}


def test_same_as_links_join_records_and_say_whether_an_analyst_judged_them() -> None:
    g = graph_of(
        rec("Person", "de", name="Kovalenko"),
        rec("Person", "ua", "UA-NPU", name="Коваленко"),
        rec("Person", "nl", "NL-POLITIE", name="Kovalenko"),
        same_as=(
            SameAs(("DE-BKA", "de"), ("UA-NPU", "ua"), True, 0.97),
            SameAs(("DE-BKA", "de"), ("NL-POLITIE", "nl"), False, 0.91),
        ),
    )
    assert kinds(g, "de", "ua") == {("same_as", "judged")}
    assert kinds(g, "de", "nl") == {("same_as", "proposed")}


def test_each_vertex_carries_its_owner_and_envelope_summary() -> None:
    g = graph_of(rec("Person", "a", "UA-NPU", name="A"))
    shown = g.vertex(0).to_dict()
    assert shown["owner"] == "UA-NPU" and shown["envelope"]["tlp"] == "AMBER"
    assert shown["envelope"]["evaluation"] == "B2" and shown["envelope"]["handling"] == "H0"
