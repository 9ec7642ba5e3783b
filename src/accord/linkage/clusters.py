"""Clusters for display: the connected components of the links analysts judged `same` (pure).

Records are nodes, `same` links edges; two records are in one cluster when a chain of `same`
judgements joins them (A = B and B = C put A, B and C together, whether or not A and C were
ever proposed as a pair). A cluster's id is the smallest id of its links, so it stays put as
long as that link is judged `same`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

__all__ = ["canonical", "clusters"]

_N = TypeVar("_N", bound=Hashable)


def canonical(a: tuple[str, str], b: tuple[str, str]) -> tuple[str, str, str, str]:
    """The pair of records (owner, entity id) in canonical order: the smaller first."""
    left, right = (a, b) if a <= b else (b, a)
    return (*left, *right)


def clusters(edges: Iterable[tuple[int, _N, _N]]) -> dict[_N, int]:
    """Node → cluster id for every node on an edge (edge id, node, node); the id of a cluster
    is the smallest edge id in it."""
    parent: dict[_N, _N] = {}

    def find(x: _N) -> _N:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    listed = list(edges)
    for _, a, b in listed:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb, key=repr)] = min(ra, rb, key=repr)
    smallest: dict[_N, int] = {}
    for edge_id, a, _ in listed:
        root = find(a)
        smallest[root] = min(edge_id, smallest.get(root, edge_id))
    return {node: smallest[find(node)] for node in parent}
