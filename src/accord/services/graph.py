"""Link analysis as a use case: the node's graph, kept current, and the analyses a user asks
for (docs/graph.md).

The graph is built from every live record the node holds (its own and what partners
disclosed to it) and the matcher's links, and kept in the process; before each analysis a
fingerprint of the records and links is read (one query each); when it changed, only the
records added or changed since are read again and the graph is built anew in memory
(docs/decisions/0027: rebuilt rather than patched in place; 0031: only what changed is read).
Every analysis states a purpose, is checked (ids held, hops within the node's maximum, a
window that ends after it starts), and goes to the ledger with the records it showed. An
export for another agency goes through `disclosure.release`, the one door out of the node."""

from __future__ import annotations

import gc
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from accord.errors import FieldError, NotFound, ValidationError
from accord.graph import (
    EXPORT_FORMATS,
    EdgeKind,
    EntityGraph,
    Filters,
    GraphBuilder,
    GraphRecord,
    SameAs,
    Summary,
    centrality,
    communities,
    export,
    neighbourhood,
    paths,
    prepare_flows,
    rings,
    trace,
)
from accord.model import Principal, Record, is_agency_code
from accord.policy import Mode
from accord.services.audit import Event, record_event
from accord.services.disclosure import release
from accord.services.node import Node
from accord.services.purpose import Purpose
from accord.store import graph as store
from accord.store import records as record_store

__all__ = [
    "MEASURES",
    "Analysis",
    "analyse_centrality",
    "analyse_communities",
    "analyse_money_flow",
    "analyse_neighbourhood",
    "analyse_paths",
    "analyse_rings",
    "current_graph",
    "export_graph",
    "load_graph",
]

MEASURES = ("betweenness", "pagerank")
DIRECTIONS = ("forward", "backward")
#: Betweenness over more records than this needs a scope (a community or an entity's
#: neighbourhood): exact betweenness grows with the square of the graph.
MAX_BETWEENNESS = 20_000
MAX_LIMIT = 1000
_lock = threading.Lock()


class _Held:
    """What a process keeps of the node's graph: the graph, the fingerprint it was built at,
    and what it was built from (each live record by key, with its version, and the matcher's
    links), so that a change costs reading the changed records and a build in memory."""

    def __init__(self) -> None:
        self.mark: tuple[Any, ...] | None = None
        self.graph: EntityGraph | None = None
        self.records: dict[int, tuple[int, GraphRecord]] = {}
        self.links: list[SameAs] = []
        self.summaries: dict[tuple[Any, ...], Summary] = {}
        self.read = 0  # records read from the store by the last refresh
        self.froze = False  # whether the graph held was frozen (`settle`)

    def _record(self, row: store.GraphRow) -> GraphRecord:
        owner, rid, schema, caption, props, hand, tlp, rel, ass, cat, areas = row
        key = (owner, hand, tlp, rel, ass, cat, tuple(areas))
        summary = self.summaries.get(key)
        if summary is None:
            summary = self.summaries[key] = Summary(owner, hand, tlp, rel, ass, cat, key[6])
        return GraphRecord(owner, rid, schema, caption, props, summary)

    def refresh(self, node: Node, mark: tuple[Any, ...]) -> EntityGraph:
        """Read what changed since `self.mark` (records added, changed or deleted; links)
        and build the graph again from what is held."""
        with node.engine.connect() as conn:
            if self.mark is None or self.mark[:3] != mark[:3]:
                live = store.live_versions(conn)
                for pk in [pk for pk in self.records if pk not in live]:
                    del self.records[pk]
                changed = [pk for pk, ver in live.items() if self.records.get(pk, (-1,))[0] != ver]
                for pk in changed:
                    self.records.pop(pk, None)
                for pk, version, row in store.graph_rows_of(conn, changed):
                    self.records[pk] = (version, self._record(row))
                self.read = len(changed)
            else:
                self.read = 0
            if self.mark is None or self.mark[3:] != mark[3:]:
                self.links = [
                    SameAs((lo, li), (ro, ri), judged == "same", score)
                    for lo, li, ro, ri, score, judged in store.match_links(conn)
                    if judged != "different"
                ]
        if self.froze:
            gc.unfreeze()  # the graph this one replaces may be collected again
        builder = GraphBuilder()
        for pk in sorted(self.records):
            builder.add(self.records[pk][1])
        for link in self.links:
            builder.add_same_as(link)
        self.graph = settle(builder.build())
        self.froze = gc.get_freeze_count() > 0 and self.graph.vertex_count >= FREEZE_FROM
        self.mark = mark
        return self.graph


#: From this many records on, a graph just built is put out of the garbage collector's way.
FREEZE_FROM = 50_000


def settle(graph: EntityGraph) -> EntityGraph:
    """Make a graph just built ready to be held: what every trace reads computed now, and,
    for a large graph, every object the process holds by then put out of the garbage
    collector's way (`gc.freeze`). A graph of a million records is tens of millions of list
    items, none of which can be garbage while it is held; each full collection walked them
    all, half a second every few dozen analyses at that size. The next refresh unfreezes
    first. A small graph is left to the collector: the full collection that must come before
    a freeze walks the whole process, which costs more than a small graph ever would."""
    prepare_flows(graph)
    if graph.vertex_count >= FREEZE_FROM:
        gc.collect()
        gc.freeze()
    return graph


def load_graph(node: Node) -> EntityGraph:
    """Build the graph from the store (every live record and every link the matcher
    proposed; a link judged `different` makes no edge)."""
    with node.engine.connect() as conn:
        mark = store.fingerprint(conn)
    return _Held().refresh(node, mark)


def current_graph(node: Node) -> EntityGraph:
    """The node's graph, brought up to date when a record or a link changed since it was
    built: the changed records are read, the rest is held (docs/decisions/0031)."""
    with node.engine.connect() as conn:
        mark = store.fingerprint(conn)
    held: _Held | None = node.cache.get("graph")
    if held is not None and held.mark == mark and held.graph is not None:
        return held.graph
    with _lock:
        held = node.cache.get("graph")
        if held is None:
            held = node.cache["graph"] = _Held()
        if held.mark == mark and held.graph is not None:
            return held.graph
        return held.refresh(node, mark)


@dataclass(frozen=True, slots=True)
class Analysis:
    """An analysis's answer (as the API shows it) and the records it showed."""

    operation: str
    result: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"operation": self.operation, **self.result}


def _vertex(graph: EntityGraph, field: str, value: str | None) -> int:
    """The vertex of a record id (`ID`, or `OWNER:ID` where two owners hold one id)."""
    if not value or not value.strip():
        raise ValidationError(FieldError(field, "is required"))
    text = value.strip()
    owner, sep, rid = text.partition(":")
    found = graph.find(rid, owner) if sep and is_agency_code(owner) else graph.find(text)
    if not found:
        raise NotFound(f"{field}: no record {text!r} is held on this node (or it is no entity)")
    if len(found) > 1:
        owners = ", ".join(sorted(graph.refs[v][0] for v in found))
        raise ValidationError(
            FieldError(field, f"{text!r} is held from several owners ({owners}): write OWNER:ID")
        )
    return found[0]


def _check_day(field: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValidationError(FieldError(field, f"{value!r} is not a date YYYY-MM-DD")) from None


def _window(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    first, last = _check_day("since", since), _check_day("until", until)
    if first is not None and last is not None and last < first:
        raise ValidationError(
            FieldError("until", f"the window ends ({last}) before it starts ({first})")
        )
    return first, last


def _limit(value: int, field: str = "limit", top: int = MAX_LIMIT) -> int:
    if not 1 <= value <= top:
        raise ValidationError(FieldError(field, f"must be between 1 and {top}"))
    return value


def _hops(node: Node, value: int, field: str = "hops") -> int:
    top = node.settings.graph_max_hops
    if not 1 <= value <= top:
        raise ValidationError(
            FieldError(field, f"must be between 1 and {top} (ACCORD_GRAPH_MAX_HOPS)")
        )
    return value


def _kinds(values: Sequence[str]) -> list[EdgeKind]:
    known = {k.value for k in EdgeKind}
    bad = [v for v in values if v not in known]
    if bad:
        raise ValidationError(
            FieldError("kinds", f"{bad[0]!r} is no edge kind ({', '.join(sorted(known))})")
        )
    return [EdgeKind(v) for v in values]


def _ledger(
    node: Node,
    principal: Principal,
    purpose: Purpose,
    operation: str,
    parameters: dict[str, Any],
    shown: Sequence[tuple[str, str]],
) -> None:
    with node.engine.begin() as conn:
        record_event(
            conn,
            Event.GRAPH_ANALYSIS,
            principal,
            {
                "operation": operation,
                **purpose.to_dict(),
                "parameters": parameters,
                "results": [list(ref) for ref in dict.fromkeys(shown)],
            },
        )


def _edge_refs(graph: EntityGraph, edges: Sequence[int]) -> list[tuple[str, str]]:
    return [r for r in (graph.erecord[e] for e in edges) if r is not None]


def analyse_neighbourhood(
    node: Node,
    principal: Principal,
    purpose: Purpose,
    *,
    start: str,
    hops: int = 2,
    schemata: Sequence[str] = (),
    kinds: Sequence[str] = (),
    labels: Sequence[str] = (),
    owners: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> Analysis:
    """The records within `hops` links of `start`, filtered; cut at the node limit."""
    hops = _hops(node, hops)
    first, last = _window(since, until)
    filters = Filters.of(
        schemata=schemata,
        kinds=_kinds(kinds),
        labels=labels,
        owners=owners,
        since=first,
        until=last,
    )
    graph = current_graph(node)
    v = _vertex(graph, "start", start)
    found = neighbourhood(graph, v, hops, filters, node.settings.graph_node_limit)
    params = {"start": start, "hops": hops, "filters": _filters_dict(filters)}
    shown = [graph.refs[w] for w in found.depth] + _edge_refs(graph, found.edges)
    _ledger(node, principal, purpose, "neighbourhood", params, shown)
    return Analysis("neighbourhood", found.to_dict(graph))


def _filters_dict(f: Filters) -> dict[str, Any]:
    return {
        "schemata": sorted(f.schemata),
        "kinds": sorted(k.value for k in f.kinds),
        "labels": sorted(f.labels),
        "owners": sorted(f.owners),
        "since": f.since,
        "until": f.until,
    }


def analyse_paths(
    node: Node,
    principal: Principal,
    purpose: Purpose,
    *,
    source: str,
    target: str,
    max_hops: int | None = None,
    limit: int = 10,
    kinds: Sequence[str] = (),
) -> Analysis:
    """Every shortest path between two records (up to `limit`); none when they are not
    connected within `max_hops` — an empty answer, not an error."""
    hops = _hops(node, max_hops or node.settings.graph_max_hops, "max_hops")
    limit = _limit(limit, top=100)
    filters = Filters.of(kinds=_kinds(kinds))
    graph = current_graph(node)
    a = _vertex(graph, "source", source)
    b = _vertex(graph, "target", target)
    found = paths(graph, a, b, max_hops=hops, limit=limit, filters=filters)
    shown: list[tuple[str, str]] = []
    for p in found:
        shown.extend(graph.refs[v] for v in p.vertices)
        shown.extend(_edge_refs(graph, p.edges))
    params = {"source": source, "target": target, "max_hops": hops, "limit": limit}
    _ledger(node, principal, purpose, "paths", params, shown)
    return Analysis(
        "paths",
        {
            "source": graph.vertex(a).to_dict(),
            "target": graph.vertex(b).to_dict(),
            "connected": bool(found),
            "paths": [p.to_dict(graph) for p in found],
        },
    )


def analyse_communities(
    node: Node,
    principal: Principal,
    purpose: Purpose,
    *,
    resolution: float = 1.0,
    min_size: int = 3,
    limit: int = 20,
    members: int = 200,
) -> Analysis:
    """Leiden communities, largest first: `limit` of them, each with up to `members`
    records (its best-connected first)."""
    if not 0.0 < resolution <= 100.0:
        raise ValidationError(FieldError("resolution", "must be above 0 and at most 100"))
    _limit(min_size, "min_size", 10_000)
    limit = _limit(limit)
    members = _limit(members, "members", 100_000)
    graph = current_graph(node)
    found = communities(graph, resolution=resolution, min_size=min_size)
    shown = found[:limit]
    refs = [graph.refs[v] for c in shown for v in c.members[:members]]
    params = {"resolution": resolution, "min_size": min_size, "limit": limit}
    _ledger(node, principal, purpose, "communities", params, refs)
    return Analysis(
        "communities",
        {
            "total": len(found),
            "communities": [c.to_dict(graph, members=members) for c in shown],
        },
    )


def analyse_centrality(
    node: Node,
    principal: Principal,
    purpose: Purpose,
    *,
    measure: str = "betweenness",
    around: str | None = None,
    hops: int = 2,
    limit: int = 20,
) -> Analysis:
    """The records that broker most (`betweenness`) or weigh most (`pagerank`), over the
    graph or the neighbourhood of `around`."""
    if measure not in MEASURES:
        raise ValidationError(FieldError("measure", f"{measure!r}: one of {', '.join(MEASURES)}"))
    limit = _limit(limit)
    graph = current_graph(node)
    within = None
    if around:
        hops = _hops(node, hops)
        v = _vertex(graph, "around", around)
        within = list(neighbourhood(graph, v, hops, limit=node.settings.graph_node_limit).depth)
    elif measure == "betweenness" and graph.vertex_count > MAX_BETWEENNESS:
        raise ValidationError(
            FieldError(
                "around",
                f"betweenness over {graph.vertex_count} records needs a scope: name a record "
                f"whose neighbourhood to rank (at most {MAX_BETWEENNESS} without one)",
            )
        )
    ranked = centrality(graph, measure, within=within, limit=limit)
    params = {"measure": measure, "around": around, "hops": hops if around else None}
    _ledger(node, principal, purpose, "centrality", params, [graph.refs[r.vertex] for r in ranked])
    return Analysis(
        "centrality", {"measure": measure, "ranked": [r.to_dict(graph) for r in ranked]}
    )


def analyse_money_flow(
    node: Node,
    principal: Principal,
    purpose: Purpose,
    *,
    start: str,
    direction: str = "forward",
    since: str | None = None,
    until: str | None = None,
    min_amount: float | None = None,
    currencies: Sequence[str] = (),
    max_hops: int = 6,
    fan: int = 5,
    limit: int = 1000,
) -> Analysis:
    """Follow the money from an account, person or company (see `accord.graph.money`), up to
    `limit` payments (then `truncated`)."""
    if direction not in DIRECTIONS:
        raise ValidationError(
            FieldError("direction", f"{direction!r}: one of {', '.join(DIRECTIONS)}")
        )
    first, last = _window(since, until)
    if min_amount is not None and min_amount < 0:
        raise ValidationError(FieldError("min_amount", "must not be negative"))
    _limit(max_hops, "max_hops", 20)
    _limit(fan, "fan", 10_000)
    limit = _limit(limit, top=100_000)
    graph = current_graph(node)
    v = _vertex(graph, "start", start)
    trail = trace(
        graph,
        v,
        direction=direction,
        since=first,
        until=last,
        min_amount=min_amount,
        currencies=currencies,
        max_hops=max_hops,
        fan=fan,
        limit=limit,
    )
    shown = [graph.refs[v], *_edge_refs(graph, [p.edge for p in trail.payments])]
    shown += [graph.refs[graph.src[p.edge]] for p in trail.payments]
    shown += [graph.refs[graph.dst[p.edge]] for p in trail.payments]
    params = {
        "start": start,
        "direction": direction,
        "since": first,
        "until": last,
        "min_amount": min_amount,
        "currencies": list(currencies),
        "max_hops": max_hops,
        "limit": limit,
    }
    _ledger(node, principal, purpose, "money_flow", params, shown)
    return Analysis("money_flow", trail.to_dict(graph))


def analyse_rings(
    node: Node,
    principal: Principal,
    purpose: Purpose,
    *,
    kinds: Sequence[str] = (),
    min_records: int = 3,
    limit: int = 20,
) -> Analysis:
    """Records tied by shared identifiers, most suspicious first."""
    from accord.graph import IDENTIFIER_KINDS

    bad = [k for k in kinds if k not in IDENTIFIER_KINDS]
    if bad:
        raise ValidationError(
            FieldError("kinds", f"{bad[0]!r}: one of {', '.join(sorted(IDENTIFIER_KINDS))}")
        )
    _limit(min_records, "min_records", 10_000)
    limit = _limit(limit)
    graph = current_graph(node)
    found = rings(graph, kinds=kinds or None, min_records=min_records, limit=limit)
    shown = [graph.refs[v] for r in found for v in sorted(r.members())]
    params = {"kinds": list(kinds), "min_records": min_records, "limit": limit}
    _ledger(node, principal, purpose, "rings", params, shown)
    return Analysis("rings", {"rings": [r.to_dict(graph) for r in found]})


@dataclass(frozen=True, slots=True)
class Exported:
    format: str
    text: str
    vertices: int
    edges: int
    withheld: int

    @property
    def media_type(self) -> str:
        return {
            "graphml": "application/graphml+xml",
            "gexf": "application/gexf+xml",
            "cytoscape": "application/json",
            "i2-csv": "text/csv",
        }[self.format]


def export_graph(
    node: Node,
    principal: Principal,
    purpose: Purpose,
    *,
    fmt: str,
    around: str | None = None,
    hops: int = 2,
    to: str | None = None,
) -> Exported:
    """The graph (or the neighbourhood of `around`) as `fmt`. With `to`, for another agency:
    every record in it passes `release`, and only those it lets go in full stay (a record
    released as a reference, redacted or not at all leaves the chart, with its links)."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(FieldError("format", f"{fmt!r}: one of {', '.join(EXPORT_FORMATS)}"))
    if to is not None and not is_agency_code(to):
        raise ValidationError(FieldError("to", f"{to!r} is not an agency code CC-NAME"))
    graph = current_graph(node)
    if around:
        hops = _hops(node, hops)
        v = _vertex(graph, "around", around)
        found = neighbourhood(graph, v, hops, limit=node.settings.graph_node_limit)
        vertices = sorted(found.depth)
        edges = sorted(found.edges)
    else:
        vertices = list(range(graph.vertex_count))
        edges = list(range(graph.edge_count))
    withheld = 0
    if to is not None:
        vertices, edges, withheld = _released(node, principal, purpose, graph, to, vertices, edges)
    text = export(graph, fmt, vertices, edges)
    shown = [graph.refs[v] for v in vertices] + _edge_refs(graph, edges)
    with node.engine.begin() as conn:
        record_event(
            conn,
            Event.EXPORT,
            principal,
            {
                "format": fmt,
                "to": to,
                **purpose.to_dict(),
                "around": around,
                "vertices": len(vertices),
                "edges": len(edges),
                "withheld": withheld,
                "results": [list(r) for r in dict.fromkeys(shown)],
            },
        )
    return Exported(fmt, text, len(vertices), len(edges), withheld)


def _released(
    node: Node,
    principal: Principal,
    purpose: Purpose,
    graph: EntityGraph,
    to: str,
    vertices: list[int],
    edges: list[int],
) -> tuple[list[int], list[int], int]:
    refs = {graph.refs[v] for v in vertices} | set(_edge_refs(graph, edges))
    with node.engine.begin() as conn:
        held: list[Record] = []
        for owner, rid in sorted(refs):
            held.extend(s.record for s in record_store.get_record(conn, rid, owner))
        released = release(
            conn,
            node,
            recipient=to,
            purpose=purpose,
            records=held,
            channel="graph_export",
            actor=principal,
        )
    full = {(r.owner, r.id) for r, d in released.decisions if d.mode is Mode.FULL}
    kept = [v for v in vertices if graph.refs[v] in full]
    keep = set(kept)
    kept_edges = [
        e
        for e in edges
        if graph.src[e] in keep
        and graph.dst[e] in keep
        and (graph.erecord[e] is None or graph.erecord[e] in full)
    ]
    return kept, kept_edges, len(vertices) - len(kept)
