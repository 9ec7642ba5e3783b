"""Policy decisions per second, in-process, with 50 agreements loaded, and the time a denied
record takes against an allowed one (a deny must not be told apart from "no such record" by
timing; issue 5, item 4).

The agreements are generated as YAML files and loaded through `load_directory`, as a node
loads them: bilateral agreements of the holder (DE-BKA) with some 30 partner agencies,
multilateral ones with EU, SCHENGEN and countries, and a few with an expired earlier version.
Records are parsed with `parse_record` in a realistic mix of schemata, handling codes, TLP
labels, subject categories, crime areas and review dates, some received from partners. Each
request picks a partner (a few without any agreement), a purpose and a crime area.

    .venv/bin/python benchmarks/policy.py            # 300,000 decisions per round, 5 rounds
    .venv/bin/python benchmarks/policy.py --quick    # 30,000 decisions per round, 2 rounds
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from accord.model import Record, crime_areas, parse_record
from accord.policy import AgreementSet, Decision, Mode, answer, decide, load_directory

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "policy.json"

HOLDER = "DE-BKA"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PARTNERS = [
    "NL-POLITIE",
    "FR-DGPN",
    "BE-FGP",
    "AT-BK",
    "PL-KGP",
    "CZ-NCOZ",
    "IT-DCSA",
    "ES-CNP",
    "SE-NOA",
    "DK-NKR",
    "FI-KRP",
    "UA-NPU",
    "MD-IGP",
    "GB-NCA",
    "US-FBI",
    "CH-FEDPOL",
    "NO-KRIPOS",
    "RS-MUP",
    "AL-ASP",
    "TR-EGM",
    "MA-DGSN",
    "GE-MIA",
    "LT-LPB",
    "LV-VP",
    "EE-PPA",
    "PT-PJ",
    "GR-HP",
    "RO-IGPR",
    "BG-GDNP",
    "HU-NNI",
]
STRANGERS = ["BR-PF", "JP-NPA", "ZA-SAPS"]  # no agreement with the holder
GROUPS = ["EU", "SCHENGEN", "EEA"]
KINDS = [
    "persons",
    "organisations",
    "documents",
    "vehicles",
    "financial",
    "communications",
    "relations",
    "biometrics",
    "cyber_indicators",
]
PURPOSES = [
    "prevention",
    "detection",
    "investigation",
    "prosecution",
    "border_control",
    "intelligence_analysis",
    "identity_verification",
]
CATEGORIES = [
    "suspect",
    "convicted",
    "potential_offender",
    "contact",
    "associate",
    "victim",
    "witness",
]
PERSON_REDACTABLE = [
    "birthDate",
    "address",
    "nationality",
    "idNumber",
    "passportNumber",
    "height",
    "eyeColor",
    "phone",
    "email",
]


def weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def yaml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(items) + "]"


def clause_yaml(rng: random.Random, cid: str, areas: list[str]) -> str:
    kinds = rng.sample(KINDS, rng.randint(1, 4))
    area_list = "any" if rng.random() < 0.3 else yaml_list(rng.sample(areas, rng.randint(4, 20)))
    purposes = "any" if rng.random() < 0.2 else yaml_list(rng.sample(PURPOSES, rng.randint(2, 5)))
    categories = (
        "any" if rng.random() < 0.3 else yaml_list(rng.sample(CATEGORIES, rng.randint(2, 5)))
    )
    redact = rng.sample(PERSON_REDACTABLE, rng.randint(0, 3)) if "persons" in kinds else []
    lines = [
        f"      - id: {cid}",
        f"        mode: {weighted(rng, {'full': 50, 'reference': 35, 'none': 15})}",
        f"        crime_areas: {area_list}",
        f"        purposes: {purposes}",
        f"        record_kinds: {yaml_list(kinds)}",
        f"        subject_categories: {categories}",
        f"        max_handling: {weighted(rng, {'H1': 30, 'H2': 50, 'H3': 20})}",
        f"        max_tlp: {weighted(rng, {'GREEN': 15, 'AMBER': 60, 'AMBER+STRICT': 25})}",
        f"        onward: {rng.choice(['forbidden', 'with_consent', 'allowed'])}",
        f"        redact: {yaml_list(redact)}",
        f"        retention_days: {rng.choice([180, 365, 730, 1095])}",
        "        conditions: Use only for the purpose stated in the request.",
    ]
    return "\n".join(lines)


def agreement_yaml(
    rng: random.Random, aid: str, version: int, parties: list[str], start: date, end: date | None
) -> str:
    areas = list(crime_areas())
    clauses = "\n".join(clause_yaml(rng, f"c{i}", areas) for i in range(rng.randint(2, 5)))
    a, b = parties
    direction = f"  - between: [{a}, {b}]" if rng.random() < 0.7 else f"  - from: {a}\n    to: {b}"
    until = f"valid_until: {end.isoformat()}\n" if end else ""
    return (
        f"id: {aid}\nversion: {version}\ntitle: Benchmark agreement {aid}\n"
        f"instrument: Memorandum of understanding {aid}\nparties: [{a}, {b}]\n"
        f"valid_from: {start.isoformat()}\n{until}directions:\n{direction}\n    clauses:\n"
        f"{clauses}\n"
    )


def agreement_files(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """`count` agreement files: mostly bilateral with the holder, some multilateral."""
    files: list[tuple[str, str]] = []
    i = 0
    while len(files) < count:
        i += 1
        if i % 5 == 0:
            parties = [rng.choice([HOLDER, "DE"]), rng.choice(GROUPS)]
        elif i % 7 == 0:
            parties = [rng.choice(PARTNERS), rng.choice(PARTNERS[12:])]
            if parties[0] == parties[1]:
                continue
        else:
            parties = [HOLDER, PARTNERS[i % len(PARTNERS)]]
        aid = f"bench-{i:03d}"
        if i % 9 == 0 and len(files) + 2 <= count:
            old = agreement_yaml(rng, aid, 1, parties, date(2020, 1, 1), date(2024, 12, 31))
            files.append((f"{aid}-v1.yaml", old))
            files.append(
                (f"{aid}-v2.yaml", agreement_yaml(rng, aid, 2, parties, date(2025, 1, 1), None))
            )
        else:
            files.append(
                (f"{aid}.yaml", agreement_yaml(rng, aid, 1, parties, date(2023, 1, 1), None))
            )
    return files[:count]


SCHEMA_MIX = {
    "Person": 50,
    "Passport": 12,
    "Vehicle": 10,
    "Company": 10,
    "BankAccount": 8,
    "Payment": 5,
    "Message": 5,
}


def properties(schema: str, i: int) -> dict[str, list[str]]:
    return {
        "Person": {
            "name": [f"Person {i}"],
            "birthDate": ["1980-02-03"],
            "nationality": ["de"],
            "address": ["Berlin"],
            "height": ["180"],
        },
        "Passport": {"number": [f"C01X{i:05d}"], "country": ["de"]},
        "Vehicle": {"registrationNumber": [f"B-AB {i}"], "model": ["Golf"]},
        "Company": {"name": [f"Company {i} GmbH"], "jurisdiction": ["de"]},
        "BankAccount": {"accountNumber": [f"{i:010d}"], "bankName": ["Bank"]},
        "Payment": {"amount": ["1000"], "currency": ["EUR"]},
        "Message": {"subject": [f"Message {i}"], "bodyText": ["see you at the usual place"]},
    }[schema]


def make_records(rng: random.Random, n: int) -> list[Record]:
    areas = list(crime_areas())
    out = []
    for i in range(n):
        schema = weighted(rng, SCHEMA_MIX)
        received = rng.random() < 0.1
        review = NOW.date() + timedelta(days=rng.randint(-40, 1000))  # ~4% overdue
        accord: dict[str, Any] = {
            "owner": rng.choice(PARTNERS) if received else HOLDER,
            "handling": weighted(rng, {"H0": 40, "H1": 30, "H2": 25, "H3": 5}),
            "tlp": weighted(rng, {"GREEN": 25, "AMBER": 50, "AMBER+STRICT": 20, "RED": 5}),
            "crime_areas": rng.sample(areas, rng.randint(1, 2)),
            "review_by": review.isoformat(),
            "created_at": "2026-01-10T09:00:00+00:00",
        }
        if accord["handling"] == "H3":
            accord["handling_conditions"] = "not for use in court"
        if schema == "Person":
            accord["subject_category"] = weighted(
                rng, {**dict.fromkeys(CATEGORIES, 10), "suspect": 40, "informant": 3}
            )
        data = {
            "id": f"r{i}",
            "schema": schema,
            "properties": properties(schema, i),
            "accord": accord,
        }
        out.append(parse_record(data, {"owner": HOLDER}, now=NOW))
    return out


Work = list[tuple[str, str, str, Record]]


def make_work(rng: random.Random, records: list[Record], n: int) -> Work:
    areas = list(crime_areas())
    work = []
    for _ in range(n):
        record = rng.choice(records)
        requester = rng.choice(STRANGERS) if rng.random() < 0.05 else rng.choice(PARTNERS)
        area = rng.choice(record.envelope.crime_areas) if rng.random() < 0.8 else rng.choice(areas)
        work.append((requester, rng.choice(PURPOSES), area, record))
    return work


def run(work: Work, aset: AgreementSet) -> list[Decision]:
    return [
        decide(requester, purpose, area, record, agreements=aset, holder=HOLDER, now=NOW)
        for requester, purpose, area, record in work
    ]


def rate(work: Work, aset: AgreementSet, rounds: int) -> dict[str, float]:
    per_round = []
    for _ in range(rounds):
        start = time.perf_counter()
        for requester, purpose, area, record in work:
            decide(requester, purpose, area, record, agreements=aset, holder=HOLDER, now=NOW)
        per_round.append(time.perf_counter() - start)
    best, median = min(per_round), statistics.median(per_round)
    return {
        "decisions_per_s_median": round(len(work) / median),
        "decisions_per_s_best": round(len(work) / best),
        "ns_per_decision_median": round(median / len(work) * 1e9),
    }


def single_calls(work: Work, aset: AgreementSet) -> dict[str, float]:
    """Per-call times of single decide() calls (timer overhead included, subtracted below)."""
    clock = time.perf_counter_ns
    overhead = []
    for _ in range(2000):
        t0 = clock()
        overhead.append(clock() - t0)
    base = statistics.median(overhead)
    samples = []
    for requester, purpose, area, record in work:
        t0 = clock()
        decide(requester, purpose, area, record, agreements=aset, holder=HOLDER, now=NOW)
        samples.append(clock() - t0 - base)
    samples.sort()
    return {
        "n": len(samples),
        "p50_ns": samples[len(samples) // 2],
        "p90_ns": samples[int(len(samples) * 0.9)],
        "p99_ns": samples[int(len(samples) * 0.99)],
        "mean_ns": round(statistics.fmean(samples)),
    }


def denied_vs_absent(work: Work, aset: AgreementSet, rounds: int) -> dict[str, float]:
    """What a partner could time: the answer for a matched record that is denied (decide, then
    shape) against the answer when nothing matched (shape an empty list). Both are `[]`."""

    def ref(record: Record) -> str:
        return f"ref-{record.id}"

    def denied_answers() -> None:
        for requester, purpose, area, record in work:
            d = decide(requester, purpose, area, record, agreements=aset, holder=HOLDER, now=NOW)
            answer([(record, d)], ref)

    def absent_answers() -> None:
        for _ in work:
            answer([], ref)

    out = {}
    for name, fn in (("denied", denied_answers), ("absent", absent_answers)):
        per_round = []
        for _ in range(rounds):
            start = time.perf_counter()
            fn()
            per_round.append(time.perf_counter() - start)
        out[f"{name}_ns_per_answer"] = round(statistics.median(per_round) / len(work) * 1e9)
    out["denied_minus_absent_ns"] = out["denied_ns_per_answer"] - out["absent_ns_per_answer"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=50)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--decisions", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small run: 30,000 x 2")
    args = parser.parse_args()
    if args.quick:
        args.records, args.decisions, args.rounds = 1000, 30_000, 2
    rng = random.Random(args.seed)

    files = agreement_files(rng, args.agreements)
    t0 = time.perf_counter()
    aset = load_directory(files)
    load_ms = (time.perf_counter() - t0) * 1e3
    records = make_records(rng, args.records)
    work = make_work(rng, records, args.decisions)

    t0 = time.perf_counter()
    decisions = run(work, aset)  # first pass: compiles the index of every (holder, partner)
    cold = time.perf_counter() - t0
    pairs = len({w[0] for w in work})
    warm = rate(work, aset, args.rounds)

    modes = Counter(d.mode.value for d in decisions)
    reasons = Counter(r for d in decisions for r in d.reasons)
    allowed = [w for w, d in zip(work, decisions, strict=True) if d.mode is not Mode.DENY]
    denied = [w for w, d in zip(work, decisions, strict=True) if d.mode is Mode.DENY]
    no_clause = [
        w for w, d in zip(work, decisions, strict=True) if d.reasons == ("no_applicable_clause",)
    ]
    n = min(len(allowed), len(denied))
    rng.shuffle(allowed)
    rng.shuffle(denied)
    allowed_rate = rate(allowed[:n], aset, args.rounds)
    denied_rate = rate(denied[:n], aset, args.rounds)
    no_clause_rate = rate(no_clause[:n], aset, args.rounds)
    allowed_calls = single_calls(allowed[: min(n, 50_000)], aset)
    denied_calls = single_calls(denied[: min(n, 50_000)], aset)
    diff_ns = denied_rate["ns_per_decision_median"] - allowed_rate["ns_per_decision_median"]
    shaped = denied_vs_absent(denied[:n], aset, args.rounds)
    assert all(
        answer([(w[3], d)], lambda r: "x") == []
        for w, d in zip(work, decisions, strict=True)
        if d.denied
    )

    result = {
        "benchmark": "policy",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
        "parameters": {
            "agreements": len(aset),
            "clauses": sum(len(d.clauses) for a in aset for d in a.directions),
            "records": len(records),
            "decisions": len(work),
            "rounds": args.rounds,
            "seed": args.seed,
            "quick": args.quick,
        },
        "load_directory_ms": round(load_ms, 1),
        "first_pass": {
            "decisions_per_s": round(len(work) / cold),
            "pairs_compiled": pairs,
        },
        "throughput": warm,
        "mix": {"modes": dict(modes), "deny_reasons": dict(reasons)},
        "deny_vs_allow": {
            "decisions_each": n,
            "allowed": allowed_rate,
            "denied": denied_rate,
            "denied_no_applicable_clause": no_clause_rate,
            "denied_minus_allowed_ns": diff_ns,
            "single_call_allowed": allowed_calls,
            "single_call_denied": denied_calls,
            "answer_denied_vs_absent": shaped,
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    print(
        f"policy: {len(aset)} agreements ({result['parameters']['clauses']} clause-directions), "
        f"{len(records)} records, {len(work):,} decisions x {args.rounds} rounds"
    )
    print(f"  load_directory          {load_ms:8.1f} ms")
    print(
        f"  first pass (compiling)  {result['first_pass']['decisions_per_s']:>10,} decisions/s "
        f"({pairs} requester pairs)"
    )
    print(
        f"  warm                    {warm['decisions_per_s_median']:>10,} decisions/s median, "
        f"{warm['decisions_per_s_best']:,} best ({warm['ns_per_decision_median']} ns each)"
    )
    print(f"  mix                     {dict(modes)}")
    print(f"  allowed only            {allowed_rate['ns_per_decision_median']:>10} ns/decision")
    print(f"  denied only             {denied_rate['ns_per_decision_median']:>10} ns/decision")
    print(f"  denied, no clause       {no_clause_rate['ns_per_decision_median']:>10} ns/decision")
    print(f"  denied - allowed        {diff_ns:>10} ns/decision")
    print(
        "  single calls p50/p99    "
        f"allowed {allowed_calls['p50_ns']}/{allowed_calls['p99_ns']} ns, "
        f"denied {denied_calls['p50_ns']}/{denied_calls['p99_ns']} ns"
    )
    print(
        f"  answer: denied match    {shaped['denied_ns_per_answer']:>10} ns, nothing matched "
        f"{shaped['absent_ns_per_answer']} ns (both answer [])"
    )
    print(f"  wrote {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
