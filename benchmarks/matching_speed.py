"""The speed half of `benchmarks/matching.py` (`--part speed`): `/match` against a node with
1,000,000 persons indexed, throughput on both cores side by side with nomenklatura's
logic-v2 on the same candidates, and the ingest rate with the matcher's keys.

The persons come from the scenario generator (six agencies, default variation), each agency's
Person records ingested into one SQLite node under its own owner, as a node holding its own
and received records would. Queries are other records of the same world, sent as name, birth
date and nationality through `POST /api/v1/match` (in-process ASGI client: routing, token
check, validation, matching, the ledger entry), one at a time.

    .venv/bin/python benchmarks/matching.py --part speed            # 1,000,000 persons
    .venv/bin/python benchmarks/matching.py --part speed --quick    # 100,000 persons
"""

from __future__ import annotations

import io
import json
import multiprocessing
import random
import statistics
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

AGENCIES = ("DE-BKA", "NL-POLITIE", "UA-NPU", "GR-HP", "EG-MOI", "CN-MPS")
#: Scenario persons per Person record (measured: 5,000 persons give about 7,000 records).
PERSONS_PER_RECORD = 0.72
QUERY_PROPS = ("name", "birthDate", "nationality")


def person_lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        for line in f:
            if b'"schema": "Person"' in line or b'"schema":"Person"' in line:
                yield line


def build_node(work: Path, persons: int, seed: int, progress: bool = True) -> dict[str, Any]:
    """Generate a world and ingest its Person records into one node; returns the figures."""
    from accord.model import EnvelopeDefaults, Principal, PrincipalKind
    from accord.scenario import ScenarioOptions, write_scenario
    from accord.services.ingest import ingest_stream
    from accord.services.node import init_node
    from accord.settings import Settings

    world = work / "world"
    started = time.perf_counter()
    write_scenario(
        ScenarioOptions(seed=seed, persons=max(300, int(persons * PERSONS_PER_RECORD)),
                        agencies=AGENCIES),
        world,
        workers=2,
    )  # fmt: skip
    generated = time.perf_counter() - started
    node = init_node(Settings(home=work / "node"), "DE-BKA", "Speed")
    loaded, seconds = 0, 0.0
    for agency in AGENCIES:
        body = b"".join(person_lines(world / f"{agency}.ftm.jsonl"))
        start = time.perf_counter()
        # The ingest path writes an owner's records only when acting for that owner.
        owner = Principal("speed", agency, PrincipalKind.TOKEN, frozenset({"operator"}))
        report = ingest_stream(
            node,
            owner,
            io.BytesIO(body),
            defaults=EnvelopeDefaults(owner=agency, crime_areas=("thb",)),
        )
        seconds += time.perf_counter() - start
        loaded += report.created
        if progress:
            print(f"  ingested {agency}: {report.created:,} persons ({loaded:,} in all)")
    node.engine.dispose()
    return {
        "home": str(work / "node"),
        "world": str(world),
        "persons_indexed": loaded,
        "generate_seconds": round(generated, 1),
        "ingest_seconds": round(seconds, 1),
        "ingest_records_per_s": round(loaded / seconds) if seconds else 0,
    }


def sample_queries(world: Path, n: int, seed: int) -> list[dict[str, list[str]]]:
    """n Person records of the world, as the properties a screening client would send."""
    rnd = random.Random(seed)
    pool: list[dict[str, list[str]]] = []
    for agency in AGENCIES:
        for line in person_lines(world / f"{agency}.ftm.jsonl"):
            if rnd.random() < 0.02 or len(pool) < n:
                props = json.loads(line)["properties"]
                pool.append({k: props[k] for k in QUERY_PROPS if props.get(k)})
    rnd.shuffle(pool)
    return [q for q in pool if q.get("name")][:n]


def percentiles(ms: Sequence[float]) -> dict[str, float]:
    ordered = sorted(ms)

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

    return {
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def api_latency(home: Path, queries: Sequence[dict[str, list[str]]]) -> dict[str, Any]:
    """One query per `POST /api/v1/match`, in sequence; wall time of each request."""
    from fastapi.testclient import TestClient

    from accord.api import create_app
    from accord.api.server import settle_process
    from accord.services.node import open_node
    from accord.services.tokens import issue_token
    from accord.settings import Settings

    node = open_node(Settings(home=home))
    token = issue_token(
        node, f"speed-{time.time_ns()}", ["analyst"]
    )  # a reused node has the last run's
    times: list[float] = []
    hits = 0
    with TestClient(create_app(node)) as client:
        settle_process()  # as `accord serve` does once the app is made
        client.headers["Authorization"] = f"Bearer {token.secret}"
        body = {"reference": "speed benchmark", "crime_area": "thb"}
        for warm in queries[:20]:  # load the romanisation tables and the SQLite page cache
            client.post("/api/v1/match", json={"queries": {"q": {"schema": "Person",
                        "properties": warm}}, **body})  # fmt: skip
        for props in queries:
            payload = {"queries": {"q": {"schema": "Person", "properties": props}}, **body}
            start = time.perf_counter()
            res = client.post("/api/v1/match", json=payload)
            times.append((time.perf_counter() - start) * 1000)
            if res.status_code != 200:
                raise SystemExit(f"/match answered {res.status_code}: {res.text[:300]}")
            hits += bool(res.json()["responses"]["q"]["results"])
    node.engine.dispose()
    return {"queries": len(queries), "with_results": hits, **percentiles(times)}


def _worker(args: tuple[str, list[dict[str, list[str]]]]) -> tuple[int, float]:
    home, queries = args
    from accord.api.server import settle_process
    from accord.matching.score import ALGORITHM
    from accord.model import Principal, PrincipalKind
    from accord.services.match import MatchQuery, match_records
    from accord.services.node import open_node
    from accord.services.purpose import parse_purpose
    from accord.settings import Settings

    node = open_node(Settings(home=Path(home)))
    settle_process()  # each worker stands for a server process
    who = Principal("speed", "DE-BKA", PrincipalKind.TOKEN, frozenset({"analyst"}))
    purpose = parse_purpose("investigation", "speed benchmark", "thb")
    asked = [MatchQuery("Person", q) for q in queries]
    match_records(node, who, {"q": asked[0]}, purpose, algorithm=ALGORITHM)
    start = time.perf_counter()
    for query in asked:
        match_records(node, who, {"q": query}, purpose)
    elapsed = time.perf_counter() - start
    node.engine.dispose()
    return len(asked), elapsed


def throughput(
    home: Path, queries: Sequence[dict[str, list[str]]], processes: int
) -> dict[str, float]:
    """Queries/s of `processes` processes each matching its share, in parallel."""
    shares = [list(queries[i::processes]) for i in range(processes)]
    ctx = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with ctx.Pool(processes) as pool:
        done = pool.map(_worker, [(str(home), share) for share in shares])
    wall = time.perf_counter() - start
    # Each worker's own clock excludes its start-up; the wall clock includes it. Report the
    # rate over the slowest worker's matching time.
    slowest = max(seconds for _, seconds in done)
    return {
        "queries_per_s": round(sum(n for n, _ in done) / slowest, 1) if slowest else 0.0,
        "wall_seconds_with_start_up": round(wall, 1),
    }


def same_candidates(home: Path, queries: Sequence[dict[str, list[str]]]) -> dict[str, Any]:
    """Per query, score the index's candidates with ours and with nomenklatura's logic-v2;
    entities and records are prepared before each clock starts."""
    from followthemoney import model
    from nomenklatura.matching import get_algorithm

    from accord.matching.keys import match_key_groups
    from accord.matching.score import load_weights, score, subject_of
    from accord.services.node import open_node
    from accord.settings import Settings
    from accord.store import records as store

    node = open_node(Settings(home=home))
    weights = load_weights()
    prepared: list[tuple[dict[str, list[str]], list[Any]]] = []
    with node.engine.connect() as conn:
        for props in queries:
            groups = match_key_groups("Person", props)
            cap = node.settings.match_candidates
            pks = store.find_candidates(conn, sorted(groups), cap, groups)
            prepared.append((props, [s.record for s in store.get_records(conn, pks)]))
    pairs = sum(len(c) for _, c in prepared)

    start = time.perf_counter()
    for props, candidates in prepared:
        subject = subject_of("Person", props)
        for record in candidates:
            score(subject, subject_of(record.schema, record.properties), weights)
    ours = time.perf_counter() - start

    def entity(entity_id: str, props: dict[str, list[str]]) -> Any:
        made = model.make_entity("Person")
        made.id = entity_id
        for prop, values in props.items():
            made.add(prop, values, quiet=True)
        return made

    logic = get_algorithm("logic-v2")
    if logic is None:
        raise SystemExit("nomenklatura has no logic-v2")
    config = logic.default_config()
    built = [
        (entity(f"q{i}", props), [entity(f"c{i}-{j}", r.properties) for j, r in enumerate(cs)])
        for i, (props, cs) in enumerate(prepared)
    ]
    if built and built[0][1]:
        logic.compare(built[0][0], built[0][1][0], config)  # loads its reference data
    start = time.perf_counter()
    for query, candidates in built:
        for candidate in candidates:
            logic.compare(query, candidate, config)
    theirs = time.perf_counter() - start
    node.engine.dispose()
    n = len(prepared)
    return {
        "queries": n,
        "pairs": pairs,
        "candidates_per_query": round(pairs / n, 1) if n else 0,
        "accord_queries_per_s": round(n / ours, 1) if ours else 0,
        "logic_v2_queries_per_s": round(n / theirs, 1) if theirs else 0,
        "accord_us_per_pair": round(ours / pairs * 1e6, 1) if pairs else 0,
        "logic_v2_us_per_pair": round(theirs / pairs * 1e6, 1) if pairs else 0,
        "ratio": round(theirs / ours, 1) if ours else 0,
    }


def built_node(work: Path, persons: int, seed: int) -> dict[str, Any]:
    """The node of `persons` persons in `work`: built, or the one an earlier run left there
    (`index.json` records what it was built from and how fast; building a million takes
    most of an hour on this machine)."""
    index = work / "index.json"
    if index.is_file():
        built = json.loads(index.read_text("utf-8"))
        if built.get("persons_asked") == persons and built.get("seed") == seed:
            print(f"speed: reusing the node in {work} (built {built.get('built_at')})")
            return {**built, "reused": True}
    print(f"speed: building a node with about {persons:,} persons (seed {seed})")
    built = build_node(work, persons, seed)
    built.update(persons_asked=persons, seed=seed, built_at=time.strftime("%Y-%m-%dT%H:%M"))
    index.write_text(json.dumps(built, indent=1), "utf-8")
    return built


def run_speed(work: Path, *, quick: bool, seed: int, persons: int | None = None) -> dict[str, Any]:
    persons = persons or (100_000 if quick else 1_000_000)
    built = dict(built_node(work, persons, seed))
    home, world = Path(built.pop("home")), Path(built.pop("world"))
    queries = sample_queries(world, 300 if quick else 1000, seed + 1)
    print(f"speed: {len(queries)} queries through POST /api/v1/match")
    latency = api_latency(home, queries)
    print("speed: throughput, 1 and 2 processes")
    one = throughput(home, queries, 1)
    two = throughput(home, queries, 2)
    print("speed: ours and logic-v2 on the same candidates")
    compared = same_candidates(home, queries[: 100 if quick else 300])
    return {
        "index": built,
        "match_api": latency,
        "target_p95_ms": 50.0,
        "throughput_queries_per_s": {"processes_1": one, "processes_2": two},
        "same_candidates": compared,
    }
