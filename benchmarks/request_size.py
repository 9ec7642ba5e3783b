"""Cost of one request against its size: creating one Person with n `name` values.

A Person with 40,000 names took 14.8 s, because de-duplicating the cleaned values scanned a
list per value (quadratic). This measures the whole create path below HTTP — the JSON body
decoded, every value cleaned and de-duplicated, the search keys derived, the record and its
keys stored and the ledger entry appended — for n from 1k up to the limit, and reports the
time per value, which stays flat when the cost is linear. The limit (ACCORD_RECORD_MAX_VALUES,
default 5,000) is raised here so the largest sizes can be measured at all.

    .venv/bin/python benchmarks/request_size.py            # 1k … 100k values
    .venv/bin/python benchmarks/request_size.py --quick    # 1k … 10k values
Writes benchmarks/results/request_size.json.

(Not `requests.py`: a script's folder is first on the import path of every script beside it,
and followthemoney imports the `requests` package.)
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from accord.services import records
from accord.services.node import init_node
from accord.settings import Settings

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "request_size.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sizes = [1_000, 2_000, 5_000, 10_000] + ([] if args.quick else [20_000, 40_000, 100_000])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp) / "node", record_max_values=max(sizes))
        node = init_node(settings, "DE-BKA", "Bundeskriminalamt")
        operator = node.operator()
        warm = {"id": "warm-up", "schema": "Person", "properties": {"name": ["Warm Up"]}}
        records.create_record(node, operator, warm)  # first-call costs out of the figures
        for n in sizes:
            times = []
            for r in range(args.rounds):
                names = [f"Given{i} Family{i % 997} {r}" for i in range(n)]
                body = json.dumps(
                    {"id": f"p-{n}-{r}", "schema": "Person", "properties": {"name": names}}
                )
                start = time.perf_counter()
                records.create_record(node, operator, json.loads(body))
                times.append(time.perf_counter() - start)
            seconds = statistics.median(times)
            rows.append(
                {
                    "values": n,
                    "body_bytes": len(body),
                    "seconds": round(seconds, 3),
                    "us_per_value": round(seconds / n * 1e6, 1),
                }
            )
            print(
                f"{n:>7,} values ({len(body) / 1e6:.1f} MB): {seconds:.3f} s, "
                f"{seconds / n * 1e6:.1f} µs per value"
            )
        node.engine.dispose()
    per_value = [r["us_per_value"] for r in rows]
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "path": "records.create_record (JSON decode, clean, keys, store, ledger)",
        "rounds": args.rounds,
        "default_limit": Settings.model_fields["record_max_values"].default,
        "sizes": rows,
        # Linear cost: the time per value at the largest size over that at the smallest.
        "per_value_ratio_largest_to_smallest": round(per_value[-1] / per_value[0], 2),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"per-value time, largest/smallest: {result['per_value_ratio_largest_to_smallest']}")


if __name__ == "__main__":
    main()
