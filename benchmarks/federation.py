"""Federated search across five nodes on loopback: searches/s and latency (target p95 < 150 ms).

Five agencies (DE-BKA, NL-POLITIE, FR-PN, BE-FP, AT-BK), each a separate `accord serve --tls`
process with its own SQLite database holding 100k records (persons, passports, companies; one
seed per agency, so the data differs but names collide across nodes), bound by one EU
instrument: persons and organisations in full, travel documents as references. This process
is DE-BKA's analyst client: it calls `federated_search`, which searches DE-BKA locally and asks
the four partners in parallel over mutual TLS; each partner searches, asks its policy engine
and answers from its own process. Latency is the analyst's wall time for the whole search
(local search, fan-out, signature checks, both ledgers).

Measured: sequential searches (searches/s, p50/p95/p99), concurrent searches from client
threads, where the time goes (local part alone, one partner alone), per-partner answer status
counts, setup time and database sizes. Writes benchmarks/results/federation.json.

    .venv/bin/python benchmarks/federation.py            # 5 nodes x 100k records, 500 searches
    .venv/bin/python benchmarks/federation.py --quick    # 5 nodes x 10k records, 100 searches
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from accord.api.server import settle_process
from accord.cli.cluster import LocalNode, build_federation, start_nodes, stop_nodes
from accord.model import EnvelopeDefaults
from accord.policy import load_directory
from accord.services.federation import FederatedResult, PartnerQuery, federated_search
from accord.services.ingest import ingest_stream
from accord.services.node import Node
from accord.services.purpose import parse_purpose
from ingest import FIRST, LAST, write_records

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "federation.json"
TARGET_P95_MS = 150.0
MEMBERS = [
    ("DE-BKA", "Bundeskriminalamt"),
    ("NL-POLITIE", "Politie Nederland"),
    ("FR-PN", "Police nationale"),
    ("BE-FP", "Federale Politie"),
    ("AT-BK", "Bundeskriminalamt Österreich"),
]
REQUESTER = "DE-BKA"
CRIME_AREA = "fraud"
#: Share of each kind of query in the mix. Person names come from the shared name lists, so
#: they hit at every partner; unknown names and documents hit nowhere; a company name or a
#: passport number is drawn from one partner's data (companies may hit at others too).
MIX = {
    "person_name": 0.35,
    "unknown_name": 0.15,
    "company_name": 0.20,
    "passport": 0.20,
    "unknown_passport": 0.10,
}
UNKNOWN_SURNAMES = ["Petrenko", "Lefebvre", "Janssens", "Gruber", "Rossi", "Novak"]

AGREEMENT = """\
# Benchmark agreement: an EU instrument among five criminal police agencies. Persons and
# organisations flow in full; identity and travel documents only as hit/no-hit references
# (the Prüm model); informants never.
id: eu-bench-five
version: 1
title: Information exchange among BKA, Politie, Police nationale, Federale Politie and BK
instrument: >-
  Directive (EU) 2023/977 on the exchange of information between the law enforcement
  authorities of Member States
parties: [{parties}]
valid_from: 2024-12-12
directions:
{directions}
"""
CLAUSES = """\
      - id: persons-organisations-full-{pair}
        mode: full
        crime_areas: [organised_crime, drug_trafficking, money_laundering, thb, fraud,
                      document_forgery, cybercrime, corruption]
        purposes: [prevention, detection, investigation, prosecution, intelligence_analysis]
        record_kinds: [persons, organisations]
        subject_categories: [suspect, convicted, potential_offender, contact, associate]
        max_handling: H2
        max_tlp: AMBER
        onward: with_consent
        retention_days: 1095
      - id: documents-reference-{pair}
        mode: reference
        crime_areas: [organised_crime, drug_trafficking, money_laundering, thb, fraud,
                      document_forgery, cybercrime, corruption]
        purposes: [prevention, detection, investigation, prosecution, border_control]
        record_kinds: [documents]
        subject_categories: any
        max_handling: H2
        max_tlp: AMBER
        onward: forbidden
        retention_days: 365
        conditions: Document details only on a follow-up request naming the proceedings.
      - id: informants-never-{pair}
        mode: none
        crime_areas: any
        purposes: any
        record_kinds: [persons]
        subject_categories: [informant]
        max_handling: H3
        max_tlp: RED
        onward: forbidden
"""


@dataclass(frozen=True, slots=True)
class Query:
    kind: str
    text: str


@dataclass(slots=True)
class Run:
    """One batch of searches: wall time, per-search latency and what each partner answered."""

    label: str
    seconds: float
    latencies: list[tuple[str, float]]  # (query kind, seconds)
    statuses: Counter[tuple[str, str]]  # (agency, status) -> count
    modes: Counter[tuple[str, str]]  # (agency, item mode) -> count
    cpu: dict[str, float]  # process (and "whole machine") -> CPU seconds during the batch


def machine_busy_seconds() -> float:
    """CPU time all processes of the machine spent so far, over every core (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text("ascii").split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat fields 14 and 15); this
    process's own when `pid` is None."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text("ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_agreement(directory: Path) -> Path:
    """The five-party agreement (one `between` per pair, clause ids unique per pair as the
    loader requires), checked by loading it."""
    agencies = [a for a, _ in MEMBERS]
    directions = []
    for i, a in enumerate(agencies):
        for b in agencies[i + 1 :]:
            pair = f"{a}-{b}".lower()
            clauses = CLAUSES.format(pair=pair)
            directions.append(f"  - between: [{a}, {b}]\n    clauses:\n{clauses}")
    text = AGREEMENT.format(parties=", ".join(agencies), directions="".join(directions))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "eu-bench-five.yaml"
    path.write_text(text, "utf-8")
    load_directory([(path.name, text)])
    return path


def seconds(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_ms(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
        "mean_ms": round(sum(values) / len(values) * 1000, 1),
    }


def build_queries(files: dict[str, Path], n: int, seed: int) -> list[Query]:
    """`n` queries in the proportions of MIX, drawn from the partners' generated data."""
    companies: dict[str, list[str]] = {}
    passports: dict[str, list[str]] = {}
    for agency, path in files.items():
        if agency == REQUESTER:
            continue
        with path.open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                if row["schema"] == "Company":
                    companies.setdefault(agency, []).append(row["properties"]["name"][0])
                elif row["schema"] == "Passport":
                    passports.setdefault(agency, []).append(row["properties"]["number"][0])
    partners = sorted(companies)
    rnd = random.Random(seed)
    kinds = rnd.choices(list(MIX), weights=list(MIX.values()), k=n)
    queries = []
    for kind in kinds:
        if kind == "person_name":
            text = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        elif kind == "unknown_name":
            text = f"{rnd.choice(FIRST)} {rnd.choice(UNKNOWN_SURNAMES)}"
        elif kind == "company_name":
            text = rnd.choice(companies[rnd.choice(partners)])
        elif kind == "passport":
            text = rnd.choice(passports[rnd.choice(partners)])
        else:
            text = f"Y{rnd.randint(10**7, 10**8 - 1)}"
        queries.append(Query(kind, text))
    return queries


def run_searches(
    node: Node,
    queries: Sequence[Query],
    label: str,
    *,
    concurrency: int = 1,
    partners: Sequence[str] | None = None,
    include_local: bool = True,
    pids: dict[str, int | None],
) -> Run:
    """Run `queries` as DE-BKA's analyst, `concurrency` at a time; time each search and
    the CPU time each process (`pids`: label -> process id, None for this one) spent."""
    purpose = parse_purpose("investigation", "BENCH-1", CRIME_AREA)
    principal = node.operator()

    def one(query: Query) -> tuple[Query, FederatedResult, float]:
        result, took = seconds(
            lambda: federated_search(
                node,
                principal,
                PartnerQuery(text=query.text),
                purpose,
                partners=partners,
                include_local=include_local,
            )
        )
        return query, result, took

    cpu_before = {label: cpu_seconds(pid) for label, pid in pids.items()}
    machine_before = machine_busy_seconds()
    start = time.perf_counter()
    if concurrency == 1:
        done = [one(q) for q in queries]
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            done = list(pool.map(one, queries))
    wall = time.perf_counter() - start
    cpu = {label: cpu_seconds(pid) - cpu_before[label] for label, pid in pids.items()}
    cpu["whole machine"] = machine_busy_seconds() - machine_before
    statuses: Counter[tuple[str, str]] = Counter()
    modes: Counter[tuple[str, str]] = Counter()
    for _, result, _ in done:
        for p in result.partners:
            statuses[(p.agency, p.status)] += 1
            modes.update((p.agency, item["mode"]) for item in p.items)
    return Run(label, wall, [(q.kind, took) for q, _, took in done], statuses, modes, cpu)


def summary(run: Run) -> dict[str, Any]:
    values = [t for _, t in run.latencies]
    machine = run.cpu["whole machine"]
    ours = sum(used for label, used in run.cpu.items() if label != "whole machine")
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in MIX:
        mine = [t for k, t in run.latencies if k == kind]
        if mine:
            by_kind[kind] = {"searches": len(mine), **latency_ms(mine)}
    return {
        "searches": len(values),
        "seconds": round(run.seconds, 2),
        "searches_per_s": round(len(values) / run.seconds, 1),
        **latency_ms(values),
        "by_query_kind": by_kind,
        "cpu_ms_per_search": {
            label: round(used / len(values) * 1000, 1)
            for label, used in run.cpu.items()
            if label != "whole machine"
        },
        "busy_cores": {
            "benchmark": round(ours / run.seconds, 2),
            "whole_machine": round(machine / run.seconds, 2),
        },
    }


def db_mib(local: LocalNode) -> float:
    size = sum(p.stat().st_size for p in local.home.glob("accord.db*"))
    return round(size / 2**20, 1)


def setup(root: Path, records: int, seed: int) -> tuple[list[LocalNode], dict[str, Any]]:
    """Generate each agency's records, build the federation and load the records (the node
    processes are not running yet)."""
    t0 = time.perf_counter()
    files: dict[str, Path] = {}
    for i, (agency, _) in enumerate(MEMBERS):
        files[agency] = root / f"{agency}.ftm.jsonl"
        write_records(files[agency], records, seed=seed + i)
    generated = time.perf_counter()
    agreement = write_agreement(root / "agreements")
    nodes = build_federation(
        root / "federation", MEMBERS, agreement_files=[agreement], federation="accord-bench"
    )
    built = time.perf_counter()
    ingest: dict[str, Any] = {}
    for local in nodes:
        node = local.open()
        with files[local.agency].open("rb") as stream:
            report, took = seconds(
                lambda node=node, stream=stream, agency=local.agency: ingest_stream(
                    node,
                    node.operator(),
                    stream,
                    defaults=EnvelopeDefaults(owner=agency, crime_areas=(CRIME_AREA,)),
                )
            )
        node.engine.dispose()
        if report.created != records:
            raise RuntimeError(f"{local.agency}: {report.to_dict()}")
        ingest[local.agency] = {"seconds": round(took, 1), "records_per_s": round(records / took)}
        print(f"  ingested {records:,} records into {local.agency} in {took:.1f} s", flush=True)
    ingested = time.perf_counter()
    return nodes, {
        "files": files,
        "generate_s": round(generated - t0, 1),
        "build_federation_s": round(built - generated, 1),
        "ingest": ingest,
        "ingest_s": round(ingested - built, 1),
        "db_mib_after_ingest": {n.agency: db_mib(n) for n in nodes},
    }


def measure(
    nodes: list[LocalNode], args: argparse.Namespace, files: dict[str, Path]
) -> dict[str, Any]:
    requester = next(n for n in nodes if n.agency == REQUESTER)
    node = requester.open()
    levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    pids: dict[str, int | None] = {"client": None}
    pids.update({n.agency: n.process.pid for n in nodes if n.process is not None})
    try:
        queries = build_queries(files, args.warmup + args.searches * (1 + len(levels)), args.seed)
        warm, rest = queries[: args.warmup], queries[args.warmup :]
        batches = [
            rest[i * args.searches : (i + 1) * args.searches] for i in range(len(levels) + 1)
        ]
        warm_run = run_searches(node, warm, "warm-up", pids=pids)
        print(f"  warm-up: {len(warm)} searches", flush=True)
        # This process is DE-BKA's API process: set up as `accord serve` sets up its own.
        settle_process()
        load_before = os.getloadavg()
        runs = [run_searches(node, batches[0], "sequential", pids=pids)]
        print(f"  sequential: {summary(runs[0])['p95_ms']} ms p95", flush=True)
        for level, batch in zip(levels, batches[1:], strict=True):
            runs.append(
                run_searches(node, batch, f"concurrency {level}", concurrency=level, pids=pids)
            )
            print(f"  concurrency {level}: {summary(runs[-1])['p95_ms']} ms p95", flush=True)
        sample = batches[0][: args.breakdown]
        local_only = run_searches(node, sample, "local only", partners=[], pids=pids)
        first = next(n for n in nodes if n.agency != REQUESTER)
        one_partner = run_searches(
            node,
            sample,
            "one partner",
            partners=[first.agency.lower()],
            include_local=False,
            pids=pids,
        )
        load_after = os.getloadavg()
    finally:
        node.engine.dispose()
    statuses: Counter[tuple[str, str]] = Counter()
    modes: Counter[tuple[str, str]] = Counter()
    for run in runs:
        statuses.update(run.statuses)
        modes.update(run.modes)
    partners = {
        n.agency: {
            **{s: statuses[(n.agency, s)] for s in ("hits", "no_hit", "unavailable")},
            "items": {m: c for (a, m), c in sorted(modes.items()) if a == n.agency},
        }
        for n in nodes
        if n.agency != REQUESTER
    }
    return {
        "sequential": summary(runs[0]),
        "concurrent": [
            {"concurrency": lv, **summary(r)} for lv, r in zip(levels, runs[1:], strict=True)
        ],
        "breakdown": {
            "local_only": {
                "what": "DE-BKA's local search and ledger, no partner",
                **summary(local_only),
            },
            "one_partner": {
                "what": f"one partner ({first.agency}) over mutual TLS, no local search",
                **summary(one_partner),
            },
        },
        "partners": partners,
        "unavailable_in_any_run": sum(
            c
            for run in (warm_run, *runs, local_only, one_partner)
            for (_, status), c in run.statuses.items()
            if status == "unavailable"
        ),
        "load_average": {"before_searches": load_before, "after_searches": load_after},
    }


def report_text(results: dict[str, Any]) -> str:
    p = results["parameters"]
    s = results["setup"]
    lines = [
        f"federation: {p['nodes']} nodes x {p['records_per_node']:,} records, requester "
        f"{p['requester']}, {results['machine']['cpus']} cpus, load before searches "
        f"{results['machine']['load_average']['before_searches'][0]:.2f}",
        f"setup {s['total_s']:.0f} s (generate {s['generate_s']} s, federation "
        f"{s['build_federation_s']} s, ingest {s['ingest_s']} s, start {s['start_nodes_s']} s); "
        "db MiB " + ", ".join(f"{a} {m}" for a, m in s["db_mib_after_ingest"].items()),
        "",
        f"{'run':<22}{'searches':>9}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}",
    ]
    rows = [("sequential", results["sequential"])]
    rows += [(f"{c['concurrency']} concurrent", c) for c in results["concurrent"]]
    rows += [
        ("local part only", results["breakdown"]["local_only"]),
        ("one partner only", results["breakdown"]["one_partner"]),
    ]
    for label, r in rows:
        lines.append(
            f"{label:<22}{r['searches']:>9}{r['searches_per_s']:>8}{r['p50_ms']:>9}"
            f"{r['p95_ms']:>9}{r['p99_ms']:>9}"
        )
    lines += ["", "CPU ms per search by process (client = this process; the others node servers):"]
    for label, r in rows:
        cpu = ", ".join(f"{p} {ms}" for p, ms in r["cpu_ms_per_search"].items())
        busy = r["busy_cores"]
        lines.append(
            f"  {label:<18}{cpu}; cores busy: ours {busy['benchmark']}, "
            f"machine {busy['whole_machine']}"
        )
    lines += ["", "sequential by query kind (p50 / p95 ms):"]
    for kind, k in results["sequential"]["by_query_kind"].items():
        lines.append(f"  {kind:<18}{k['searches']:>5}  {k['p50_ms']:>7} / {k['p95_ms']}")
    lines += ["", "partner answers, sequential and concurrent: hits / no_hit / unavailable; items"]
    for agency, a in results["partners"].items():
        items = ", ".join(f"{m} {c}" for m, c in a["items"].items())
        lines.append(
            f"  {agency:<12}{a['hits']:>6} /{a['no_hit']:>6} /{a['unavailable']:>4}   {items}"
        )
    verdict = "meets" if results["meets_target"] else "MISSES"
    lines += [
        f"unavailable answers in any run (warm-up and breakdown too): "
        f"{results['unavailable_in_any_run']}",
        "",
        f"sequential p95 {results['sequential']['p95_ms']} ms {verdict} the target "
        f"(< {TARGET_P95_MS:.0f} ms)",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000, help="records per node")
    parser.add_argument("--searches", type=int, default=500, help="searches per run")
    parser.add_argument("--warmup", type=int, default=30, help="searches before measuring")
    parser.add_argument("--concurrency", default="4,8", help="concurrent runs (comma list)")
    parser.add_argument("--breakdown", type=int, default=100, help="searches per breakdown run")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--quick", action="store_true", help="10k records, 100 searches")
    args = parser.parse_args()
    if args.quick:
        args.records, args.searches, args.warmup, args.breakdown = 10_000, 100, 10, 30
    load_start = os.getloadavg()
    root = Path(tempfile.mkdtemp(prefix="accord-federation-bench-"))
    nodes: list[LocalNode] = []
    try:
        print(f"setting up {len(MEMBERS)} nodes x {args.records:,} records in {root}", flush=True)
        t0 = time.perf_counter()
        nodes, setup_info = setup(root, args.records, args.seed)
        _, started = seconds(lambda: start_nodes(nodes, timeout=120.0))
        setup_info["start_nodes_s"] = round(started, 1)
        setup_info["total_s"] = round(time.perf_counter() - t0, 1)
        files = setup_info.pop("files")
        figures = measure(nodes, args, files)
        stop_nodes(nodes)
        setup_info["db_mib_after_searches"] = {n.agency: db_mib(n) for n in nodes}
    finally:
        stop_nodes(nodes)
        shutil.rmtree(root, ignore_errors=True)
    loads = figures.pop("load_average")
    results = {
        "benchmark": "federation",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": {"start": load_start, **loads},
        },
        "parameters": {
            "quick": args.quick,
            "nodes": len(MEMBERS),
            "agencies": [a for a, _ in MEMBERS],
            "requester": REQUESTER,
            "records_per_node": args.records,
            "searches_per_run": args.searches,
            "warmup": args.warmup,
            "concurrency": [int(c) for c in args.concurrency.split(",") if c.strip()],
            "breakdown_searches": args.breakdown,
            "seed": args.seed,
            "query_mix": MIX,
            "purpose": {"purpose": "investigation", "crime_area": CRIME_AREA},
            "transport": "HTTPS, mutual TLS 1.3, signed bodies, loopback",
        },
        "target": {"p95_ms": TARGET_P95_MS},
        "meets_target": figures["sequential"]["p95_ms"] < TARGET_P95_MS,
        "setup": setup_info,
        **figures,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print()
    print(report_text(results))
    unavailable = results["unavailable_in_any_run"]
    if unavailable:
        print(f"{unavailable} partner answers were unavailable", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
