"""The audit ledger on the node's real database (SQLite by default).

- appends/s: events appended through the audit service, one per transaction and in batches
  of 100 per transaction (a change and its ledger entry commit together), with the automatic
  tree-head signer off and on (on: as in `accord serve`, a head every 1,000 entries or 1 s);
- inclusion-proof time at 1M and 10M entries, read from the node table in the database;
- complete verification of 1M entries with a signed head every 1,000 (`accord audit verify`'s
  work: every entry and its columns, every stored node, every head in the database and the
  head log, a consistency proof between each pair of consecutive heads).

Target: >= 5,000 appends/s on SQLite; inclusion proof < 1 ms; verification of 1M < 10 s.
The 10M tree is built by bulk-writing its node rows (computed with the ledger's own appender)
rather than by 10M service appends, which would take most of an hour; proofs read the same
rows either way. Writes benchmarks/results/ledger.json.

    .venv/bin/python benchmarks/ledger.py            # full run
    .venv/bin/python benchmarks/ledger.py --quick    # 100k entries, 1M-entry proofs
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select, update

from accord.ledger import LogTree, TreeAppender, TreeHead, sign_tree_head
from accord.ledger.entry import encode_entry
from accord.services import audit
from accord.services.audit import Event
from accord.services.heads import HeadSigner, head_log
from accord.services.node import Node, init_node
from accord.settings import Settings
from accord.store.headlog import locked_head_log
from accord.store.ledger import EntryRow, HeadRow, SqlNodes, insert_entries, insert_head
from accord.store.tables import ledger_heads, ledger_nodes, ledger_state

RESULTS = Path(__file__).resolve().parent / "results" / "ledger.json"


def appends(node: Node, n: int, per_tx: int) -> float:
    actor = node.operator()
    start = time.perf_counter()
    done = 0
    while done < n:
        k = min(per_tx, n - done)
        with node.engine.begin() as conn:
            audit.record_events(
                conn,
                [
                    (
                        Event.SEARCH,
                        actor.label,
                        {"query": f"q{done + i}", "purpose": "investigation"},
                    )
                    for i in range(k)
                ],
            )
        done += k
    return n / (time.perf_counter() - start)


def signed_appends(node: Node, n: int, per_tx: int) -> tuple[float, int]:
    """Appends/s with the background signer running, and the number of heads it signed."""
    signer = HeadSigner(node).start()
    try:
        rate = appends(node, n, per_tx)
    finally:
        signer.stop()
    with node.engine.connect() as conn:
        heads = conn.execute(select(func.count()).select_from(ledger_heads)).scalar_one()
    return rate, int(heads)


def bulk_build(node: Node, n: int, with_entries: bool, head_every: int = 0) -> float:
    """Write a tree of n entries straight into the tables (nodes, optionally entries in the
    ledger's own encoding, and a signed head every `head_every` entries, also logged)."""
    start = time.perf_counter()
    appender = TreeAppender()
    at = datetime.now(UTC)
    chunk = 50_000
    signed = []
    key = node.keys.signing
    fingerprint = node.signing_fingerprint
    with node.engine.begin() as conn:
        for base in range(0, n, chunk):
            payloads = [
                encode_entry(i, at, "search", "bench", {"q": i}).encode()
                for i in range(base, min(n, base + chunk))
            ]
            rows = []
            for offset, payload in enumerate(payloads):
                rows.extend(appender.append(payload))
                if head_every and (base + offset + 1) % head_every == 0:
                    head = sign_tree_head(TreeHead(appender.size, appender.root(), 0), key.sign)
                    signed.append(head)
                    insert_head(
                        conn,
                        HeadRow(head.head.size, head.head.root, 0, head.signature, fingerprint),
                    )
            conn.execute(
                insert(ledger_nodes), [{"level": lv, "idx": i, "hash": h} for lv, i, h in rows]
            )
            if with_entries:
                leaves = [r for r in rows if r[0] == 0]
                insert_entries(
                    conn,
                    [
                        EntryRow(idx, at, "search", "bench", p.decode(), h)
                        for (_, idx, h), p in zip(leaves, payloads, strict=True)
                    ],
                )
        conn.execute(update(ledger_state).where(ledger_state.c.id == 1).values(size=n))
    with locked_head_log(head_log(node)) as log:
        log.append(signed)
    return time.perf_counter() - start


def proof_times(node: Node, size: int, samples: int) -> dict[str, float]:
    import random

    rnd = random.Random(1)
    times = []
    with node.engine.connect() as conn:
        tree = LogTree(SqlNodes(conn), size)
        for _ in range(samples):
            index = rnd.randrange(size)
            t = time.perf_counter()
            tree.inclusion_proof(index, size)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[int(len(times) * 0.95)], 3),
        "mean_ms": round(statistics.fmean(times), 3),
    }


def fresh(work: Path, name: str) -> Node:
    return init_node(Settings(home=work / name), "DE-BKA", "Benchmark")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appends", type=int, default=100_000)
    parser.add_argument("--verify", type=int, default=1_000_000)
    parser.add_argument("--proof-sizes", default="1000000,10000000")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.appends, args.verify, args.proof_sizes = 20_000, 100_000, "1000000"
    result: dict[str, object] = {
        "benchmark": "ledger",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count()},
        "backend": "sqlite",
        "target": {"appends_per_s": 5000, "inclusion_proof_ms": 1, "verify_1m_s": 10},
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        node = fresh(work, "appends-1")
        single = appends(node, min(args.appends, 20_000), 1)
        node = fresh(work, "appends-100")
        batched = appends(node, args.appends, 100)
        node = fresh(work, "signed-1")
        single_signed, heads_1 = signed_appends(node, min(args.appends, 20_000), 1)
        node = fresh(work, "signed-100")
        batched_signed, heads_100 = signed_appends(node, args.appends, 100)
        result["appends"] = {
            "one_per_transaction_per_s": round(single),
            "batches_of_100_per_s": round(batched),
            "signer_on": {
                "every_entries": node.settings.ledger_head_every_entries,
                "every_seconds": node.settings.ledger_head_every_seconds,
                "one_per_transaction_per_s": round(single_signed),
                "heads_signed_one_per_transaction": heads_1,
                "batches_of_100_per_s": round(batched_signed),
                "heads_signed_batches_of_100": heads_100,
            },
        }
        print(f"appends: {single:,.0f}/s one per transaction, {batched:,.0f}/s in batches of 100")
        print(
            f"appends with the signer on: {single_signed:,.0f}/s one per transaction "
            f"({heads_1} heads), {batched_signed:,.0f}/s in batches of 100 ({heads_100} heads)"
        )

        node = fresh(work, "verify")
        build = bulk_build(node, args.verify, with_entries=True, head_every=1000)
        audit.sign_tree_head(node)
        t = time.perf_counter()
        outcome = audit.verify(node)
        verify_s = time.perf_counter() - t
        assert outcome.ok and outcome.checked == args.verify, outcome
        result["verify"] = {
            "entries": args.verify,
            "heads": outcome.heads_checked,
            "complete": True,
            "seconds": round(verify_s, 2),
        }
        print(
            f"verify (complete): {args.verify:,} entries, {outcome.heads_checked} head checks "
            f"in {verify_s:.2f} s (built in {build:.1f} s)"
        )

        proofs = []
        for size in [int(s) for s in args.proof_sizes.split(",")]:
            node = fresh(work, f"proof-{size}")
            build = bulk_build(node, size, with_entries=False)
            figures = proof_times(node, size, 2000)
            proofs.append({"tree_size": size, "build_s": round(build, 1), **figures})
            print(
                f"inclusion proof at {size:,}: p50 {figures['p50_ms']} ms, "
                f"p95 {figures['p95_ms']} ms (tree built in {build:.0f} s)"
            )
            node.engine.dispose()
        result["inclusion_proofs"] = proofs
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
