"""Command-line start-up: how long `accord --help`, every subcommand's `--help` and a typical
`accord search` / `accord show` take as separate processes, next to a bare
`python -c "import typer"` (the floor any Typer program pays).

The node for search and show is small and initialised here: the sample records, one user
logged in with `accord login`. Each figure is the median wall time of several runs; the load
average at the start is recorded, since start-up times scale with a busy machine. Writes
benchmarks/results/cli.json.

    .venv/bin/python benchmarks/cli.py            # 7 runs each
    .venv/bin/python benchmarks/cli.py --quick    # 3 runs each
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "cli.json"
EXE = str(Path(sys.executable).parent / "accord")
PASSWORD = "correct horse battery staple"
CASE = ["--case", "BKA-2026-0042", "--crime-area", "thb"]


def _time(argv: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return {"median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3)}


def _subcommands() -> list[list[str]]:
    from typer.main import get_command

    from accord.cli import app

    out: list[list[str]] = []

    def walk(command: Any, path: list[str]) -> None:
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            out.append([*path, name])
            walk(sub, [*path, name])

    walk(get_command(app), [])
    return out


def _small_node(home: Path, env: dict[str, str]) -> None:
    from accord.auth import code_at, time_step

    def run(*args: str, stdin: str | None = None) -> str:
        res = subprocess.run(
            [EXE, *args], env=env, input=stdin, capture_output=True, text=True, check=True
        )
        return res.stdout

    run("init", "--agency", "DE-BKA", "--name", "Bundeskriminalamt")
    out = run("users", "add", "anna", "--role", "analyst", "--password-stdin", stdin=PASSWORD)
    secret = next(line.split(": ", 1)[1] for line in out.splitlines() if "type the secret" in line)
    code = code_at(secret, time_step(datetime.now(UTC)))
    run("login", "anna", "--password-stdin", "--code", code, stdin=PASSWORD)
    sample = resources.files("accord.data").joinpath("sample/DE-BKA.ftm.jsonl")
    run("ingest", str(sample))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 runs each")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    load = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "node"
        env = {**os.environ, "ACCORD_HOME": str(home), "ACCORD_OPERATOR": "bench"}
        typer = _time([sys.executable, "-c", "import typer"], env, runs)
        root_help = _time([EXE, "--help"], env, runs)
        helps = {" ".join(c): _time([EXE, *c, "--help"], env, runs) for c in _subcommands()}
        _small_node(home, env)
        search = _time([EXE, "search", "Kovalenko", *CASE], env, runs)
        show = _time([EXE, "show", "de-p-001"], env, runs)

    floor = typer["median_s"]
    slowest = max(helps.items(), key=lambda kv: kv[1]["median_s"])
    result = {
        "benchmark": "cli",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": runs,
        "load_average_1m": round(load, 2),
        "import_typer": typer,
        "accord_help": root_help | {"x_typer": round(root_help["median_s"] / floor, 2)},
        "slowest_subcommand_help": {
            "command": slowest[0],
            **slowest[1],
            "x_typer": round(slowest[1]["median_s"] / floor, 2),
        },
        "subcommand_help": helps,
        "search": search,
        "show": show,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(
        f"load {load:.2f}; import typer {floor:.3f} s; accord --help "
        f"{root_help['median_s']:.3f} s ({result['accord_help']['x_typer']}×); slowest help "
        f"`{slowest[0]}` {slowest[1]['median_s']:.3f} s "
        f"({result['slowest_subcommand_help']['x_typer']}×); search {search['median_s']:.3f} s; "
        f"show {show['median_s']:.3f} s"
    )


if __name__ == "__main__":
    main()
