"""End-to-end messages between two node processes over mutual TLS (docs/messaging.md).

DE-BKA and NL-POLITIE run as their own `accord serve --tls` processes, each with its outbox
worker polling every 50 ms. This process opens DE-BKA's database as a user would through the
API's service and sends requests for information: each is checked, signed (JWS, Ed25519),
sealed to NL-POLITIE's key (JWE, X25519 + A256GCM), sealed again to DE-BKA's own key for its
copy, ledgered and queued. DE-BKA's outbox delivers; NL-POLITIE opens, verifies, keeps and
ledgers each and answers with its signed delivery receipt; DE-BKA records the receipt. Then
every message is read at NL-POLITIE, which sends a read receipt back for each.

Figures:
- backlog: N messages queued while the nodes are down, then the time from both nodes answering
  until every one is delivered (receipt recorded at the sender): the outbox and the recipient
  alone, messages travelling several to a request (decision 0033).
- sustained: N messages queued as fast as the sender can, then the time until every one is
  delivered (receipt recorded at the sender): messages per second end to end, the sender's
  composing (release, two seals, ledger) included; and the time until every read receipt is
  back.
- latency: messages sent one at a time at a fixed pace; per message the time from its sending
  to its being kept at the recipient (both timestamps on this machine's clock), p50/p95.
- 1 MB: the same with a 1 MiB attachment on each message.

Targets (issue 13): at least 200 messages/s sustained (SIENA's 1.79 million messages of 2023
in under three hours), p95 latency under 200 ms on loopback. Writes
benchmarks/results/messaging.json."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from accord.cli.cluster import LocalNode, build_federation, start_nodes, stop_nodes
from accord.model.messages import Attachment
from accord.services.messaging import read_message, send_message
from accord.services.node import Node
from accord.store.tables import message_states, messages

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "messaging.json"
EXAMPLES = HERE.parent / "examples" / "agreements"


def _message(i: int) -> dict[str, Any]:
    return {
        "kind": "rfi",
        "recipient": "NL-POLITIE",
        "subject": f"Request {i}: keeper of a vehicle",
        "body": "Please state the registered keeper of the vehicle and any sightings. " * 8,
        "priority": "urgent",
        "case_reference": "BKA-2026-0042",
        "language": "en",
    }


def _states(node: Node, state: str, ids: set[str]) -> int:
    from sqlalchemy import func, select

    with node.engine.connect() as conn:
        stmt = (
            select(func.count(func.distinct(messages.c.message_id)))
            .select_from(messages.join(message_states))
            .where(message_states.c.state == state, messages.c.message_id.in_(list(ids)))
        )
        return int(conn.execute(stmt).scalar_one())


def _wait(node: Node, state: str, ids: set[str], timeout: float) -> float:
    start = time.monotonic()
    while _states(node, state, ids) < len(ids):
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"only {_states(node, state, ids)} of {len(ids)} {state}")
        time.sleep(0.02)
    return time.monotonic()


def _latencies(nl: Node, ids: set[str]) -> list[float]:
    from sqlalchemy import select

    with nl.engine.connect() as conn:
        rows = conn.execute(
            select(messages.c.sent_at, messages.c.created_at).where(
                messages.c.message_id.in_(list(ids))
            )
        ).all()
    return [(r.created_at - r.sent_at).total_seconds() * 1000 for r in rows]


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(q * len(ordered) + 0.5) - 1)], 1)


def sustained(de: Node, nl: Node, n: int, files: list[Attachment]) -> dict[str, Any]:
    analyst = de.operator("bench")
    start = time.monotonic()
    ids = {send_message(de, analyst, _message(i), files).row.message_id for i in range(n)}
    queued = time.monotonic()
    delivered = _wait(de, "delivered", ids, timeout=600)
    officer = nl.operator("bench")
    read_start = time.monotonic()
    for mid in ids:
        read_message(nl, officer, mid)
    read_done = time.monotonic()
    receipts = _wait(de, "read", ids, timeout=600)
    latencies = _latencies(nl, ids)
    return {
        "messages": n,
        "attachment_bytes": sum(len(f.content) for f in files),
        "send_per_s": round(n / (queued - start), 1),
        "delivered_per_s": round(n / (delivered - start), 1),
        "delivered_in_s": round(delivered - start, 2),
        "reads_per_s": round(n / (read_done - read_start), 1),
        "read_receipts_back_per_s": round(n / (receipts - read_start), 1),
        "queue_latency_ms_p50": _quantile(latencies, 0.5),
        "queue_latency_ms_p95": _quantile(latencies, 0.95),
    }


def backlog(de: Node, nodes: list[LocalNode], n: int) -> dict[str, Any]:
    """Messages queued while the nodes are down, then delivered once both run: what the
    outbox and the recipient do per second, without the sender's composing beside them."""
    analyst = de.operator("bench")
    ids = {send_message(de, analyst, _message(i), []).row.message_id for i in range(n)}
    start_nodes(nodes, timeout=120)
    start = time.monotonic()
    before = _states(de, "delivered", ids)
    delivered = _wait(de, "delivered", ids, timeout=600)
    return {
        "messages": n,
        "delivered_before_timing": before,
        "delivered_per_s": round((n - before) / (delivered - start), 1),
        "delivered_in_s": round(delivered - start, 2),
    }


def paced(de: Node, nl: Node, n: int, rate: float, files: list[Attachment]) -> dict[str, Any]:
    analyst = de.operator("bench")
    ids: set[str] = set()
    for i in range(n):
        due = time.monotonic() + 1 / rate
        ids.add(send_message(de, analyst, _message(i), files).row.message_id)
        time.sleep(max(0.0, due - time.monotonic()))
    _wait(de, "delivered", ids, timeout=300)
    latencies = _latencies(nl, ids)
    return {
        "messages": n,
        "rate_per_s": rate,
        "attachment_bytes": sum(len(f.content) for f in files),
        "latency_ms_p50": _quantile(latencies, 0.5),
        "latency_ms_p95": _quantile(latencies, 0.95),
        "latency_ms_max": round(max(latencies), 1),
        "latency_ms_mean": round(statistics.fmean(latencies), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Fewer messages.")
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument("--note", default=None, help="What else ran on the machine.")
    args = parser.parse_args()
    n = args.messages or (200 if args.quick else 2000)
    big = Attachment("statement.bin", "application/octet-stream", os.urandom(1024 * 1024))
    os.environ["ACCORD_OUTBOX_POLL_SECONDS"] = "0.05"
    os.environ["ACCORD_OUTBOX_BASE_DELAY"] = "0.1"
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="accord-bench-msg-") as tmp:
        nodes: list[LocalNode] = build_federation(
            Path(tmp),
            [("DE-BKA", "Bundeskriminalamt"), ("NL-POLITIE", "Politie")],
            agreement_files=sorted(EXAMPLES.glob("*.yaml")),
            operator="bench",
        )
        try:
            de, nl = (local.open() for local in nodes)
            queued = backlog(de, nodes, n)
            paced(de, nl, 20, 10.0, [])  # warm up: connections, caches
            rows = {
                "backlog": queued,
                "sustained": sustained(de, nl, n, []),
                "latency_10_per_s": paced(de, nl, min(n, 200), 10.0, []),
                "latency_50_per_s": paced(de, nl, min(n, 500), 50.0, []),
                "sustained_1mib": sustained(de, nl, 20 if args.quick else 50, [big]),
                "latency_1mib_2_per_s": paced(de, nl, 10 if args.quick else 30, 2.0, [big]),
            }
            de.engine.dispose()
            nl.engine.dispose()
        finally:
            stop_nodes(nodes)
    result = {
        "benchmark": "messaging",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "note": args.note,
        },
        "parameters": {"messages": n, "outbox_poll_s": 0.05, "storage": "SQLite"},
        "targets": {"delivered_per_s": 200, "latency_ms_p95": 200},
        "results": rows,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    s, lat, big_s = rows["sustained"], rows["latency_10_per_s"], rows["sustained_1mib"]
    print(
        f"backlog: {rows['backlog']['delivered_per_s']} messages/s delivered; "
        f"sustained: {s['delivered_per_s']} messages/s delivered ({n} in {s['delivered_in_s']} s; "
        f"queued at {s['send_per_s']}/s), read receipts back at {s['read_receipts_back_per_s']}/s; "
        f"latency at 10/s p50 {lat['latency_ms_p50']} ms, p95 {lat['latency_ms_p95']} ms; "
        f"at 50/s p95 {rows['latency_50_per_s']['latency_ms_p95']} ms; "
        f"1 MiB: {big_s['delivered_per_s']} messages/s, latency p95 "
        f"{rows['latency_1mib_2_per_s']['latency_ms_p95']} ms",
        file=sys.stdout,
    )


if __name__ == "__main__":
    main()
