"""What an analysis may walk through: schemata, kinds and labels of edges, owners, a window."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accord.graph.core import NO_DAY, EdgeKind, EntityGraph, day_of, kind_code

__all__ = ["Filters"]


@dataclass(frozen=True, slots=True)
class Filters:
    """Which vertices and edges an analysis may use; empty means any.

    `schemata`: of the vertices reached (the start is always kept). `kinds`: of edges
    (relationship, property, shared, same_as). `labels`: relationship schemata, property
    names or identifier kinds (`Family`, `holder`, `phone`). `owners`: agencies whose records
    may be walked. `since`/`until`: ISO dates; an edge dated outside them is left out (an
    edge without a date stays)."""

    schemata: frozenset[str] = frozenset()
    kinds: frozenset[EdgeKind] = frozenset()
    labels: frozenset[str] = frozenset()
    owners: frozenset[str] = frozenset()
    since: str | None = None
    until: str | None = None

    @classmethod
    def of(
        cls,
        *,
        schemata: Iterable[str] = (),
        kinds: Iterable[str | EdgeKind] = (),
        labels: Iterable[str] = (),
        owners: Iterable[str] = (),
        since: str | None = None,
        until: str | None = None,
    ) -> Filters:
        return cls(
            frozenset(schemata),
            frozenset(EdgeKind(k) for k in kinds),
            frozenset(labels),
            frozenset(owners),
            since,
            until,
        )

    @property
    def empty(self) -> bool:
        return not (
            self.schemata or self.kinds or self.labels or self.owners or self.since or self.until
        )

    def edge_test(self, graph: EntityGraph) -> _EdgeTest:
        return _EdgeTest(self, graph)

    def vertex_ok(self, graph: EntityGraph, v: int) -> bool:
        if self.schemata and graph.schemata[v] not in self.schemata:
            return False
        return not (self.owners and graph.refs[v][0] not in self.owners)


class _EdgeTest:
    __slots__ = ("codes", "graph", "labels", "since", "until")

    def __init__(self, f: Filters, graph: EntityGraph) -> None:
        self.graph = graph
        self.codes = frozenset(kind_code(k) for k in f.kinds) if f.kinds else None
        self.labels = f.labels or None
        self.since = day_of(f.since) if f.since else None
        self.until = day_of(f.until) if f.until else None

    def __call__(self, e: int) -> bool:
        g = self.graph
        if self.codes is not None and g.ekind[e] not in self.codes:
            return False
        if self.labels is not None and g.labels[e] not in self.labels:
            return False
        if self.since is not None or self.until is not None:
            start, end = g.starts[e], g.ends[e]
            if start != NO_DAY or end != NO_DAY:
                first = start if start != NO_DAY else end
                last = end if end != NO_DAY else start
                if self.since is not None and last < self.since:
                    return False
                if self.until is not None and first > self.until:
                    return False
        return True
