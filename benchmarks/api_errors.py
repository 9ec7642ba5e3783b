"""What an unexpected error costs the HTTP API: latency of a route that raises (a 500 whose
traceback is logged), and of /api/v1/health while other clients keep hitting that route.

One node, the app behind a real uvicorn on loopback in this process, logging configured as
`accord serve` does (console format, to a file). Before the logging change a 500 rendered a
Rich traceback with locals on the event loop: 5-6 s, with /health waiting behind it.
Writes benchmarks/results/api_errors.json.

    .venv/bin/python benchmarks/api_errors.py            # 500 errors, 4 concurrent clients
    .venv/bin/python benchmarks/api_errors.py --quick    # 100 errors
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import socket
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from accord.api import create_app
from accord.logs import configure_logging, flush_logs
from accord.services.node import init_node
from accord.settings import Settings

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "api_errors.json"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "max_ms": round(max(ms), 2),
    }


def timed(client: httpx.Client, path: str, want: int) -> float:
    started = time.perf_counter()
    res = client.get(path)
    elapsed = time.perf_counter() - started
    assert res.status_code == want, (path, res.status_code)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--errors", type=int, default=500)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    errors = 100 if args.quick else args.errors

    root = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    settings = Settings(home=root / "home")
    log_file = (root / "node.log").open("w", encoding="utf-8")
    configure_logging(settings, stream=log_file)
    node = init_node(settings, "DE-BKA", "Bundeskriminalamt")
    app = create_app(node)

    @app.get("/api/v1/boom")
    def boom() -> None:
        secret = "acc_" + "x" * 40  # a local a traceback with locals would print
        raise RuntimeError(f"benchmark failure ({len(secret)})")

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(
        uvicorn.Config(app, log_config=None, lifespan="off", access_log=False, ws="none")
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    while not server.started:
        time.sleep(0.01)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        with httpx.Client(base_url=base) as client:
            for _ in range(20):  # warm up
                timed(client, "/api/v1/health", 200)
                timed(client, "/api/v1/boom", 500)
            health_alone = [timed(client, "/api/v1/health", 200) for _ in range(errors)]
            error_alone = [timed(client, "/api/v1/boom", 500) for _ in range(errors)]

        stop = threading.Event()

        def hammer() -> int:
            count = 0
            with httpx.Client(base_url=base) as own:
                while not stop.is_set():
                    timed(own, "/api/v1/boom", 500)
                    count += 1
            return count

        with ThreadPoolExecutor(args.clients) as pool:
            started = time.perf_counter()
            futures = [pool.submit(hammer) for _ in range(args.clients)]
            with httpx.Client(base_url=base) as client:
                health_loaded = [timed(client, "/api/v1/health", 200) for _ in range(errors)]
            stop.set()
            raised = sum(f.result() for f in futures)
            wall = time.perf_counter() - started
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        flush_logs()
        log_file.close()

    logged = (root / "node.log").read_text("utf-8")
    result: dict[str, Any] = {
        "benchmark": "api_errors",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": 2},
        "parameters": {"errors": errors, "clients": args.clients, "log_format": "console"},
        "health_alone": summary(health_alone),
        "error_500_alone": summary(error_alone),
        "health_while_500s": summary(health_loaded),
        "errors_during_health_run": raised,
        "errors_per_second_during_health_run": round(raised / wall, 1),
        "tracebacks_logged": logged.count("RuntimeError: benchmark failure"),
        "locals_in_log": "acc_xxxx" in logged,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
