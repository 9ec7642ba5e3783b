"""Neighbourhoods to k hops with filters, and every shortest path between two records."""

from __future__ import annotations

import random
from itertools import pairwise

from accord.graph import Filters, neighbourhood, paths
from tests.graph.factories import graph_of, ids, rec, vid


def chain(n: int) -> list:  # type: ignore[type-arg]
    """p0 - p1 - … - p(n-1), each Associate of the next."""
    people = [rec("Person", f"p{i}", name=f"P{i}") for i in range(n)]
    links = [rec("Associate", f"a{i}", person=f"p{i}", associate=f"p{i + 1}") for i in range(n - 1)]
    return people + links


def test_a_neighbourhood_holds_what_is_within_k_hops_with_each_distance() -> None:
    g = graph_of(*chain(5))
    found = neighbourhood(g, vid(g, "p0"), 2)
    assert ids(g, found.depth) == {"p0", "p1", "p2"}
    assert found.depth[vid(g, "p2")] == 2
    assert {g.erecord[e][1] for e in found.edges} == {"a0", "a1"}  # type: ignore[index]
    assert not found.truncated


def test_a_neighbourhood_follows_links_in_both_directions() -> None:
    g = graph_of(*chain(5))
    assert ids(g, neighbourhood(g, vid(g, "p2"), 1).depth) == {"p1", "p2", "p3"}


def test_filters_keep_schemata_kinds_owners_and_a_date_window() -> None:
    g = graph_of(
        rec("Person", "a", name="A", phone="+4915112345678"),
        rec("Person", "b", "NL-POLITIE", name="B", phone="+4915112345678"),
        rec("Person", "c", name="C"),
        rec("Company", "acme", name="Acme"),
        rec("Family", "f", person="a", relative="c", startDate="2010-01-01"),
        rec("Directorship", "d", director="a", organization="acme", startDate="2025-05-01"),
    )
    a = vid(g, "a")
    assert ids(g, neighbourhood(g, a, 1, Filters.of(schemata=["Person"])).depth) == {"a", "b", "c"}
    assert ids(g, neighbourhood(g, a, 1, Filters.of(kinds=["shared"])).depth) == {"a", "b"}
    assert ids(g, neighbourhood(g, a, 1, Filters.of(labels=["Family"])).depth) == {"a", "c"}
    assert ids(g, neighbourhood(g, a, 1, Filters.of(owners=["DE-BKA"])).depth) == {"a", "c", "acme"}
    # The undated shared phone stays; the 2010 family link falls outside the window.
    window = Filters.of(since="2025-01-01", until="2025-12-31")
    assert ids(g, neighbourhood(g, a, 1, window).depth) == {"a", "b", "acme"}


def test_a_neighbourhood_over_the_limit_is_cut_and_says_so() -> None:
    hub = [rec("Person", "hub", name="Hub")]
    spokes = [rec("Person", f"s{i}", name=f"S{i}") for i in range(30)]
    links = [rec("Associate", f"l{i}", person="hub", associate=f"s{i}") for i in range(30)]
    g = graph_of(*hub, *spokes, *links)
    found = neighbourhood(g, vid(g, "hub"), 2, limit=10)
    assert found.truncated and len(found.depth) == 10 and found.to_dict(g)["truncated"]


def test_the_shortest_path_lists_its_records_and_links_in_order() -> None:
    g = graph_of(*chain(6))
    (p,) = paths(g, vid(g, "p0"), vid(g, "p4"), max_hops=6)
    assert [g.refs[v][1] for v in p.vertices] == ["p0", "p1", "p2", "p3", "p4"]
    assert [g.erecord[e][1] for e in p.edges] == ["a0", "a1", "a2", "a3"]  # type: ignore[index]


def test_every_shortest_path_is_found_when_there_are_several() -> None:
    g = graph_of(
        *(rec("Person", x, name=x) for x in ("a", "m1", "m2", "z", "far")),
        rec("Associate", "1", person="a", associate="m1"),
        rec("Associate", "2", person="a", associate="m2"),
        rec("Associate", "3", person="m1", associate="z"),
        rec("Associate", "4", person="m2", associate="z"),
        rec("Associate", "5", person="z", associate="far"),
    )
    found = paths(g, vid(g, "a"), vid(g, "z"), max_hops=4)
    assert sorted(g.refs[p.vertices[1]][1] for p in found) == ["m1", "m2"]
    assert all(len(p.edges) == 2 for p in found)


def test_records_in_different_components_have_no_path_and_that_is_no_error() -> None:
    g = graph_of(*chain(3), rec("Person", "alone", name="Alone"))
    assert paths(g, vid(g, "p0"), vid(g, "alone"), max_hops=4) == []


def test_a_path_longer_than_the_maximum_is_not_returned() -> None:
    g = graph_of(*chain(8))
    assert paths(g, vid(g, "p0"), vid(g, "p7"), max_hops=4) == []
    assert len(paths(g, vid(g, "p0"), vid(g, "p7"), max_hops=7)[0].edges) == 7


def test_every_shortest_path_agrees_with_igraph_with_and_without_filters() -> None:
    """On a random graph with cycles and parallel links, the walk finds exactly igraph's
    shortest paths between every sampled pair, unfiltered and under a filter that keeps all
    (which walks links, so parallel links make paths of their own)."""
    rnd = random.Random(20261203)
    people = [rec("Person", f"p{i}", name=f"P{i}") for i in range(70)]
    links = []
    for i in range(150):
        x, y = rnd.sample(range(70), 2)
        links.append(rec("Associate", f"l{i}", person=f"p{x}", associate=f"p{y}"))
    g = graph_of(*people, *links)
    keep_all = Filters.of(schemata=["Person"])
    for _ in range(60):
        a, b = (vid(g, f"p{i}") for i in rnd.sample(range(70), 2))
        expected = {tuple(p) for p in g.graph.get_all_shortest_paths(a, to=b, mode="all")}
        for filters in (Filters(), keep_all):
            found = paths(g, a, b, max_hops=12, limit=1000, filters=filters)
            assert {p.vertices for p in found} == expected
            if filters.empty:
                assert len(found) == len(expected)
            for p in found:
                for (u, w), e in zip(pairwise(p.vertices), p.edges, strict=True):
                    assert {g.graph.es[e].source, g.graph.es[e].target} == {u, w}
