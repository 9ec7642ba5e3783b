"""Building the entity graph from records, same-as links and their envelopes.

A record of a thing (a person, a passport, an account) becomes a vertex; a relationship
record (Ownership, Directorship, Family, Associate, Payment, UnknownLink, …) becomes an edge
from its source to its target; every entity property of a thing that points at another
record becomes an edge; an identifier held by several records (a phone, an e-mail, an
address, a document number, an IBAN, a wallet, a photograph's hash) becomes an edge between
each two of them; the matcher's same-as links become edges. A reference resolves to the
record of that id at the same owner first, then at any owner (a partner's record kept under
its own id)."""

from __future__ import annotations

import time
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from accord.graph.core import (
    NO_DAY,
    EdgeKind,
    EntityGraph,
    GraphStats,
    Ref,
    Summary,
    day_of,
    kind_code,
    new_graph,
)
from accord.graph.schema import identifier_value, links_of

__all__ = ["DEFAULT_MAX_SHARED", "GraphBuilder", "GraphRecord", "SameAs", "build_graph"]

#: An identifier held by more records than this is too common to link them (a bank's
#: address, a registered agent's office): it makes no edge and counts as common.
DEFAULT_MAX_SHARED = 50

_REL = kind_code(EdgeKind.RELATIONSHIP)
_PROP = kind_code(EdgeKind.PROPERTY)
_SHARED = kind_code(EdgeKind.SHARED)
_SAME = kind_code(EdgeKind.SAME_AS)
_NAN = float("nan")


@dataclass(frozen=True, slots=True)
class GraphRecord:
    """What the graph needs of one record."""

    owner: str
    id: str
    schema: str
    caption: str
    properties: Mapping[str, Sequence[str]]
    summary: Summary

    @property
    def ref(self) -> Ref:
        return (self.owner, self.id)


@dataclass(frozen=True, slots=True)
class SameAs:
    """A matcher's link between two records: `judged` when an analyst said `same`."""

    left: Ref
    right: Ref
    judged: bool
    score: float


def _first(props: Mapping[str, Sequence[str]], *names: str) -> str | None:
    for name in names:
        values = props.get(name)
        if values:
            return values[0]
    return None


def _amount(props: Mapping[str, Sequence[str]]) -> float:
    text = _first(props, "amount", "amountEur", "amountUsd")
    if text is None:
        return _NAN
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return _NAN


class GraphBuilder:
    """Collects records and same-as links, then `build()`s the graph once."""

    def __init__(self, *, max_shared: int = DEFAULT_MAX_SHARED) -> None:
        self.max_shared = max_shared
        self._refs: list[Ref] = []
        self._index: dict[Ref, int] = {}
        self._by_id: dict[str, int] = {}
        self._schemata: list[str] = []
        self._captions: list[str] = []
        self._vsummary: array[int] = array("i")
        self._summaries: list[Summary] = []
        self._summary_ids: dict[Summary, int] = {}
        self._relationships: list[GraphRecord] = []
        self._things: list[tuple[int, GraphRecord]] = []
        self._same: list[SameAs] = []
        self._interned: dict[str, str] = {}
        self.stats = GraphStats()

    def _intern(self, text: str) -> str:
        return self._interned.setdefault(text, text)

    def _summary(self, summary: Summary) -> int:
        sid = self._summary_ids.get(summary)
        if sid is None:
            sid = self._summary_ids[summary] = len(self._summaries)
            self._summaries.append(summary)
        return sid

    def add(self, record: GraphRecord) -> None:
        self.stats.records += 1
        links = links_of(record.schema)
        if links.relationship:
            self._relationships.append(record)
            return
        ref = record.ref
        if ref in self._index:
            return
        v = len(self._refs)
        self._refs.append(ref)
        self._index[ref] = v
        self._by_id.setdefault(record.id, v)
        self._schemata.append(self._intern(record.schema))
        self._captions.append(record.caption)
        self._vsummary.append(self._summary(record.summary))
        if links.references or links.identifiers:
            self._things.append((v, record))

    def add_all(self, records: Iterable[GraphRecord]) -> GraphBuilder:
        for record in records:
            self.add(record)
        return self

    def add_same_as(self, link: SameAs) -> None:
        self._same.append(link)

    def _resolve(self, owner: str, rid: str) -> int | None:
        v = self._index.get((owner, rid))
        return v if v is not None else self._by_id.get(rid)

    def build(self) -> EntityGraph:
        started = time.perf_counter()
        edges: list[tuple[int, int]] = []
        ekind = bytearray()
        labels: list[str] = []
        erecord: list[Ref | None] = []
        values: list[str | None] = []
        esummary: array[int] = array("i")
        amounts: array[float] = array("d")
        currencies: list[str | None] = []
        starts: array[int] = array("i")
        ends: array[int] = array("i")
        intern = self._intern

        def add(
            u: int,
            v: int,
            kind: int,
            label: str,
            record: Ref | None,
            value: str | None,
            summary: int,
            amount: float = _NAN,
            currency: str | None = None,
            start: int = NO_DAY,
            end: int = NO_DAY,
        ) -> None:
            edges.append((u, v))
            ekind.append(kind)
            labels.append(label)
            erecord.append(record)
            values.append(value)
            esummary.append(summary)
            amounts.append(amount)
            currencies.append(currency)
            starts.append(start)
            ends.append(end)

        for rec in self._relationships:
            links = links_of(rec.schema)
            props = rec.properties
            assert links.source is not None and links.target is not None
            if rec.schema == "Payment":
                sources = props.get("payerAccount") or props.get("payer") or ()
                targets = props.get("beneficiaryAccount") or props.get("beneficiary") or ()
            else:
                sources = props.get(links.source) or ()
                targets = props.get(links.target) or ()
            su = [u for u in (self._resolve(rec.owner, s) for s in sources) if u is not None]
            tv = [v for v in (self._resolve(rec.owner, t) for t in targets) if v is not None]
            if not su or not tv:
                self.stats.dangling += 1
                continue
            sid = self._summary(rec.summary)
            label = intern(rec.schema)
            value = _first(props, "role", "relationship", "purpose")
            amount = _amount(props)
            currency = _first(props, "currency")
            start = day_of(_first(props, "date", "startDate"))
            end = day_of(_first(props, "endDate"))
            ref = rec.ref
            for u in su:
                for v in tv:
                    if u != v:
                        add(u, v, _REL, label, ref, value, sid, amount, currency, start, end)
            if rec.schema == "Payment":
                # The parties to their accounts, where the payment names both.
                for party, account in (
                    ("payer", "payerAccount"),
                    ("beneficiary", "beneficiaryAccount"),
                ):
                    p = props.get(party)
                    a = props.get(account)
                    if p and a:
                        pu = self._resolve(rec.owner, p[0])
                        av = self._resolve(rec.owner, a[0])
                        if pu is not None and av is not None and pu != av:
                            add(pu, av, _PROP, intern(account), ref, None, sid)

        holders: dict[tuple[str, str], set[int]] = {}
        for v, rec in self._things:
            links = links_of(rec.schema)
            props = rec.properties
            sid = self._vsummary[v]
            for name in links.references:
                for target in props.get(name) or ():
                    w = self._resolve(rec.owner, target)
                    if w is None:
                        self.stats.dangling += 1
                    elif w != v:
                        add(v, w, _PROP, intern(name), rec.ref, None, sid)
            for name, kind in links.identifiers:
                for raw in props.get(name) or ():
                    key = identifier_value(kind, raw)
                    if key is not None:
                        holders.setdefault((kind, key), set()).add(v)

        shared: list[tuple[str, str, tuple[int, ...]]] = []
        for (kind, key), held in holders.items():
            if len(held) < 2:
                continue
            if len(held) > self.max_shared:
                self.stats.common_identifiers += 1
                continue
            members = tuple(sorted(held))
            shared.append((kind, key, members))
            label = intern(kind)
            for u, v in combinations(members, 2):
                add(u, v, _SHARED, label, None, key, -1)

        for link in self._same:
            left = self._index.get(link.left)
            right = self._index.get(link.right)
            if left is None or right is None:
                self.stats.dangling += 1
                continue
            u, v = left, right
            if u != v:
                label = "judged" if link.judged else "proposed"
                add(u, v, _SAME, label, None, f"{link.score:.3f}", -1)

        src = array("i", (u for u, _ in edges))
        dst = array("i", (v for _, v in edges))
        graph = new_graph(len(self._refs), edges)
        edges.clear()
        self.stats.seconds = time.perf_counter() - started
        built = EntityGraph(
            graph=graph,
            refs=self._refs,
            schemata=self._schemata,
            captions=self._captions,
            vsummary=self._vsummary,
            summaries=self._summaries,
            src=src,
            dst=dst,
            ekind=ekind,
            labels=labels,
            erecord=erecord,
            values=values,
            esummary=esummary,
            amounts=amounts,
            currencies=currencies,
            starts=starts,
            ends=ends,
            shared=shared,
            stats=self.stats,
            index=self._index,
        )
        built.cache["max_shared"] = self.max_shared
        return built


def build_graph(
    records: Iterable[GraphRecord],
    same_as: Iterable[SameAs] = (),
    *,
    max_shared: int = DEFAULT_MAX_SHARED,
) -> EntityGraph:
    """The graph of `records` and the matcher's `same_as` links."""
    started = time.perf_counter()
    builder = GraphBuilder(max_shared=max_shared).add_all(records)
    for link in same_as:
        builder.add_same_as(link)
    graph = builder.build()
    graph.stats.seconds = time.perf_counter() - started
    return graph
