"""Exports of a graph (or part of it) in the formats analysts' tools open: GraphML
(igraph, networkx, Gephi, yEd), GEXF 1.3 (Gephi), Cytoscape.js JSON (elements), and i2
Analyst's Notebook's tabular import (one CSV row per link; the column map is in
docs/graph.md)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import quoteattr

from accord.graph.core import EntityGraph

__all__ = ["EXPORT_FORMATS", "I2_COLUMNS", "export"]

EXPORT_FORMATS = ("graphml", "gexf", "cytoscape", "i2-csv")

_NODE_ATTRS = ("owner", "record_id", "schema", "label", "handling", "tlp", "subject_category")
_EDGE_ATTRS = ("kind", "label", "record_id", "record_owner", "value", "amount", "currency", "date")

#: The i2 import's columns, in order (each link is one row; an entity without links is a row
#: with the entity-2 and link columns empty).
I2_COLUMNS = (
    "Entity1 Identity",
    "Entity1 Type",
    "Entity1 Label",
    "Entity1 Owner",
    "Entity1 TLP",
    "Link Type",
    "Link Label",
    "Link Date",
    "Link Amount",
    "Link Currency",
    "Link Record",
    "Entity2 Identity",
    "Entity2 Type",
    "Entity2 Label",
    "Entity2 Owner",
    "Entity2 TLP",
)


def _key(graph: EntityGraph, v: int) -> str:
    owner, rid = graph.refs[v]
    return f"{owner}:{rid}"


def _node(graph: EntityGraph, v: int) -> dict[str, str]:
    s = graph.summaries[graph.vsummary[v]]
    return {
        "owner": s.owner,
        "record_id": graph.refs[v][1],
        "schema": graph.schemata[v],
        "label": graph.captions[v],
        "handling": s.handling,
        "tlp": s.tlp,
        "subject_category": s.subject_category or "",
    }


def _edge(graph: EntityGraph, e: int) -> dict[str, str]:
    view = graph.edge(e)
    return {
        "kind": view.kind.value,
        "label": view.label,
        "record_id": view.record[1] if view.record else "",
        "record_owner": view.record[0] if view.record else "",
        "value": view.value or "",
        "amount": "" if view.amount is None else f"{view.amount:.2f}",
        "currency": view.currency or "",
        "date": view.start or "",
    }


def _graphml(graph: EntityGraph, vertices: Sequence[int], edges: Sequence[int]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    out.append('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">')
    for name in _NODE_ATTRS:
        out.append(f'<key id="v_{name}" for="node" attr.name="{name}" attr.type="string"/>')
    for name in _EDGE_ATTRS:
        out.append(f'<key id="e_{name}" for="edge" attr.name="{name}" attr.type="string"/>')
    out.append('<graph id="accord" edgedefault="directed">')
    for v in vertices:
        data = "".join(
            f'<data key="v_{k}">{_text(val)}</data>' for k, val in _node(graph, v).items()
        )
        out.append(f"<node id={quoteattr(_key(graph, v))}>{data}</node>")
    for e in edges:
        data = "".join(
            f'<data key="e_{k}">{_text(val)}</data>' for k, val in _edge(graph, e).items()
        )
        out.append(
            f'<edge id="e{e}" source={quoteattr(_key(graph, graph.src[e]))} '
            f"target={quoteattr(_key(graph, graph.dst[e]))}>{data}</edge>"
        )
    out.append("</graph>")
    out.append("</graphml>")
    return "\n".join(out) + "\n"


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _gexf(graph: EntityGraph, vertices: Sequence[int], edges: Sequence[int]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    out.append('<gexf xmlns="http://gexf.net/1.3" version="1.3">')
    out.append('<graph mode="static" defaultedgetype="directed">')
    out.append('<attributes class="node">')
    out.extend(
        f'<attribute id="{i}" title="{n}" type="string"/>' for i, n in enumerate(_NODE_ATTRS)
    )
    out.append("</attributes>")
    out.append('<attributes class="edge">')
    out.extend(
        f'<attribute id="{i}" title="{n}" type="string"/>' for i, n in enumerate(_EDGE_ATTRS)
    )
    out.append("</attributes>")
    out.append("<nodes>")
    for v in vertices:
        node = _node(graph, v)
        values = "".join(
            f'<attvalue for="{i}" value={quoteattr(node[n])}/>' for i, n in enumerate(_NODE_ATTRS)
        )
        out.append(
            f"<node id={quoteattr(_key(graph, v))} label={quoteattr(node['label'])}>"
            f"<attvalues>{values}</attvalues></node>"
        )
    out.append("</nodes>")
    out.append("<edges>")
    for e in edges:
        edge = _edge(graph, e)
        values = "".join(
            f'<attvalue for="{i}" value={quoteattr(edge[n])}/>' for i, n in enumerate(_EDGE_ATTRS)
        )
        out.append(
            f'<edge id="{e}" source={quoteattr(_key(graph, graph.src[e]))} '
            f"target={quoteattr(_key(graph, graph.dst[e]))} label={quoteattr(edge['label'])}>"
            f"<attvalues>{values}</attvalues></edge>"
        )
    out.append("</edges>")
    out.append("</graph>")
    out.append("</gexf>")
    return "\n".join(out) + "\n"


def _cytoscape(graph: EntityGraph, vertices: Sequence[int], edges: Sequence[int]) -> str:
    nodes = [{"data": {"id": _key(graph, v), **_node(graph, v)}} for v in vertices]
    links = [
        {
            "data": {
                "id": f"e{e}",
                "source": _key(graph, graph.src[e]),
                "target": _key(graph, graph.dst[e]),
                **_edge(graph, e),
            }
        }
        for e in edges
    ]
    return json.dumps({"elements": {"nodes": nodes, "edges": links}}, ensure_ascii=False) + "\n"


def _i2(graph: EntityGraph, vertices: Sequence[int], edges: Sequence[int]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(I2_COLUMNS)

    def end(v: int) -> list[str]:
        node = _node(graph, v)
        return [_key(graph, v), node["schema"], node["label"], node["owner"], node["tlp"]]

    linked: set[int] = set()
    for e in edges:
        edge = _edge(graph, e)
        link_type = edge["label"] if edge["kind"] != "shared" else f"shared {edge['label']}"
        label = edge["value"] or edge["label"]
        writer.writerow(
            [
                *end(graph.src[e]),
                link_type,
                label,
                edge["date"],
                edge["amount"],
                edge["currency"],
                edge["record_id"],
                *end(graph.dst[e]),
            ]
        )
        linked.add(graph.src[e])
        linked.add(graph.dst[e])
    for v in vertices:
        if v not in linked:
            writer.writerow([*end(v), *([""] * 11)])
    return buf.getvalue()


_WRITERS = {"graphml": _graphml, "gexf": _gexf, "cytoscape": _cytoscape, "i2-csv": _i2}


def export(
    graph: EntityGraph,
    fmt: str,
    vertices: Iterable[int] | None = None,
    edges: Iterable[int] | None = None,
) -> str:
    """The graph, or the given vertices and the edges among them (or `edges`), as `fmt`."""
    if fmt not in _WRITERS:
        raise ValueError(fmt)
    if vertices is None:
        vs: list[int] = list(range(graph.vertex_count))
        es: list[int] = list(range(graph.edge_count)) if edges is None else list(edges)
    else:
        vs = sorted(set(vertices))
        keep = set(vs)
        if edges is None:
            found: set[int] = set()
            for v in vs:
                found.update(e for e in graph.graph.incident(v, mode="out") if graph.dst[e] in keep)
            es = sorted(found)
        else:
            es = [e for e in edges if graph.src[e] in keep and graph.dst[e] in keep]
    return _WRITERS[fmt](graph, vs, es)
