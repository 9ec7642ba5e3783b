"""Prometheus metrics of this process (prometheus-client), served at `GET /metrics`.

Counters and histograms live in one registry per process (`REGISTRY`): requests by route
template and status, request latency, and calls to partner nodes by partner and outcome.
Values read from a node's database at scrape time (outbox depth, ledger size) come from
`NodeCollector`, added per app. Labels are route templates and node ids, never raw paths,
so a caller cannot grow the label sets."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from accord.services.node import Node
from accord.store.tables import federation_outbox, ledger_state

__all__ = [
    "FEDERATION_CALLS",
    "REGISTRY",
    "REQUESTS",
    "REQUEST_SECONDS",
    "NodeCollector",
    "federation_call",
]

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "accord_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "accord_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
FEDERATION_CALLS = Counter(
    "accord_federation_calls",
    "Calls to partner nodes, by partner node id and outcome "
    "(ok, refused: the partner answered 4xx, unavailable: no valid answer in time).",
    ["partner", "outcome"],
    registry=REGISTRY,
)


def federation_call(partner: str, outcome: str) -> None:
    FEDERATION_CALLS.labels(partner=partner, outcome=outcome).inc()


class NodeCollector(Collector):
    """Gauges read from the node's database when /metrics is scraped."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def collect(self) -> Iterator[Metric]:
        outbox = GaugeMetricFamily(
            "accord_outbox_messages",
            "Messages in the federation outbox, by state.",
            labels=["state"],
        )
        ledger = GaugeMetricFamily("accord_ledger_entries", "Entries in the audit ledger.")
        o = federation_outbox.c
        with self.node.engine.connect() as conn:
            by_state = select(o.state, func.count()).group_by(o.state)
            counts: dict[str, int] = {row[0]: row[1] for row in conn.execute(by_state)}
            size = conn.execute(select(ledger_state.c.size)).scalar()
        for state in ("pending", "delivered", "failed"):
            outbox.add_metric([state], float(counts.pop(state, 0)))
        for state, count in sorted(counts.items()):
            outbox.add_metric([str(state)], float(count))
        ledger.add_metric([], float(size or 0))
        yield outbox
        yield ledger
