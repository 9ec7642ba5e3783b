"""Travel-document checks against a registry of 10 million reported documents on SQLite.

1. Load: N reports (German documents of DE-BKA's own, 9-character numbers) through the import
   service (`accord.services.document_import`, as `accord documents import` loads a file:
   each chunk one transaction with one ledger entry): reports/s, the database's size on disk
   and this process's peak memory.
2. Single checks over HTTP: the node's app under uvicorn in `--workers` subprocesses (2, then
   1), called by a document checker's token over keep-alive connections (a lean HTTP/1.1
   client, `KeepAlive`), 4 and then 16 at a time, for `--seconds` each: checks/s and p50/p99
   latency (targets: p99 < 10 ms, >= 2,000 checks/s on 2 cores). The connections are spread
   over the processes in turn, as a load balancer in front of them would (each process also
   listens on a port of its own): the kernel's hashing of a few connections between
   processes sharing one port (SO_REUSEPORT) often gives one process all of them and leaves
   the other idle. The mix holds `--hit-share` reported documents. Then 16 connections
   offering `--rates` checks/s between them on a fixed schedule (2,000 and 2,500): latency
   from when each check was due, at the load a border authority would offer rather than at
   as many as 16 connections waiting on one another can push.
3. Batch checks: POST /api/v1/documents/check-batch of 10,000 items each, one client per
   server process at once, spread the same way: documents/s (target >= 100,000).

Every check reaches the ledger (one entry per request or group of concurrent requests), each
hit the hits table: the figures include them. Writes benchmarks/results/documents.json.

    .venv/bin/python benchmarks/documents.py                      # 10,000,000 documents
    .venv/bin/python benchmarks/documents.py --documents 200000   # smaller
    .venv/bin/python benchmarks/documents.py --quick              # 100,000, short runs
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "documents.json"
TARGETS = {"p99_ms": 10.0, "checks_per_s": 2000, "batch_documents_per_s": 100_000}
ALPHABET = "CFGHJKLMNPRTVWXYZ0123456789"  # the letters German passport numbers use
STATUSES = ["stolen"] * 6 + ["lost"] * 3 + ["revoked", "invalidated", "stolen_blank"]
TYPES = ["passport"] * 6 + ["id_card"] * 3 + ["residence_permit"]


#: Random bytes → the alphabet, for making numbers by the million quickly.
_TO_ALPHABET = bytes(ord(ALPHABET[b % len(ALPHABET)]) for b in range(256))


def number(rnd: random.Random) -> str:
    return rnd.randbytes(9).translate(_TO_ALPHABET).decode("ascii")


def reports(n: int, seed: int) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """n report lines as the import reads them (line number, bytes so far, fields)."""
    rnd = random.Random(seed)
    for start in range(0, n, 10_000):
        count = min(10_000, n - start)
        numbers = rnd.randbytes(9 * count).translate(_TO_ALPHABET).decode("ascii")
        kinds = rnd.choices(range(len(TYPES) * len(STATUSES)), k=count)
        for j in range(count):
            i = start + j
            kind = kinds[j]
            yield (
                i + 1,
                i,
                {
                    "number": numbers[9 * j : 9 * j + 9],
                    "country": "D",
                    "type": TYPES[kind % len(TYPES)],
                    "status": STATUSES[kind // len(TYPES)],
                    "reference": f"BKA-{i}",
                },
            )


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def db_size_mib(home: Path) -> float:
    return round(sum(p.stat().st_size for p in home.glob("accord.db*")) / 2**20, 1)


def load(home: Path, n: int, seed: int) -> tuple[dict[str, Any], list[str]]:
    """Initialise the node and import n reports; the figures and a sample of the numbers."""
    from accord.services.document_import import import_documents
    from accord.services.node import init_node
    from accord.services.tokens import issue_token
    from accord.settings import Settings

    node = init_node(Settings(home=home), "DE-BKA", "Bundeskriminalamt")
    actor = node.operator("bench")
    sample: list[str] = []
    shown = [0]

    def lines() -> Iterator[tuple[int, int, dict[str, Any]]]:
        for line in reports(n, seed):
            if line[0] % max(1, n // 20_000) == 0:
                sample.append(line[2]["number"])
            yield line

    def progress(done: int) -> None:
        if done - shown[0] >= 1_000_000:
            shown[0] = done
            print(f"  loaded {done:,} in {time.perf_counter() - started:.0f} s", flush=True)

    started = time.perf_counter()
    report = import_documents(node, actor, lines(), source="benchmark", progress=progress)
    seconds = time.perf_counter() - started
    assert report.loaded + len(report.errors) == n, report.to_dict()
    token = issue_token(node, "border-post", ["document_checker"]).secret
    node.engine.dispose()
    figures = {
        "documents": report.loaded,
        "duplicates_refused": len(report.errors),
        "seconds": round(seconds, 1),
        "documents_per_s": round(report.loaded / seconds),
        "db_size_mib": db_size_mib(home),
        "bytes_per_document": round(db_size_mib(home) * 2**20 / max(1, report.loaded)),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    return {**figures, "token": token}, sample


def serve(home: Path, port: int, own_port: int) -> None:
    """One server process (`--serve`): the node's app under uvicorn on a listening socket
    bound with SO_REUSEPORT, so that the kernel shares connections between the processes, and
    on `own_port`, this process's alone (where a load balancer would send its share). (uvicorn's
    own `--workers` passes a socket whose accepted connections miss TCP_NODELAY, and keep-alive
    requests then wait on delayed ACKs, 40 ms each.)"""
    import uvicorn

    from accord.api import create_app
    from accord.api.server import settle_process
    from accord.services.node import open_node
    from accord.settings import Settings

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    own = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    own.bind(("127.0.0.1", own_port))
    own.listen(1024)
    app = create_app(open_node(Settings(home=home)))
    settle_process()  # as `accord serve` does
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="off", ws="none", log_level="warning"
    )
    uvicorn.Server(config).run(sockets=[sock, own])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(home: Path, workers: int) -> tuple[list[subprocess.Popen[bytes]], str, list[str]]:
    """The server processes, the port they share and each one's own."""
    port = free_port()
    own = [free_port() for _ in range(workers)]
    env = {**os.environ, "ACCORD_LOG_LEVEL": "WARNING"}
    procs = [
        subprocess.Popen(
            [
                *(sys.executable, __file__, "--serve", str(port)),
                *("--own-port", str(mine), "--home", str(home)),
            ],
            env=env,
        )
        for mine in own
    ]
    base = f"http://127.0.0.1:{port}"
    bases = [f"http://127.0.0.1:{mine}" for mine in own]
    for _ in range(600):
        try:
            # Every process up: as many fresh connections answered as there are processes.
            seen = 0
            for url in [base] * workers + bases:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    seen += 1
            if seen == workers * 2:
                time.sleep(1.0)
                return procs, base, bases
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    for proc in procs:
        proc.kill()
    raise RuntimeError("the server did not start")


def workers_rss(procs: list[subprocess.Popen[bytes]]) -> list[float]:
    return [rss_mib(proc.pid) for proc in procs]


class KeepAlive:
    """One keep-alive HTTP/1.1 connection that posts prepared JSON and reads the answer:
    a client as lean as the server's check, so that on a two-core machine the client's CPU
    does not stand in for the server's (httpx costs about 1.6 ms of CPU a request here, more
    than the check). Content-Length framing only, as the node answers."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = (
            f"POST /api/v1/documents/check HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        ).encode("ascii")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        self.writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def host_port(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


async def single_checks(
    bases: list[str],
    token: str,
    bodies: list[dict[str, Any]],
    clients: int,
    seconds: float,
    rate: float | None = None,
) -> dict[str, Any]:
    """`clients` keep-alive connections (spread over `bases` in turn) checking one document
    after another for `seconds`: as fast as answers come, or, with `rate`, that many checks a
    second between them on a fixed schedule (connection k sends at k/rate, then every
    clients/rate seconds), the load a border authority's systems offer rather than as much as
    the server can take. Paced, latency counts from the time a check was due, so a check that
    waits for the one before it on its connection, or for this client, counts that wait too
    (no coordinated omission)."""
    latencies: list[float] = []
    hits = 0
    encoded = [json.dumps(b).encode() for b in bodies]
    conns = [KeepAlive(*host_port(bases[k % len(bases)]), token) for k in range(clients)]
    for conn in conns:
        await conn.open()
    count = int(seconds * rate / clients) if rate else 0

    async def one(conn: KeepAlive, offset: int, start: float) -> None:
        nonlocal hits
        n = 0
        while (n < count) if rate else (time.perf_counter() < start + seconds):
            body = encoded[(offset + n * clients) % len(encoded)]
            if rate:
                due = start + (offset + n * clients) / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
            else:
                due = time.perf_counter()
            n += 1
            status, answer = await conn.post(body)
            latencies.append(time.perf_counter() - due)
            assert status == 200, answer
            hits += json.loads(answer)["hit"]

    try:
        # Warm up every connection first.
        for conn in conns:
            await conn.post(encoded[0])
        start = time.perf_counter() + (0.05 if rate else 0.0)
        await asyncio.gather(*(one(conn, k, start) for k, conn in enumerate(conns)))
        wall = time.perf_counter() - start
    finally:
        for conn in conns:
            conn.close()
    ms = sorted(v * 1000 for v in latencies)
    offered = {"offered_per_s": rate} if rate else {}
    return {
        "clients": clients,
        **offered,
        "checks": len(ms),
        "hits": hits,
        "checks_per_s": round(len(ms) / wall),
        "p50_ms": round(statistics.median(ms), 2),
        "p99_ms": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 2),
        "max_ms": round(ms[-1], 2),
    }


def single_run(
    procs: list[subprocess.Popen[bytes]],
    bases: list[str],
    token: str,
    bodies: list[dict[str, Any]],
    clients: int,
    seconds: float,
    rate: float | None = None,
) -> dict[str, Any]:
    """One run of single checks, as fast as answers come or at `rate` a second, with the CPU
    each check cost the server's processes and this client (both on the same two cores):
    figures apart from the machine's load."""
    server_before = sum(cpu_seconds(p.pid) for p in procs)
    client_before = time.process_time()
    run = asyncio.run(single_checks(bases, token, bodies, clients, seconds, rate))
    server = sum(cpu_seconds(p.pid) for p in procs) - server_before
    return {
        "workers": len(procs),
        **run,
        "server_cpu_ms_per_check": round(server * 1000 / run["checks"], 3),
        "client_cpu_ms_per_check": round(
            (time.process_time() - client_before) * 1000 / run["checks"], 3
        ),
    }


def batch_checks(
    bases: list[str], token: str, bodies: list[dict[str, Any]], batches: int, clients: int = 1
) -> dict[str, Any]:
    """`batches` batches of 10,000 from each of `clients` clients at once (one per server
    process, spread over `bases` in turn: a border authority's systems send their batches
    side by side), after one batch each to warm up: documents/s over the wall time of all of
    them."""
    headers = {"Authorization": f"Bearer {token}"}
    payloads = [
        json.dumps(
            {"items": [bodies[(b * 10_000 + i) % len(bodies)] for i in range(10_000)]}
        ).encode()
        for b in range(batches + 1)
    ]

    def client_run(offset: int, measured: bool) -> tuple[list[float], int]:
        times, hits = [], 0
        base = bases[offset % len(bases)]
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            for b in range(1, batches + 1) if measured else (0,):
                body = payloads[(b + offset) % len(payloads)]
                started = time.perf_counter()
                res = client.post(
                    "/api/v1/documents/check-batch",
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
                times.append(time.perf_counter() - started)
                assert res.status_code == 200, res.text
                hits += sum(1 for r in res.json()["results"] if r["hit"])
        return times, hits

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda c: client_run(c, False), range(clients)))
        started = time.perf_counter()
        runs = list(pool.map(lambda c: client_run(c, True), range(clients)))
        wall = time.perf_counter() - started
    times = [t for run, _ in runs for t in run]
    return {
        "clients": clients,
        "batches_per_client": batches,
        "items_per_batch": 10_000,
        "hits": sum(h for _, h in runs),
        "p50_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "documents_per_s": round(10_000 * batches * clients / wall),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--workers",
        type=lambda text: [int(w) for w in text.split(",")],
        default=[2, 1],
        help="Server processes, one run each: 2,1 (the first also runs the batches).",
    )
    parser.add_argument(
        "--rates",
        type=lambda text: [float(r) for r in text.split(",") if r],
        default=[2000.0, 2500.0],
        help="Checks/s offered on a fixed schedule by 16 connections, one run each (2000,2500).",
    )
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--hit-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=9303)
    parser.add_argument("--home", type=Path, help="Keep the node here (default: a temporary one).")
    parser.add_argument(
        "--reuse", action="store_true", help="Check the registry an earlier run left in --home."
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--own-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.home, args.serve, args.own_port)
        return
    if args.quick:
        args.documents, args.seconds, args.batches = 100_000, 5.0, 3

    load_at_start = [round(x, 2) for x in os.getloadavg()]
    home = args.home or Path(tempfile.mkdtemp(prefix="accord-bench-documents-")) / "home"
    saved = home.parent / "load.json"
    if args.reuse and saved.exists():
        # The registry a previous run loaded into --home: its figures, and the numbers of the
        # same seed to check.
        loaded = json.loads(saved.read_text("utf-8"))
        step = max(1, args.documents // 20_000)
        sample = [r[2]["number"] for r in reports(args.documents, args.seed) if r[0] % step == 0]
        print(f"reusing {home}: {json.dumps(loaded)}", flush=True)
    else:
        print(f"loading {args.documents:,} documents into {home}", flush=True)
        loaded, sample = load(home, args.documents, args.seed)
        saved.write_text(json.dumps(loaded), "utf-8")
    token = loaded.pop("token")
    print(json.dumps(loaded), flush=True)

    rnd = random.Random(args.seed + 1)
    bodies = []
    for _ in range(50_000):
        if rnd.random() < args.hit_share:
            bodies.append({"number": rnd.choice(sample), "country": "D"})
        else:
            bodies.append({"number": number(rnd), "country": "D"})

    single: list[dict[str, Any]] = []
    paced: list[dict[str, Any]] = []
    for workers in args.workers:
        procs, _shared, bases = start_server(home, workers)
        try:
            for clients in (4, 16):
                single.append(single_run(procs, bases, token, bodies, clients, args.seconds))
                print(json.dumps(single[-1]), flush=True)
            for rate in args.rates:
                paced.append(single_run(procs, bases, token, bodies, 16, args.seconds, rate=rate))
                print(json.dumps(paced[-1]), flush=True)
            if workers == args.workers[0]:
                server_before = sum(cpu_seconds(p.pid) for p in procs)
                batch = batch_checks(bases, token, bodies, args.batches, clients=workers)
                server = sum(cpu_seconds(p.pid) for p in procs) - server_before
                batch["workers"] = workers
                batch["server_cpu_ms_per_document"] = round(
                    server * 1000 / (10_000 * (args.batches + 1) * workers), 4
                )
                print(json.dumps(batch), flush=True)
                server_rss = workers_rss(procs)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)

    result = {
        "benchmark": "documents",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "parameters": {
            "documents": args.documents,
            "workers": args.workers,
            "seconds_per_run": args.seconds,
            "hit_share": args.hit_share,
            "paced_rates": args.rates,
            "backend": "sqlite",
        },
        "targets": TARGETS,
        "load": loaded,
        "single_checks": single,
        "paced_checks": paced,
        "batch_checks": batch,
        "server_rss_mib": server_rss,
        "db_size_mib_after": db_size_mib(home),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
