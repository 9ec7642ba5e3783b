"""Rings: groups of records tied together by identifiers they share although nothing else
relates them — visa applications giving one phone, accounts opened from one device, one
photograph under several names.

A *hub* is a shared identifier value (kind and value, held by two records or more and no
more than the graph's `max_shared`) or an address record referred to by several records. A
ring is a connected component of records and hubs; it is ranked by its suspicion: the
distinct persons behind its records (a record about a person, or one naming a person: an
application's applicant, a photograph's subject), times the number of hubs they share, times
the share of its records not otherwise related (no relationship record or same-as link
between them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from accord.graph.core import EdgeKind, EntityGraph, kind_code

__all__ = ["DEFAULT_RING_KINDS", "Ring", "rings"]

#: Kinds of identifier that make rings when nothing else is asked for: contact points,
#: places, photographs, devices and money addresses. Document and national numbers are left
#: out: they mostly tie one person's records at several agencies together.
DEFAULT_RING_KINDS = frozenset(
    {"phone", "email", "address", "file_hash", "ip", "account", "wallet", "username"}
)
_HUB_SCHEMATA = frozenset({"Address"})
_PERSON = "Person"
_REL = kind_code(EdgeKind.RELATIONSHIP)
_PROP = kind_code(EdgeKind.PROPERTY)
_SAME = kind_code(EdgeKind.SAME_AS)


@dataclass(frozen=True, slots=True)
class Ring:
    number: int
    records: tuple[int, ...]
    persons: tuple[int, ...]
    hubs: tuple[tuple[str, str], ...]
    unrelated: float
    score: float

    def to_dict(self, graph: EntityGraph) -> dict[str, Any]:
        return {
            "ring": self.number,
            "score": round(self.score, 3),
            "size": len(self.records),
            "persons": [graph.vertex(v).to_dict() for v in self.persons],
            "shared": [{"kind": k, "value": v} for k, v in self.hubs],
            "unrelated": round(self.unrelated, 3),
            "records": [graph.vertex(v).to_dict() for v in self.records],
        }

    def members(self) -> set[int]:
        """Its records and the persons they name."""
        return {*self.records, *self.persons}


def _persons_of(graph: EntityGraph, v: int) -> set[int]:
    if graph.schemata[v] == _PERSON:
        return {v}
    out = set()
    for e in graph.graph.incident(v, mode="out"):
        if graph.ekind[e] == _PROP and graph.schemata[graph.dst[e]] == _PERSON:
            out.add(graph.dst[e])
    return out


def rings(
    graph: EntityGraph,
    *,
    kinds: Iterable[str] | None = None,
    min_records: int = 3,
    limit: int = 50,
) -> list[Ring]:
    """Rings of at least `min_records` records linked by shared identifiers of `kinds`
    (default `DEFAULT_RING_KINDS`) and shared address records, most suspicious first."""
    wanted = frozenset(kinds) if kinds is not None else DEFAULT_RING_KINDS
    hubs: list[tuple[tuple[str, str], tuple[int, ...]]] = [
        ((k, value), members) for k, value, members in graph.shared if k in wanted
    ]
    if "address" in wanted:
        for v, schema in enumerate(graph.schemata):
            if schema not in _HUB_SCHEMATA:
                continue
            users = sorted(
                {
                    graph.src[e]
                    for e in graph.graph.incident(v, mode="in")
                    if graph.ekind[e] == _PROP and graph.schemata[graph.src[e]] not in _HUB_SCHEMATA
                }
            )
            if 2 <= len(users) <= graph.cache.get("max_shared", 50):
                hubs.append((("address", graph.captions[v] or graph.refs[v][1]), tuple(users)))
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for _, members in hubs:
        first = root(members[0])
        for m in members[1:]:
            r = root(m)
            if r != first:
                parent[max(r, first)] = min(r, first)
                first = min(r, first)
    # A record joins the persons it names: an applicant's application and photograph are
    # one ring's, though they share nothing with each other.
    for v in list(parent):
        for p in _persons_of(graph, v):
            a, b = root(v), root(p)
            if a != b:
                parent[max(a, b)] = min(a, b)
    records: dict[int, list[int]] = {}
    for v in parent:
        records.setdefault(root(v), []).append(v)
    hubs_of: dict[int, list[tuple[str, str]]] = {}
    for hub, members in hubs:
        hubs_of.setdefault(root(members[0]), []).append(hub)
    found: list[Ring] = []
    for r, held in records.items():
        if len(held) < min_records:
            continue
        ordered = sorted(held)
        persons = {v for v in ordered if graph.schemata[v] == _PERSON}
        for v in ordered:
            persons |= _persons_of(graph, v)
        related = _related(graph, set(ordered))
        unrelated = 1.0 - related / max(len(ordered), 1)
        shared = sorted(set(hubs_of.get(r, [])))
        score = max(len(persons), 1) * len(shared) * max(unrelated, 0.1)
        found.append(
            Ring(0, tuple(ordered), tuple(sorted(persons)), tuple(shared), unrelated, score)
        )
    found.sort(key=lambda ring: (-ring.score, -len(ring.records), ring.records[0]))
    return [
        Ring(i + 1, x.records, x.persons, x.hubs, x.unrelated, x.score)
        for i, x in enumerate(found[:limit])
    ]


def _related(graph: EntityGraph, members: set[int]) -> int:
    """How many of `members` have a relationship or same-as link to another member."""
    out = 0
    for v in members:
        for e in graph.graph.incident(v, mode="all"):
            if graph.ekind[e] in (_REL, _SAME) and graph.other(e, v) in members:
                out += 1
                break
    return out
