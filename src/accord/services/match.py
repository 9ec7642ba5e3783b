"""Matching a described person against the node's records: candidates from the index, each
scored and explained (`accord.matching.score`), in the shape of yente's `/match`.

A query is an FtM entity without an id (`{"schema": "Person", "properties": {...}}`); its
properties are cleaned as a record's are, so a bad value is refused naming its field.
Candidates are the records sharing the most matching keys with the query (name spellings,
equivalence groups, phonetic codes, consonant skeletons, identifiers), at most `candidates`
of them (`ACCORD_MATCH_CANDIDATES`); each is scored and those at or above the threshold
are returned, best first. The match, its stated purpose and the ids it returned go to the
ledger, as for a search."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from accord.errors import FieldError, ValidationError
from accord.matching.keys import KIND_MATCH_ID, KIND_MATCH_NAME, match_key_groups, match_keys
from accord.matching.score import (
    ALGORITHM,
    MatchResult,
    Prepared,
    Subject,
    Weights,
    algorithms,
    load_weights,
    score,
    screen,
    subject_of,
)
from accord.matching.view import StoredView, read_view
from accord.model import PERSON_SCHEMATA, Principal, Record, validate_entity
from accord.services.audit import Event, record_event
from accord.services.node import Node
from accord.services.purpose import Purpose
from accord.store import records as store

__all__ = [
    "MAX_QUERIES",
    "MatchHit",
    "MatchQuery",
    "best_of",
    "match_records",
    "parse_queries",
    "screen_candidates",
]

#: Queries one request may carry (yente's batch limit is of the same order).
MAX_QUERIES = 100
#: Results one query may ask for.
MAX_RESULTS = 500


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """One query, its properties cleaned."""

    schema: str
    properties: dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class MatchHit:
    record: Record
    caption: str
    result: MatchResult

    def to_dict(self, threshold: float) -> dict[str, Any]:
        """The yente-shaped result, with our envelope under `accord`."""
        body = self.record.to_dict()
        return {
            "id": self.record.id,
            "caption": self.caption,
            "schema": self.record.schema,
            "properties": self.record.properties,
            "score": self.result.score,
            "match": self.result.score >= threshold,
            "features": self.result.explain(),
            "explanations": [
                {
                    "feature": f.name,
                    "value": f.value,
                    "weight": f.weight,
                    "contribution": f.contribution,
                    "detail": f.detail,
                }
                for f in self.result.features
            ],
            "algorithm": self.result.algorithm,
            "accord": body["accord"],
        }


def parse_queries(raw: Any, home_country: str | None) -> dict[str, MatchQuery]:
    """Validate `{"q1": {"schema": "Person", "properties": {...}}, ...}`; every problem is
    named by its path (`queries.q1.properties.birthDate`)."""
    if not isinstance(raw, Mapping) or not raw:
        raise ValidationError(FieldError("queries", "give at least one query"))
    if len(raw) > MAX_QUERIES:
        raise ValidationError(FieldError("queries", f"at most {MAX_QUERIES} queries"))
    errors: list[FieldError] = []
    out: dict[str, MatchQuery] = {}
    for name, query in raw.items():
        where = f"queries.{name}"
        if not isinstance(query, Mapping):
            errors.append(FieldError(where, "must be an object with schema and properties"))
            continue
        unknown = sorted(set(query) - {"schema", "properties"})
        errors.extend(FieldError(f"{where}.{k}", "unknown key") for k in unknown)
        found: list[FieldError] = []
        schema, cleaned = validate_entity(
            "query", query.get("schema"), query.get("properties"), found, home_country=home_country
        )
        errors.extend(FieldError(f"{where}.{e.field}", e.reason) for e in found)
        if schema is None or found:
            continue
        if not any(schema.is_a(s) for s in PERSON_SCHEMATA):
            errors.append(FieldError(f"{where}.schema", "matching covers persons (Person)"))
            continue
        keys = match_keys(schema.name, cleaned)
        # A birth date alone gives keys too, but matches no one by itself.
        if not any(kind in (KIND_MATCH_NAME, KIND_MATCH_ID) for kind, _ in keys):
            errors.append(
                FieldError(f"{where}.properties", "give a name or an identifier to match on")
            )
            continue
        out[str(name)] = MatchQuery(schema.name, cleaned)
    if errors:
        raise ValidationError(errors)
    return out


def screen_candidates(
    conn: Connection,
    subject: Subject,
    pks: Sequence[int],
    weights: Weights,
    threshold: float,
    limit: int | None = None,
) -> dict[int, MatchResult]:
    """The candidates among `pks` that reach `threshold`, with their results; with `limit`,
    only the `limit` best (ties by primary key, the record stored first), which lets a
    candidate that could not beat the last of them go unscored. A candidate is read from
    its stored matching view (names already analysed); one without a view (written by
    another version, or before views existed) from its properties."""
    views = store.get_views(conn, pks)
    prepared = Prepared(subject, weights)
    #: Candidates read from views, kept by their score alone: each is explained at the end,
    #: only if it is still among the best (`score` gives the same number, with features).
    valued: dict[int, tuple[float, Subject]] = {}
    kept: dict[int, MatchResult] = {}
    worst: list[tuple[float, int]] = []  # the kept scores as (score, -pk), worst first

    def keep(pk: int, value: float) -> bool:
        """Keep the candidate if it is among the `limit` best so far (dropping the worst)."""
        if limit is None or len(worst) < limit:
            if limit is not None:
                heapq.heappush(worst, (value, -pk))
            return True
        if (value, -pk) > worst[0]:
            _, out = heapq.heapreplace(worst, (value, -pk))
            valued.pop(-out, None)
            kept.pop(-out, None)
            return True
        return False

    def could_keep(pk: int, view: StoredView) -> bool:
        best = prepared.bound(view.light)
        if best < threshold:
            return False
        # With `limit` kept already, it must beat the worst of them (ties: the smaller key).
        return limit is None or len(worst) < limit or (best, -pk) > worst[0]

    unread: list[int] = []
    for pk in pks:
        text = views.get(pk)
        view = read_view("Person", text) if text is not None else None
        if view is None:
            unread.append(pk)
        elif could_keep(pk, view):
            candidate = view.subject()
            value = prepared.value(candidate)
            if value >= threshold and keep(pk, value):
                valued[pk] = (value, candidate)
    for pk, schema, properties in store.get_properties(conn, unread):
        if schema in PERSON_SCHEMATA:
            result = screen(subject, schema, properties, weights, threshold)
            if result is not None and keep(pk, result.score):
                kept[pk] = result
    for pk, (_, candidate) in valued.items():
        kept[pk] = score(subject, candidate, weights)  # the same score, explained
    return kept


def best_of(results: Mapping[int, MatchResult], limit: int) -> list[int]:
    """The primary keys of the `limit` best results, best first, ties by primary key (the
    record the node stored first): the records worth reading in full, however many
    candidates passed."""
    return sorted(results, key=lambda pk: (-results[pk].score, pk))[:limit]


def match_records(
    node: Node,
    principal: Principal,
    queries: Mapping[str, MatchQuery],
    purpose: Purpose,
    *,
    threshold: float | None = None,
    limit: int = 10,
    algorithm: str = ALGORITHM,
) -> dict[str, tuple[float, list[MatchHit]]]:
    """For each query: the threshold used and the records at or above it, best first."""
    if not 1 <= limit <= MAX_RESULTS:
        raise ValidationError(FieldError("limit", f"must be between 1 and {MAX_RESULTS}"))
    used = node.settings.match_threshold if threshold is None else threshold
    if not 0.0 <= used <= 1.0:
        raise ValidationError(FieldError("threshold", "must be between 0 and 1"))
    try:
        weights = load_weights(algorithm)
    except KeyError:
        raise ValidationError(
            FieldError(
                "algorithm",
                f"unknown algorithm {algorithm!r} (we have {', '.join(algorithms())})",
            )
        ) from None
    cap = node.settings.match_candidates
    answers: dict[str, tuple[float, list[MatchHit]]] = {}
    with node.engine.connect() as conn:
        for name, query in queries.items():
            subject = subject_of(query.schema, query.properties)
            groups = match_key_groups(query.schema, query.properties)
            pks = store.find_candidates(conn, sorted(groups), cap, groups)
            kept = screen_candidates(conn, subject, pks, weights, used, limit)
            shown = best_of(kept, limit)
            hits = [
                MatchHit(s.record, s.caption, kept[s.pk]) for s in store.get_records(conn, shown)
            ]
            answers[name] = (used, hits)
    with node.engine.begin() as conn:
        record_event(
            conn,
            Event.MATCH,
            principal,
            {
                **purpose.to_dict(),
                "algorithm": weights.algorithm,
                "queries": {
                    name: {
                        "schema": queries[name].schema,
                        "properties": queries[name].properties,
                        "results": [[h.record.owner, h.record.id] for h in hits],
                    }
                    for name, (_, hits) in answers.items()
                },
            },
        )
    return answers
