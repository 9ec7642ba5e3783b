"""Scenario generation throughput and peak memory at 10k, 100k and 1M persons.

Each size runs `write_scenario` (generate, encode, write every agency file, truth.jsonl and the
manifest) in a child process of its own, so that its peak RSS is its own; then the middle size
once more with two worker processes. Target: at least 20,000 records/s, with peak memory that
does not grow with the number of persons. CPU seconds are the process's own (the parent's,
when workers generate). Writes benchmarks/results/scenario.json.

    .venv/bin/python benchmarks/scenario.py            # 10k, 100k, 1M persons; 100k x 2 workers
    .venv/bin/python benchmarks/scenario.py --quick    # 10k only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "scenario.json"
TARGET = 20_000


def child(persons: int, seed: int, workers: int, out: Path) -> None:
    """Generate one scenario and print its figures as JSON (runs in the child process)."""
    from accord.scenario import ScenarioOptions, write_scenario

    start, cpu = time.perf_counter(), time.process_time()
    manifest = write_scenario(ScenarioOptions(seed=seed, persons=persons), out, workers=workers)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    size = sum(p.stat().st_size for p in out.iterdir())
    truth = sum(manifest["truth"]["rows"].values())
    print(
        json.dumps(
            {
                "persons": manifest["persons"],
                "workers": workers,
                "records": manifest["records"],
                "truth_rows": truth,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu_seconds, 2),
                "records_per_s": round(manifest["records"] / seconds),
                "lines_per_s": round((manifest["records"] + truth) / seconds),
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "output_mib": round(size / 2**20, 1),
            }
        )
    )


def run(persons: int, seed: int, workers: int) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="accord-scenario-bench-"))
    try:
        cmd = [sys.executable, __file__, "--child", str(persons), "--seed", str(seed)]
        cmd += ["--workers", str(workers)]
        done = subprocess.run(
            [*cmd, "--out", str(work)], check=True, capture_output=True, text=True
        )
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the smallest size")
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="persons per run, comma-separated"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.seed, args.workers, args.out)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    plan = [(n, 1) for n in sizes]
    if args.quick:
        plan = plan[:1]
    elif len(sizes) > 1:
        plan.append((sizes[len(sizes) // 2], 2))
    load = list(os.getloadavg())
    runs = []
    header = f"{'persons':>10} {'workers':>7} {'records':>10} {'seconds':>8} {'cpu s':>7}"
    print(header + f" {'records/s':>10} {'peak RSS':>10}")
    for persons, workers in plan:
        figures = run(persons, args.seed, workers)
        runs.append(figures)
        print(
            f"{figures['persons']:>10,} {workers:>7} {figures['records']:>10,} "
            f"{figures['seconds']:>8.1f} {figures['cpu_seconds']:>7.1f} "
            f"{figures['records_per_s']:>10,} {figures['peak_rss_mib']:>6.1f} MiB"
        )
    slowest = min(r["records_per_s"] for r in runs if r["workers"] == 1)
    verdict = "met" if slowest >= TARGET else "NOT met"
    print(f"target {TARGET:,} records/s: {verdict} (slowest single-process run {slowest:,}/s)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": "scenario",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {
            "sizes": sizes,
            "seed": args.seed,
            "agencies": "default",
            "storylines": True,
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": load,
        },
        "target_records_per_s": TARGET,
        "target_met": slowest >= TARGET,
        "runs": runs,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
