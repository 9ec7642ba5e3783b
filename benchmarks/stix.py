"""STIX 2.1 ingest and TAXII 2.1 serving, beside the OASIS reference server medallion.

1. `stix import`: N indicators (TLP:GREEN, one IPv4 each) through the import service in
   bundles of 10,000 (each one transaction with its ledger entry, correlation keys and
   stix2 checks): objects/s.
2. TAXII POST: the same objects POSTed to a fresh node's /taxii2/ over HTTP (uvicorn in a
   thread of this process, one httpx client) in envelopes of 1,000: objects/s.
3. Paged GET: the whole collection read back with limit=1000 and `next`: objects/s, each
   page in the ledger.
4. Side by side, in the same run: medallion 3.0.0 with its memory backend (Flask's
   development server in a thread) and Accord (1-3, fresh nodes) on the same objects, the
   same envelopes and pages, at each of `--side-sizes` (1,000, 2,000, 5,000): objects/s and
   the ratios Accord to medallion. medallion's memory backend pages by matching every
   manifest entry against every object (`BasicFilter.sort_and_paginate`: quadratic in the
   objects held, minutes for 2,000), so it is not run at 100,000.

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
    base: str, collection_url: str, objs: list[dict[str, Any]], auth: Any, headers: dict[str, str]
) -> dict[str, Any]:
    with httpx.Client(timeout=600, auth=auth, headers=headers) as client:
        started = time.perf_counter()
        for start in range(0, len(objs), POST_BATCH):
            body = json.dumps({"objects": objs[start : start + POST_BATCH]})
            r = client.post(collection_url, content=body, headers={"Content-Type": TAXII})
            assert r.status_code == 202, r.text[:300]
            assert r.json()["failure_count"] == 0, r.text[:300]
        post = time.perf_counter() - started
        started = time.perf_counter()
        seen = 0
        params: dict[str, Any] = {"limit": PAGE}
        while True:
            r = client.get(collection_url, params=params)
            assert r.status_code == 200, r.text[:300]
            body = r.json()
            seen += len(body.get("objects", []))
            if not body.get("more"):
                break
            params = {"limit": PAGE, "next": body["next"]}
        get = time.perf_counter() - started
    assert seen == len(objs), (seen, len(objs))
    return {
        "objects": len(objs),
        "post_seconds": round(post, 2),
        "post_objects_per_s": round(len(objs) / post),
        "get_seconds": round(get, 2),
        "get_objects_per_s": round(len(objs) / get),
    }


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


def medallion(root: Path, objs: list[dict[str, Any]]) -> dict[str, Any]:
    import logging

    from medallion import application_instance, register_blueprints, set_config
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request

    collection = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
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
    for prop in ("users", "taxii", "backend"):
        set_config(application_instance, prop, config)
    # One Flask application per process: its routes are registered once, the backend is new
    # for each size.
    if not getattr(application_instance, "_bench_registered", False):
        register_blueprints(application_instance)
        application_instance._bench_registered = True
    server = make_server("127.0.0.1", 0, application_instance, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        return _post_and_page(
            base,
            f"{base}/api1/collections/{collection}/objects/",
            objs,
            ("bench", "bench-pass"),
            {"Accept": TAXII},
        )
    finally:
        server.shutdown()


def _ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("inf")


def side_by_side(root: Path, size: int) -> dict[str, Any]:
    """Accord and medallion on the same `size` objects: Accord's `stix import`, both servers'
    TAXII POST in envelopes of 1,000 and paged GET with limit=1000; the ratios Accord to
    medallion (above 1: Accord is faster)."""
    same = objects(size, f"side-{size}")
    accord = {
        "stix_import": accord_import(root, same, f"side-import-{size}"),
        "taxii": accord_taxii(root, same, f"side-taxii-{size}"),
    }
    theirs = medallion(root, [dict(o) for o in same])
    return {
        "objects": size,
        "accord": accord,
        "medallion": theirs,
        "ratio_accord_to_medallion": {
            "stix_import_vs_post": _ratio(
                accord["stix_import"]["objects_per_s"], theirs["post_objects_per_s"]
            ),
            "post": _ratio(accord["taxii"]["post_objects_per_s"], theirs["post_objects_per_s"]),
            "get": _ratio(accord["taxii"]["get_objects_per_s"], theirs["get_objects_per_s"]),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument(
        "--side-sizes",
        default="1000,2000,5000",
        help="sizes (comma-separated) at which medallion runs beside Accord on the same objects",
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--note", default="", help="what the machine was doing meanwhile")
    args = parser.parse_args()
    n = 5_000 if args.quick else args.objects
    sizes = [500, 1_000] if args.quick else [int(x) for x in args.side_sizes.split(",")]
    objs = objects(n)
    results: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": args.note,
        "machine": {
            "python": platform.python_version(),
            "cpus": __import__("os").cpu_count(),
            "loaded": bool(args.note),
        },
        "parameters": {"objects": n, "post_batch": POST_BATCH, "page": PAGE, "side_sizes": sizes},
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
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
