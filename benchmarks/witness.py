"""Witnessing: what it adds to a federation exchange, and why the consistency proof is fetched
off the exchange's path (decision 0009).

Two nodes on SQLite, in this process, one serving over mutual TLS on loopback:
- `current_head`: this node's head for an outgoing message, reused (the common case) and
  freshly signed (`ACCORD_WITNESS_HEAD_INTERVAL` = 0);
- `observe` on the receiving side, inline in every exchange: a head already witnessed; a new,
  larger head (signature check, comparison, queued for its proof);
- the consistency-proof round trip to the partner over mutual TLS (`GET
  /federation/v1/audit/consistency`), which the witness worker does instead.

    .venv/bin/python benchmarks/witness.py            # 2000 observations, 300 round trips
    .venv/bin/python benchmarks/witness.py --quick
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from accord.api.server import NodeServer
from accord.cli.cluster import build_federation
from accord.crypto import MessageClaims
from accord.federation.peers import find_peer
from accord.services import audit, witness
from accord.services.audit import Event, record_events
from accord.services.node import Node
from accord.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "witness.json"


def figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
    }


def timed(
    fn: Callable[[], object], n: int, before: Callable[[], object] | None = None
) -> list[float]:
    out = []
    for _ in range(n):
        if before is not None:
            before()
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def claims(head: audit.SignedTreeHead) -> MessageClaims:
    return MessageClaims(
        "response",
        "nl-politie",
        "de-bka",
        datetime.now(UTC),
        "n" * 22,
        "r",
        "POST",
        "/",
        "x" * 43,
        tree_head=head.to_json(),
    )


def grow(node: Node) -> audit.SignedTreeHead:
    with node.engine.begin() as conn:
        record_events(conn, [(Event.SEARCH, "bench", {"i": 1})])
    return audit.sign_tree_head(node)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--observations", type=int, default=2000)
    parser.add_argument("--round-trips", type=int, default=300)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.observations, args.round_trips = 200, 50
    result: dict[str, object] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "observations": args.observations,
        "round_trips": args.round_trips,
    }
    with tempfile.TemporaryDirectory() as tmp:
        members = build_federation(Path(tmp), [("DE-BKA", "BKA"), ("NL-POLITIE", "Politie")])
        de, nl = (m.open() for m in members)
        server = NodeServer(nl, "127.0.0.1", members[1].port, outbox=False, witness=False)
        server.start()
        try:
            peer = find_peer(de.engine, "nl-politie")
            assert peer is not None

            reused = timed(lambda: witness.current_head(de), args.observations)
            fresh_node = Node(
                Settings(home=de.settings.home, witness_head_interval=0),
                de.engine,
                de.agency,
                de.name,
                de.keys,
            )
            signed = timed(
                lambda: witness.current_head(fresh_node),
                args.observations // 4,
                before=lambda: grow(fresh_node),
            )
            result["own_head"] = {"reused": figures(reused), "signed": figures(signed)}

            head = grow(nl)
            witness.observe(de, peer, claims(head), "bench")
            same = timed(
                lambda: witness.observe(de, peer, claims(head), "bench"), args.observations
            )
            pending: list[audit.SignedTreeHead] = []

            def next_head() -> None:
                pending.append(grow(nl))

            new = timed(
                lambda: witness.observe(de, peer, claims(pending[-1]), "bench"),
                args.observations // 4,
                before=next_head,
            )
            result["observe"] = {"same_head": figures(same), "new_head": figures(new)}

            t = time.perf_counter()
            resolved = witness.run_due(de)
            result["worker_drain"] = {
                "heads": resolved,
                "seconds": round(time.perf_counter() - t, 3),
                "state": witness.witness_state(de)[0].state,
            }
            size = audit.tree_head(nl).head.size
            trips = timed(
                lambda: witness.fetch_consistency(de, peer, size // 2, size), args.round_trips
            )
            result["consistency_round_trip"] = figures(trips)
        finally:
            server.stop()
    for name, value in result.items():
        print(f"{name}: {value}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
