"""Tiny worlds for the graph's tests: `rec("Person", "p1", name="Anna")`."""

from __future__ import annotations

from typing import Any

from accord.graph import EntityGraph, GraphRecord, SameAs, Summary, build_graph


def summary(owner: str = "DE-BKA", tlp: str = "AMBER") -> Summary:
    return Summary(owner, "H0", tlp, "B", "2", None, ("thb",))


def rec(schema: str, rid: str, agency: str = "DE-BKA", **props: Any) -> GraphRecord:
    """A record of `agency`; its properties as keywords (`owner` is FtM's property)."""
    properties = {k: v if isinstance(v, list) else [v] for k, v in props.items()}
    caption = (properties.get("name") or properties.get("full") or [rid])[0]
    return GraphRecord(agency, rid, schema, caption, properties, summary(agency))


def pay(rid: str, src: str, dst: str, amount: float, day: str, **props: Any) -> GraphRecord:
    return rec(
        "Payment",
        rid,
        payerAccount=src,
        beneficiaryAccount=dst,
        amount=f"{amount:.2f}",
        currency=props.pop("currency", "EUR"),
        date=day,
        **props,
    )


def graph_of(*records: GraphRecord, same_as: tuple[SameAs, ...] = (), **kw: Any) -> EntityGraph:
    return build_graph(records, same_as, **kw)


def vid(graph: EntityGraph, rid: str) -> int:
    (v,) = graph.find(rid)
    return v


def ids(graph: EntityGraph, vertices: Any) -> set[str]:
    return {graph.refs[v][1] for v in vertices}
