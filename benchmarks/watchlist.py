"""Watchlist matching cost per ingested record: ingest with no active notice, and with
100,000 active (published) notices, on SQLite (and PostgreSQL with --backends).

The records are `ingest.py`'s mix (persons with a passport each, companies), plus one person
in a hundred who is a notice's subject written another way (so some records hit). Notice
subjects are persons with diverse generated names, birth dates and passports; they are put
on the watchlist as publishing does (their matcher keys in `notice_keys`), in bulk, without
the ledger entry per notice that publishing writes. Each (backend, notices) runs in a child
process of its own. Writes benchmarks/results/watchlist.json.

    .venv/bin/python benchmarks/watchlist.py            # 100k notices, 200k records, SQLite
    .venv/bin/python benchmarks/watchlist.py --quick    # 10k notices, 10k records
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from ingest import write_records  # noqa: E402

RESULTS = HERE / "results" / "watchlist.json"
PG_DEFAULT = "postgresql+psycopg://root@127.0.0.1:5432/test"
_ONSET = ["b", "d", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "sh", "kh", "dr", "st"]
_VOWEL = ["a", "e", "i", "o", "u", "ia", "ei", "ou"]


def _word(rnd: random.Random, parts: int) -> str:
    return "".join(rnd.choice(_ONSET) + rnd.choice(_VOWEL) for _ in range(parts)).capitalize()


def subjects(n: int, seed: int = 11) -> list[dict[str, list[str]]]:
    """n persons with diverse names, birth dates, nationalities and passport numbers."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        out.append(
            {
                "name": [f"{_word(rnd, 2)} {_word(rnd, 3)}"],
                "birthDate": [
                    f"19{rnd.randint(40, 99)}-{rnd.randint(1, 12):02}-{rnd.randint(1, 28):02}"
                ],
                "nationality": [rnd.choice(["de", "nl", "ua", "gr", "eg", "cn"])],
                "passportNumber": [f"N{rnd.randint(10**7, 10**8 - 1)}"],
            }
        )
    return out


def write_data(path: Path, n: int, notice_subjects: list[dict[str, list[str]]]) -> int:
    """`ingest.py`'s mix of n records, one line in a hundred replaced by a notice's subject
    (its name upper-cased, its passport dropped); returns how many such lines."""
    write_records(path, n)
    rnd = random.Random(5)
    lines = path.read_text(encoding="utf-8").splitlines()
    planted = 0
    for i in range(0, len(lines), 100):
        subject = rnd.choice(notice_subjects)
        line = {
            "id": f"hit{i}",
            "schema": "Person",
            "properties": {"name": [subject["name"][0].upper()], "birthDate": subject["birthDate"]},
            "accord": {"subject_category": "suspect"},
        }
        lines[i] = json.dumps(line)
        planted += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return planted


def _put_on_watchlist(node: Any, people: list[dict[str, list[str]]]) -> float:
    """Active notices for these subjects, as publishing leaves them; returns the seconds."""
    from accord.model.notices import NoticeStatus
    from accord.services.watchlist import notice_watch_keys
    from accord.store import notices as store
    from accord.store.tables import notice_transitions, notices

    start = time.perf_counter()
    now = datetime.now(UTC)
    envelope = {
        "owner": "DE-BKA",
        "handling": "H0",
        "handling_conditions": None,
        "tlp": "AMBER",
        "reliability": "B",
        "assessment": "2",
        "subject_category": "suspect",
        "crime_areas": ["thb"],
        "legal_basis": None,
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
        "review_by": (now + timedelta(days=1000)).date().isoformat(),
        "version": 1,
    }
    with node.engine.begin() as conn:
        for chunk in range(0, len(people), 2000):
            batch = people[chunk : chunk + 2000]
            rows = [
                {
                    "notice_id": f"ntc-bench-{chunk + i}",
                    "origin": None,
                    "issuing_agency": "DE-BKA",
                    "type": "red",
                    "subject_schema": "Person",
                    "subject": {"schema": "Person", "properties": p},
                    "caption": p["name"][0],
                    "documents": [],
                    "details": {},
                    "requested_action": "Locate and arrest",
                    "purpose": "prosecution",
                    "crime_area": "thb",
                    "envelope": envelope,
                    "distribution": {"all": True},
                    "terms": None,
                    "valid_until": now + timedelta(days=365),
                    "created_at": now,
                    "created_by": "benchmark",
                }
                for i, p in enumerate(batch)
            ]
            pks = [
                r[0]
                for r in conn.execute(
                    notices.insert().returning(notices.c.pk, sort_by_parameter_order=True), rows
                )
            ]
            conn.execute(
                notice_transitions.insert(),
                [
                    {
                        "notice_pk": pk,
                        "status": NoticeStatus.PUBLISHED.value,
                        "at": now,
                        "actor": "benchmark",
                        "details": {},
                    }
                    for pk in pks
                ],
            )
            for pk, p in zip(pks, batch, strict=True):
                store.put_keys(conn, pk, notice_watch_keys("Person", p, []))
    return time.perf_counter() - start


def child(backend: str, n_notices: int, data: Path, workdir: Path) -> dict[str, object]:
    from sqlalchemy import create_engine, func, select, text

    from accord.model import EnvelopeDefaults
    from accord.services.ingest import ingest_stream
    from accord.services.node import init_node
    from accord.settings import Settings
    from accord.store.tables import alerts, notice_keys

    schema = None
    if backend == "sqlite":
        settings = Settings(home=workdir / f"sqlite-{n_notices}")
    else:
        base = os.environ.get("ACCORD_TEST_POSTGRES_URL", PG_DEFAULT)
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        settings = Settings(
            home=workdir / f"pg-{n_notices}",
            database_url=f"{base}?options=-csearch_path%3D{schema}",
        )
    node = init_node(settings, "DE-BKA", "Benchmark")
    setup = _put_on_watchlist(node, subjects(n_notices)) if n_notices else 0.0
    records = sum(1 for _ in data.open("rb"))
    defaults = EnvelopeDefaults(owner="DE-BKA", crime_areas=("thb",))
    start = time.perf_counter()
    with data.open("rb") as stream:
        report = ingest_stream(node, node.operator(), stream, defaults=defaults)
    elapsed = time.perf_counter() - start
    with node.engine.connect() as conn:
        raised = conn.execute(select(func.count()).select_from(alerts)).scalar_one()
        keys = conn.execute(select(func.count()).select_from(notice_keys)).scalar_one()
    node.engine.dispose()
    if schema is not None:
        base = os.environ.get("ACCORD_TEST_POSTGRES_URL", PG_DEFAULT)
        with create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    assert report.created == records, report.to_dict()
    return {
        "backend": backend,
        "active_notices": n_notices,
        "notice_keys": keys,
        "records": records,
        "ingest_workers": settings.ingest_workers,
        "seconds": round(elapsed, 2),
        "records_per_s": round(records / elapsed),
        "alerts": raised,
        "watchlist_setup_s": round(setup, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notices", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--quick", action="store_true", help="10k notices, 10k records")
    parser.add_argument(
        "--child", nargs=3, metavar=("BACKEND", "NOTICES", "FILE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        backend, n, data = args.child
        with tempfile.TemporaryDirectory() as work:
            print(json.dumps(child(backend, int(n), Path(data), Path(work))))
        return
    n_notices, n_records = (10_000, 10_000) if args.quick else (args.notices, args.records)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "records.jsonl"
        planted = write_data(data, n_records, subjects(n_notices))
        for backend in args.backends.split(","):
            for notices in (0, n_notices):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", backend, str(notices), str(data)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                row = json.loads(out.stdout.strip().splitlines()[-1])
                rows.append(row)
                print(
                    f"{backend:9} {notices:>8,} notices  {row['records']:>7,} records  "
                    f"{row['records_per_s']:>7,} records/s  {row['alerts']:>5,} alerts "
                    f"(of {planted} planted)",
                    flush=True,
                )
    per_record = {}
    for backend in args.backends.split(","):
        without = next(r for r in rows if r["backend"] == backend and r["active_notices"] == 0)
        with_ = next(r for r in rows if r["backend"] == backend and r["active_notices"])
        cost = (1 / float(with_["records_per_s"]) - 1 / float(without["records_per_s"])) * 1e6
        per_record[backend] = round(cost, 1)
        print(f"{backend}: watchlist cost {cost:.1f} µs per ingested record")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "watchlist",
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()[0]},
                "target": {"records_per_s_with_notices": 10_000, "active_notices": 100_000},
                "planted_hits": planted,
                "watchlist_us_per_record": per_record,
                "results": rows,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
