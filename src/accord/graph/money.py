"""Money flow: following payments from an account, person or company.

Payments are the graph's `Payment` edges, from the payer's account (or the payer) to the
beneficiary's. One real account is often several records (each agency's, or the matcher's
same-as links between them): records joined by a same-as link or by one shared account
number or wallet form one *flow group*, and money is followed between groups.

A trace walks forward (where the money went) or backward (where it came from), hop by hop,
in order of time: a payment out of a group counts only if it was made on or after the day
the money arrived there. It flags

- **cycles** (round-tripping): a payment into a group the trace has already passed;
- **fan-in / fan-out** (mule accounts): a group with at least `fan` distinct counterparties
  paying in (or paid out) in the window;
- **layering**: money passing through two or more companies' accounts when those companies
  share a director or an address.

The same real payment recorded by two agencies is counted once (same groups, amount,
currency and day)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from accord.graph.core import NO_DAY, EdgeKind, EntityGraph, day_of, iso_day, kind_code

__all__ = ["ACCOUNT_SCHEMATA", "TracedPayment", "Trail", "flow_groups", "prepare_flows", "trace"]

#: Schemata whose records hold money.
ACCOUNT_SCHEMATA = frozenset({"BankAccount", "CryptoWallet"})
_COMPANIES = frozenset({"Company", "Organization", "LegalEntity", "PublicBody"})
_JOINING = frozenset({"account", "wallet"})
_SAME = kind_code(EdgeKind.SAME_AS)
_SHARED = kind_code(EdgeKind.SHARED)
_REL = kind_code(EdgeKind.RELATIONSHIP)
_PROP = kind_code(EdgeKind.PROPERTY)
_HOLDING = frozenset({"holder", "owner", "payerAccount", "beneficiaryAccount"})


def flow_groups(graph: EntityGraph) -> list[int]:
    """The flow group of each vertex (the smallest vertex id of its group), computed once."""
    found: list[int] | None = graph.cache.get("flow_groups")
    if found is not None:
        return found
    parent = list(range(graph.vertex_count))

    def root(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for e in range(graph.edge_count):
        k = graph.ekind[e]
        if k == _SAME or (k == _SHARED and graph.labels[e] in _JOINING):
            a, b = root(graph.src[e]), root(graph.dst[e])
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups = [root(v) for v in range(graph.vertex_count)]
    graph.cache["flow_groups"] = groups
    # Only groups of more than one record are listed; a record alone is its own group.
    members: dict[int, list[int]] = {}
    for v, g in enumerate(groups):
        if g != v:
            members.setdefault(g, [g]).append(v)
    graph.cache["flow_members"] = members
    return groups


def prepare_flows(graph: EntityGraph) -> None:
    """Compute now what every trace of this graph reads (its flow groups and payment index),
    instead of in the first trace."""
    flow_groups(graph)
    _payment_index(graph)


def _payment_index(graph: EntityGraph) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Each vertex's payments out and in, computed once per graph, each list in igraph's own
    incidence order (by the far end, then by edge): a trace reads lists instead of filtering
    every link of every account it passes."""
    found: tuple[dict[int, list[int]], dict[int, list[int]]] | None = graph.cache.get(
        "payment_index"
    )
    if found is not None:
        return found
    outs: dict[int, list[int]] = {}
    ins: dict[int, list[int]] = {}
    src, dst, kinds, labels = graph.src, graph.dst, graph.ekind, graph.labels
    for e in range(graph.edge_count):
        if kinds[e] == _REL and labels[e] == "Payment":
            outs.setdefault(src[e], []).append(e)
            ins.setdefault(dst[e], []).append(e)
    for held in outs.values():
        held.sort(key=dst.__getitem__)  # stable: by the far end, then by edge id
    for held in ins.values():
        held.sort(key=src.__getitem__)
    graph.cache["payment_index"] = (outs, ins)
    return outs, ins


def _members(graph: EntityGraph, group: int) -> list[int]:
    flow_groups(graph)
    found: list[int] = graph.cache["flow_members"].get(group, [group])
    return found


@dataclass(frozen=True, slots=True)
class TracedPayment:
    """One payment on the trail: hop 1 leaves the start. `pooled`: a payment into an account
    on the trail from outside it (money mixed in there), not followed further. `duplicate`:
    the same payment as another on the trail, recorded by another agency."""

    edge: int
    hop: int
    pooled: bool = False
    duplicate: bool = False

    def to_dict(self, graph: EntityGraph) -> dict[str, Any]:
        return {
            **graph.edge(self.edge).to_dict(),
            "hop": self.hop,
            "pooled": self.pooled,
            "duplicate": self.duplicate,
        }


@dataclass(slots=True)
class Trail:
    """A trace's answer: the payments, the counterparties in aggregate, and the flags."""

    start: int
    direction: str
    payments: list[TracedPayment] = field(default_factory=list)
    counterparties: list[dict[str, Any]] = field(default_factory=list)
    cycles: list[dict[str, Any]] = field(default_factory=list)
    fan: list[dict[str, Any]] = field(default_factory=list)
    layering: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False

    def to_dict(self, graph: EntityGraph) -> dict[str, Any]:
        return {
            "start": graph.vertex(self.start).to_dict(),
            "direction": self.direction,
            "payments": [p.to_dict(graph) for p in self.payments],
            "counterparties": self.counterparties,
            "flags": {"cycles": self.cycles, "fan": self.fan, "layering": self.layering},
            "truncated": self.truncated,
        }

    def record_ids(self, graph: EntityGraph) -> list[str]:
        out = []
        for p in self.payments:
            rec = graph.erecord[p.edge]
            if rec is not None:
                out.append(rec[1])
        return out


def _holdings(graph: EntityGraph, v: int) -> set[int]:
    """The accounts and wallets a person or company holds (Ownership records, `holder` and
    `owner` properties, accounts named on their payments)."""
    out: set[int] = set()
    for e in graph.graph.incident(v, mode="all"):
        k = graph.ekind[e]
        w = graph.other(e, v)
        if graph.schemata[w] not in ACCOUNT_SCHEMATA:
            continue
        if (k == _REL and graph.labels[e] == "Ownership" and graph.src[e] == v) or (
            k == _PROP and graph.labels[e] in _HOLDING
        ):
            out.add(w)
    return out


def _holders(graph: EntityGraph, account_group: int) -> list[int]:
    """The persons and companies holding an account group (kept per graph: a trace asks for
    every counterparty's)."""
    known: dict[int, list[int]] = graph.cache.setdefault("holders", {})
    found = known.get(account_group)
    if found is None:
        found = known[account_group] = _find_holders(graph, account_group)
    return found


def _find_holders(graph: EntityGraph, account_group: int) -> list[int]:
    out: list[int] = []
    for a in _members(graph, account_group):
        for e in graph.graph.incident(a, mode="all"):
            k = graph.ekind[e]
            w = graph.other(e, a)
            if graph.schemata[w] in ACCOUNT_SCHEMATA:
                continue
            if (k == _REL and graph.labels[e] == "Ownership" and graph.dst[e] == a) or (
                k == _PROP and graph.labels[e] in _HOLDING
            ):
                out.append(w)
    return sorted(set(out))


class _Window:
    __slots__ = ("currencies", "min_amount", "open", "since", "until")

    def __init__(
        self,
        since: str | None,
        until: str | None,
        min_amount: float | None,
        currencies: Iterable[str],
    ) -> None:
        self.since = day_of(since) if since else None
        self.until = day_of(until) if until else None
        self.min_amount = min_amount
        self.currencies = frozenset(c.upper() for c in currencies)
        #: no bound at all: every payment passes
        self.open = (
            self.since is None
            and self.until is None
            and self.min_amount is None
            and not self.currencies
        )

    def ok(self, graph: EntityGraph, e: int) -> bool:
        if self.open:
            return True
        day = graph.starts[e]
        if self.since is not None and (day == NO_DAY or day < self.since):
            return False
        if self.until is not None and (day == NO_DAY or day > self.until):
            return False
        if self.min_amount is not None:
            amount = graph.amounts[e]
            if math.isnan(amount) or amount < self.min_amount:
                return False
        cur = graph.currencies[e]
        return not (self.currencies and (cur or "").upper() not in self.currencies)


def _payments(graph: EntityGraph, group: int, mode: str) -> list[int]:
    outs, ins = _payment_index(graph)
    index = outs if mode == "out" else ins
    members = _members(graph, group)
    if len(members) == 1:
        return index.get(members[0], [])
    out: list[int] = []
    for v in members:
        out.extend(index.get(v, ()))
    return out


def trace(
    graph: EntityGraph,
    start: int,
    *,
    direction: str = "forward",
    since: str | None = None,
    until: str | None = None,
    min_amount: float | None = None,
    currencies: Iterable[str] = (),
    max_hops: int = 6,
    fan: int = 5,
    limit: int = 1000,
) -> Trail:
    """Follow the money from `start` (an account, or a person or company: then every account
    it holds) `direction` `forward` or `backward`, up to `max_hops` payments away and `limit`
    payments in all (those pooled in included; then `truncated`), keeping to the window, the
    minimum amount and the currencies."""
    groups = flow_groups(graph)
    window = _Window(since, until, min_amount, currencies)
    forward = direction == "forward"
    out_mode, in_mode = ("out", "in") if forward else ("in", "out")
    starts = {groups[start]}
    for v in _members(graph, groups[start]):
        starts.update(groups[a] for a in _holdings(graph, v))
    trail = Trail(start, direction)
    # arrival[group]: the day money reached it (forward) or left it (backward); hop reached.
    arrival: dict[int, tuple[int, int]] = dict.fromkeys(starts, (NO_DAY, 0))
    order: list[int] = list(starts)
    seen_edges: set[int] = set()
    seen_payments: dict[tuple[int, int, float, str | None, int], int] = {}
    frontier = sorted(starts)
    for hop in range(1, max_hops + 1):
        nxt: list[int] = []
        for g in frontier:
            day, _ = arrival[g]
            for e in _payments(graph, g, out_mode):
                if e in seen_edges or not window.ok(graph, e):
                    continue
                pday = graph.starts[e]
                if day != NO_DAY and pday != NO_DAY and (pday < day if forward else pday > day):
                    continue
                far = groups[graph.dst[e] if forward else graph.src[e]]
                if far == g:
                    continue
                seen_edges.add(e)
                key = (g, far, graph.amounts[e], graph.currencies[e], pday)
                duplicate = key in seen_payments
                seen_payments.setdefault(key, e)
                trail.payments.append(TracedPayment(e, hop, duplicate=duplicate))
                if len(trail.payments) >= limit:
                    trail.truncated = True
                    break
                if far in arrival:
                    if far in starts or arrival[far][1] < hop:
                        trail.cycles.append(
                            {
                                "payment": _ref(graph, e),
                                "returns_to": graph.vertex(far).to_dict(),
                                "hop": hop,
                            }
                        )
                    known_day, known_hop = arrival[far]
                    if pday != NO_DAY and (
                        known_day == NO_DAY or (pday < known_day if forward else pday > known_day)
                    ):
                        arrival[far] = (pday, known_hop)
                    continue
                arrival[far] = (pday, hop)
                order.append(far)
                nxt.append(far)
            if trail.truncated:
                break
        if trail.truncated or not nxt:
            break
        frontier = nxt
    _pooled(graph, trail, groups, arrival, starts, seen_edges, window, in_mode, forward, limit)
    _aggregate(graph, trail, groups, forward)
    _fans(graph, trail, order, window, fan)
    _layering(graph, trail)
    return trail


def _ref(graph: EntityGraph, e: int) -> dict[str, str] | None:
    rec = graph.erecord[e]
    return None if rec is None else {"owner": rec[0], "id": rec[1]}


def _pooled(
    graph: EntityGraph,
    trail: Trail,
    groups: list[int],
    arrival: dict[int, tuple[int, int]],
    starts: set[int],
    seen: set[int],
    window: _Window,
    in_mode: str,
    forward: bool,
    limit: int,
) -> None:
    """Payments into the trail's accounts (past the start) from outside the trail: what was
    mixed in with the money traced."""
    for g, (_, hop) in list(arrival.items()):
        if g in starts:
            continue
        for e in _payments(graph, g, in_mode):
            if e in seen or not window.ok(graph, e):
                continue
            far = groups[graph.src[e] if forward else graph.dst[e]]
            if far in arrival:
                continue
            if len(trail.payments) >= limit:
                trail.truncated = True
                return
            seen.add(e)
            trail.payments.append(TracedPayment(e, hop, pooled=True))


def _aggregate(graph: EntityGraph, trail: Trail, groups: list[int], forward: bool) -> None:
    by: dict[int, dict[str, Any]] = {}
    for p in trail.payments:
        if p.duplicate or p.pooled:
            continue
        e = p.edge
        far = groups[graph.dst[e] if forward else graph.src[e]]
        row = by.setdefault(
            far,
            {"group": far, "payments": 0, "totals": {}, "first": None, "last": None, "hop": p.hop},
        )
        row["payments"] += 1
        amount = graph.amounts[e]
        if not math.isnan(amount):
            cur = graph.currencies[e] or "?"
            row["totals"][cur] = round(row["totals"].get(cur, 0.0) + amount, 2)
        day = iso_day(graph.starts[e])
        if day is not None:
            row["first"] = day if row["first"] is None else min(row["first"], day)
            row["last"] = day if row["last"] is None else max(row["last"], day)
        row["hop"] = min(row["hop"], p.hop)
    rows = []
    for g, row in by.items():
        holders = _holders(graph, g)
        rows.append(
            {
                "counterparty": graph.vertex(g).to_dict(),
                "records": [graph.refs[v][1] for v in _members(graph, g)],
                "holders": [graph.vertex(v).to_dict() for v in holders],
                "payments": row["payments"],
                "totals": row["totals"],
                "first": row["first"],
                "last": row["last"],
                "hop": row["hop"],
            }
        )
    rows.sort(key=lambda r: (r["hop"], -sum(r["totals"].values()), r["counterparty"]["id"]))
    trail.counterparties = rows


def _fans(graph: EntityGraph, trail: Trail, order: list[int], window: _Window, fan: int) -> None:
    groups = flow_groups(graph)
    # Without a window the counts are the graph's own: kept per graph for the next trace.
    known: dict[int, tuple[int, int]] = (
        graph.cache.setdefault("fan_counts", {}) if window.open else {}
    )
    for g in order:
        counts = known.get(g)
        if counts is None:
            ins = {groups[graph.src[e]] for e in _payments(graph, g, "in") if window.ok(graph, e)}
            outs = {groups[graph.dst[e]] for e in _payments(graph, g, "out") if window.ok(graph, e)}
            ins.discard(g)
            outs.discard(g)
            counts = (len(ins), len(outs))
            if window.open:
                known[g] = counts
        payers, beneficiaries = counts
        if payers >= fan or beneficiaries >= fan:
            trail.fan.append(
                {
                    "account": graph.vertex(g).to_dict(),
                    "payers": payers,
                    "beneficiaries": beneficiaries,
                    "pattern": "fan-in" if payers >= fan else "fan-out",
                }
            )


def _company_links(graph: EntityGraph, company: int) -> set[tuple[str, int]]:
    """(how, vertex) of a company's directors (flow-grouped, so one person's records at two
    agencies are one) and its addresses (records and shared address values)."""
    groups = flow_groups(graph)
    out: set[tuple[str, int]] = set()
    for e in graph.graph.incident(company, mode="all"):
        k = graph.ekind[e]
        w = graph.other(e, company)
        if (
            k == _REL
            and graph.labels[e] in ("Directorship", "Ownership")
            and graph.dst[e] == company
        ):
            out.add(("director" if graph.labels[e] == "Directorship" else "owner", groups[w]))
        elif k == _PROP and graph.labels[e] == "addressEntity":
            out.add(("address", w))
        elif k == _SHARED and graph.labels[e] == "address":
            out.add(("address", -e - 1))
    return out


def _layering(graph: EntityGraph, trail: Trail) -> None:
    """Companies whose accounts the money passed from one to the next, when the two share a
    director, an owner or an address; and a chain of three companies or more."""
    groups = flow_groups(graph)
    held: dict[int, list[int]] = {}

    def companies_of(group: int) -> list[int]:
        found = held.get(group)
        if found is None:
            found = [h for h in _holders(graph, group) if graph.schemata[h] in _COMPANIES]
            held[group] = found
        return found

    chain: list[int] = []
    pairs: dict[tuple[int, int], None] = {}
    for p in trail.payments:
        if p.pooled or p.duplicate:
            continue
        e = p.edge
        froms = companies_of(groups[graph.src[e]])
        tos = companies_of(groups[graph.dst[e]])
        for c in (*froms, *tos):
            if c not in chain:
                chain.append(c)
        for a in froms:
            for b in tos:
                if a != b:
                    pairs[(min(a, b), max(a, b))] = None
    if len(chain) >= 3:
        trail.layering.append(
            {
                "companies": [graph.vertex(c).to_dict() for c in chain[:50]],
                "shared": ["chain"],
                "through": [],
            }
        )
    links: dict[int, set[tuple[str, int]]] = {}
    for a, b in pairs:
        la = links.setdefault(a, _company_links(graph, a))
        lb = links.setdefault(b, _company_links(graph, b))
        common = la & lb
        direct = [
            e
            for e in graph.edges_between(a, b)
            if graph.ekind[e] == _SHARED and graph.labels[e] == "address"
        ]
        if not common and not direct:
            continue
        trail.layering.append(
            {
                "companies": [graph.vertex(a).to_dict(), graph.vertex(b).to_dict()],
                "shared": sorted({how for how, _ in common} | ({"address"} if direct else set())),
                "through": [graph.vertex(v).to_dict() for _, v in sorted(common) if v >= 0],
            }
        )
