"""The ledger's pure core, in memory: append throughput, proof times at 1M and 10M entries,
and streaming verification of a whole log.

No database: this measures the Merkle code itself (hashing, perfect-subtree rows, proof plans),
the floor under whatever the SQL adapter adds. Writes benchmarks/results/ledger_core.json.

    .venv/bin/python benchmarks/ledger_core.py            # append 1M, proofs at 1M and 10M,
                                                          # verify 1M
    .venv/bin/python benchmarks/ledger_core.py --quick    # 100k everywhere
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.ledger import (
    LogTree,
    MemoryNodeStore,
    TreeAppender,
    TreeHead,
    leaf_hash,
    sign_tree_head,
    verify_consistency,
    verify_inclusion,
    verify_log,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "ledger_core.json"
CHUNK = 100_000


def payload(i: int) -> bytes:
    """A ledger entry of realistic size (~190 bytes of canonical JSON)."""
    return (
        b'{"actor":"user:analyst%d@DE-BKA","at":"2026-11-22T14:00:00.%06d+00:00",'
        b'"details":{"purpose":"case 2026/%d","record":"p%d"},"event":"record_read","idx":%d}'
        % (i % 97, i % 1_000_000, i % 5000, i, i)
    )


def payloads(start: int, end: int) -> Iterator[bytes]:
    return (payload(i) for i in range(start, end))


def peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def bench_append(n: int) -> dict[str, object]:
    """Appender alone (rows returned, not kept) and appender feeding the in-memory store."""
    batch = list(payloads(0, min(n, CHUNK)))
    appender = TreeAppender()
    start = time.perf_counter()
    done = 0
    while done < n:
        take = min(CHUNK, n - done)
        appender.extend(batch[:take])
        done += take
    bare = time.perf_counter() - start

    store, appender = MemoryNodeStore(), TreeAppender()
    start = time.perf_counter()
    rows = 0
    for chunk_start in range(0, n, CHUNK):
        new = appender.extend(payloads(chunk_start, min(n, chunk_start + CHUNK)))
        store.put_nodes(new)
        rows += len(new)
    stored = time.perf_counter() - start
    return {
        "entries": n,
        "appends_per_s": round(n / bare),
        "appends_per_s_with_store_and_payloads": round(n / stored),
        "node_rows_per_append": round(rows / n, 3),
    }


def time_us(fn: Callable[..., object], calls: Sequence[tuple[Any, ...]]) -> dict[str, float]:
    """Per-call wall time in microseconds over `calls`."""
    samples = []
    for args in calls:
        start = time.perf_counter()
        fn(*args)
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return {
        "mean_us": round(statistics.fmean(samples), 1),
        "p50_us": round(samples[len(samples) // 2], 1),
        "p99_us": round(samples[int(len(samples) * 0.99)], 1),
        "max_us": round(samples[-1], 1),
    }


def bench_proofs(sizes: list[int], samples: int) -> list[dict[str, Any]]:
    """Grow one in-memory tree through every size; at each, time proofs for random arguments."""
    rnd = random.Random(9162)
    store, appender = MemoryNodeStore(), TreeAppender()
    out = []
    built = 0
    build_seconds = 0.0
    for size in sorted(sizes):
        start = time.perf_counter()
        while built < size:
            end = min(size, built + CHUNK)
            store.put_nodes(appender.extend(payloads(built, end)))
            built = end
        build_seconds += time.perf_counter() - start
        tree = LogTree(store, size)
        root = tree.root()
        incl = [(rnd.randrange(size), rnd.randrange(size // 2, size + 1)) for _ in range(samples)]
        incl = [(min(i, s - 1), s) for i, s in incl]
        cons = [(rnd.randrange(1, size), size) for _ in range(samples)]
        proof = tree.inclusion_proof(size // 3, size)
        leaf = tree.leaf_hash(size // 3)
        cproof = tree.consistency_proof(size // 3, size)
        first_root = tree.root(size // 3)
        out.append(
            {
                "tree_size": size,
                "build_s": round(build_seconds, 1),
                "inclusion_proof": time_us(tree.inclusion_proof, incl),
                "consistency_proof": time_us(tree.consistency_proof, cons),
                "root_of_past_size": time_us(tree.root, [(s,) for _, s in incl]),
                "verify_inclusion": time_us(
                    verify_inclusion, [(size // 3, size, proof.path, leaf, root)] * samples
                ),
                "verify_consistency": time_us(
                    verify_consistency,
                    [(size // 3, size, cproof.path, first_root, root)] * samples,
                ),
                "proof_hashes": len(proof.path),
                "peak_rss_mib": peak_mib(),
            }
        )
    return out


def bench_verify(n: int, head_every: int) -> dict[str, object]:
    """verify_log over n entries with a signed head every `head_every` entries (Ed25519)."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()

    def verifier(message: bytes, signature: bytes) -> bool:
        try:
            public.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    entries = list(payloads(0, n))
    recorded = [leaf_hash(e) for e in entries]
    appender, heads = TreeAppender(), []
    for offset in range(0, n, head_every):
        appender.extend(entries[offset : offset + head_every])
        head = TreeHead(appender.size, appender.root(), 1_790_000_000_000 + offset)
        heads.append(sign_tree_head(head, key.sign))

    start = time.perf_counter()
    plain = verify_log(iter(entries), heads, verifier)
    plain_s = time.perf_counter() - start
    start = time.perf_counter()
    full = verify_log(iter(entries), heads, verifier, recorded=iter(recorded))
    full_s = time.perf_counter() - start
    assert plain.ok and full.ok and full.verified_size == n, (plain, full)

    tampered = list(entries)
    tampered[n * 2 // 3] = b"forged"
    start = time.perf_counter()
    bad = verify_log(iter(tampered), heads, verifier, recorded=iter(recorded))
    bad_s = time.perf_counter() - start
    assert bad.first_bad_index == n * 2 // 3 and bad.exact, bad
    return {
        "entries": n,
        "signed_heads": len(heads),
        "heads_only_s": round(plain_s, 2),
        "with_recorded_hashes_s": round(full_s, 2),
        "tampered_found_s": round(bad_s, 2),
        "entries_per_s": round(n / full_s),
        "peak_rss_mib": peak_mib(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appends", type=int, default=1_000_000)
    parser.add_argument("--proof-sizes", default="1000000,10000000")
    parser.add_argument("--samples", type=int, default=20_000, help="proofs timed per size")
    parser.add_argument("--verify", type=int, default=1_000_000, help="entries to verify")
    parser.add_argument("--head-every", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="100k entries everywhere")
    args = parser.parse_args()
    if args.quick:
        args.appends, args.proof_sizes, args.verify, args.samples = 100_000, "100000", 100_000, 2000

    append = bench_append(args.appends)
    print(
        f"append   {append['entries']:>11,} entries  {append['appends_per_s']:>10,} appends/s  "
        f"({append['appends_per_s_with_store_and_payloads']:,}/s building payloads into the "
        f"in-memory store, {append['node_rows_per_append']} rows/append)",
        flush=True,
    )
    sizes = [int(s) for s in args.proof_sizes.split(",")]
    proofs = bench_proofs(sizes, args.samples)
    for p in proofs:
        incl, cons = p["inclusion_proof"], p["consistency_proof"]
        vi = p["verify_inclusion"]
        print(
            f"proofs   {p['tree_size']:>11,} entries  inclusion p50 {incl['p50_us']:.1f} µs "
            f"p99 {incl['p99_us']:.1f} µs  consistency p50 {cons['p50_us']:.1f} µs  "
            f"verify inclusion p50 {vi['p50_us']:.1f} µs  (built in {p['build_s']} s, "
            f"peak {p['peak_rss_mib']} MiB)",
            flush=True,
        )
    verify = bench_verify(args.verify, args.head_every)
    print(
        f"verify   {verify['entries']:>11,} entries  {verify['with_recorded_hashes_s']} s with "
        f"recorded hashes, {verify['heads_only_s']} s heads only, "
        f"{verify['signed_heads']} signed heads, {verify['entries_per_s']:,} entries/s",
        flush=True,
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "ledger_core",
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {"cpus": os.cpu_count()},
                "parameters": vars(args),
                "target": {"inclusion_proof_ms": 1, "verify_1m_s": 10},
                "append": append,
                "proofs": proofs,
                "verify": verify,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
