"""Neighbourhoods and paths: breadth-first walks over the entity graph.

Paths between two entities are found by a breadth-first search from both ends at once, which
meets in the middle: at a million vertices it visits thousands, not the whole graph (see
docs/decisions/0028)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, pairwise
from typing import Any

from accord.graph.core import EntityGraph
from accord.graph.filters import Filters

__all__ = ["NO_FILTERS", "GraphPath", "Neighbourhood", "neighbourhood", "paths"]

#: Walk every edge and vertex.
NO_FILTERS = Filters()


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """The vertices within `hops` of a start (with their distance) and the edges among them.
    `truncated`: the walk stopped at `limit` vertices."""

    start: int
    hops: int
    depth: dict[int, int]
    edges: list[int]
    truncated: bool
    limit: int

    def to_dict(self, graph: EntityGraph) -> dict[str, Any]:
        return {
            "start": graph.vertex(self.start).to_dict(),
            "hops": self.hops,
            "vertices": [
                {**graph.vertex(v).to_dict(), "distance": d} for v, d in self.depth.items()
            ],
            "edges": [graph.edge(e).to_dict() for e in self.edges],
            "truncated": self.truncated,
            "limit": self.limit,
        }


def _accepts(
    graph: EntityGraph, filters: Filters
) -> tuple[Callable[[int], bool], Callable[[int], bool]]:
    edge_ok = filters.edge_test(graph) if not filters.empty else (lambda e: True)
    if filters.schemata or filters.owners:

        def vertex_ok(v: int) -> bool:
            return filters.vertex_ok(graph, v)
    else:

        def vertex_ok(v: int) -> bool:
            return True

    return edge_ok, vertex_ok


def neighbourhood(
    graph: EntityGraph, start: int, hops: int, filters: Filters = NO_FILTERS, limit: int = 5000
) -> Neighbourhood:
    """Every vertex within `hops` edges of `start` (edges in either direction) that the
    filters allow, up to `limit` vertices (then `truncated`), and the edges among them."""
    edge_ok, vertex_ok = _accepts(graph, filters)
    depth = {start: 0}
    used: dict[int, None] = {}
    frontier = [start]
    truncated = False
    g = graph.graph
    for d in range(1, hops + 1):
        nxt: list[int] = []
        for v in frontier:
            for e in g.incident(v, mode="all"):
                if not edge_ok(e):
                    continue
                w = graph.other(e, v)
                if w in depth:
                    if depth[w] >= d - 1:
                        used[e] = None
                    continue
                if not vertex_ok(w):
                    continue
                if len(depth) >= limit:
                    truncated = True
                    break
                depth[w] = d
                used[e] = None
                nxt.append(w)
            if truncated:
                break
        if truncated or not nxt:
            break
        frontier = nxt
    return Neighbourhood(start, hops, depth, list(used), truncated, limit)


@dataclass(frozen=True, slots=True)
class GraphPath:
    """A path: its vertices in order and, between each two, one edge joining them."""

    vertices: tuple[int, ...]
    edges: tuple[int, ...]

    def to_dict(self, graph: EntityGraph) -> dict[str, Any]:
        return {
            "length": len(self.edges),
            "vertices": [graph.vertex(v).to_dict() for v in self.vertices],
            "edges": [graph.edge(e).to_dict() for e in self.edges],
        }


def paths(
    graph: EntityGraph,
    a: int,
    b: int,
    *,
    max_hops: int,
    limit: int = 10,
    filters: Filters = NO_FILTERS,
) -> list[GraphPath]:
    """Every shortest path from `a` to `b` (edges in either direction), up to `limit` of
    them and `max_hops` long; none when `b` is not within reach (another component)."""
    if a == b:
        return [GraphPath((a,), ())]
    if filters.empty:
        return _plain_paths(graph, a, b, max_hops=max_hops, limit=limit)
    edge_ok, vertex_ok = _accepts(graph, filters)
    g = graph.graph
    # parents[side][v]: the vertices one step nearer that side's end, with the edge.
    parents: tuple[dict[int, list[tuple[int, int]]], dict[int, list[tuple[int, int]]]] = (
        {a: []},
        {b: []},
    )
    frontiers = ([a], [b])
    meet: set[int] = set()
    steps = 0
    while frontiers[0] and frontiers[1] and steps < max_hops and not meet:
        side = _cheaper_side(g, frontiers)
        mine, theirs = parents[side], parents[1 - side]
        nxt: dict[int, None] = {}
        level: dict[int, list[tuple[int, int]]] = {}
        for v in frontiers[side]:
            for e in g.incident(v, mode="all"):
                if not edge_ok(e):
                    continue
                w = graph.other(e, v)
                if w in mine or not (w in theirs or vertex_ok(w)):
                    continue
                level.setdefault(w, []).append((v, e))
                nxt[w] = None
                if w in theirs:
                    meet.add(w)
        mine.update(level)
        frontiers = (list(nxt), frontiers[1]) if side == 0 else (frontiers[0], list(nxt))
        steps += 1

    def ups(side: int, u: int) -> list[tuple[int, int]]:
        return parents[side].get(u, [])

    return _assemble(graph, meet, ups, limit, plain=False)


def _cheaper_side(g: Any, frontiers: tuple[list[int], list[int]]) -> int:
    """Expand the side with fewer links to follow (not fewer vertices: a hub is costly)."""
    return 0 if sum(g.degree(frontiers[0])) <= sum(g.degree(frontiers[1])) else 1


def _plain_paths(
    graph: EntityGraph, a: int, b: int, *, max_hops: int, limit: int
) -> list[GraphPath]:
    """The walk without filters: igraph lists a whole layer's neighbours in one call (C), and
    only each vertex's depth is kept; the parents of the few vertices on a shortest path are
    found afterwards, as their neighbours one layer nearer that end. At a million vertices
    the layers near the meeting point hold tens of thousands, which a loop per link in
    Python took seconds over."""
    g = graph.graph
    depth: tuple[dict[int, int], dict[int, int]] = ({a: 0}, {b: 0})
    frontiers = ([a], [b])
    meet: set[int] = set()
    steps = 0
    while frontiers[0] and frontiers[1] and steps < max_hops and not meet:
        side = _cheaper_side(g, frontiers)
        mine, theirs = depth[side], depth[1 - side]
        below = mine[frontiers[side][0]] + 1
        reached = set(chain.from_iterable(g.neighborhood(frontiers[side], order=1, mindist=1)))
        fresh = sorted(w for w in reached if w not in mine)
        mine.update(dict.fromkeys(fresh, below))
        meet = {w for w in fresh if w in theirs}
        frontiers = (fresh, frontiers[1]) if side == 0 else (frontiers[0], fresh)
        steps += 1

    def ups(side: int, u: int) -> list[tuple[int, int]]:
        known = depth[side]
        above = known[u] - 1
        return [(p, -1) for p in sorted(set(g.neighbors(u))) if known.get(p) == above]

    return _assemble(graph, meet, ups, limit, plain=True)


def _assemble(
    graph: EntityGraph,
    meet: set[int],
    ups: Callable[[int, int], list[tuple[int, int]]],
    limit: int,
    *,
    plain: bool,
) -> list[GraphPath]:
    """The paths through each meeting vertex: every chain back to one end joined with every
    chain to the other, up to `limit`; without filters the edges are picked at the end."""
    found: list[GraphPath] = []

    def halves(v: int, side: int) -> list[list[tuple[int, int]]]:
        """Every chain of (vertex, edge) steps from v back to that side's end."""
        out: list[list[tuple[int, int]]] = []
        stack: list[tuple[int, list[tuple[int, int]]]] = [(v, [])]
        while stack and len(out) < limit:
            u, chain_ = stack.pop()
            steps = ups(side, u)
            if not steps:
                out.append(chain_)
                continue
            for p, e in steps:
                stack.append((p, [*chain_, (p, e)]))
        return out

    for m in sorted(meet):
        for left in halves(m, 0):
            for right in halves(m, 1):
                vs = [p for p, _ in reversed(left)] + [m] + [p for p, _ in right]
                es = [e for _, e in reversed(left)] + [e for _, e in right]
                if plain:
                    es = [_edge(graph, u, w) for u, w in pairwise(vs)]
                found.append(GraphPath(tuple(vs), tuple(es)))
                if len(found) >= limit:
                    return found
    return found


def _edge(graph: EntityGraph, u: int, w: int) -> int:
    """One edge joining u and w: a relationship or property record first, then the rest."""
    found = graph.edges_between(u, w)
    return min(found, key=lambda e: (graph.ekind[e], e))
