"""Ingest throughput and peak memory: 10k, 100k and 1M FtM records into SQLite and PostgreSQL,
in one process (`workers` 0) and with the node's default worker processes preparing the lines
(`ACCORD_INGEST_WORKERS`, 2 on a 2-core machine).

Each (backend, size, workers) runs in a child process of its own so that its peak RSS is its
own; the workers' memory is sampled from /proc as they run (the peak of their sum).
Writes benchmarks/results/ingest.json.

    .venv/bin/python benchmarks/ingest.py            # 10k, 100k, 1M on SQLite and PostgreSQL
    .venv/bin/python benchmarks/ingest.py --quick    # 10k only
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from accord.settings import Settings

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "ingest.json"
PG_DEFAULT = "postgresql+psycopg://root@127.0.0.1:5432/test"

FIRST = ["Anna", "Jan", "Oleksandr", "Maria", "Mohamed", "Wei", "Eleni", "Pieter", "Olena", "Ahmed"]
LAST = [
    "Schmidt",
    "de Vries",
    "Kovalenko",
    "Papadopoulou",
    "Haddad",
    "Zhang",
    "Müller",
    "Shevchenko",
]
COUNTRIES = ["de", "nl", "ua", "gr", "eg", "cn"]


def write_records(path: Path, n: int, seed: int = 7) -> None:
    """n FtM lines: people with a passport each, companies, accounts (a realistic mix)."""
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            kind = i % 4
            if kind in (0, 1):
                line = {
                    "id": f"p{i}",
                    "schema": "Person",
                    "properties": {
                        "name": [f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"],
                        "birthDate": [
                            f"19{rnd.randint(50, 99)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}"
                        ],
                        "nationality": [rnd.choice(COUNTRIES)],
                    },
                    "accord": {"subject_category": "suspect"},
                }
            elif kind == 2:
                line = {
                    "id": f"d{i}",
                    "schema": "Passport",
                    "properties": {
                        "number": [f"X{rnd.randint(10**7, 10**8 - 1)}"],
                        "holder": [f"p{i - 2}"],
                        "country": [rnd.choice(COUNTRIES)],
                    },
                }
            else:
                line = {
                    "id": f"c{i}",
                    "schema": "Company",
                    "properties": {
                        "name": [f"{rnd.choice(LAST)} Trading {i} Ltd"],
                        "jurisdiction": [rnd.choice(COUNTRIES)],
                        "registrationNumber": [f"HRB {i}"],
                    },
                }
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def _descendants_rss_mib() -> float:
    """The resident memory of this process's descendants (the ingest's workers and their
    fork server), summed, from /proc."""
    me = os.getpid()
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            pages = int(Path(f"/proc/{entry}/statm").read_text().split()[1])
        except (OSError, ValueError):
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = pages
    total = 0
    for pid in rss:
        up = parents.get(pid)
        while up is not None and up not in (0, 1, me):
            up = parents.get(up)
        if up == me:
            total += rss[pid]
    return total * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def child(backend: str, n: int, data: Path, workdir: Path, workers: int) -> dict[str, object]:
    """Runs in the child process: init a node, ingest the file, report."""
    import threading

    from sqlalchemy import create_engine, text

    from accord.model import EnvelopeDefaults
    from accord.services.ingest import ingest_stream
    from accord.services.node import init_node

    schema = None
    if backend == "sqlite":
        settings = Settings(home=workdir / f"sqlite-{n}")
    else:
        base = os.environ.get("ACCORD_TEST_POSTGRES_URL", PG_DEFAULT)
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        settings = Settings(
            home=workdir / f"pg-{n}", database_url=f"{base}?options=-csearch_path%3D{schema}"
        )
    node = init_node(settings, "DE-BKA", "Benchmark")
    defaults = EnvelopeDefaults(owner="DE-BKA", crime_areas=("fraud",))
    workers_peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            workers_peak[0] = max(workers_peak[0], _descendants_rss_mib())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    with data.open("rb") as stream:
        report = ingest_stream(node, node.operator(), stream, defaults=defaults, workers=workers)
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    node.engine.dispose()
    if schema is not None:
        base = os.environ.get("ACCORD_TEST_POSTGRES_URL", PG_DEFAULT)
        with create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert report.created == n, report.to_dict()
    return {
        "backend": backend,
        "records": n,
        "workers": workers,
        "seconds": round(elapsed, 2),
        "records_per_s": round(n / elapsed),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "workers_peak_rss_mib": round(workers_peak[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--workers",
        default=f"0,{Settings().ingest_workers}",
        help="worker process counts to run (default: 0 and the node's default)",
    )
    parser.add_argument("--quick", action="store_true", help="10k records only")
    parser.add_argument(
        "--child", nargs=4, metavar=("BACKEND", "N", "FILE", "WORKERS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        backend, n, data, workers = args.child
        with tempfile.TemporaryDirectory() as work:
            print(json.dumps(child(backend, int(n), Path(data), Path(work), int(workers))))
        return
    sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for n in sizes:
            data = Path(work) / f"records-{n}.jsonl"
            write_records(data, n)
            for backend in args.backends.split(","):
                for workers in [int(w) for w in args.workers.split(",")]:
                    out = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--child",
                            backend,
                            str(n),
                            str(data),
                            str(workers),
                        ],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    row = json.loads(out.stdout.strip().splitlines()[-1])
                    rows.append(row)
                    print(
                        f"{backend:9} {n:>9,} records  {workers} workers  "
                        f"{row['records_per_s']:>8,} records/s  {row['seconds']:>8.1f} s  "
                        f"peak {row['peak_rss_mib']:>7.1f} MiB "
                        f"(workers {row['workers_peak_rss_mib']:.1f} MiB)",
                        flush=True,
                    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "ingest",
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {"cpus": os.cpu_count()},
                "target": {"sqlite_records_per_s": 10_000, "peak_rss_mib_at_1m": 2048},
                "results": rows,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
