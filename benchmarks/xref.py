"""Batch cross-referencing: `accord xref` of 100k x 100k person records with the DuckDB engine.

A synthetic scenario (seed 1, agencies DE-BKA and UA-NPU, default variation) is generated
large enough that each agency holds at least the wanted number of person records; the first
that many of each are loaded into one SQLite node, DE-BKA's as its own and UA-NPU's as
records it received (each through ingest, acting for its owner). `run_xref` then links
DE-BKA against UA-NPU with the DuckDB engine, as `accord xref --against UA-NPU --engine
duckdb` does, and the wall time of each phase is taken from its progress reports. A link is
true when truth.jsonl puts both records under one identity; precision and recall count
pairs, recall against every true cross-agency pair among the loaded records.

The run keeps every candidate Splink scored at or above the spec's review floor (both
proposal thresholds set to 0 for the run), so that the links the default settings propose
(Splink's probability >= ACCORD_XREF_PROBABILITY or the matcher's score >=
ACCORD_XREF_THRESHOLD) and other choices of the two thresholds are measured on one run.

Target (docs/xref.md): the whole run in under 5 minutes on the project's 2-core machine.

    .venv/bin/python benchmarks/xref.py            # 100,000 x 100,000
    .venv/bin/python benchmarks/xref.py --quick    # 10,000 x 10,000
    .venv/bin/python benchmarks/xref.py --records 2500 --engine accord --out accord.json
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from accord.model import EnvelopeDefaults, Principal, PrincipalKind
from accord.scenario import ScenarioOptions, write_scenario
from accord.services.ingest import ingest_stream
from accord.services.node import Node, init_node
from accord.services.xref import run_xref
from accord.settings import Settings

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "xref.json"
OWN, OTHER = "DE-BKA", "UA-NPU"
#: Person records each of the two agencies holds per person of the scenario (measured: 180,000
#: persons give 98,452 and 98,310).
PER_PERSON = 0.545
TARGET_SECONDS = 300


def acting_for(agency: str) -> Principal:
    return Principal("bench", agency, PrincipalKind.TOKEN, frozenset({"analyst"}))


def persons_of(folder: Path, agency: str, n: int) -> list[str]:
    """The first `n` person lines of an agency's file."""
    out: list[str] = []
    with (folder / f"{agency}.ftm.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if '"schema":"Person"' in line:
                out.append(line)
                if len(out) == n:
                    break
    if len(out) < n:
        raise SystemExit(f"{agency} holds only {len(out)} person records; raise --persons")
    return out


def truth_pairs(folder: Path, loaded: dict[str, set[str]]) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    with (folder / "truth.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row.get("type") != "identity" or row.get("schema") != "Person":
                continue
            own = [r["id"] for r in row["records"] if r["id"] in loaded[OWN]]
            other = [r["id"] for r in row["records"] if r["id"] in loaded[OTHER]]
            pairs.update((a, b) for a in own for b in other)
    return pairs


def prf(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, Any]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "links": len(found),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "fp": len(found) - tp,
        "fn": len(truth) - tp,
    }


def load(node: Node, lines: dict[str, list[str]]) -> float:
    start = time.perf_counter()
    for agency, mine in lines.items():
        report = ingest_stream(
            node,
            acting_for(agency),
            io.BytesIO("".join(mine).encode("utf-8")),
            defaults=EnvelopeDefaults(owner=agency),
            source=f"{agency}.ftm.jsonl",
        )
        assert report.rejected == 0, report.errors[:3]
    return time.perf_counter() - start


def links_of(node: Node, run_id: int) -> list[tuple[tuple[str, str], float, float]]:
    """(pair, Splink's probability, the matcher's score) of every link the run stored."""
    from sqlalchemy import select

    from accord.store.tables import xref_links

    c = xref_links.c
    with node.engine.connect() as conn:
        rows = conn.execute(
            select(c.left_id, c.right_id, c.splink_probability, c.score).where(c.run_id == run_id)
        ).all()
    return [((r.left_id, r.right_id), r.splink_probability or 0.0, r.score) for r in rows]


def rules(
    found: list[tuple[tuple[str, str], float, float]], truth: set[tuple[str, str]]
) -> dict[str, Any]:
    """Accuracy of the links each choice of thresholds proposes (`p`: Splink's probability,
    `s`: the matcher's score; "or": either reaches its threshold)."""
    out: dict[str, Any] = {}
    for p in (0.5, 0.8, 0.9, 0.95):
        out[f"p>={p}"] = prf({pair for pair, pr, _ in found if pr >= p}, truth)
    for t in (0.7, 0.8, 0.9, 0.95):
        out[f"s>={t}"] = prf({pair for pair, _, sc in found if sc >= t}, truth)
    for p, t in ((0.8, 0.9), (0.8, 0.95), (0.9, 0.95), (0.5, 0.95)):
        chosen = {pair for pair, pr, sc in found if pr >= p or sc >= t}
        out[f"p>={p} or s>={t}"] = prf(chosen, truth)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 x 10,000")
    parser.add_argument("--records", type=int, help="person records per agency")
    parser.add_argument("--persons", type=int, help="persons in the scenario")
    parser.add_argument("--engine", default="duckdb", help="accord, duckdb or spark")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the figures")
    args = parser.parse_args()
    wanted = args.records or (10_000 if args.quick else 100_000)
    persons = args.persons or int(wanted / PER_PERSON * 1.02) + 1000
    load_at_start = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="xref-bench-") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        write_scenario(
            ScenarioOptions(seed=1, persons=persons, agencies=(OWN, OTHER)),
            work / "scenario",
            workers=2,
        )
        generate_seconds = time.perf_counter() - start
        lines = {a: persons_of(work / "scenario", a, wanted) for a in (OWN, OTHER)}
        loaded = {a: {json.loads(line)["id"] for line in lines[a]} for a in lines}
        truth = truth_pairs(work / "scenario", loaded)
        settings = Settings(home=work / "node")
        node = init_node(settings, OWN, "Bundeskriminalamt")
        load_seconds = load(node, lines)
        print(
            f"scenario of {persons:,} persons in {generate_seconds:.0f} s; loaded "
            f"{wanted:,} + {wanted:,} person records in {load_seconds:.0f} s; "
            f"{len(truth):,} true pairs",
            flush=True,
        )
        phases: dict[str, float] = {}

        def progress(phase: str, done: int, total: int | None) -> None:
            phases.setdefault(phase, time.perf_counter())

        defaults = (settings.xref_probability, settings.xref_threshold)
        node.settings.xref_probability = node.settings.xref_threshold = 0.0
        start = time.perf_counter()
        report = run_xref(
            node, acting_for(OWN), against=OTHER, engine=args.engine, progress=progress
        )
        total = time.perf_counter() - start
        marks = sorted(phases.items(), key=lambda kv: kv[1])
        seconds = {
            name: round((marks[i + 1][1] if i + 1 < len(marks) else start + total) - at, 2)
            for i, (name, at) in enumerate(marks)
        }
        found = links_of(node, report.run_id)
        node.engine.dispose()
    proposed = {pair for pair, pr, sc in found if pr >= defaults[0] or sc >= defaults[1]}
    result = {
        "benchmark": "xref",
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": {
            "records_per_agency": wanted,
            "scenario_persons": persons,
            "seed": 1,
            "agencies": [OWN, OTHER],
            "engine": args.engine,
            "database": "sqlite",
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
        },
        "target_seconds": TARGET_SECONDS,
        "target_met": total < TARGET_SECONDS,
        "seconds": {"total": round(total, 2), **seconds},
        "setup_seconds": {
            "generate": round(generate_seconds, 1),
            "load": round(load_seconds, 1),
        },
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "counts": {**report.counts, "proposed_by_default": len(proposed)},
        "model": report.parameters.get("model", {}),
        "true_pairs": len(truth),
        "defaults": {"probability": defaults[0], "threshold": defaults[1]},
        "accuracy": {
            "proposed": prf(proposed, truth),
            "candidates": prf({pair for pair, _, _ in found}, truth),
            "rules": rules(found, truth),
        },
    }
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    acc = result["accuracy"]["proposed"]
    print(
        f"xref {wanted:,} x {wanted:,} ({args.engine}): {total:.1f} s "
        f"({', '.join(f'{k} {v:.1f}' for k, v in seconds.items())}); "
        f"{acc['links']:,} links, precision {acc['precision']}, recall {acc['recall']}; "
        f"target {'met' if result['target_met'] else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
