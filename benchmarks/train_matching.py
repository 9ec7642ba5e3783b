"""Learn the weights of a matching algorithm (`src/accord/data/matching/<name>.yml`) by logistic
regression on pairs from a generated world, then calibrate its bias to the node's default
threshold.

The world is the scenario generator's (six agencies, default variation) under a training seed
that `benchmarks/matching.py` never evaluates on. Every Person record is ingested into one
node under its owner; a sample of records is sent as queries (their own properties, as a
screening client would send a record); each query's candidates from the index (the default
cap) are the pairs, labelled by the scenario's truth (same identity or not). Features are the
algorithm's own (`accord.matching.score.FEATURES`), so what is learned is only how much each
weighs. The bias is then moved so that the default threshold is where F1 on the training
pairs is highest, with one product rule kept: a name that agrees fully, with nothing else
known, still reaches the threshold (a name typed into a search must be able to find its
record; `--name-alone-passes`, on by default). Features that state facts the generated world
barely exercises keep the weight reasoned for them (`--fixed`, by default a shared passport,
national-id or tax number is near proof, and a stated gender that differs tells siblings
apart): the regression learns the others around them. The weights are written with the
figures.

    .venv/bin/python benchmarks/train_matching.py --algorithm accord-v2 --seed 11
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from matching_speed import AGENCIES, person_lines

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "src" / "accord" / "data" / "matching"
THRESHOLD = 0.7


def pairs(seed: int, persons: int, queries: int, work: Path) -> tuple[list[list[float]], list[int]]:
    """Feature values and labels of every (query, candidate) pair."""
    from accord.matching.keys import match_key_groups
    from accord.matching.score import FEATURES, subject_of
    from accord.model import EnvelopeDefaults, Principal, PrincipalKind
    from accord.scenario import ScenarioOptions, write_scenario
    from accord.services.ingest import ingest_stream
    from accord.services.node import init_node
    from accord.settings import Settings
    from accord.store import records as store

    world = work / "world"
    write_scenario(ScenarioOptions(seed=seed, persons=persons, agencies=AGENCIES), world)
    identity: dict[tuple[str, str], str] = {}
    with (world / "truth.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row.get("type") == "identity":
                for rec in row.get("records", ()):
                    identity[(rec["owner"], rec["id"])] = row["key"]
    fields = Settings.model_fields
    node = init_node(
        Settings(home=work / "node", match_candidates=fields["match_candidates"].default),
        "DE-BKA",
        "Training",
    )
    sent: list[tuple[str, str, dict[str, list[str]]]] = []
    for agency in AGENCIES:
        lines = list(person_lines(world / f"{agency}.ftm.jsonl"))
        who = Principal("train", agency, PrincipalKind.TOKEN, frozenset({"operator"}))
        ingest_stream(
            node,
            who,
            io.BytesIO(b"".join(lines)),
            defaults=EnvelopeDefaults(owner=agency, crime_areas=("thb",)),
        )
        sent.extend((agency, e["id"], e["properties"]) for e in map(json.loads, lines))
    rnd = random.Random(seed)
    rnd.shuffle(sent)
    x: list[list[float]] = []
    y: list[int] = []
    with node.engine.connect() as conn:
        for owner, entity_id, props in sent[:queries]:
            query = subject_of("Person", props)
            groups = match_key_groups("Person", props)
            cap = node.settings.match_candidates
            pks = store.find_candidates(conn, sorted(groups), cap, groups)
            for stored in store.get_records(conn, pks):
                rec = stored.record
                if (rec.owner, rec.id) == (owner, entity_id):
                    continue
                cand = subject_of(rec.schema, rec.properties)
                x.append([feature(query, cand)[0] for feature in FEATURES.values()])
                same = identity.get((owner, entity_id)) == identity.get((rec.owner, rec.id))
                y.append(int(same))
    node.engine.dispose()
    return x, y


def fit(
    x: list[list[float]], y: list[int], names: list[str], fixed: dict[str, float], c: float
) -> tuple[dict[str, float], float]:
    """L2-regularised logistic regression by Newton's method (IRLS), the `fixed` features'
    contributions taken as a given offset; the bias is not regularised."""
    import numpy as np

    data = np.asarray(x, dtype=float)
    labels = np.asarray(y, dtype=float)
    free = [i for i, n in enumerate(names) if n not in fixed]
    offset = sum(data[:, names.index(n)] * w for n, w in fixed.items())
    design = np.hstack([np.ones((len(data), 1)), data[:, free]])
    beta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) / c
    penalty[0, 0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(design @ beta + offset, -40, 40)))
        gradient = design.T @ (p - labels) + penalty @ beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = dict.fromkeys(names, 0.0)
    for k, i in enumerate(free, start=1):
        weights[names[i]] = float(beta[k])
    weights.update(fixed)
    return weights, float(beta[0])


def f1_at(scores: list[float], y: list[int], threshold: float) -> float:
    tp = sum(1 for s, t in zip(scores, y, strict=True) if s >= threshold and t)
    fp = sum(1 for s, t in zip(scores, y, strict=True) if s >= threshold and not t)
    fn = sum(1 for s, t in zip(scores, y, strict=True) if s < threshold and t)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--algorithm", default="accord-v2")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--persons", type=int, default=8000)
    parser.add_argument("--queries", type=int, default=4000)
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength")
    parser.add_argument(
        "--name-alone-passes",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep the bias where a fully agreeing name alone reaches the threshold",
    )
    parser.add_argument("--pairs", type=Path, help="cache of the pairs (JSON), reused if present")
    parser.add_argument(
        "--fixed",
        default="identifier_match=9.0,identifier_near=5.0,gender_mismatch=9.0",
        help="FEATURE=WEIGHT,… kept as given rather than learned",
    )
    args = parser.parse_args()
    from accord.matching.score import FEATURES

    started = time.perf_counter()
    if args.pairs and args.pairs.is_file():
        x, y = json.loads(args.pairs.read_text())
    else:
        with tempfile.TemporaryDirectory() as work:
            x, y = pairs(args.seed, args.persons, args.queries, Path(work))
        if args.pairs:
            args.pairs.write_text(json.dumps([x, y]))
    print(f"{len(y):,} pairs, {sum(y):,} true, {time.perf_counter() - started:.0f} s")
    fixed = {
        name: float(w)
        for name, _, w in (item.partition("=") for item in args.fixed.split(",") if item)
    }
    weights, bias = fit(x, y, list(FEATURES), fixed, args.c)

    def scores(b: float) -> list[float]:
        out = []
        for row in x:
            logit = b + sum(w * v for w, v in zip(weights.values(), row, strict=True))
            out.append(1 / (1 + math.exp(-max(-40.0, min(40.0, logit)))))
        return out

    # Move the bias so that THRESHOLD is where training F1 peaks, no lower than where a name
    # agreeing fully (name_similarity 1, nothing else) reaches THRESHOLD.
    floor = math.log(THRESHOLD / (1 - THRESHOLD)) - weights["name_similarity"] + 0.05
    if not args.name_alone_passes:
        floor = -math.inf
    best_b, best_f1 = -math.inf, -1.0
    for step in range(-60, 61):
        b = bias + step * 0.1
        if b < floor:
            continue
        f1 = f1_at(scores(b), y, THRESHOLD)
        if f1 > best_f1:
            best_b, best_f1 = b, f1
    if best_b == -math.inf:
        best_b, best_f1 = floor, f1_at(scores(floor), y, THRESHOLD)
    print(f"bias {bias:.3f} -> {best_b:.3f}; training F1 at {THRESHOLD}: {best_f1:.4f}")
    for name, w in weights.items():
        print(f"  {name:18} {w:8.3f}")
    out = DATA / f"{args.algorithm}.yml"
    lines = [
        f"# Weights of the matching algorithm {args.algorithm} (accord.matching.score). A "
        "result's score is",
        "# 1 / (1 + exp(-(bias + sum of weight * feature value))). Changing a weight changes the",
        "# algorithm: ship the change under a new algorithm name, so that scores stay comparable.",
        "#",
        "# Learned by benchmarks/train_matching.py (logistic regression, L2, "
        f"C={args.c}) on {len(y):,}",
        f"# candidate pairs ({sum(y):,} true) of a generated world (seed {args.seed}, "
        f"{args.persons:,} persons, six",
        f"# agencies, {args.queries:,} query records); the bias moved so that the default "
        f"threshold {THRESHOLD}",
        f"# is where training F1 peaks ({best_f1:.4f}). Trained "
        f"{datetime.now(UTC).date().isoformat()}.",
        f"algorithm: {args.algorithm}",
        f"bias: {round(best_b, 3)}",
        "weights:",
        *(f"  {name}: {round(w, 3)}" for name, w in weights.items()),
        "",
    ]
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"written {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
