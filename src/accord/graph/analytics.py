"""Communities (Leiden) and centrality (betweenness, PageRank) over the entity graph.

Both run on the simple undirected graph whose edge weights sum the weights of the links
between two records (`core.EDGE_WEIGHTS`): a same-as link and a relationship tie harder than
one shared identifier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from accord.graph.core import EntityGraph

__all__ = ["Community", "Ranked", "centrality", "communities"]

#: Leiden's fixed seed: the same graph gives the same communities.
SEED = 20261001


@dataclass(frozen=True, slots=True)
class Community:
    """One community: its members (vertex ids, largest degree first) and the weight of the
    links inside it against all its members' links."""

    number: int
    members: tuple[int, ...]
    cohesion: float

    def to_dict(self, graph: EntityGraph, *, members: int | None = None) -> dict[str, Any]:
        shown = self.members if members is None else self.members[:members]
        return {
            "community": self.number,
            "size": len(self.members),
            "cohesion": round(self.cohesion, 3),
            "members": [graph.vertex(v).to_dict() for v in shown],
        }


def communities(
    graph: EntityGraph, *, resolution: float = 1.0, min_size: int = 3, iterations: int = 2
) -> list[Community]:
    """Leiden communities (modularity, `resolution`) of at least `min_size` records, largest
    first, after `iterations` passes (igraph's default 2; -1 runs until nothing changes,
    several times slower at a million records). Deterministic: a fixed seed."""
    import random

    g = graph.undirected()
    if g.vcount() == 0:
        return []
    state = random.getstate()
    random.seed(SEED)
    try:
        parts = g.community_leiden(
            objective_function="modularity",
            weights="weight",
            resolution=resolution,
            n_iterations=iterations,
        )
    finally:
        random.setstate(state)
    membership = parts.membership
    groups: dict[int, list[int]] = {}
    for v, c in enumerate(membership):
        groups.setdefault(c, []).append(v)
    strength = g.strength(weights="weight")
    found: list[tuple[list[int], float]] = []
    weights = g.es["weight"]
    inside: dict[int, float] = {}
    for e, (u, v) in enumerate(g.get_edgelist()):
        if membership[u] == membership[v]:
            inside[membership[u]] = inside.get(membership[u], 0.0) + weights[e]
    for c, members in groups.items():
        if len(members) < min_size:
            continue
        total = sum(strength[v] for v in members)
        cohesion = (2 * inside.get(c, 0.0) / total) if total else 0.0
        members.sort(key=lambda v: (-strength[v], v))
        found.append((members, cohesion))
    found.sort(key=lambda item: (-len(item[0]), item[0][0]))
    return [Community(i + 1, tuple(m), coh) for i, (m, coh) in enumerate(found)]


@dataclass(frozen=True, slots=True)
class Ranked:
    vertex: int
    score: float

    def to_dict(self, graph: EntityGraph) -> dict[str, Any]:
        return {**graph.vertex(self.vertex).to_dict(), "score": round(self.score, 6)}


def centrality(
    graph: EntityGraph,
    measure: str,
    *,
    within: Sequence[int] | None = None,
    limit: int = 20,
) -> list[Ranked]:
    """The `limit` highest-ranked records by `measure` (`betweenness`: brokers on the
    shortest paths between others, normalised; `pagerank`), over the whole graph or the
    subgraph of the vertices `within` (a community, a neighbourhood)."""
    g = graph.undirected()
    ids: Sequence[int] = range(g.vcount())
    if within is not None:
        ids = sorted(set(within))
        g = g.induced_subgraph(ids)
    if g.vcount() == 0:
        return []
    if measure == "betweenness":
        n = g.vcount()
        raw = g.betweenness(directed=False)
        scale = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
        scores = [s * scale for s in raw]
    elif measure == "pagerank":
        scores = g.pagerank(weights="weight", directed=False)
    else:
        raise ValueError(measure)
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:limit]
    return [Ranked(ids[i], scores[i]) for i in order]
