"""Leiden communities and centrality: two tight groups joined by one broker."""

from __future__ import annotations

from itertools import combinations

from accord.graph import centrality, communities
from tests.graph.factories import graph_of, ids, rec, vid


def two_cliques():  # type: ignore[no-untyped-def]
    people = [rec("Person", f"{side}{i}", name=f"{side}{i}") for side in "ab" for i in range(5)]
    links = [
        rec("Associate", f"{side}{i}-{j}", person=f"{side}{i}", associate=f"{side}{j}")
        for side in "ab"
        for i, j in combinations(range(5), 2)
    ]
    broker = [
        rec("Person", "broker", name="Broker"),
        rec("Associate", "x1", person="broker", associate="a0"),
        rec("Associate", "x2", person="broker", associate="b0"),
    ]
    return graph_of(*people, *links, *broker)


def test_leiden_finds_the_two_groups() -> None:
    g = two_cliques()
    found = communities(g)
    groups = [ids(g, c.members) for c in found]
    assert any({f"a{i}" for i in range(5)} <= grp for grp in groups)
    assert any({f"b{i}" for i in range(5)} <= grp for grp in groups)
    assert not any({"a1", "b1"} <= grp for grp in groups)


def test_communities_are_the_same_on_every_run() -> None:
    g = two_cliques()
    assert [c.members for c in communities(g)] == [c.members for c in communities(two_cliques())]


def test_betweenness_ranks_the_broker_first() -> None:
    g = two_cliques()
    top = centrality(g, "betweenness", limit=3)
    assert g.refs[top[0].vertex][1] == "broker"
    assert top[0].score > top[2].score


def test_pagerank_ranks_within_a_subgraph_when_asked() -> None:
    g = two_cliques()
    within = [vid(g, f"a{i}") for i in range(5)]
    ranked = centrality(g, "pagerank", within=within, limit=10)
    assert ids(g, (r.vertex for r in ranked)) == {f"a{i}" for i in range(5)}
    assert abs(sum(r.score for r in ranked) - 1.0) < 1e-6
