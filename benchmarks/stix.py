"""STIX 2.1 ingest and TAXII 2.1 serving, beside the OASIS reference server medallion.

1. `stix import`: N indicators (TLP:GREEN, one IPv4 each) through the import service in
   bundles of 10,000 (each one transaction with its ledger entry, correlation keys and
   stix2 checks): objects/s.
2. TAXII POST: the same objects POSTed to a fresh node's /taxii2/ over HTTP (uvicorn in a
   thread of this process, one httpx client) in envelopes of 1,000: objects/s.
3. Paged GET: the whole collection read back with limit=1000 and `next`: objects/s, each
   page in the ledger.
4. Side by side, in the same run: medallion 3.0.0 with its memory backend (Flask's
   development server in a child process of its own) and Accord (1-3, fresh nodes) on the
   same objects, the same envelopes and pages, at each of `--side-sizes` (1,000, 2,000,
   5,000): objects/s and the ratios Accord to medallion.
5. medallion at the full N as well: its memory backend pages by matching every manifest
   entry against every object (`BasicFilter.sort_and_paginate`, quadratic in the objects
   held), so its paged GET is given `--medallion-get-deadline` seconds (900 by default);
   the objects it served by then are reported, and when it served none, the GET ratio is a
   lower bound (`get_at_least`, against PAGE / deadline). `--no-medallion-full` skips it.

Writes benchmarks/results/stix.json.

    .venv/bin/python benchmarks/stix.py                 # 100,000 objects
    .venv/bin/python benchmarks/stix.py --quick         # 5,000 objects, side by side at 500, 1,000
    .venv/bin/python benchmarks/stix.py --note "…"      # say what else ran on the machine
"""

from __future__ import annotations

import argparse
import json
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
RESULTS = HERE / "results" / "stix.json"
TAXII = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
POST_BATCH = 1000
PAGE = 1000
MEDALLION_COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"


def objects(n: int, seed: str = "bench") -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        out.append(
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, f'{seed}-{i}')}",
                "created": "2026-03-01T10:00:00.000Z",
                "modified": "2026-03-01T10:00:00.000Z",
                "name": f"C2 {ip}",
                "pattern": f"[ipv4-addr:value = '{ip}']",
                "pattern_type": "stix",
                "valid_from": "2026-03-01T10:00:00Z",
                "object_marking_refs": [GREEN],
            }
        )
    return out


def _port() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _node(root: Path, name: str) -> Any:
    from accord.services.node import init_node
    from accord.settings import Settings

    return init_node(
        Settings(home=root / name, taxii_max_page=PAGE, log_level="WARNING"), "DE-BKA", "BKA"
    )


def accord_import(root: Path, objs: list[dict[str, Any]], name: str = "import") -> dict[str, Any]:
    from accord.model import EnvelopeDefaults
    from accord.services.stix import import_objects

    node = _node(root, name)
    started = time.perf_counter()
    for start in range(0, len(objs), 10_000):
        chunk = {
            "type": "bundle",
            "id": f"bundle--{uuid.uuid4()}",
            "objects": objs[start : start + 10_000],
        }
        report = import_objects(
            node, node.operator(), json.dumps(chunk), defaults=EnvelopeDefaults("DE-BKA")
        )
        assert report.refused == 0
    took = time.perf_counter() - started
    node.engine.dispose()
    return {
        "objects": len(objs),
        "seconds": round(took, 2),
        "objects_per_s": round(len(objs) / took),
    }


def _post_and_page(
    base: str,
    collection_url: str,
    objs: list[dict[str, Any]],
    auth: Any,
    headers: dict[str, str],
    get_deadline: float | None = None,
) -> dict[str, Any]:
    """POST `objs` in envelopes of POST_BATCH, then page through the collection with
    limit=PAGE. With `get_deadline` (seconds), the paging stops when the deadline passes, a
    page still being answered included: what was served by then is reported, and
    `get_complete` says whether the whole collection came back."""
    with httpx.Client(timeout=3600, auth=auth, headers=headers) as client:
        started = time.perf_counter()
        for start in range(0, len(objs), POST_BATCH):
            body = json.dumps({"objects": objs[start : start + POST_BATCH]})
            r = client.post(collection_url, content=body, headers={"Content-Type": TAXII})
            assert r.status_code == 202, r.text[:300]
            assert r.json()["failure_count"] == 0, r.text[:300]
        post = time.perf_counter() - started
        started = time.perf_counter()
        seen = 0
        complete = False
        params: dict[str, Any] = {"limit": PAGE}
        while True:
            timeout: float = 3600
            if get_deadline is not None:
                timeout = get_deadline - (time.perf_counter() - started)
                if timeout <= 0:
                    break
            try:
                r = client.get(collection_url, params=params, timeout=timeout)
            except httpx.TimeoutException:
                break
            assert r.status_code == 200, r.text[:300]
            body = r.json()
            seen += len(body.get("objects", []))
            if not body.get("more"):
                complete = True
                break
            params = {"limit": PAGE, "next": body["next"]}
        get = time.perf_counter() - started
    if complete:
        assert seen == len(objs), (seen, len(objs))
    found: dict[str, Any] = {
        "objects": len(objs),
        "post_seconds": round(post, 2),
        "post_objects_per_s": round(len(objs) / post),
        "get_seconds": round(get, 2),
        "get_objects_served": seen,
        "get_complete": complete,
        "get_objects_per_s": round(seen / get) if seen else 0,
    }
    if not complete:
        found["get_deadline_seconds"] = get_deadline
        if not seen:
            # Not one page within the deadline: the rate is below one page per deadline.
            found["get_objects_per_s_below"] = round(PAGE / get, 2)
    return found


def accord_taxii(root: Path, objs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    import uvicorn

    from accord.api import create_app
    from accord.services import taxii
    from accord.services.tokens import issue_token

    node = _node(root, name)
    token = issue_token(node, "bench", ["analyst"]).secret
    made = taxii.create_collection(
        node, node.operator(), title="bench", purpose="investigation", crime_area="cybercrime"
    )
    sock = _port()
    server = uvicorn.Server(uvicorn.Config(create_app(node), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        return _post_and_page(
            base,
            f"{base}/taxii2/accord/collections/{made.id}/objects/",
            objs,
            None,
            {"Authorization": f"Bearer {token}", "Accept": TAXII},
        )
    finally:
        server.should_exit = True
        thread.join(30)
        node.engine.dispose()


def _medallion_config(root: Path) -> Path:
    collection = MEDALLION_COLLECTION
    data = {
        "/discovery": {
            "title": "medallion",
            "default": "http://127.0.0.1/api1/",
            "api_roots": ["http://127.0.0.1/api1/"],
        },
        "api1": {
            "information": {
                "title": "bench",
                "versions": [TAXII],
                "max_content_length": 100 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": collection,
                    "title": "bench",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
            ],
        },
    }
    path = root / "medallion.json"
    path.write_text(json.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(path),
        },
        "users": {"bench": "bench-pass"},
        "taxii": {"max_page_size": PAGE},
    }
    conf = root / "medallion-config.json"
    conf.write_text(json.dumps(config))
    return conf


def serve_medallion(conf: Path, port: int) -> None:
    """Run medallion (its memory backend, Flask's development server, one request at a time)
    in this process until it is killed: the benchmark's child process."""
    import logging

    from medallion import application_instance, register_blueprints, set_config
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    config = json.loads(conf.read_text())
    for prop in ("users", "taxii", "backend"):
        set_config(application_instance, prop, config)
    register_blueprints(application_instance)
    make_server("127.0.0.1", port, application_instance, threaded=False).serve_forever()


def medallion(
    root: Path, objs: list[dict[str, Any]], get_deadline: float | None = None
) -> dict[str, Any]:
    """medallion on `objs`, in a child process of its own, so that a page it is still
    computing when the deadline passes can be stopped."""
    conf = _medallion_config(root)
    sock = _port()
    port = sock.getsockname()[1]
    sock.close()
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve-medallion", str(conf), str(port)],
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(f"{base}/taxii2/", timeout=1)
                break
            except httpx.TransportError:
                if child.poll() is not None:
                    raise RuntimeError("medallion did not start") from None
                time.sleep(0.1)
        return _post_and_page(
            base,
            f"{base}/api1/collections/{MEDALLION_COLLECTION}/objects/",
            objs,
            ("bench", "bench-pass"),
            {"Accept": TAXII},
            get_deadline,
        )
    finally:
        child.kill()
        child.wait()


def _ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("inf")


def _pair(size: int, accord: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    ratios: dict[str, Any] = {
        "stix_import_vs_post": _ratio(
            accord["stix_import"]["objects_per_s"], theirs["post_objects_per_s"]
        ),
        "post": _ratio(accord["taxii"]["post_objects_per_s"], theirs["post_objects_per_s"]),
    }
    if theirs["get_objects_served"]:
        ratios["get"] = _ratio(accord["taxii"]["get_objects_per_s"], theirs["get_objects_per_s"])
        if not theirs["get_complete"]:
            ratios["get_note"] = "medallion's rate over the pages it served by the deadline"
    else:
        # medallion served no page by the deadline: its rate was below one page per deadline,
        # so the ratio is at least this.
        ratios["get_at_least"] = _ratio(
            accord["taxii"]["get_objects_per_s"], theirs["get_objects_per_s_below"]
        )
    return {
        "objects": size,
        "accord": accord,
        "medallion": theirs,
        "ratio_accord_to_medallion": ratios,
    }


def side_by_side(root: Path, size: int) -> dict[str, Any]:
    """Accord and medallion on the same `size` objects: Accord's `stix import`, both servers'
    TAXII POST in envelopes of 1,000 and paged GET with limit=1000; the ratios Accord to
    medallion (above 1: Accord is faster)."""
    same = objects(size, f"side-{size}")
    accord = {
        "stix_import": accord_import(root, same, f"side-import-{size}"),
        "taxii": accord_taxii(root, same, f"side-taxii-{size}"),
    }
    return _pair(size, accord, medallion(root, [dict(o) for o in same]))


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-medallion":
        serve_medallion(Path(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument(
        "--side-sizes",
        default="1000,2000,5000",
        help="smaller sizes (comma-separated) at which medallion also runs beside Accord",
    )
    parser.add_argument(
        "--medallion-get-deadline",
        type=float,
        default=900.0,
        help="seconds medallion's paged GET may take at the full size before it is stopped",
    )
    parser.add_argument(
        "--no-medallion-full",
        action="store_true",
        help="skip medallion at the full size (its POST alone takes most of an hour at 100,000)",
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--note", default="", help="what the machine was doing meanwhile")
    args = parser.parse_args()
    n = 5_000 if args.quick else args.objects
    sizes = [500, 1_000] if args.quick else [int(x) for x in args.side_sizes.split(",") if x]
    objs = objects(n)
    results: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": args.note,
        "machine": {
            "python": platform.python_version(),
            "cpus": __import__("os").cpu_count(),
            "loaded": bool(args.note),
        },
        "parameters": {
            "objects": n,
            "post_batch": POST_BATCH,
            "page": PAGE,
            "side_sizes": sizes,
            "medallion_get_deadline_seconds": args.medallion_get_deadline,
        },
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results["side_by_side"] = []
        for size in sizes:
            found = side_by_side(root, size)
            results["side_by_side"].append(found)
            print("side by side", json.dumps(found), flush=True)
        results["stix_import"] = accord_import(root, objs)
        print("stix import", results["stix_import"], flush=True)
        results["taxii"] = accord_taxii(root, objs, "taxii")
        print("taxii", results["taxii"], flush=True)
        if not args.no_medallion_full:
            accord = {"stix_import": results["stix_import"], "taxii": results["taxii"]}
            theirs = medallion(root, [dict(o) for o in objs], args.medallion_get_deadline)
            results["side_by_side"].append(_pair(n, accord, theirs))
            print("side by side", json.dumps(results["side_by_side"][-1]), flush=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
