"""The entity graph: one vertex per record of an entity, one edge per link between two.

Structure lives in an `igraph.Graph` (directed: a payment runs from payer to beneficiary, a
passport points at its holder); what analysts read of each vertex and edge lives beside it in
plain arrays indexed by the same ids, so that a million vertices cost no Python object each.
Every vertex and every edge that comes from a record carries that record's owner and
envelope summary (`Summary`)."""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import igraph as ig

__all__ = [
    "EdgeKind",
    "EdgeView",
    "EntityGraph",
    "GraphStats",
    "Ref",
    "Summary",
    "VertexView",
    "day_of",
    "iso_day",
]

#: A record's reference: (owner agency, record id).
Ref = tuple[str, str]


class EdgeKind(StrEnum):
    """Where an edge comes from."""

    #: A FtM relationship record (Ownership, Directorship, Family, Payment, …): `label` is
    #: its schema, `record` the record.
    RELATIONSHIP = "relationship"
    #: An entity property pointing at another entity (a passport's `holder`): `label` is the
    #: property, `record` the record that holds it.
    PROPERTY = "property"
    #: One identifier held by both records (a phone, an address, an IBAN): `label` is its
    #: kind, `value` its compared form.
    SHARED = "shared"
    #: The matcher's link between two person records: `label` is `judged` (an analyst said
    #: `same`) or `proposed` (not judged yet), `value` the score.
    SAME_AS = "same_as"


KINDS: tuple[EdgeKind, ...] = tuple(EdgeKind)
_KIND_CODE = {k: i for i, k in enumerate(KINDS)}


@dataclass(frozen=True, slots=True)
class Summary:
    """What the envelope says about handling a record, without its content."""

    owner: str
    handling: str
    tlp: str
    reliability: str
    assessment: str
    subject_category: str | None
    crime_areas: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "handling": self.handling,
            "tlp": self.tlp,
            "evaluation": f"{self.reliability}{self.assessment}",
            "subject_category": self.subject_category,
            "crime_areas": list(self.crime_areas),
        }


_EPOCH = date(1970, 1, 1).toordinal()
NO_DAY = -(2**31)


def day_of(value: str | None) -> int:
    """Days since 1970-01-01 of an ISO date (a year or year-month counts from its start);
    NO_DAY for none or a value that is no date."""
    if not value:
        return NO_DAY
    text = value[:10]
    parts = text.split("-")
    try:
        y = int(parts[0])
        m = int(parts[1]) if len(parts) > 1 else 1
        d = int(parts[2]) if len(parts) > 2 else 1
        return date(y, m, d).toordinal() - _EPOCH
    except (ValueError, IndexError):
        return NO_DAY


def iso_day(day: int) -> str | None:
    return None if day == NO_DAY else date.fromordinal(day + _EPOCH).isoformat()


@dataclass(slots=True)
class GraphStats:
    """What the build saw: records read, links whose other end is not held, identifier
    values held by more records than `max_shared` (too common to be evidence)."""

    records: int = 0
    dangling: int = 0
    common_identifiers: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "dangling_links": self.dangling,
            "common_identifiers": self.common_identifiers,
            "build_seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True, slots=True)
class VertexView:
    """One vertex as shown: the record's reference, schema, caption and envelope summary."""

    vid: int
    ref: Ref
    schema: str
    caption: str
    summary: Summary

    def to_dict(self) -> dict[str, Any]:
        return {
            "owner": self.ref[0],
            "id": self.ref[1],
            "schema": self.schema,
            "caption": self.caption,
            "envelope": self.summary.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class EdgeView:
    """One edge as shown. `record`: the record it comes from (a relationship, or the record
    holding the property); none for shared identifiers and same-as links."""

    eid: int
    source: Ref
    target: Ref
    kind: EdgeKind
    label: str
    record: Ref | None
    value: str | None
    amount: float | None
    currency: str | None
    start: str | None
    end: str | None
    summary: Summary | None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": {"owner": self.source[0], "id": self.source[1]},
            "target": {"owner": self.target[0], "id": self.target[1]},
            "kind": self.kind.value,
            "label": self.label,
        }
        if self.record is not None:
            out["record"] = {"owner": self.record[0], "id": self.record[1]}
        for key in ("value", "amount", "currency", "start", "end"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.summary is not None:
            out["envelope"] = self.summary.to_dict()
        return out


@dataclass(slots=True)
class EntityGraph:
    """The graph and what each vertex and edge carries (arrays indexed by igraph's ids)."""

    graph: ig.Graph
    refs: list[Ref]
    schemata: list[str]
    captions: list[str]
    vsummary: array[int]
    summaries: list[Summary]
    src: array[int]
    dst: array[int]
    ekind: bytearray
    labels: list[str]
    erecord: list[Ref | None]
    values: list[str | None]
    esummary: array[int]
    amounts: array[float]
    currencies: list[str | None]
    starts: array[int]
    ends: array[int]
    #: Identifier values held by two or more records (and no more than `max_shared`):
    #: (kind, value, vertex ids), for rings.
    shared: list[tuple[str, str, tuple[int, ...]]]
    stats: GraphStats
    index: dict[Ref, int] = field(default_factory=dict)
    #: Derived views, computed once per graph (the undirected simple graph, flow groups).
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def vertex_count(self) -> int:
        return len(self.refs)

    @property
    def edge_count(self) -> int:
        return len(self.src)

    def vid(self, ref: Ref) -> int | None:
        return self.index.get(ref)

    def find(self, record_id: str, owner: str | None = None) -> list[int]:
        """Vertices of a record id (one per owner holding that id), or of (owner, id)."""
        if owner is not None:
            v = self.index.get((owner, record_id))
            return [] if v is None else [v]
        by_id: dict[str, list[int]] = self.cache.get("by_id") or self._by_id()
        return by_id.get(record_id, [])

    def _by_id(self) -> dict[str, list[int]]:
        by_id: dict[str, list[int]] = {}
        for v, (_, rid) in enumerate(self.refs):
            by_id.setdefault(rid, []).append(v)
        self.cache["by_id"] = by_id
        return by_id

    def kind(self, eid: int) -> EdgeKind:
        return KINDS[self.ekind[eid]]

    def other(self, eid: int, v: int) -> int:
        s = self.src[eid]
        return self.dst[eid] if s == v else s

    def incident(self, v: int, mode: str = "all") -> list[int]:
        return list(self.graph.incident(v, mode=mode))

    def vertex(self, v: int) -> VertexView:
        return VertexView(
            v, self.refs[v], self.schemata[v], self.captions[v], self.summaries[self.vsummary[v]]
        )

    def edge(self, e: int) -> EdgeView:
        amount = self.amounts[e]
        s = self.esummary[e]
        return EdgeView(
            eid=e,
            source=self.refs[self.src[e]],
            target=self.refs[self.dst[e]],
            kind=self.kind(e),
            label=self.labels[e],
            record=self.erecord[e],
            value=self.values[e],
            amount=None if math.isnan(amount) else amount,
            currency=self.currencies[e],
            start=iso_day(self.starts[e]),
            end=iso_day(self.ends[e]),
            summary=None if s < 0 else self.summaries[s],
        )

    def owner(self, v: int) -> str:
        return self.refs[v][0]

    def undirected(self) -> ig.Graph:
        """The simple undirected graph (parallel edges merged, their weights summed), for
        communities and centrality."""
        found = self.cache.get("undirected")
        if found is None:
            g = self.graph.copy()
            g.es["weight"] = [EDGE_WEIGHTS[k] for k in self.ekind]
            g.to_undirected(mode="collapse", combine_edges={"weight": "sum"})
            g.simplify(multiple=False, loops=True, combine_edges={"weight": "sum"})
            self.cache["undirected"] = found = g
        return found

    def edges_between(self, a: int, b: int) -> list[int]:
        return [e for e in self.graph.incident(a, mode="all") if self.other(e, a) == b]


#: How strongly each kind of edge ties its ends together in community detection (by kind
#: code): a matcher's same-as and a relationship record weigh more than a shared identifier.
EDGE_WEIGHTS: tuple[float, ...] = (
    2.0,  # relationship
    2.0,  # property
    1.0,  # shared identifier
    3.0,  # same-as
)


def kind_code(kind: EdgeKind) -> int:
    return _KIND_CODE[kind]


def new_graph(n: int, edges: Sequence[tuple[int, int]] | Iterable[tuple[int, int]]) -> ig.Graph:
    return ig.Graph(n=n, edges=list(edges), directed=True)
